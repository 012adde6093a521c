package io.jetrt.loader.tokenizer;

/**
 * UTF-8 decoding that replaces bad input as Python's {@code errors='replace'} and Rust's
 * {@code from_utf8_lossy} do (and so as Hugging Face decoders do): each maximal subpart of an ill-formed
 * sequence becomes one U+FFFD. Java's own decoder differs on some inputs (for example encoded surrogates,
 * {@code ED A0 80}, give one U+FFFD in Java and three here), so the rule is spelled out here.
 */
final class Utf8 {
    private Utf8() {}

    /** Decodes all of {@code b}, replacing ill-formed parts. */
    static String decode(byte[] b) {
        StringBuilder out = new StringBuilder(b.length);
        decode(b, 0, b.length, true, out);
        return out.toString();
    }

    /**
     * Decodes {@code b[from, to)} into {@code out}. When {@code endOfInput} is false, a trailing sequence
     * that is well-formed so far but incomplete is left alone, since more bytes may complete it.
     *
     * @return the index where decoding stopped: {@code to}, or the start of the held-back sequence
     */
    static int decode(byte[] b, int from, int to, boolean endOfInput, StringBuilder out) {
        int i = from;
        while (i < to) {
            int b0 = b[i] & 0xFF;
            if (b0 < 0x80) {
                out.append((char) b0);
                i++;
                continue;
            }
            int need;
            int cp;
            // The second byte's range is narrower after E0, ED, F0 and F4: that excludes overlong forms,
            // surrogates and code points above U+10FFFF (Unicode Table 3-7).
            int lo = 0x80;
            int hi = 0xBF;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
                cp = b0 & 0x1F;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                cp = b0 & 0x0F;
                if (b0 == 0xE0) lo = 0xA0;
                if (b0 == 0xED) hi = 0x9F;
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                cp = b0 & 0x07;
                if (b0 == 0xF0) lo = 0x90;
                if (b0 == 0xF4) hi = 0x8F;
            } else {
                out.append('\uFFFD');
                i++;
                continue;
            }
            int j = i + 1;
            boolean complete = true;
            for (int k = 0; k < need; k++, j++) {
                if (j >= to) {
                    if (!endOfInput) return i;
                    complete = false;
                    break;
                }
                int c = b[j] & 0xFF;
                if (c < lo || c > hi) {
                    complete = false;
                    break;
                }
                cp = (cp << 6) | (c & 0x3F);
                lo = 0x80;
                hi = 0xBF;
            }
            if (complete) out.appendCodePoint(cp);
            else out.append('\uFFFD'); // the byte at j (if any) starts the next attempt
            i = j;
        }
        return i;
    }
}
