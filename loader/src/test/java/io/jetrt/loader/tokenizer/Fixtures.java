package io.jetrt.loader.tokenizer;

import io.jetrt.loader.json.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The shared tokenizer fixtures: the Qwen2.5 tokenizer files and encodings.json. */
final class Fixtures {
    private static Qwen2Tokenizer qwen;

    private Fixtures() {}

    static Path root() {
        String p = System.getProperty("jetrt.fixtures");
        if (p == null) throw new IllegalStateException("system property jetrt.fixtures is not set");
        return Path.of(p);
    }

    static Path qwenDir() { return root().resolve("tokenizer/qwen2.5"); }

    /** Loaded once for all tests: it is immutable. */
    static synchronized Qwen2Tokenizer qwen() throws IOException {
        if (qwen == null) qwen = Qwen2Tokenizer.load(qwenDir());
        return qwen;
    }

    static Map<String, Object> encodings() {
        try {
            return Json.parseObject(Files.readString(root().resolve("tokenizer/encodings.json")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> cases() { return (List<Map<String, Object>>) encodings().get("cases"); }

    static int[] ids(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> (int) (long) (Long) o).toArray();
    }

    /** A short, printable form of a case's text for test names and failure messages. */
    static String label(String text) {
        StringBuilder b = new StringBuilder();
        text.codePoints().limit(48).forEach(cp -> {
            if (cp == '\n') b.append("\\n");
            else if (cp == '\t') b.append("\\t");
            else b.appendCodePoint(cp);
        });
        if (text.codePointCount(0, text.length()) > 48) b.append("…");
        return "\"" + b + "\"";
    }
}
