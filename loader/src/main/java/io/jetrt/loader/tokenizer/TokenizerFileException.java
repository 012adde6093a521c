package io.jetrt.loader.tokenizer;

import java.io.IOException;
import java.nio.file.Path;

/** A tokenizer file is missing, unreadable or malformed. The message starts with the file's path. */
public final class TokenizerFileException extends IOException {
    private final transient Path file;

    public TokenizerFileException(Path file, String what) {
        super(file + ": " + what);
        this.file = file;
    }

    public TokenizerFileException(Path file, String what, Throwable cause) {
        super(file + ": " + what, cause);
        this.file = file;
    }

    /** The file the problem is about. */
    public Path file() { return file; }
}
