package io.jetrt.loader.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into the pieces that BPE then works on, with Qwen2's split pattern: English contractions,
 * words with at most one leading non-letter, single digits, punctuation runs, newline runs and spaces
 * (a run of spaces leaves its last space to the word that follows).
 */
final class PreTokenizer {
    /**
     * The Qwen2 pattern. UNICODE_CHARACTER_CLASS makes {@code \s} Unicode white space and {@code (?i)}
     * Unicode-aware, as in the Oniguruma engine Hugging Face runs it with.
     */
    private static final Pattern SPLIT = Pattern.compile(
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private PreTokenizer() {}

    /** The pieces of {@code text}, in order; they concatenate back to {@code text}. */
    static List<String> split(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher m = SPLIT.matcher(text);
        int last = 0;
        while (m.find()) {
            // The pattern matches every character; a gap would still be kept as a piece of its own.
            if (m.start() > last) pieces.add(text.substring(last, m.start()));
            pieces.add(m.group());
            last = m.end();
        }
        if (last < text.length()) pieces.add(text.substring(last));
        return pieces;
    }
}
