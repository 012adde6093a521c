package io.jetrt.retrofit;

import io.jetrt.loader.safetensors.Checkpoint;
import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.gpu.GpuBlockServices;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.runtime.gpu.KernelProfiler;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.Layer;
import io.jetrt.runtime.model.LayerRules;
import io.jetrt.runtime.model.Model;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.TrainableProvider;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * PostNAS stage 1, blockwise: every layer the overrides swap gets the block of its new type, starting from the seeded
 * upstream initialisation (as {@code --override} gives it everywhere else), and learns to reproduce the checkpoint's own
 * layer — its output from the teacher's input, by relative MSE. Everything else stays the checkpoint's. The run saves
 * its state every few steps into {@code <out>/retrofit/} and resumes from it, bit for bit; the result is a Hugging Face
 * directory in {@code <out>}.
 */
public final class Retrofit {
    /** Where in the output directory the training state lives. */
    public static final String STATE_DIR = "retrofit";

    private final JetRuntime rt;
    private final RetrofitOptions o;
    private final RetrofitListener listener;
    private final Backend teacherBackend;
    /** What the students' training calls get: the CPU services, and on cuda the device's too (set by {@link #run}). */
    private BlockServices services;

    public Retrofit(JetRuntime rt, RetrofitOptions options, RetrofitListener listener) { this(rt, options, listener, Backend.CPU); }

    /**
     * @param teacherBackend where the teacher computes: cpu (the default), or cuda to take its forward passes off the CPU
     *                       while the students train there (the students' initial and retrofitted models stay on the CPU)
     */
    public Retrofit(JetRuntime rt, RetrofitOptions options, RetrofitListener listener, Backend teacherBackend) {
        if (teacherBackend != Backend.CPU && teacherBackend != Backend.CUDA) {
            throw new IllegalArgumentException("the teacher computes on cpu or cuda; got " + teacherBackend.id());
        }
        this.rt = rt;
        this.o = options;
        this.listener = listener;
        this.teacherBackend = teacherBackend;
    }

    public RetrofitResult run() {
        if (o.out().toAbsolutePath().normalize().equals(o.model().toAbsolutePath().normalize())) {
            throw new RetrofitException("--out " + o.out() + " is the model directory itself: give a new directory");
        }
        try (GpuBlockServices gpu = o.backend() == Backend.CUDA ? new GpuBlockServices(rt.cpu(), "retrofit students") : null;
             Model teacher = rt.load(o.model(), ComposeOptions.DEFAULT.withBackend(teacherBackend));
             Model initial = rt.load(o.model(), new ComposeOptions(o.overrides(), LayerRules.NONE, Backend.CPU, o.seed()))) {
            services = gpu != null ? gpu : rt::cpu;
            List<Student> students = students(teacher, initial);
            TrainingTokens data = TrainingTokens.load(o.data(), o.tokenizer() != null ? o.tokenizer() : o.model(),
                    teacher.config().vocabSize(), o.seqLen(), o.heldOut());
            String hash = RunHash.of(o, students, teacherBackend);
            Path stateDir = o.out().resolve(STATE_DIR);
            if (TrainingState.savedStep(stateDir) > o.steps()) students = fresh(students); // interrupted in the KL stage
            TrainingState.Resumed resumed = TrainingState.load(stateDir, hash, students);
            Run run;
            if (resumed != null) {
                listener.note("resuming from step " + resumed.step() + " of " + (o.steps() + o.klSteps()) + " (" + stateDir.resolve(TrainingState.FILE) + ")");
                run = new Run(hash, stateDir, resumed.before(), new ArrayList<>(resumed.curve()), new ArrayList<>(resumed.klCurve()), resumed.step(),
                        resumed.tokens());
            } else {
                listener.note("measuring the students before training on " + data.heldOut() + " held-out sequences of " + o.seqLen());
                run = new Run(hash, stateDir, new Measures(heldOutMse(teacher, students, data), klBefore(teacher, initial, data)),
                        new ArrayList<>(), new ArrayList<>(), 0, 0);
                TrainingState.save(stateDir, hash, 0, 0, students, run.curve, run.klCurve, run.before);
            }
            // built now so that a frozen layer the KL stage cannot run is refused before any training; the students' weights are shared
            // on cuda too the KL stage runs on the CPU: the dense parts and the frozen blocks have no device backward
            WholeModel whole = o.klSteps() > 0 ? new WholeModel(initial, students, rt.cpu(), klBackend()) : null;
            int first = run.step;
            long tokensAtStart = run.tokens;
            long started = System.nanoTime();
            blockwise(teacher, students, data, run);
            if (o.klSteps() > 0) {
                if (first <= o.steps()) students = fresh(students);
                klStage(teacher, whole, students, data, run);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            List<String> types = initial.layers().stream().map(Layer::type).toList();
            listener.note("writing the retrofitted model to " + o.out());
            try (Checkpoint ckpt = Checkpoint.open(o.model())) {
                HfExport.write(o.out(), o.model(), o.tokenizer() != null ? o.tokenizer() : o.model(), ckpt, types, students);
            }
            listener.note("measuring the students after training");
            double[] mseAfter = heldOutMse(teacher, students, data);
            double klAfter;
            try (Model retrofitted = rt.load(o.out(), ComposeOptions.DEFAULT.withBackend(teacherBackend))) {
                klAfter = Divergence.kl(teacher, retrofitted, data);
            }
            long trainedHere = run.tokens - tokensAtStart;
            List<RetrofitResult.LayerResult> layers = new ArrayList<>();
            for (int i = 0; i < students.size(); i++) {
                Student s = students.get(i);
                layers.add(new RetrofitResult.LayerResult(s.layer(), s.from(), s.to(), run.before.mse()[i], mseAfter[i]));
            }
            return new RetrofitResult(run.tokens, trainedHere > 0 ? trainedHere / seconds : Double.NaN, layers, run.before.kl(), klAfter,
                    run.curve, run.klCurve, o.batch() * o.seqLen(), first, o.out());
        }
    }

    /**
     * KL(teacher ∥ the seeded-init model) on the held-out sequences, the model computing where the teacher does (a
     * 2B model's forward passes on the CPU would take longer than the training).
     */
    private double klBefore(Model teacher, Model initial, TrainingTokens data) {
        if (teacherBackend == Backend.CPU) return Divergence.kl(teacher, initial, data);
        try (Model onDevice = rt.load(o.model(), new ComposeOptions(o.overrides(), LayerRules.NONE, teacherBackend, o.seed()))) {
            return Divergence.kl(teacher, onDevice, data);
        }
    }

    /** Where the KL stage trains: the CPU when stage 1 runs on cuda. */
    private Backend klBackend() { return o.backend() == Backend.CUDA ? Backend.CPU : o.backend(); }

    /** Where a run stands: what it measured before training, its curves, the steps and tokens done. */
    private static final class Run {
        final String hash;
        final Path stateDir;
        final Measures before;
        final List<double[]> curve;
        final List<Double> klCurve;
        int step;
        long tokens;
        int saved;

        Run(String hash, Path stateDir, Measures before, List<double[]> curve, List<Double> klCurve, int step, long tokens) {
            this.hash = hash;
            this.stateDir = stateDir;
            this.before = before;
            this.curve = curve;
            this.klCurve = klCurve;
            this.step = step;
            this.tokens = tokens;
            this.saved = step;
        }
    }

    private List<Student> fresh(List<Student> students) {
        return students.stream().map(s -> s.withFreshOptimizer(o.weightDecay())).toList();
    }

    /** The swapped layers, each checked for the training capability on the backend asked for. */
    private List<Student> students(Model teacher, Model initial) {
        List<Student> out = new ArrayList<>();
        List<String> from = teacher.config().layerTypes();
        for (Layer l : initial.layers()) {
            if (l.type().equals(from.get(l.index()))) continue;
            BlockProvider p = l.binding().provider();
            String who = "layer " + l.index() + " (" + from.get(l.index()) + " → " + l.type() + ", " + p.type() + " " + p.version()
                    + " from bundle " + l.binding().bundleName() + ")";
            if (!(p instanceof TrainableProvider t)) {
                throw new RetrofitException(who + " offers no training capability: it needs " + TrainableProvider.class.getName()
                        + " (SPI 1.3), in a version of the bundle built against SPI 1.3 or later");
            }
            if (!t.trainingBackends().contains(o.backend())) {
                throw new RetrofitException(who + " trains on " + t.trainingBackends().stream().map(Backend::id).sorted().toList()
                        + ", not " + o.backend().id());
            }
            out.add(Student.of(l.index(), from.get(l.index()), l.type(), who, t, l.config(), p.weights(l.config()), l.weights(),
                    o.weightDecay()));
        }
        if (out.isEmpty()) {
            throw new RetrofitException("--override swaps no layer of " + o.model() + " (its layers are " + from + "): nothing to train");
        }
        return out;
    }

    /** Stage 1: steps {@code 0 … steps-1}, each student against its teacher layer's output. */
    private void blockwise(Model teacher, List<Student> students, TrainingTokens data, Run run) {
        LrSchedule lr = LrSchedule.of(o);
        BatchOrder order = new BatchOrder(o.seed(), data.train(), o.batch());
        if (run.step < o.steps() && o.backend() == Backend.CUDA && DeviceStudents.possible(students)) {
            blockwiseOnDevice(teacher, students, data, run, lr, order);
            return;
        }
        Set<Integer> layers = layerSet(students);
        long tokensAtStart = run.tokens, started = System.nanoTime();
        for (int step = run.step; step < o.steps(); step++) {
            int[] batch = tokens(data, order.at(step));
            TeacherActivations acts = TeacherActivations.of(teacher, batch, o.batch(), layers);
            double rate = lr.at(step);
            double[] losses = new double[students.size()];
            for (int i = 0; i < students.size(); i++) {
                Student s = students.get(i);
                losses[i] = s.step(acts.input(s.layer()), acts.output(s.layer()), step + 1, rate, o.clipNorm(), o.backend(), services);
                if (!Double.isFinite(losses[i])) throw nonFinite(s.who(), step, run);
            }
            run.curve.add(asStored(losses));
            finishStep(students, run, step, batch.length, rate, false, losses, tokensAtStart, started);
        }
    }

    /**
     * Stage 1 with the students in device memory (every student's provider a {@link io.jetrt.spi.DeviceTrainableProvider}):
     * the teacher's activations stay on the device when it computes there, and only the losses come back each step.
     * The host students get the weights back before every saved state, so a resumed run starts from the same bits.
     */
    private void blockwiseOnDevice(Model teacher, List<Student> students, TrainingTokens data, Run run, LrSchedule lr, BatchOrder order) {
        long tokensAtStart = run.tokens, started = System.nanoTime();
        try (DeviceStudents onDevice = new DeviceStudents(students, services.gpu(), o.batch(), o.seqLen(), teacher.config().hiddenSize())) {
            onDevice.upload();
            listener.note("training " + students.size() + " students in device memory; " + deviceMemory());
            int profileAt = Math.min(run.step + 1, o.steps() - 1); // not the first: it loads kernels and grows the arena
            for (int step = run.step; step < o.steps(); step++) {
                int[] batch = tokens(data, order.at(step));
                double rate = lr.at(step);
                int t = step;
                double[] losses = profiled(step == profileAt, step + 1, () -> {
                    FromEmptyState.forward(teacher, batch, o.batch(), false, onDevice.teacher());
                    return onDevice.step(t + 1, rate, o.clipNorm());
                });
                for (int i = 0; i < losses.length; i++) {
                    if (!Double.isFinite(losses[i])) throw nonFinite(students.get(i).who(), step, run);
                }
                run.curve.add(asStored(losses));
                if (step == profileAt) listener.note("after step " + (step + 1) + ": " + deviceMemory());
                if (saves(step + 1)) onDevice.download();
                finishStep(students, run, step, batch.length, rate, false, losses, tokensAtStart, started);
            }
        }
    }

    /** What the runtime holds on the GPU now, and its peak. */
    private static String deviceMemory() {
        GpuContext ctx = GpuContext.get();
        return String.format(java.util.Locale.ROOT, "device memory %.1f GiB held, %.1f GiB scratch arena, peak %.1f GiB",
                ctx.heldBytes() / GIB, ctx.scratchReserved() / GIB, ctx.peakBytes() / GIB);
    }

    private static final double GIB = 1024.0 * 1024 * 1024;

    /** Runs {@code work}, timing its kernels for the listener when it wants a profile and {@code now}. */
    private <T> T profiled(boolean now, int step, java.util.function.Supplier<T> work) {
        if (!now || !listener.wantsProfile()) return work.get();
        GpuContext ctx = GpuContext.get();
        KernelProfiler p = ctx.startProfiling();
        try {
            T out = work.get();
            listener.profiled(step, p.drain());
            return out;
        } finally {
            ctx.stopProfiling();
        }
    }

    /** The losses as the state file keeps them (float32), so that a resumed run's curve is the same. */
    private static double[] asStored(double[] losses) {
        double[] stored = new double[losses.length];
        for (int i = 0; i < losses.length; i++) stored[i] = (float) losses[i];
        return stored;
    }

    /** Whether the state is saved once {@code stepsDone} steps are done: every few steps and at each stage's end. */
    private boolean saves(int stepsDone) {
        return stepsDone % o.checkpointEvery() == 0 || stepsDone == o.steps() || stepsDone == o.steps() + o.klSteps();
    }

    /**
     * Stage 2: steps {@code steps … steps+klSteps-1}, the students through the whole model (everything else frozen)
     * against the teacher's next-token distributions, with a fresh AdamW and its own warm-up and cosine.
     */
    private void klStage(Model teacher, WholeModel whole, List<Student> students, TrainingTokens data, Run run) {
        if (run.step < o.steps() + o.klSteps()) listener.note("KL stage: " + o.klSteps() + " steps through the whole model");
        LrSchedule lr = new LrSchedule(o.klLr(), (int) Math.floor(o.warmupFraction() * o.klSteps()), o.klSteps(), o.minLrFraction());
        BatchOrder order = new BatchOrder(o.seed(), data.train(), o.batch());
        long tokensAtStart = run.tokens, started = System.nanoTime();
        for (int step = run.step; step < o.steps() + o.klSteps(); step++) {
            int[] batch = tokens(data, order.at(step)); // the data order runs on from stage 1
            float[] teacherLogits = FromEmptyState.forward(teacher, batch, o.batch(), true, null).data();
            Map<Integer, Map<String, float[]>> grads = new HashMap<>();
            double kl = whole.step(batch, o.batch(), teacherLogits, grads);
            if (!Double.isFinite(kl)) throw nonFinite("the KL stage (all students)", step, run);
            int k = step - o.steps();
            double rate = lr.at(k);
            for (Student s : students) {
                if (!s.update(grads.get(s.layer()), k + 1, rate, o.clipNorm(), rt.cpu())) throw nonFinite(s.who(), step, run);
            }
            run.klCurve.add((double) (float) kl); // as the state file keeps it
            finishStep(students, run, step, batch.length, rate, true, new double[] {kl}, tokensAtStart, started);
        }
    }

    /** Counts the step, saves the state every few steps and at each stage's end, and reports. */
    private void finishStep(List<Student> students, Run run, int step, int tokens, double rate, boolean kl, double[] losses,
                            long tokensAtStart, long started) {
        run.step = step + 1;
        run.tokens += tokens;
        if (saves(run.step)) {
            TrainingState.save(run.stateDir, run.hash, run.step, run.tokens, students, run.curve, run.klCurve, run.before);
            run.saved = run.step;
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        listener.stepped(run.step, o.steps() + o.klSteps(), run.tokens, (run.tokens - tokensAtStart) / seconds, rate, kl, losses);
    }

    private RetrofitException nonFinite(String who, int step, Run run) {
        return new RetrofitException(who + ": the loss or its gradient became non-finite at step " + (step + 1) + " of "
                + (o.steps() + o.klSteps()) + "; training stopped. The last good state (step " + run.saved + ") is in "
                + run.stateDir.resolve(TrainingState.FILE) + ": try a lower learning rate (--lr " + o.lr() + ", --kl-lr " + o.klLr() + ")");
    }

    /** Each student's relative MSE on the held-out sequences, errors and references summed over all of them. */
    private double[] heldOutMse(Model teacher, List<Student> students, TrainingTokens data) {
        double[] err = new double[students.size()], ref = new double[students.size()];
        for (int from = 0; from < data.heldOut(); from += o.batch()) {
            int n = Math.min(o.batch(), data.heldOut() - from);
            int[] seqs = new int[n];
            for (int j = 0; j < n; j++) seqs[j] = data.train() + from + j;
            TeacherActivations acts = TeacherActivations.of(teacher, tokens(data, seqs), n, layerSet(students));
            for (int i = 0; i < students.size(); i++) {
                Student s = students.get(i);
                FloatTensor y = s.trainer().forward(s.config(), s.view(), acts.input(s.layer()), o.backend(), services);
                float[] yt = acts.output(s.layer()).data();
                for (int k = 0; k < yt.length; k++) {
                    double e = (double) y.data()[k] - yt[k];
                    err[i] += e * e;
                    ref[i] += (double) yt[k] * yt[k];
                }
            }
        }
        double[] out = new double[students.size()];
        for (int i = 0; i < out.length; i++) out[i] = err[i] / (ref[i] == 0 ? 1 : ref[i]);
        return out;
    }

    private static int[] tokens(TrainingTokens data, int[] sequences) {
        int[] out = new int[sequences.length * data.seqLen()];
        for (int j = 0; j < sequences.length; j++) System.arraycopy(data.trainSequence(sequences[j]), 0, out, j * data.seqLen(), data.seqLen());
        return out;
    }

    private static Set<Integer> layerSet(List<Student> students) {
        Set<Integer> s = new TreeSet<>();
        for (Student st : students) s.add(st.layer());
        return s;
    }
}
