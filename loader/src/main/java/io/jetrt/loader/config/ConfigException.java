package io.jetrt.loader.config;

/** A config file that cannot be used; the message names the file and field. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) { super(message); }
}
