package io.jetrt.loader.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/**
 * Byte-level BPE on one pre-tokenised piece: the piece's UTF-8 bytes start as single-byte tokens, then
 * the adjacent pair with the lowest merge rank is merged (the leftmost one on ties) until no pair merges.
 * Results are cached per piece, since the same words come back again and again. Thread-safe.
 */
final class BpeModel {
    /** Pieces longer than this are not cached: a long run of CJK text is one piece and rarely repeats. */
    private static final int CACHE_MAX_PIECE = 256;
    /** The cache starts over when it reaches this many pieces, which bounds its memory. */
    private static final int CACHE_MAX_ENTRIES = 65_536;

    private final int[] byteIds;
    private final MergeTable merges;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param byteIds the id of each byte's single-character token, indexed by byte value
     * @param merges  the merges with their ranks
     */
    BpeModel(int[] byteIds, MergeTable merges) {
        this.byteIds = byteIds.clone();
        this.merges = merges;
    }

    /** Appends the token ids of {@code piece} to {@code out}. */
    void encode(String piece, IntStream.Builder out) {
        int[] ids = cache.get(piece);
        if (ids == null) {
            ids = merge(piece.getBytes(StandardCharsets.UTF_8));
            if (piece.length() <= CACHE_MAX_PIECE) {
                if (cache.size() >= CACHE_MAX_ENTRIES) cache.clear();
                cache.put(piece, ids);
            }
        }
        for (int id : ids) out.add(id);
    }

    /**
     * Merges the bytes into tokens. The symbols form a linked list over the byte positions; candidate
     * merges wait in a heap keyed by (rank, position), and a popped candidate is dropped when its pair
     * has changed since it was pushed. That keeps long pieces at n log n rather than n².
     */
    private int[] merge(byte[] bytes) {
        int n = bytes.length;
        int[] id = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            id[i] = byteIds[bytes[i] & 0xFF];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) offer(heap, id, next, i);
        int alive = n;
        while (!heap.isEmpty()) {
            long top = heap.poll();
            int pos = (int) top;
            int rank = (int) (top >>> 32);
            int right = id[pos] < 0 ? -1 : next[pos];
            if (right < 0 || merges.rank(id[pos], id[right]) != rank) continue; // stale candidate
            id[pos] = merges.merged(id[pos], id[right]);
            id[right] = -1;
            next[pos] = next[right];
            if (next[pos] >= 0) prev[next[pos]] = pos;
            alive--;
            if (prev[pos] >= 0) offer(heap, id, next, prev[pos]);
            if (next[pos] >= 0) offer(heap, id, next, pos);
        }
        int[] out = new int[alive];
        int k = 0;
        for (int i = 0; i >= 0 && k < alive; i = next[i]) out[k++] = id[i];
        return out;
    }

    /** Pushes the pair that starts at {@code pos} when it merges at all. */
    private void offer(LongHeap heap, int[] id, int[] next, int pos) {
        int rank = merges.rank(id[pos], id[next[pos]]);
        if (rank >= 0) heap.add(((long) rank << 32) | pos);
    }

    /** A binary min-heap of longs: no boxing in the merge loop. */
    private static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) { a = new long[Math.max(4, capacity)]; }

        boolean isEmpty() { return size == 0; }

        void add(long v) {
            if (size == a.length) a = Arrays.copyOf(a, a.length * 2);
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (a[parent] <= v) break;
                a[i] = a[parent];
                i = parent;
            }
            a[i] = v;
        }

        long poll() {
            long top = a[0];
            long last = a[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) break;
                if (child + 1 < size && a[child + 1] < a[child]) child++;
                if (a[child] >= last) break;
                a[i] = a[child];
                i = child;
            }
            a[i] = last;
            return top;
        }
    }
}
