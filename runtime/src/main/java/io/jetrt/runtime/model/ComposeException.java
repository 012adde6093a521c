package io.jetrt.runtime.model;

/** A model that cannot be composed: the message names the layer, block type, tensor or bundle at fault. */
public final class ComposeException extends RuntimeException {
    public ComposeException(String message) { super(message); }
}
