package io.jetrt.experiments;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code results.jsonl}: one line per finished row, appended and synced as soon as the row is done, each
 * carrying the row id and the experiment's config hash. A rerun with the same experiment finds its finished
 * rows here and skips them; lines of another config hash are kept but ignored, and a last line cut short
 * by a kill is ignored too (its row simply runs again).
 */
final class ResultsLog {
    static final String FILE = "results.jsonl";

    private final Path file;
    private final String configHash;
    private int ignoredLines;

    ResultsLog(Path dir, String configHash) {
        this.file = dir.resolve(FILE);
        this.configHash = configHash;
    }

    Path file() { return file; }

    /** Lines that could not be read (a row cut short by a kill); reported, not fatal. */
    int ignoredLines() { return ignoredLines; }

    /** The finished rows of this config hash, by row id (a later line wins); read one with {@link #read}. */
    Map<String, JsonNode> finished() {
        Map<String, JsonNode> rows = new LinkedHashMap<>();
        if (!Files.exists(file)) return rows;
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        ignoredLines = 0;
        for (String line : lines) {
            if (line.isBlank()) continue;
            try {
                JsonNode row = Mappers.json().readTree(line);
                if (!row.isObject()) ignoredLines++;
                else if (row.path("config_hash").asText().equals(configHash) && row.path("row").isTextual()) {
                    rows.put(row.get("row").asText(), row);
                }
            } catch (JacksonException e) {
                ignoredLines++;
            }
        }
        return rows;
    }

    /** The config hashes of lines that are not this experiment's (for a refusal that names them). */
    List<String> otherHashes() {
        if (!Files.exists(file)) return List.of();
        try {
            java.util.TreeSet<String> out = new java.util.TreeSet<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                try {
                    String h = Mappers.json().readTree(line).path("config_hash").asText("");
                    if (!h.isEmpty() && !h.equals(configHash)) out.add(h);
                } catch (JacksonException e) {
                    // a line cut short: not another experiment's
                }
            }
            return List.copyOf(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** A stored line without what {@link #append} adds, to be appended again (e.g. into a merged log). */
    static ObjectNode withoutBookkeeping(JsonNode row) {
        ObjectNode m = ((ObjectNode) row).deepCopy();
        m.remove("config_hash");
        m.remove("finished_at");
        return m;
    }

    /** A row as read by {@link #finished}, as {@code type} ({@link PerfRow}, {@link QualityRow}, {@link VariantProfile}). */
    static <T> T read(JsonNode row, Class<T> type) {
        try {
            return Mappers.json().treeToValue(row, type);
        } catch (JacksonException e) {
            throw new IllegalStateException(FILE + ": row " + row.path("row").asText() + " is not a " + type.getSimpleName() + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    /** Appends one finished row (adding the config hash first and the time last), syncs it to disk and returns what it wrote. */
    JsonNode append(Object row) {
        ObjectNode m = Mappers.json().createObjectNode().put("config_hash", configHash);
        m.setAll((ObjectNode) Mappers.json().valueToTree(row));
        m.put("finished_at", Instant.now().toString());
        // a kill between two rows must not leave half a line: one write of the whole line, then force
        byte[] line = (Mappers.line(m) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            Files.createDirectories(file.getParent());
            boolean cut = Files.exists(file) && !endsWithNewline(file);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                if (cut) ch.write(ByteBuffer.wrap(new byte[] {'\n'}));
                ByteBuffer buf = ByteBuffer.wrap(line);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
        return m;
    }

    /** A line cut short by a kill has no newline: start the next row on a line of its own. */
    private static boolean endsWithNewline(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() == 0) return true;
            ByteBuffer last = ByteBuffer.allocate(1);
            ch.read(last, ch.size() - 1);
            return last.get(0) == '\n';
        }
    }
}
