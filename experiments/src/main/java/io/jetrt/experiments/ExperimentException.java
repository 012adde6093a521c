package io.jetrt.experiments;

/**
 * An experiment file that cannot be run: the message names the file, the field as a JSON path
 * ({@code variants[2].overrides}) and what the field allows.
 */
public final class ExperimentException extends IllegalArgumentException {
    public ExperimentException(String message) { super(message); }
}
