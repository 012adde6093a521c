package io.jetrt.runtime.model;

/** A block that threw or produced non-finite values during compute; the message names layer, provider and bundle. */
public final class BlockFaultException extends RuntimeException {
    public BlockFaultException(String message, Throwable cause) { super(message, cause); }
}
