package io.jetrt.experiments;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The progress bar redraws one line with {@code \r} on a terminal, and prints a plain line per finished row elsewhere. */
class ProgressTest {

    /** What a run of 3 planned rows (1 resumed) prints: one row runs, one cannot run. */
    private static String output(boolean terminal, Consumer<Progress> rows) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), 3, 1, terminal);
        rows.accept(p);
        p.close();
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static void twoRows(Progress p) {
        p.starting("a p8 cpu");
        p.finished("a p8 cpu");
        p.pause();
        p.skipped("a cuda unavailable");
    }

    @Test
    void onATerminalOneLineIsRedrawn() {
        String out = output(true, ProgressTest::twoRows);
        List<String> lines = List.of(out.split("\n")); // not lines(): that splits at \r too
        assertEquals(2, lines.size(), "the line the pause ended, then the last one: " + out);
        assertTrue(lines.get(0).startsWith("\r[########----------------] 1/3 rows") && lines.get(0).contains("a p8 cpu"), lines.get(0));
        assertEquals(2, lines.get(0).chars().filter(c -> c == '\r').count(), "drawn when the row starts and when it finishes");
        assertTrue(lines.get(0).contains("\r[################--------] 2/3 rows"), lines.get(0));
        String last = lines.get(1);
        assertTrue(last.contains("\r[########################] 3/3 rows") && last.strip().endsWith(" done"), last);
        String pad = " ".repeat("a cuda unavailable".length() - "done".length());
        assertTrue(last.endsWith(" done" + pad), "blanks over the rest of the longer line drawn before it: " + last);
        assertTrue(last.contains("a cuda unavailable"), "the skipped row was drawn before done: " + last);
    }

    @Test
    void elsewhereEachFinishedRowIsOnePlainLine() {
        String out = output(false, ProgressTest::twoRows);
        assertFalse(out.contains("\r"), out);
        List<String> lines = out.lines().toList();
        assertEquals(2, lines.size(), "one line per finished or skipped row, none when a row starts, no repeat at the end: " + out);
        assertTrue(lines.get(0).startsWith("[################--------] 2/3 rows") && lines.get(0).endsWith("ETA 0:00  a p8 cpu"), lines.get(0));
        assertTrue(lines.get(1).startsWith("[########################] 3/3 rows") && lines.get(1).endsWith("ETA --  a cuda unavailable"),
                lines.get(1));
    }

    @Test
    void elsewhereARunWithNothingLeftSaysWhereItEnded() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), 3, 3, false);
        p.close();
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("[########################] 3/3 rows") && out.endsWith(" done\n"), out);
        assertEquals(1, out.lines().count());
    }
}
