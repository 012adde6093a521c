package io.jetrt.experiments;

import java.io.PrintStream;
import java.util.Locale;

/**
 * One line on stderr, redrawn with {@code \r}: a bar, rows done of all rows (resumed rows count as done),
 * elapsed time, an ETA from the mean time of the rows run so far, and the row running now.
 */
final class Progress {
    private static final int WIDTH = 24;

    private final PrintStream err;
    private final int total;
    private final long started = System.nanoTime();
    private int done;
    private int run;
    private int lastLength;

    Progress(PrintStream err, int total, int resumed) {
        this.err = err;
        this.total = total;
        this.done = resumed;
    }

    void starting(String row) { draw(row); }

    void finished(String row) {
        done++;
        run++;
        draw(row);
    }

    /** A row that could not run still counts as done. */
    void skipped(String row) {
        done++;
        draw(row);
    }

    /** Ends the bar's line before other output (e.g. the composer's log), which would otherwise run into it. */
    void pause() {
        if (lastLength == 0) return;
        err.println();
        lastLength = 0;
    }

    /** Ends the line so that what follows starts on its own. */
    void close() {
        draw("done");
        err.println();
    }

    private void draw(String what) {
        double elapsed = (System.nanoTime() - started) / 1e9;
        int filled = total == 0 ? WIDTH : WIDTH * done / total;
        String eta = run == 0 || done >= total ? "--" : clock(elapsed / run * (total - done));
        String line = String.format(Locale.ROOT, "[%s%s] %d/%d rows  %s elapsed  ETA %s  %s", "#".repeat(filled),
                "-".repeat(WIDTH - filled), done, total, clock(elapsed), eta, what);
        err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
        err.flush();
        lastLength = line.length();
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
