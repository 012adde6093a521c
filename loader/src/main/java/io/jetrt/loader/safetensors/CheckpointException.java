package io.jetrt.loader.safetensors;

/**
 * A checkpoint file or directory that cannot be used as it is. The message always starts with the
 * file (or directory, or index file) and, where one tensor is concerned, names it:
 * {@code /m/model.safetensors: tensor 'q_proj.weight': data_offsets [0, 64] hold 64 bytes but F32 [4, 8] needs 128}.
 */
public final class CheckpointException extends RuntimeException {
    public CheckpointException(String message) { super(message); }

    public CheckpointException(String message, Throwable cause) { super(message, cause); }
}
