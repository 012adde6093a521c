package io.jetrt.experiments;

/**
 * What a comparison survives: a row (or a variant's composition) that throws becomes a {@code failed} row and the
 * experiment goes on. Recoverable: runtime exceptions (a kernel fault, a faulty plug-in's exception, a device out of
 * memory), the heap out of memory (the row's state and activations are unreachable once it fails), a plug-in's
 * linkage errors and stack overflow. Any other error (the JVM's own) still ends the run.
 */
final class Faults {
    private Faults() {}

    /** Returns when {@code t} is recoverable; rethrows it otherwise. */
    static void rethrowIfFatal(Throwable t) {
        if (t instanceof RuntimeException || t instanceof OutOfMemoryError || t instanceof LinkageError || t instanceof StackOverflowError) return;
        if (t instanceof Error e) throw e;
        throw new IllegalStateException("unexpected checked exception", t); // none is declared on the paths guarded
    }

    /** The exception and its causes, one line: what the report says a failed row died of. */
    static String describe(Throwable t) {
        StringBuilder s = new StringBuilder(t.toString());
        for (Throwable c = t.getCause(); c != null && s.length() < 600; c = c.getCause()) s.append("; caused by ").append(c);
        return s.toString();
    }
}
