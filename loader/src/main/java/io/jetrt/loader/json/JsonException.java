package io.jetrt.loader.json;

/** Malformed JSON; the message gives the character offset. */
public final class JsonException extends RuntimeException {
    public JsonException(String message) { super(message); }
}
