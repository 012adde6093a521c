package io.jetrt.loader.tokenizer;

import java.io.ByteArrayOutputStream;

/**
 * Decodes ids that arrive one at a time, as a model generates them. A token can end in the middle of a
 * UTF-8 character (emoji and CJK characters often span two tokens), so the bytes of an incomplete
 * character are held back until the tokens that complete it arrive. Concatenating what {@link #feed}
 * returns, followed by {@link #finish()}, gives exactly {@link Qwen2Tokenizer#decode(int[], boolean)} of
 * all the ids. One instance per sequence; not thread-safe.
 */
public final class StreamingDecoder {
    private final Qwen2Tokenizer tokenizer;
    private final boolean skipSpecial;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    /** @param skipSpecial leave out added tokens marked special, as {@code decode(ids, true)} does */
    public StreamingDecoder(Qwen2Tokenizer tokenizer, boolean skipSpecial) {
        this.tokenizer = tokenizer;
        this.skipSpecial = skipSpecial;
    }

    /** Takes the next id; returns the text that it completes (often empty, never null). */
    public String feed(int id) {
        tokenizer.appendBytes(id, skipSpecial, pending);
        return drain(false);
    }

    /** Ends the sequence: returns what was held back, with U+FFFD for a character that never completed. */
    public String finish() { return drain(true); }

    private String drain(boolean end) {
        byte[] b = pending.toByteArray();
        StringBuilder out = new StringBuilder();
        int stop = Utf8.decode(b, 0, b.length, end, out);
        pending.reset();
        pending.write(b, stop, b.length - stop);
        return out.toString();
    }
}
