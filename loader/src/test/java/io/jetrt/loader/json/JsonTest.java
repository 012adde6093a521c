package io.jetrt.loader.json;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The strict reader of checkpoint headers and configs ({@link Json}): what it accepts, with the Java types it
 * promises, and each refusal with its message and the offset of the offending character. Duplicate keys must be
 * refused (a header naming one tensor twice must not silently keep one). It has a nesting limit (512) and no
 * size limit of its own.
 */
class JsonTest {

    @Test
    void nestedDocumentKeepsStructureAndKeyOrder() {
        Object v = Json.parse(" {\"z\": [1, {\"b\": null, \"c\": [true, false]}],\n\t\"a\": {}, \"m\": [] }\r\n");
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("b", null);
        inner.put("c", List.of(true, false));
        assertEquals(Map.of("z", Arrays.asList(1L, inner), "a", Map.of(), "m", List.of()), v);
        assertInstanceOf(LinkedHashMap.class, v);
        assertEquals(List.of("z", "a", "m"), new ArrayList<>(((Map<?, ?>) v).keySet()), "document order kept");
    }

    @Test
    void scalarsAtTheTopLevel() {
        assertEquals(Boolean.TRUE, Json.parse("true"));
        assertEquals(Boolean.FALSE, Json.parse("false"));
        assertNull(Json.parse(" null "));
        assertEquals("x", Json.parse("\"x\""));
        assertEquals(7L, Json.parse("7"));
    }

    /** Integral literals become Long while they fit; a fraction or an exponent makes a Double. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "0, 0", "-0, 0", "12, 12", "-12, -12", "123456789012345678, 123456789012345678",
        "9223372036854775807, 9223372036854775807", "-9223372036854775808, -9223372036854775808",
    })
    void integersAreLongs(String text, long expected) {
        assertEquals(expected, assertInstanceOf(Long.class, Json.parse(text)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "1.0, 1.0", "1.5, 1.5", "-1.5e3, -1500", "1E2, 100", "1e-2, 0.01", "2.5E+1, 25", "-0.0, -0.0", "0e0, 0",
        "9223372036854775808, 9.223372036854775808E18", "-9223372036854775809, -9.223372036854775809E18",
        "1e400, Infinity", "1e-400, 0",
    })
    void fractionsExponentsAndOverflowingIntegersAreDoubles(String text, double expected) {
        assertEquals(expected, assertInstanceOf(Double.class, Json.parse(text)));
    }

    @Test
    void escapesAndUnicode() {
        assertEquals("a\"b\\c/d\b\f\n\r\t", Json.parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\""));
        assertEquals("Aé中", Json.parse("\"\\u0041\\u00e9\\u4E2D\""));
        String grin = Json.parse("\"\\ud83d\\ude00\"").toString();   // a surrogate pair is one code point
        assertEquals(1, grin.codePointCount(0, grin.length()));
        assertEquals(0x1F600, grin.codePointAt(0));
        assertEquals("é😀\u007f\u2028", Json.parse("\"é😀\u007f\u2028\""), "non-ASCII and DEL pass unescaped");
        assertEquals("", Json.parse("\"\""));
    }

    @Test
    void quoteRoundTripsEveryAsciiCharacterAndBeyond() {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x80; c++) all.append(c);
        all.append("é中😀\u2028\ud800");
        String s = all.toString();
        String quoted = Json.quote(new StringBuilder(), s).toString();
        for (int i = 1; i < quoted.length() - 1; i++) {
            assertFalse(quoted.charAt(i) < 0x20, "control character left raw at " + i + " of " + quoted);
        }
        assertEquals(s, Json.parse(quoted));
    }

    @Test
    void parseObjectRefusesOtherTopLevelValues() {
        assertEquals(Map.of("a", 1L), Json.parseObject("{\"a\":1}"));
        assertError("expected a JSON object at the top level; got an array", () -> Json.parseObject("[1]"));
        assertError("expected a JSON object at the top level; got a string", () -> Json.parseObject("\"{}\""));
        assertError("expected a JSON object at the top level; got null", () -> Json.parseObject("null"));
    }

    @Test
    void duplicateKeysAreRefusedAtTheSecondKey() {
        assertError("duplicate key \"a\" at offset 7", "{\"a\":1,\"a\":2}");
        assertError("duplicate key \"t\" at offset 22", "{\"h\":{\"t\":[0,1],\"u\":2,\"t\":3}}");
        // the same key written two ways is still one key
        assertError("duplicate key \"a\" at offset 7", "{\"a\":1,\"\\u0061\":2}");
        assertEquals(Map.of("a", Map.of("a", 1L)), Json.parse("{\"a\":{\"a\":1}}"), "one name at two levels is fine");
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // trailing garbage
        "{} x              | unexpected trailing characters at offset 3",
        "{}{}              | unexpected trailing characters at offset 2",
        "01                | unexpected trailing characters at offset 1",
        "truex             | unexpected trailing characters at offset 4",
        // unterminated
        "`\"abc`           | unterminated string at offset 4",
        "`\"ab\\`          | unterminated escape at offset 4",
        "[1,2              | unexpected end of input at offset 4",
        "[                 | unexpected end of input at offset 1",
        "`{\"a\":1`        | unexpected end of input at offset 6",
        "`{\"a\"`          | unexpected end of input at offset 4",
        "`{`               | expected a string key at offset 1",
        "`   `             | unexpected end of input at offset 3",
        // structure
        "[1 2]             | expected ',' or ']' at offset 3",
        "[01]              | expected ',' or ']' at offset 2",
        "[1,]              | unexpected character ']' at offset 3",
        "`{\"a\":1,}`      | expected a string key at offset 7",
        "`{\"a\" 1}`       | expected ':' at offset 5",
        "`{\"a\":1 \"b\":2}` | expected ',' or '}' at offset 7",
        "{a:1}             | expected a string key at offset 1",
        "`{'a':1}`         | expected a string key at offset 1",
        // literals
        "tru               | unexpected token at offset 0",
        "[nul]             | unexpected token at offset 1",
        "True              | unexpected character 'T' at offset 0",
        "NaN               | unexpected character 'N' at offset 0",
        // numbers
        "-                 | bad number at offset 1",
        "-a                | bad number at offset 1",
        "1.                | bad number: digit expected after '.' at offset 2",
        "1.e5              | bad number: digit expected after '.' at offset 2",
        "1e                | bad number: digit expected in exponent at offset 2",
        "1e+               | bad number: digit expected in exponent at offset 3",
        ".5                | unexpected character '.' at offset 0",
        "+1                | unexpected character '+' at offset 0",
        // escapes
        "`\"\\x\"`         | bad escape '\\x' at offset 2",
        "`\"\\u12\"`       | short \\u escape at offset 3",
        "`[\"\\u12\"]`     | bad hex digit in \\u escape at offset 6",
        "`\"\\uZZZZ\"`     | bad hex digit in \\u escape at offset 3",
    })
    void malformedInputIsRefusedWithWhereAndWhy(String text, String message) {
        assertError(message, text);
    }

    /** RFC 8259 knows four whitespace characters; form feed, NBSP and a byte-order mark are not among them. */
    @Test
    void onlyJsonWhitespace() {
        assertError("unexpected trailing characters at offset 2", "{}\f");
        assertError("unexpected character '\u00a0' at offset 0", "\u00a0{}");
        assertError("unexpected character '\ufeff' at offset 0", "\ufeff{}");
    }

    @Test
    void controlCharactersInStringsAreRefused() {
        assertError("control character in string at offset 3", "[\"a\nb\"]");
        assertError("control character in string at offset 1", "\"\t\"");
        assertError("control character in string at offset 2", "\"a\u0000\"");
        assertError("control character in string at offset 1", "\"\u001f\"");
    }

    /** Hex digits of a \\u escape are ASCII only: Character.digit would also take Arabic-Indic or full-width digits. */
    @Test
    void nonAsciiHexDigitsAreRefused() {
        assertError("bad hex digit in \\u escape at offset 3", "\"\\u\u0660\u0660\u0664\u0661\"");
        assertError("bad hex digit in \\u escape at offset 6", "\"\\u004\uff21\"");
    }

    /** 513 levels (512 containers around the innermost) parse; one more is refused, far more without a stack overflow. */
    @Test
    void nestingIsLimited() {
        Object v = Json.parse("[".repeat(513) + "]".repeat(513));
        for (int level = 1; level < 513; level++) v = ((List<?>) v).getFirst();
        assertEquals(List.of(), v);
        assertError("nesting deeper than 512 at offset 513", "[".repeat(514) + "]".repeat(514));
        assertError("nesting deeper than 512 at offset 513", "[".repeat(200_000));
        // an object level is the five characters {"a":
        assertError("nesting deeper than 512 at offset " + 5 * 513, "{\"a\":".repeat(200_000) + "1" + "}".repeat(200_000));
    }

    private static void assertError(String message, String text) {
        assertError(message, () -> Json.parse(text));
    }

    private static void assertError(String message, Runnable parse) {
        JsonException e = assertThrows(JsonException.class, parse::run);
        assertEquals(message, e.getMessage());
    }
}
