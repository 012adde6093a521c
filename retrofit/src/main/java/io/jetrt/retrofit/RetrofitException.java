package io.jetrt.retrofit;

/** A retrofit that cannot start or go on: the message names the file, layer or bundle at fault. */
public final class RetrofitException extends RuntimeException {
    public RetrofitException(String message) { super(message); }

    public RetrofitException(String message, Throwable cause) { super(message, cause); }
}
