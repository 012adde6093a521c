package io.jetrt.experiments;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds the {@link Comparison} a report shows from the rows stored in results.jsonl and those that could not run
 * (not stored): variant-major, then backend, then workload, as the reader compares them.
 */
final class Assembly {
    private Assembly() {}

    /** The environment a shard's report.json recorded, or null when it has none (a shard stopped before its report). */
    static Environment environmentOf(Path dir) {
        Path report = dir.resolve("report.json");
        if (!Files.exists(report)) return null;
        try {
            JsonNode env = Mappers.json().readTree(report.toFile()).get("environment");
            return env == null ? null : Mappers.json().treeToValue(env, Environment.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the environment of " + report, e);
        }
    }

    static Comparison of(Experiment e, String hash, BaseModel base, Map<String, JsonNode> done, List<Measured.Row> notRun, int computed,
                         int resumed, boolean complete, Environment env, List<String> notes) {
        List<VariantProfile> profiles = new ArrayList<>();
        List<PerfRow> perf = new ArrayList<>();
        List<QualityRow> quality = new ArrayList<>();
        for (Variant v : e.variants()) {
            JsonNode p = done.get(VariantProfile.id(v.name()));
            if (p != null) profiles.add(ResultsLog.read(p, VariantProfile.class));
            for (String b : e.backends()) {
                for (Workload w : e.timed() ? e.workloads() : List.<Workload>of()) {
                    String id = PerfRow.id(v.name(), w, b);
                    if (done.containsKey(id)) perf.add(ResultsLog.read(done.get(id), PerfRow.class));
                    else notRun.stream().filter(r -> r.id().equals(id)).findFirst().ifPresent(r -> perf.add((PerfRow) r));
                }
                String qid = QualityRow.id(v.name(), b);
                if (done.containsKey(qid)) quality.add(ResultsLog.read(done.get(qid), QualityRow.class));
                else notRun.stream().filter(r -> r.id().equals(qid)).findFirst().ifPresent(r -> quality.add((QualityRow) r));
            }
        }
        return new Comparison(e, hash, base, env, profiles, perf, quality, computed, resumed, complete, notes);
    }
}
