package io.jetrt.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetrt.loader.config.ModelConfig;
import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.engine.MachineRates;
import io.jetrt.runtime.model.ComposeException;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.Model;
import io.jetrt.spi.Backend;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs an experiment (or one shard of it): prepares the base model, checks the variants, then per backend composes
 * the variants and runs the unfinished rows of its units — each workload with every variant interleaved
 * ({@link WorkloadRunner}), then each variant's perplexity — appending each row to results.jsonl as it finishes.
 *
 * <p>The variants of a backend stay loaded together while its workloads run, so their runs can alternate; when their
 * weights would not fit together (judged from the first one loaded) they run one at a time instead, and the report
 * says so. A variant that cannot be composed on a backend (e.g. CUDA, not built) gets rows marked unavailable with the
 * reason, not stored, so a later run tries again; one that fails to load or to run gets {@code failed} rows, stored
 * (the report shows them) but run again by a later run, as are {@code skipped} ones.
 */
public final class CompareRunner {
    /** The share of free memory the other variants' weights may take for the variants to stay loaded together. */
    static final double TOGETHER = 0.5;

    private final JetRuntime rt;
    private final PrintStream err;

    public CompareRunner(JetRuntime rt, PrintStream err) {
        this.rt = rt;
        this.err = err;
    }

    /** A part of the plan run as one: a workload on a backend with every variant, or one variant's perplexity there. */
    record Unit(String backend, Workload workload, Variant variant) {
        List<String> rows(Experiment e) {
            if (workload == null) return List.of(QualityRow.id(variant.name(), backend));
            return e.variants().stream().map(v -> PerfRow.id(v.name(), workload, backend)).toList();
        }
    }

    public Comparison run(Experiment e, int maxRows) { return run(e, maxRows, Shard.ALL); }

    /** @param maxRows stop after running this many rows (resumed rows do not count); negative = no limit */
    public Comparison run(Experiment e, int maxRows, Shard shard) {
        ModelConfig cfg = BaseModel.config(e.model());
        Map<String, List<String>> types = VariantCheck.layerTypes(e, cfg, rt.registry());
        Set<Integer> swappedByAny = VariantCheck.swappedByAny(types, cfg);
        mkdirs(e.output());
        BaseModel base = BaseModel.prepare(e.model(), e.output(), rt.registry());
        String hash = ConfigHash.of(e, base.fingerprint(), ConfigHash.bundles(rt));
        Path dir = shard.all() ? e.output() : shardDir(e, shard);
        mkdirs(dir); // a shard with no row to run still writes its (empty) report
        ResultsLog log = new ResultsLog(dir, hash);
        Map<String, JsonNode> done = new LinkedHashMap<>();
        if (!shard.all()) done.putAll(new ResultsLog(e.output(), hash).finished()); // rows merged already need no shard
        done.putAll(log.finished());
        if (log.ignoredLines() > 0) {
            err.println("compare: ignored " + log.ignoredLines() + " unreadable line(s) in " + log.file() + " (a run cut short)");
        }
        EvalText eval = e.measures(Metric.PERPLEXITY) ? EvalText.of(e.evaluation(), base.dir(), cfg.vocabSize()) : null;

        List<Unit> units = mine(e, shard);
        List<String> plan = units.stream().flatMap(u -> u.rows(e).stream()).toList();
        int resumed = (int) plan.stream().filter(id -> finished(done, id)).count();
        err.println("compare " + e.name() + (shard.all() ? "" : " shard " + shard) + ": config " + ConfigHash.shortForm(hash) + ", "
                + plan.size() + " rows" + (resumed > 0 ? ", " + resumed + " already finished in " + log.file() : "") + "; model " + base.dir());
        Session s = new Session(e, swappedByAny, base, eval, log, done, new Progress(err, plan.size(), resumed, Progress.onTerminal()), maxRows);
        for (String backend : e.backends()) {
            s.run(backend, units.stream().filter(u -> u.backend().equals(backend)).toList());
            if (s.limitReached() && s.pending(units)) break;
        }
        s.progress.close();
        // a shard reports into its own directory; the experiment (and its hash) is the same
        return Assembly.of(shard.all() ? e : e.withOutput(dir), hash, base, log.finished(), s.notRun, s.computed, resumed,
                !s.pending(units), Environment.capture(rt, s.rates), s.notes);
    }

    /**
     * Folds the results of shards (their output directories) into the experiment's results.jsonl and reports every row
     * of the plan they hold; runs nothing. A directory whose rows belong to another experiment (another config hash) is
     * refused, naming both hashes. Of two results for one row, a finished one wins over a failed or skipped one.
     */
    public Comparison merge(Experiment e, List<Path> dirs) {
        mkdirs(e.output());
        BaseModel base = BaseModel.prepare(e.model(), e.output(), rt.registry());
        String hash = ConfigHash.of(e, base.fingerprint(), ConfigHash.bundles(rt));
        ResultsLog into = new ResultsLog(e.output(), hash);
        Map<String, JsonNode> done = into.finished();
        int before = (int) plan(e).stream().filter(id -> finished(done, id)).count(), added = 0;
        Environment env = null;
        List<String> notes = new ArrayList<>();
        for (Path d : dirs) {
            if (!Files.isDirectory(d)) throw new ExperimentException("--merge: " + d + " is not a directory");
            ResultsLog from = new ResultsLog(d, hash);
            Map<String, JsonNode> rows = from.finished();
            if (rows.isEmpty() && from.otherHashes().isEmpty()) {
                notes.add("shard " + d + " held no row (it had none to run, or stopped before its first)");
            } else if (rows.isEmpty()) {
                throw new ExperimentException("--merge: " + from.file() + " holds results of another experiment (config "
                        + String.join(", ", from.otherHashes().stream().map(ConfigHash::shortForm).toList()) + "), not of "
                        + e.where() + " (config " + ConfigHash.shortForm(hash) + ")");
            }
            for (Map.Entry<String, JsonNode> r : rows.entrySet()) {
                if (finished(done, r.getKey()) || done.containsKey(r.getKey()) && !finished(rows, r.getKey())) continue;
                done.put(r.getKey(), into.append(ResultsLog.withoutBookkeeping(r.getValue())));
                added++;
            }
            Environment shardEnv = Assembly.environmentOf(d);
            if (shardEnv == null || shardEnv.rates().isEmpty()) continue; // a shard that measured nothing says nothing of its machine
            if (env == null) env = shardEnv;
            else if (!Objects.equals(env.devices(), shardEnv.devices())) {
                notes.add("shards ran on different devices: " + env.devices() + " and " + shardEnv.devices() + " (" + d + ")");
            }
        }
        List<String> plan = plan(e);
        long missing = plan.stream().filter(id -> !finished(done, id)).count();
        err.println("compare " + e.name() + ": merged " + dirs.size() + " shard(s), " + added + " row(s) added to " + into.file() + "; "
                + (plan.size() - missing) + " of " + plan.size() + " rows finished" + (missing > 0 ? " (rerun without --merge to run the rest)" : ""));
        if (env == null) env = Environment.capture(rt, Map.of());
        return Assembly.of(e, hash, base, done, List.of(), 0, before, missing == 0, env, notes);
    }

    /** Where shard {@code shard}'s results go: {@code <output>/shards/I-of-N}. */
    public static Path shardDir(Experiment e, Shard shard) { return e.output().resolve("shards").resolve(shard.dirName()); }

    /** The plan's units in order — per backend, each workload, then each variant's perplexity — that {@code shard} owns. */
    static List<Unit> mine(Experiment e, Shard shard) {
        List<Unit> all = new ArrayList<>();
        for (String b : e.backends()) {
            if (e.timed()) for (Workload w : e.workloads()) all.add(new Unit(b, w, null));
            if (e.measures(Metric.PERPLEXITY)) for (Variant v : e.variants()) all.add(new Unit(b, null, v));
        }
        List<Unit> out = new ArrayList<>();
        for (int u = 0; u < all.size(); u++) if (shard.owns(u)) out.add(all.get(u));
        return out;
    }

    /** Row ids in plan order (every shard's). */
    static List<String> plan(Experiment e) { return mine(e, Shard.ALL).stream().flatMap(u -> u.rows(e).stream()).toList(); }

    /** A row that ran to the end: failed and skipped rows are stored for the report but run again. */
    static boolean finished(Map<String, JsonNode> done, String id) {
        JsonNode row = done.get(id);
        return row != null && row.path("status").asText().equals("ok");
    }

    /** One run's state: what is finished, what could not run, how many rows ran, the progress bar. */
    private final class Session {
        final Experiment e;
        final Set<Integer> swappedByAny;
        final BaseModel base;
        final EvalText eval;
        final ResultsLog log;
        final Map<String, JsonNode> done;
        final Progress progress;
        final int maxRows;
        final List<Measured.Row> notRun = new ArrayList<>();
        final Map<String, MachineRates> rates = new LinkedHashMap<>();
        final List<String> notes = new ArrayList<>();
        int computed;

        Session(Experiment e, Set<Integer> swappedByAny, BaseModel base, EvalText eval, ResultsLog log, Map<String, JsonNode> done,
                Progress progress, int maxRows) {
            this.e = e;
            this.swappedByAny = swappedByAny;
            this.base = base;
            this.eval = eval;
            this.log = log;
            this.done = done;
            this.progress = progress;
            this.maxRows = maxRows;
        }

        boolean limitReached() { return maxRows >= 0 && computed >= maxRows; }

        boolean pending(List<Unit> units) {
            return units.stream().flatMap(u -> u.rows(e).stream()).anyMatch(id -> !finished(done, id)
                    && notRun.stream().noneMatch(r -> r.id().equals(id)));
        }

        /** The unfinished rows of {@code units} (all on {@code backend}). */
        void run(String backend, List<Unit> units) {
            List<Variant> needed = e.variants().stream()
                    .filter(v -> units.stream().anyMatch(u -> !finished(done, rowOf(u, v)) && (u.workload() != null || u.variant() == v)))
                    .toList();
            if (needed.isEmpty() || limitReached()) return;
            // the largest batch that fits is a variant's alone: the others' weights must not be on the device beside it
            boolean alone = needed.size() > 1 && units.stream().anyMatch(u -> u.workload() != null && (u.workload().largest() || u.workload().capBatch()));
            if (alone) notes.add(backend + ": the variants ran one at a time (not interleaved): the experiment asks for the largest batch "
                    + "that fits, which is each variant's with no other loaded beside it");
            List<Contender> group = new ArrayList<>();
            try {
                for (int i = 0; i < needed.size(); i++) {
                    Contender c = load(needed.get(i), backend, units);
                    if (c == null) continue;
                    group.add(c);
                    int others = needed.size() - i - 1;
                    if (group.size() == 1 && others > 0 && !alone && !fitTogether(c, others)) {
                        notes.add(backend + ": the variants ran one at a time (not interleaved): the others' weights, about "
                                + Format.bytes(c.model().weightBytes() * others) + ", would take more than "
                                + Math.round(TOGETHER * 100) + "% of the " + Format.bytes(c.model().memory().free()) + " free");
                        alone = true;
                    }
                    if (alone) { // run this one now, then the next is loaded in its place
                        runUnits(group, units);
                        closeAll(group);
                        group.clear();
                        if (limitReached()) return;
                    }
                }
                if (!group.isEmpty()) {
                    preflight(group, units);
                    runUnits(group, units);
                }
            } finally {
                closeAll(group);
            }
        }

        private String rowOf(Unit u, Variant v) {
            return u.workload() != null ? PerfRow.id(v.name(), u.workload(), u.backend()) : QualityRow.id(v.name(), u.backend());
        }

        private boolean fitTogether(Contender first, int others) {
            return first.model().weightBytes() * (double) others <= TOGETHER * first.model().memory().free();
        }

        /** Before the rows run: which will not fit, or run at a smaller batch, and why (memory can change while they run). */
        private void preflight(List<Contender> group, List<Unit> units) {
            List<String> lines = new ArrayList<>();
            for (Unit u : units) {
                if (u.workload() == null) continue;
                for (Contender c : group) {
                    if (finished(done, rowOf(u, c.variant()))) continue;
                    try {
                        Fit f = Fit.of(c.model(), u.workload());
                        if (!f.fits()) lines.add(c.label() + " " + u.workload().id() + ": skipped, " + f.whyNot(u.workload()));
                        else if (f.note() != null) lines.add(c.label() + " " + u.workload().id() + ": batch " + f.batch() + ", " + f.note());
                    } catch (Throwable t) {
                        Faults.rethrowIfFatal(t);
                        lines.add(c.label() + " " + u.workload().id() + ": cannot be planned: " + Faults.describe(t));
                    }
                }
            }
            if (lines.isEmpty()) return;
            progress.pause();
            err.println("compare: " + lines.size() + " row(s) will not run as written:");
            for (String l : lines) err.println("  " + l);
        }

        /** Composes {@code v} on {@code backend} and writes its profile if missing; null (its rows marked) when it cannot. */
        private Contender load(Variant v, String backend, List<Unit> units) {
            progress.pause();
            Model model;
            Path dir = base.dir();
            if (v.retrofit() != null) {
                try {
                    dir = VariantRetrofit.prepare(rt, e, base, v, err);
                } catch (Throwable x) {
                    Faults.rethrowIfFatal(x);
                    String why = "retrofitting the variant (its state is kept in " + VariantRetrofit.dir(e, base, v) + "): " + Faults.describe(x);
                    markNotRun(v, units, r -> PerfRow.failed(v.name(), r, backend, why), () -> QualityRow.failed(v.name(), backend, why), true);
                    return null;
                }
            }
            try {
                model = v.retrofit() == null ? rt.load(dir, options(e, v, backend)) : rt.load(dir, retrofitted(backend));
            } catch (ComposeException x) {
                markNotRun(v, units, r -> PerfRow.unavailable(v.name(), r, backend, x.getMessage()),
                        () -> QualityRow.unavailable(v.name(), backend, x.getMessage()), false);
                return null;
            } catch (Throwable x) {
                Faults.rethrowIfFatal(x);
                String why = "composing the variant on " + backend + ": " + Faults.describe(x);
                markNotRun(v, units, r -> PerfRow.failed(v.name(), r, backend, why), () -> QualityRow.failed(v.name(), backend, why), true);
                return null;
            }
            try {
                if (!done.containsKey(VariantProfile.id(v.name()))) {
                    done.put(VariantProfile.id(v.name()), log.append(VariantProfiler.profile(model, v, swappedByAny, e.contextLengths())));
                }
                // keyed by where the model computes: backend "auto" runs on cuda where there is a GPU
                MachineRates r = rates.computeIfAbsent(model.backend(), b -> model.measureMachine());
                return new Contender(v, backend, model, r);
            } catch (Throwable x) {
                model.close();
                Faults.rethrowIfFatal(x);
                String why = "profiling the variant on " + backend + ": " + Faults.describe(x);
                markNotRun(v, units, r -> PerfRow.failed(v.name(), r, backend, why), () -> QualityRow.failed(v.name(), backend, why), true);
                return null;
            }
        }

        private void runUnits(List<Contender> group, List<Unit> units) {
            for (Unit u : units) {
                if (limitReached()) return;
                if (u.workload() != null) runWorkload(group, u.workload());
                else group.stream().filter(c -> c.variant() == u.variant()).findFirst().ifPresent(this::runPerplexity);
            }
        }

        private void runWorkload(List<Contender> group, Workload w) {
            List<Contender> todo = new ArrayList<>();
            for (Contender c : group) {
                if (!finished(done, PerfRow.id(c.variant().name(), w, c.backend())) && (maxRows < 0 || computed + todo.size() < maxRows)) todo.add(c);
            }
            if (todo.isEmpty()) return;
            List<PerfRow> rows = WorkloadRunner.run(todo, w, e, progress::starting);
            for (PerfRow r : rows) {
                done.put(r.id(), log.append(r));
                computed++;
                progress.finished(r.variant() + " " + w.id() + " " + r.backend() + (r.ok() ? "" : " " + r.status()));
            }
        }

        private void runPerplexity(Contender c) {
            String id = QualityRow.id(c.variant().name(), c.backend());
            if (eval == null || finished(done, id) || limitReached()) return;
            String label = c.label() + " perplexity";
            progress.starting(label);
            QualityRow q;
            try {
                q = Perplexity.measure(c.model(), c.variant().name(), c.backend(), eval, e.evaluation().chunk());
            } catch (Throwable x) {
                Faults.rethrowIfFatal(x);
                q = QualityRow.failed(c.variant().name(), c.backend(), Faults.describe(x));
            }
            done.put(id, log.append(q));
            computed++;
            progress.finished(label + (q.ok() ? "" : " " + q.status()));
        }

        /** Marks {@code v}'s unfinished rows in {@code units}: stored when they failed, only reported when unavailable. */
        private void markNotRun(Variant v, List<Unit> units, Function<Workload, PerfRow> perf,
                                Supplier<QualityRow> quality, boolean store) {
            for (Unit u : units) {
                if (u.workload() == null && u.variant() != v) continue;
                String id = rowOf(u, v);
                if (finished(done, id)) continue;
                Measured.Row row = u.workload() != null ? perf.apply(u.workload()) : quality.get();
                if (store) {
                    done.put(id, log.append(row));
                } else {
                    notRun.add(row);
                }
                progress.skipped(v.name() + " " + u.backend() + " " + (u.workload() != null ? u.workload().id() : "perplexity") + " not run");
            }
        }
    }

    private static void closeAll(List<Contender> group) {
        for (Contender c : group) c.model().close();
        System.gc(); // the variants' weights (and their off-heap BLAS copies) go before the next are composed
    }

    private static ComposeOptions options(Experiment e, Variant v, String backend) {
        ModelConfig cfg = BaseModel.config(e.model());
        ComposeOptions o = ComposeOptions.DEFAULT.withOverrides(v.rules(cfg.numLayers())).withInitSeed(e.initSeed());
        return backend.equals("auto") ? o : o.withBackend(Backend.parse(backend));
    }

    /** A retrofitted variant's directory already has its block types: no overrides, only the backend. */
    private static ComposeOptions retrofitted(String backend) {
        return backend.equals("auto") ? ComposeOptions.DEFAULT : ComposeOptions.DEFAULT.withBackend(Backend.parse(backend));
    }

    static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException x) {
            throw new UncheckedIOException("cannot create the output directory " + dir, x);
        }
    }
}
