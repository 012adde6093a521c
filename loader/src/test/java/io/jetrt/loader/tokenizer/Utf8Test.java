package io.jetrt.loader.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Replacement of ill-formed UTF-8 follows Python's errors='replace' (expected values taken from it). */
class Utf8Test {
    private static String decode(String hex) { return Utf8.decode(HexFormat.of().parseHex(hex)); }

    @Test
    void wellFormed() {
        assertEquals("aé東🚀", decode("61c3a9e69db1f09f9a80"));
    }

    @Test
    void oneReplacementPerMaximalSubpart() {
        assertEquals("\uFFFD", decode("f09f9a"));              // truncated 4-byte sequence
        assertEquals("\uFFFD(\uFFFD", decode("e228a1"));       // E2 cut short by '(', lone A1
        assertEquals("\uFFFD\uFFFD\uFFFD", decode("eda080")); // encoded surrogate: ED then two strays
        assertEquals("\uFFFD\uFFFD", decode("c0af"));          // overlong lead C0, stray AF
        assertEquals("\uFFFD\uFFFD\uFFFD\uFFFD", decode("f4908080")); // above U+10FFFF
        assertEquals("\uFFFDA", decode("ff41"));                  // invalid lead byte
    }

    @Test
    void holdsBackOnlyWhatCanStillComplete() {
        byte[] b = HexFormat.of().parseHex("41f09f9a");
        StringBuilder out = new StringBuilder();
        assertEquals(1, Utf8.decode(b, 0, b.length, false, out));
        assertEquals("A", out.toString());
        byte[] bad = HexFormat.of().parseHex("41eda0");
        out.setLength(0);
        assertEquals(3, Utf8.decode(bad, 0, bad.length, false, out));
        assertEquals("A\uFFFD\uFFFD", out.toString());
    }
}
