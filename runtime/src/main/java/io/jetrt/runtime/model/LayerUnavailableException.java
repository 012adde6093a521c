package io.jetrt.runtime.model;

/** Layers whose block type has no provider installed; the model resumes when one returns. */
public final class LayerUnavailableException extends RuntimeException {
    public LayerUnavailableException(String message) { super(message); }
}
