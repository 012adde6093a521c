package io.jetrt.cli;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.RuntimeSettings;

import java.io.IOException;

/**
 * A subcommand of {@code jetrt}, its options parsed by picocli into the implementing object. {@link Main}
 * starts one runtime with {@link #settings()} and calls {@link #run} in it.
 */
interface JetrtCommand {
    /** Settings of the runtime this command runs in: the bundles directory, and whether it is watched. */
    RuntimeSettings settings();

    /**
     * Checks across options that picocli cannot make alone, before the runtime starts; a
     * {@link picocli.CommandLine.ParameterException} is reported as a usage error.
     */
    default void check() {}

    /** Does the work in a started runtime; returns the exit code. */
    int run(JetRuntime rt, Streams io) throws IOException;
}
