package io.jetrt.loader.tokenizer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Tokens added on top of the BPE vocabulary ({@code <|endoftext|>}, {@code <|im_start|>}, …). They are
 * matched literally in the raw text before anything else happens, leftmost first and, among tokens that
 * start at the same place, longest first, so that user text can never split them.
 */
final class AddedTokens {
    /** One added token; {@code special} ones can be skipped when decoding. */
    record Token(int id, String content, boolean special) {}

    private final Map<Integer, Token> byId = new HashMap<>();
    private final Map<String, Token> byContent = new HashMap<>();
    /** Longest first, so the first token that matches at a position is the longest one there. */
    private final List<Token> longestFirst;
    /** The characters tokens start with: positions starting otherwise need no check. */
    private final String firstChars;

    AddedTokens(Collection<Token> tokens) {
        StringBuilder first = new StringBuilder();
        for (Token t : tokens) {
            if (t.content().isEmpty()) throw new IllegalArgumentException("added token " + t.id() + " is empty");
            if (byId.put(t.id(), t) != null) throw new IllegalArgumentException("added token id " + t.id() + " twice");
            if (byContent.put(t.content(), t) != null)
                throw new IllegalArgumentException("added token \"" + t.content() + "\" twice");
            if (first.indexOf(t.content().substring(0, 1)) < 0) first.append(t.content().charAt(0));
        }
        longestFirst = new ArrayList<>(tokens);
        longestFirst.sort(Comparator.comparingInt((Token t) -> t.content().length()).reversed());
        firstChars = first.toString();
    }

    Token byId(int id) { return byId.get(id); }

    OptionalInt id(String content) {
        Token t = byContent.get(content);
        return t == null ? OptionalInt.empty() : OptionalInt.of(t.id());
    }

    /**
     * Cuts {@code text} at added tokens: the stretches between them go to {@code plain} (never empty),
     * the tokens' ids to {@code added}, in text order.
     */
    void split(String text, Consumer<String> plain, IntConsumer added) {
        int start = 0;
        int i = 0;
        while (i < text.length()) {
            Token hit = firstChars.indexOf(text.charAt(i)) < 0 ? null : match(text, i);
            if (hit == null) {
                i++;
                continue;
            }
            if (i > start) plain.accept(text.substring(start, i));
            added.accept(hit.id());
            i += hit.content().length();
            start = i;
        }
        if (start < text.length()) plain.accept(text.substring(start));
    }

    private Token match(String text, int at) {
        for (Token t : longestFirst) if (text.startsWith(t.content(), at)) return t;
        return null;
    }
}
