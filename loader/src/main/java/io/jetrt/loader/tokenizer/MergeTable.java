package io.jetrt.loader.tokenizer;

import java.util.Arrays;

/**
 * The BPE merges as a map from a pair of token ids to the merge's rank (its line in merges.txt, 0 first)
 * and the id of the merged token. Open addressing on primitive arrays: encoding looks pairs up in its
 * innermost loop, and 150k boxed entries would cost both memory and time.
 */
final class MergeTable {
    private static final long EMPTY = -1L; // never a key: ids are non-negative
    private final long[] keys;
    private final int[] ranks;
    private final int[] merged;
    private final int mask;
    private final int shift;
    private int size;

    /** A table with room for {@code capacity} merges. */
    MergeTable(int capacity) {
        int n = Integer.highestOneBit(Math.max(4, capacity * 2 - 1)) << 1; // load factor at most 1/2
        keys = new long[n];
        Arrays.fill(keys, EMPTY);
        ranks = new int[n];
        merged = new int[n];
        mask = n - 1;
        shift = 64 - Integer.numberOfTrailingZeros(n);
    }

    /** Adds the merge {@code (left, right) → result}; returns false when the pair is already there. */
    boolean put(int left, int right, int rank, int result) {
        if (size * 2 >= keys.length) throw new IllegalStateException("merge table full");
        long key = key(left, right);
        int slot = slot(key);
        if (keys[slot] == key) return false;
        keys[slot] = key;
        ranks[slot] = rank;
        merged[slot] = result;
        size++;
        return true;
    }

    /** The rank of merging {@code (left, right)}, or -1 when the pair never merges. */
    int rank(int left, int right) {
        int slot = slot(key(left, right));
        return keys[slot] == EMPTY ? -1 : ranks[slot];
    }

    /** The id of the token that {@code (left, right)} merges into; only for pairs that merge. */
    int merged(int left, int right) {
        return merged[slot(key(left, right))];
    }

    int size() { return size; }

    private static long key(int left, int right) { return ((long) left << 32) | (right & 0xFFFFFFFFL); }

    /** The slot holding {@code key}, or the empty slot where it would go. */
    private int slot(long key) {
        int i = (int) ((key * 0x9E3779B97F4A7C15L) >>> shift); // Fibonacci hashing: the top bits mix best
        while (keys[i] != EMPTY && keys[i] != key) i = (i + 1) & mask;
        return i;
    }
}
