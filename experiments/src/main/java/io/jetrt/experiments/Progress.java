package io.jetrt.experiments;

import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress on stderr: a bar, rows done of all rows (resumed rows count as done), elapsed time, an ETA from
 * the mean time of the rows run so far, and the row running now. On a terminal it is one line redrawn with
 * {@code \r}; anywhere else (a file, a pipe, a CI log, where {@code \r} piles up into one unreadable line)
 * it prints one plain line per finished row.
 */
final class Progress {
    private static final int WIDTH = 24;

    private final PrintStream err;
    private final int total;
    private final boolean redraw;
    private final long started = System.nanoTime();
    private int done;
    private int run;
    private int lastLength;
    private int printedDone = -1;

    /** @param redraw redraw one line with {@code \r} (on a terminal: {@link #onTerminal()}), else a line per finished row */
    Progress(PrintStream err, int total, int resumed, boolean redraw) {
        this.err = err;
        this.total = total;
        this.done = resumed;
        this.redraw = redraw;
    }

    /** Whether this process talks to a terminal (not redirected to a file or a pipe). */
    static boolean onTerminal() {
        Console c = System.console();
        return c != null && c.isTerminal();
    }

    void starting(String row) {
        if (redraw) draw(row);
    }

    void finished(String row) {
        done++;
        run++;
        show(row);
    }

    /** A row that could not run still counts as done. */
    void skipped(String row) {
        done++;
        show(row);
    }

    /** Ends the bar's line before other output (e.g. the composer's log), which would otherwise run into it. */
    void pause() {
        if (lastLength == 0) return;
        err.println();
        lastLength = 0;
    }

    /** Ends the line so that what follows starts on its own; without a bar, says where it ended unless the last line did. */
    void close() {
        if (redraw) {
            draw("done");
            err.println();
        } else if (printedDone != done) {
            show("done");
        }
    }

    private void show(String what) {
        if (redraw) {
            draw(what);
        } else {
            err.println(line(what));
            printedDone = done;
        }
    }

    private void draw(String what) {
        String line = line(what);
        err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
        err.flush();
        lastLength = line.length();
    }

    private String line(String what) {
        double elapsed = (System.nanoTime() - started) / 1e9;
        int filled = total == 0 ? WIDTH : WIDTH * done / total;
        String eta = run == 0 || done >= total ? "--" : clock(elapsed / run * (total - done));
        return String.format(Locale.ROOT, "[%s%s] %d/%d rows  %s elapsed  ETA %s  %s", "#".repeat(filled),
                "-".repeat(WIDTH - filled), done, total, clock(elapsed), eta, what);
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
