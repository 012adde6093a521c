package io.jetrt.experiments;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes every output of a comparison into its output directory — report.json, report.csv,
 * variants.csv, report.html — and prints the tables to the console.
 */
public final class ReportWriter {
    private ReportWriter() {}

    /** The files written, in the order listed above. */
    public static List<Path> write(Comparison c, PrintStream console) {
        Path dir = c.experiment().output();
        List<Path> files = List.of(dir.resolve("report.json"), dir.resolve("report.csv"), dir.resolve("variants.csv"),
                dir.resolve("report.html"));
        save(files.get(0), Mappers.pretty(c));
        save(files.get(1), CsvReport.rows(c));
        save(files.get(2), CsvReport.variants(c));
        save(files.get(3), HtmlReport.render(c));
        console.print(text(c));
        return files;
    }

    /** The console tables: the variants, then the timed rows and how they were measured, then the rows skipped or failed with why. */
    public static String text(Comparison c) {
        StringBuilder b = new StringBuilder();
        b.append('\n').append(Tables.variants(c).render());
        if (c.experiment().timed()) b.append('\n').append(Tables.rows(c).render()).append(c.experiment().measurementPolicy()).append('\n');
        Tables.Table notRun = Tables.notRun(c);
        if (!notRun.rows().isEmpty()) b.append("\nRows not measured\n").append(notRun.render());
        return b.toString();
    }

    private static void save(Path file, String text) {
        try {
            // written beside and moved, so that a reader never sees half a report
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
