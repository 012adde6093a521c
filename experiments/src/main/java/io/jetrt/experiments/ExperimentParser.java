package io.jetrt.experiments;

import io.jetrt.loader.config.ModelConfig;
import io.jetrt.loader.json.Json;
import io.jetrt.loader.json.JsonException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Reads an experiment file (JSON; the README has a full example). Everything is checked here, before any
 * model is loaded: unknown fields, types, ranges, duplicate names, the override syntax. Errors name the
 * field by its JSON path and say what it allows.
 */
public final class ExperimentParser {
    static final List<String> TOP = List.of("name", "model", "variants", "workloads", "metrics", "backends", "repetitions",
            "warmup", "warmup_max", "seed", "init_seed", "context_lengths", "evaluation", "output");
    static final List<String> MODEL = List.of("checkpoint", "demo", "config", "seed");
    static final List<String> DEMO_SHAPES = List.of("tiny", "2b");
    static final List<String> VARIANT = List.of("name", "overrides", "retrofit");
    static final List<String> WORKLOADS = List.of("prompt_lengths", "generation_lengths", "batch_sizes", "fill", "cap_batch");
    static final List<String> FILLS = List.of(Workload.PREFILL, Workload.SYNTHETIC);
    static final List<String> EVALUATION = List.of("file", "text", "max_tokens", "chunk");
    private static final String NAME_RULE = "a name of letters, digits, '.', '_' or '-'";

    private ExperimentParser() {}

    public static Experiment read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ExperimentException(file + ": the experiment file does not exist");
        } catch (IOException e) {
            throw new ExperimentException(file + ": cannot read the experiment file: " + e);
        }
        Path dir = file.toAbsolutePath().getParent();
        String stem = file.getFileName().toString().replaceFirst("\\.json$", "");
        return parse(text, file.toString(), dir, stem, dir.resolve(stem + "-report"));
    }

    /**
     * Parses experiment JSON; relative paths resolve against {@code baseDir}.
     *
     * @param where         how errors name the file
     * @param defaultName   the name when the file gives none
     * @param defaultOutput the output directory when the file gives none
     */
    public static Experiment parse(String text, String where, Path baseDir, String defaultName, Path defaultOutput) {
        Fields top;
        try {
            top = new Fields(where, "", Json.parseObject(text));
        } catch (JsonException e) {
            throw new ExperimentException(where + ": not valid JSON: " + e.getMessage());
        }
        top.only(TOP);
        String name = top.string("name", defaultName);
        if (!name.matches("[\\w.-]+")) throw top.error("name", NAME_RULE, name);
        ModelSpec model = model(top.object("model", "an object with checkpoint, demo or config"), baseDir);
        List<Variant> variants = variants(top, baseDir, top.seed("init_seed", 0));

        List<WorkloadSet> workloads = workloads(top);
        Evaluation eval = top.has("evaluation") ? evaluation(top.object("evaluation", "an object with file or text"), baseDir) : null;
        Set<Metric> metrics = metrics(top, eval);
        List<String> backends = top.choices("backends", Experiment.BACKENDS, List.of("auto"));
        int reps = top.integer("repetitions", 1, 3);
        int warmup = top.integer("warmup", 0, 1);
        int warmupMax = top.integer("warmup_max", warmup, Experiment.defaultWarmupMax(warmup));
        long seed = top.seed("seed", 1);
        long initSeed = top.seed("init_seed", seed);
        List<Integer> contexts = top.integers("context_lengths", 1, List.of(256, 1024, 4096, 16384, 65536));
        Path output = top.has("output") ? baseDir.resolve(top.requiredString("output", "a directory path")) : defaultOutput;
        return new Experiment(where, name, model, variants, workloads, metrics, backends, reps, warmup, warmupMax, seed,
                initSeed, contexts, eval, output);
    }

    /** One object, or a list of them, each prompt lengths × generation lengths × batch sizes with a fill. */
    private static List<WorkloadSet> workloads(Fields top) {
        String expectation = "an object with prompt_lengths, generation_lengths, batch_sizes (and fill), or a non-empty list of them";
        if (!top.has("workloads")) return List.of(new WorkloadSet(List.of(64), List.of(16), List.of(1), Workload.PREFILL, false));
        List<Fields> sets = top.isList("workloads") ? top.objects("workloads", expectation) : List.of(top.object("workloads", expectation));
        List<WorkloadSet> out = new ArrayList<>();
        for (Fields w : sets) {
            w.only(WORKLOADS);
            WorkloadSet set = new WorkloadSet(w.integers("prompt_lengths", 1, List.of(64)), w.integers("generation_lengths", 1, List.of(16)),
                    w.integersOr("batch_sizes", 1, "max", Workload.LARGEST, List.of(1)), w.choice("fill", FILLS, Workload.PREFILL),
                    w.bool("cap_batch", false));
            // a synthetic context has no prefill to time: its rows are decode steps, so there must be some
            if (set.fill().equals(Workload.SYNTHETIC) && set.generationLengths().contains(1)) {
                throw w.error(w.at("generation_lengths"), "at least 2 with fill synthetic (only decode steps are timed; 1 token has none)",
                        set.generationLengths());
            }
            out.add(set);
        }
        return out;
    }

    private static ModelSpec model(Fields m, Path baseDir) {
        m.only(MODEL);
        String kind = m.oneOf(List.of("checkpoint", "demo", "config"));
        long seed = m.seed("seed", 20251126L);
        switch (kind) {
            case "checkpoint" -> {
                if (m.has("seed")) throw m.error(m.at("seed"), "absent for a checkpoint (its weights are fixed)", m.seed("seed", 0));
                String written = m.requiredString("checkpoint", "a checkpoint directory");
                Path dir = baseDir.resolve(written);
                if (!Files.isRegularFile(dir.resolve("config.json"))) {
                    throw m.error(m.at("checkpoint"), "a checkpoint directory holding config.json", written + " (" + dir + ")");
                }
                return new ModelSpec(kind, dir, null, 0, written);
            }
            case "demo" -> {
                return new ModelSpec(kind, null, m.choice("demo", DEMO_SHAPES, null), seed, null);
            }
            default -> {
                String written = m.requiredString("config", "a config.json file");
                Path file = baseDir.resolve(written);
                try {
                    ModelConfig.load(file);
                } catch (RuntimeException e) {
                    throw m.error(m.at("config"), "a readable Hugging Face config.json", written + " (" + e.getMessage() + ")");
                }
                return new ModelSpec(kind, file, null, seed, written);
            }
        }
    }

    private static List<Variant> variants(Fields top, Path baseDir, long initSeed) {
        List<Variant> out = new ArrayList<>();
        for (Fields v : top.objects("variants", "a non-empty list of {\"name\": ..., \"overrides\": ...} objects")) {
            v.only(VARIANT);
            String name = v.requiredString("name", NAME_RULE);
            if (!name.matches("[\\w.-]+")) throw v.error(v.at("name"), NAME_RULE, name);
            for (Variant seen : out) if (seen.name().equals(name)) throw v.error(v.at("name"), "unique among the variants", name);
            RetrofitSpec retrofit = v.has("retrofit") ? retrofit(v.object("retrofit", "an object with data and tokens"), baseDir, initSeed) : null;
            if (retrofit != null && v.string("overrides", "").isBlank()) {
                throw v.error(v.at("overrides"), "the layers to retrofit (a variant with retrofit swaps some)", "nothing");
            }
            Variant variant = new Variant(name, v.string("overrides", ""), retrofit);
            try {
                variant.checkSyntax();
            } catch (IllegalArgumentException e) {
                throw v.error(v.at("overrides"), "comma-separated <layers>:<block type> rules, <layers> being an index, a range a-b, "
                        + "a block type (all its layers) or * (every layer)", variant.overrides() + " (" + e.getMessage() + ")");
            }
            out.add(variant);
        }
        return out;
    }

    private static RetrofitSpec retrofit(Fields r, Path baseDir, long initSeed) {
        r.only(RetrofitSpec.FIELDS);
        String written = r.requiredString("data", "a training text or .ids file");
        Path data = baseDir.resolve(written);
        if (!Files.isRegularFile(data)) throw r.error(r.at("data"), "a readable file", written + " (" + data + ")");
        if (!r.has("tokens")) throw r.error(r.at("tokens"), "the training budget in tokens, a positive integer", "nothing");
        long budget = r.seed("tokens", 0);
        if (budget <= 0) throw r.error(r.at("tokens"), "a positive integer", budget);
        double rate = r.number("lr", io.jetrt.retrofit.RetrofitOptions.DEFAULT_LR);
        if (!(rate > 0) || Double.isInfinite(rate)) throw r.error(r.at("lr"), "a number > 0", rate);
        String tokenizerWritten = r.has("tokenizer") ? r.requiredString("tokenizer", "a directory with vocab.json") : null;
        Path tokenizer = tokenizerWritten == null ? null : baseDir.resolve(tokenizerWritten);
        long klTokens = r.seed("kl_tokens", 0);
        if (klTokens < 0) throw r.error(r.at("kl_tokens"), "an integer >= 0", klTokens);
        double klLr = r.number("kl_lr", io.jetrt.retrofit.RetrofitOptions.DEFAULT_KL_LR);
        if (!(klLr > 0) || Double.isInfinite(klLr)) throw r.error(r.at("kl_lr"), "a number > 0", klLr);
        return new RetrofitSpec(data, written, budget, r.seed("seed", initSeed),
                r.integer("seq_len", 2, io.jetrt.retrofit.RetrofitOptions.DEFAULT_SEQ_LEN),
                r.integer("batch", 1, io.jetrt.retrofit.RetrofitOptions.DEFAULT_BATCH), rate, tokenizer, tokenizerWritten, klTokens, klLr);
    }

    private static Evaluation evaluation(Fields e, Path baseDir) {
        e.only(EVALUATION);
        String kind = e.oneOf(List.of("file", "text"));
        int max = e.integer("max_tokens", 2, 512), chunk = e.integer("chunk", 1, 128);
        if (kind.equals("text")) return new Evaluation(null, e.requiredString("text", "a non-empty text"), max, chunk, null);
        String written = e.requiredString("file", "a text file");
        Path file = baseDir.resolve(written);
        if (!Files.isRegularFile(file)) throw e.error(e.at("file"), "a readable text file", written + " (" + file + ")");
        return new Evaluation(file, null, max, chunk, written);
    }

    private static Set<Metric> metrics(Fields top, Evaluation eval) {
        List<String> all = Metric.ids();
        List<String> ids = top.choices("metrics", all, null);
        if (ids == null) {
            Set<Metric> m = EnumSet.allOf(Metric.class);
            if (eval == null) m.remove(Metric.PERPLEXITY);
            return m;
        }
        Set<Metric> m = EnumSet.noneOf(Metric.class);
        for (String id : ids) m.add(Metric.of(id));
        if (m.contains(Metric.PERPLEXITY) && eval == null) {
            throw top.error("metrics[" + ids.indexOf("perplexity") + "]", "listed only with an evaluation section "
                    + "(evaluation.file or evaluation.text) to measure it on", "perplexity");
        }
        return m;
    }
}
