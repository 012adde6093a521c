package io.jetrt.cli;

import java.io.InputStream;
import java.io.PrintStream;

/** Where a command reads (chat turns) and writes: results to {@code out}, progress and throughput to {@code err}. */
record Streams(InputStream in, PrintStream out, PrintStream err) {}
