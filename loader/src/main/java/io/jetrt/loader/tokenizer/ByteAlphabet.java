package io.jetrt.loader.tokenizer;

import java.util.Arrays;

/**
 * The GPT-2 byte-to-unicode alphabet used by byte-level BPE. Every byte gets one printable character,
 * so that token strings in vocab.json and merges.txt never hold spaces or control characters: the
 * printable Latin-1 bytes ({@code '!'..'~'}, {@code '¡'..'¬'}, {@code '®'..'ÿ'}) stand for themselves,
 * and the other 68 bytes, in increasing order, take the characters U+0100, U+0101, … (space becomes 'Ġ').
 */
final class ByteAlphabet {
    private static final char[] CHAR_OF_BYTE = new char[256];
    /** Inverse map, indexed by character; covers U+0000..U+01FF, which holds every alphabet character. */
    private static final int[] BYTE_OF_CHAR = new int[512];
    /** The 256 bytes sorted by their character: the order of the first 256 ids of a byte-level vocabulary. */
    private static final int[] BYTES_IN_ORDER = new int[256];

    static {
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            CHAR_OF_BYTE[b] = (char) (printable ? b : 256 + extra++);
        }
        Arrays.fill(BYTE_OF_CHAR, -1);
        for (int b = 0; b < 256; b++) BYTE_OF_CHAR[CHAR_OF_BYTE[b]] = b;
        int k = 0;
        for (int c = 0; c < BYTE_OF_CHAR.length; c++) if (BYTE_OF_CHAR[c] >= 0) BYTES_IN_ORDER[k++] = BYTE_OF_CHAR[c];
    }

    private ByteAlphabet() {}

    /** The character that stands for byte {@code b} (0..255). */
    static char charOf(int b) { return CHAR_OF_BYTE[b & 0xFF]; }

    /** The byte that character {@code c} stands for, or -1 when {@code c} is not in the alphabet. */
    static int byteOf(char c) { return c < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[c] : -1; }

    /** The byte at position {@code i} (0..255) when the alphabet is sorted by character. */
    static int byteAt(int i) { return BYTES_IN_ORDER[i]; }

    /** {@code bytes} written in the alphabet, one character per byte. */
    static String encode(byte[] bytes) {
        char[] cs = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) cs[i] = charOf(bytes[i]);
        return new String(cs);
    }
}
