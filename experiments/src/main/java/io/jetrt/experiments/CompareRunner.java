package io.jetrt.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetrt.loader.config.ModelConfig;
import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.model.ComposeException;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.Model;
import io.jetrt.spi.Backend;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs an experiment: prepares the base model, checks the variants, then for each variant and backend
 * composes the model once and runs its unfinished rows — the workloads, then perplexity — appending each
 * to results.jsonl as it finishes. One model is alive at a time, so a 2B comparison needs one model's memory.
 * A variant that cannot be composed on a backend (e.g. CUDA, not built yet) gets rows marked unavailable
 * with the reason; they are not stored, so a later run tries them again.
 */
public final class CompareRunner {
    private final JetRuntime rt;
    private final PrintStream err;

    public CompareRunner(JetRuntime rt, PrintStream err) {
        this.rt = rt;
        this.err = err;
    }

    /** @param maxRows stop after running this many rows (resumed rows do not count); negative = no limit */
    public Comparison run(Experiment e, int maxRows) {
        ModelConfig cfg = BaseModel.config(e.model());
        Map<String, List<String>> types = VariantCheck.layerTypes(e, cfg, rt.registry());
        Set<Integer> swappedByAny = VariantCheck.swappedByAny(types, cfg);
        mkdirs(e);
        BaseModel base = BaseModel.prepare(e.model(), e.output(), rt.registry());
        String hash = ConfigHash.of(e, base.fingerprint(), ConfigHash.bundles(rt));
        ResultsLog log = new ResultsLog(e.output(), hash);
        Map<String, JsonNode> done = log.finished();
        if (log.ignoredLines() > 0) {
            err.println("compare: ignored " + log.ignoredLines() + " unreadable line(s) in " + log.file() + " (a run cut short)");
        }
        EvalText eval = e.measures(Metric.PERPLEXITY) ? EvalText.of(e.evaluation(), base.dir(), cfg.vocabSize()) : null;

        List<String> plan = plan(e);
        int resumed = (int) plan.stream().filter(done::containsKey).count();
        err.println("compare " + e.name() + ": config " + ConfigHash.shortForm(hash) + ", " + plan.size() + " rows"
                + (resumed > 0 ? ", " + resumed + " already finished in " + log.file() : "") + "; model " + base.dir());
        Progress progress = new Progress(err, plan.size(), resumed, Progress.onTerminal());
        Session s = new Session(e, cfg, base, swappedByAny, eval, log, done, progress, maxRows);
        boolean complete = true;
        outer:
        for (Variant v : e.variants()) {
            for (String backend : e.backends()) {
                complete = s.run(v, backend);
                System.gc(); // the variant's weights (and their off-heap BLAS copies) go before the next is composed
                if (!complete) break outer;
            }
        }
        s.progress.close();
        return assemble(e, hash, base, log.finished(), s.unavailable, s.unavailableQ, s.computed, resumed, complete);
    }

    /** One run's state: what is finished, what could not run, how many rows ran, the progress bar. */
    private final class Session {
        final Experiment e;
        final ModelConfig cfg;
        final BaseModel base;
        final Set<Integer> swappedByAny;
        final EvalText eval;
        final ResultsLog log;
        final Map<String, JsonNode> done;
        final Progress progress;
        final int maxRows;
        final List<PerfRow> unavailable = new ArrayList<>();
        final List<QualityRow> unavailableQ = new ArrayList<>();
        int computed;

        Session(Experiment e, ModelConfig cfg, BaseModel base, Set<Integer> swappedByAny, EvalText eval, ResultsLog log,
                Map<String, JsonNode> done, Progress progress, int maxRows) {
            this.e = e;
            this.cfg = cfg;
            this.base = base;
            this.swappedByAny = swappedByAny;
            this.eval = eval;
            this.log = log;
            this.done = done;
            this.progress = progress;
            this.maxRows = maxRows;
        }

        private boolean limitReached() { return maxRows >= 0 && computed >= maxRows; }

        /** Runs the unfinished rows of one variant on one backend; false when the row limit stopped it. */
        boolean run(Variant v, String backend) {
            boolean needProfile = !done.containsKey(VariantProfile.id(v.name()));
            if (rowsOf(e, v, backend).stream().allMatch(done::containsKey) && !needProfile) return true;
            if (limitReached()) return false;
            Model model;
            progress.pause();
            try {
                model = rt.load(base.dir(), options(e, v, cfg, backend));
            } catch (ComposeException x) {
                markUnavailable(v, backend, x.getMessage());
                return true;
            }
            try (model) { // releases the checkpoint mapping of this variant
                if (needProfile) {
                    VariantProfile p = VariantProfiler.profile(model, v, swappedByAny, e.contextLengths());
                    done.put(VariantProfile.id(v.name()), log.append(p));
                }
                for (Workload w : e.timed() ? e.workloads() : List.<Workload>of()) {
                    if (done.containsKey(PerfRow.id(v.name(), w, backend))) continue;
                    if (limitReached()) return false;
                    String label = v.name() + " " + w.id() + " " + backend;
                    progress.starting(label);
                    log.append(WorkloadRunner.run(model, v, backend, w, e));
                    computed++;
                    progress.finished(label);
                }
                if (eval != null && !done.containsKey(QualityRow.id(v.name(), backend))) {
                    if (limitReached()) return false;
                    String label = v.name() + " perplexity " + backend;
                    progress.starting(label);
                    log.append(Perplexity.measure(model, v.name(), backend, eval, e.evaluation().chunk()));
                    computed++;
                    progress.finished(label);
                }
            }
            return true;
        }

        /** The variant cannot be composed on this backend: its unfinished rows say why, and are not stored. */
        private void markUnavailable(Variant v, String backend, String reason) {
            for (Workload w : e.timed() ? e.workloads() : List.<Workload>of()) {
                if (done.containsKey(PerfRow.id(v.name(), w, backend))) continue;
                unavailable.add(PerfRow.unavailable(v.name(), w, backend, reason));
                progress.skipped(v.name() + " " + backend + " unavailable");
            }
            if (eval != null && !done.containsKey(QualityRow.id(v.name(), backend))) {
                unavailableQ.add(QualityRow.unavailable(v.name(), backend, reason));
                progress.skipped(v.name() + " " + backend + " unavailable");
            }
        }
    }

    /** Row ids in plan order: per variant, per backend, the workloads then perplexity. */
    static List<String> plan(Experiment e) {
        List<String> ids = new ArrayList<>();
        for (Variant v : e.variants()) for (String b : e.backends()) ids.addAll(rowsOf(e, v, b));
        return ids;
    }

    private static List<String> rowsOf(Experiment e, Variant v, String backend) {
        List<String> ids = new ArrayList<>();
        if (e.timed()) for (Workload w : e.workloads()) ids.add(PerfRow.id(v.name(), w, backend));
        if (e.measures(Metric.PERPLEXITY)) ids.add(QualityRow.id(v.name(), backend));
        return ids;
    }

    private static ComposeOptions options(Experiment e, Variant v, ModelConfig cfg, String backend) {
        ComposeOptions o = ComposeOptions.DEFAULT.withOverrides(v.rules(cfg.numLayers())).withInitSeed(e.initSeed());
        return backend.equals("auto") ? o : o.withBackend(Backend.parse(backend));
    }

    private Comparison assemble(Experiment e, String hash, BaseModel base, Map<String, JsonNode> done,
                                List<PerfRow> unavailable, List<QualityRow> unavailableQ, int computed, int resumed, boolean complete) {
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
                    else unavailable.stream().filter(r -> r.id().equals(id)).findFirst().ifPresent(perf::add);
                }
                String qid = QualityRow.id(v.name(), b);
                if (done.containsKey(qid)) quality.add(ResultsLog.read(done.get(qid), QualityRow.class));
                else unavailableQ.stream().filter(r -> r.id().equals(qid)).findFirst().ifPresent(quality::add);
            }
        }
        return new Comparison(e, hash, base, Environment.capture(rt), profiles, perf, quality, computed, resumed, complete);
    }

    private static void mkdirs(Experiment e) {
        try {
            Files.createDirectories(e.output());
        } catch (IOException x) {
            throw new UncheckedIOException("cannot create the output directory " + e.output(), x);
        }
    }
}
