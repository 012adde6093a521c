package io.jetrt.conformance;

/**
 * A block broke a conformance property. An {@link AssertionError}, so JUnit, TestNG and plain
 * {@code assert}-style runners all report it as a failure; {@link #check()} says which property.
 * The message reads {@code <type> <version> [<backend>] <check>, <shape>: <what differed>}.
 */
public final class ConformanceFailure extends AssertionError {
    private static final long serialVersionUID = 1L;

    private final Check check;

    public ConformanceFailure(Check check, String message) {
        super(message);
        this.check = check;
    }

    public ConformanceFailure(Check check, String message, Throwable cause) {
        super(message, cause);
        this.check = check;
    }

    public Check check() { return check; }
}
