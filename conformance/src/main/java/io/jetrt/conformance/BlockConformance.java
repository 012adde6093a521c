package io.jetrt.conformance;

import io.jetrt.blocks.common.Init;
import io.jetrt.blocks.common.MapWeights;
import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.StateSlot;
import io.jetrt.spi.TrainableProvider;
import io.jetrt.spi.WeightDecl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The properties the runtime relies on when it composes, chunks, batches and hands over the state of a
 * block, checked for one provider and one config. Each {@code check...} method returns normally or throws
 * a {@link ConformanceFailure} whose message names provider type and version, backend, {@link Check},
 * shape and the tensor that differed; any test framework can call them. Comparisons use the relative
 * error {@code max|got − exp| / max|exp|} per tensor ({@link Closeness}), outputs and every state slot.
 *
 * <p>Backends run here: those the provider offers among {@link Backend#REFERENCE} and {@link Backend#CPU},
 * plus {@link Backend#CUDA} only when {@link #withCudaAvailable} says a GPU is present. A backend is held
 * to {@link #TOLERANCE} against itself and the reference; CUDA to {@link #CUDA_TOLERANCE}.
 *
 * <p>Inputs {@code x [B, T, D]} are N(0, 1) from the seed ({@code D} = the config's {@code hidden_size}).
 * Weights: see {@link #testWeights()}. Instances are immutable apart from a cache of those weights.
 */
public final class BlockConformance {

    /** Relative error allowed between two runs on the CPU or the reference (float32, different orders of summation). */
    public static final double TOLERANCE = 1e-4;
    /** Relative error allowed for CUDA, against the CPU (or the reference) and against itself. */
    public static final double CUDA_TOLERANCE = 2e-2;
    /** Std of the noise added to every initWeights value; see {@link #testWeights()}. */
    public static final double DEFAULT_WEIGHT_NOISE = 0.3;
    /** Rows of the batch in {@link #checkBatchIndependence}. */
    public static final int BATCH_ROWS = 3;
    /** Capacities {@link #checkStateLayout} asks the layout for, in growing order. */
    public static final List<Integer> CAPACITIES = List.of(1, 2, 63, 64, 65, 500, 4096);
    /** Tokens prefilled after the copy in {@link #checkStateRoundTrip}, before one decode. */
    private static final int TAIL = 5;

    private final BlockProvider provider;
    private final BlockConfig config;
    private final long seed;
    private final boolean cudaAvailable;
    private final BlockServices services;
    private final double weightNoise;
    private final int hidden;
    private Map<String, FloatTensor> testWeights;

    /**
     * Checks for {@code provider} at {@code config} with inputs and weight noise drawn from {@code seed}; CUDA
     * off, blocks get a plain-Java {@link CpuOps}, weight noise {@link #DEFAULT_WEIGHT_NOISE}.
     *
     * @throws IllegalArgumentException when the config has no integer {@code hidden_size} (D of {@code x [B, T, D]})
     */
    public BlockConformance(BlockProvider provider, BlockConfig config, long seed) {
        this(provider, config, seed, false, plainServices(), DEFAULT_WEIGHT_NOISE);
    }

    private BlockConformance(BlockProvider provider, BlockConfig config, long seed, boolean cudaAvailable,
                             BlockServices services, double weightNoise) {
        this.provider = Objects.requireNonNull(provider, "BlockConformance: provider must not be null");
        this.config = Objects.requireNonNull(config, "BlockConformance: config must not be null");
        this.services = Objects.requireNonNull(services, "BlockConformance: services must not be null");
        if (!(weightNoise >= 0) || !Double.isFinite(weightNoise)) {
            throw new IllegalArgumentException("BlockConformance: weight noise must be a finite number >= 0; got " + weightNoise);
        }
        if (!config.has("hidden_size")) {
            throw new IllegalArgumentException("BlockConformance: config " + config.where()
                    + " must set hidden_size (D of x [B, T, D]); it is missing");
        }
        this.hidden = config.intParam("hidden_size");
        if (hidden <= 0) throw new IllegalArgumentException("BlockConformance: hidden_size must be > 0; got " + hidden);
        this.seed = seed;
        this.cudaAvailable = cudaAvailable;
        this.weightNoise = weightNoise;
    }

    /** A copy that also runs {@link Backend#CUDA} when the provider offers it and {@code available} is true. */
    public BlockConformance withCudaAvailable(boolean available) {
        return new BlockConformance(provider, config, seed, available, services, weightNoise);
    }

    /** A copy whose blocks get {@code services}, e.g. the runtime's BLAS-backed {@link CpuOps}. */
    public BlockConformance withServices(BlockServices services) {
        return new BlockConformance(provider, config, seed, cudaAvailable, services, weightNoise);
    }

    /** A copy with another std for the noise added to initWeights; 0 runs on initWeights as they are. */
    public BlockConformance withWeightNoise(double std) {
        return new BlockConformance(provider, config, seed, cudaAvailable, services, std);
    }

    public BlockProvider provider() { return provider; }

    public BlockConfig config() { return config; }

    public long seed() { return seed; }

    public boolean cudaAvailable() { return cudaAvailable; }

    /** {@code D}: the config's {@code hidden_size}. */
    public int hidden() { return hidden; }

    /** The backends the checks run: offered by the provider and able to run here, in the order reference, CPU, CUDA. */
    public List<Backend> runnableBackends() {
        Set<Backend> offered = provider.backends();
        List<Backend> out = new ArrayList<>();
        for (Backend b : Backend.values()) {
            if (offered.contains(b) && (b != Backend.CUDA || cudaAvailable)) out.add(b);
        }
        return out;
    }

    /**
     * The weights every run uses: for each weight {@code weights(config)} declares, the value
     * {@code initWeights(config, seed)} gives it (zero where that is absent or misshapen, which
     * {@link #checkWeights} reports) plus N(0, {@code weightNoise²}) noise.
     *
     * <p>Why not initWeights as they are: upstream init draws projections with std
     * {@code initializer_range} = 0.02, so each projection has a gain of about 0.02·√D (0.1 at the small
     * widths a conformance config uses) and every nonlinearity behind one runs near its linear part:
     * sigmoid ≈ 1/2 + z/4, swish ≈ z/2, softplus ≈ log 2 + z/2, softmax over scores of order gain² ≈ uniform,
     * exp decays ≈ constant. A bug inside such a path (a wrong gate, a position or mask off by one, a
     * dropped erase term k·kᵀ of the delta rule) then moves y only by order gain or gain², not order 1.
     * Measured on the example retention block (D = 20): a CPU path with swish(g) replaced by g/2 is off
     * by 1e-1 relative at initWeights' scale and by 6e-1 with this noise. Noise of std 0.3 gives the
     * projections order-1 gain, so every path moves the output at order 1, far from {@link #TOLERANCE}.
     * The initWeights values are kept as the mean so that parameters with a structural value (norm
     * weights at 1, A_log and dt_bias in their ranges) stay where the block expects them.
     */
    public synchronized Map<String, FloatTensor> testWeights() {
        if (testWeights == null) {
            List<WeightDecl> decls = provider.weights(config);
            Map<String, FloatTensor> init;
            try {
                init = provider.initWeights(config, seed);
            } catch (RuntimeException e) {
                init = null;
            }
            if (init == null) init = Map.of();
            Init noise = new Init(seed ^ 0x6A09E667F3BCC909L);
            Map<String, FloatTensor> w = new LinkedHashMap<>();
            for (WeightDecl d : decls) {
                FloatTensor t = noise.normal(weightNoise, d.shape());
                FloatTensor base = init.get(d.name());
                if (base != null && base.sameShape(d.shape())) {
                    float[] td = t.data(), bd = base.data();
                    for (int i = 0; i < td.length; i++) if (Float.isFinite(bd[i])) td[i] += bd[i];
                }
                w.put(d.name(), t);
            }
            testWeights = Collections.unmodifiableMap(w);
        }
        return testWeights;
    }

    /** Every check, on every runnable backend, at every shape. Stops at the first failure. */
    public void checkAll(List<Shape> shapes) {
        checkWeights();
        checkStateLayout();
        Set<Integer> lengths = new LinkedHashSet<>();
        for (Shape s : shapes) lengths.add(s.steps());
        for (Backend b : runnableBackends()) {
            for (Shape s : shapes) {
                checkChunking(b, s);
                checkStateRoundTrip(b, s);
                checkOutputs(b, s);
            }
            for (int t : lengths) checkBatchIndependence(b, t);
        }
        for (Shape s : shapes) checkBackendsAgree(s);
    }

    // ---- (a) weights ------------------------------------------------------------------------------------

    /**
     * {@link Check#WEIGHTS}: the declarations have non-empty unique names and positive dims;
     * {@code initWeights(config, seed)} returns exactly those names with those shapes, all finite, the
     * same for the same seed and different for another; and a block built from them runs on every
     * runnable backend with finite outputs (it is what a swapped-in layer gets).
     */
    public void checkWeights() {
        Ctx c = new Ctx(Check.WEIGHTS, null, null);
        List<WeightDecl> decls = call(c, "weights(config)", () -> provider.weights(config));
        Map<String, int[]> declared = new LinkedHashMap<>();
        for (WeightDecl d : decls) {
            if (d == null || d.name() == null || d.name().isEmpty()) throw c.fail("weights(config) declares a weight without a name: " + d);
            if (declared.put(d.name(), d.shape()) != null) throw c.fail("weights(config) declares " + d.name() + " twice");
            for (int dim : d.shape()) {
                if (dim <= 0) throw c.fail("declared weight " + d + " must have every dim > 0");
            }
        }
        Map<String, FloatTensor> first = init(c, seed), again = init(c, seed), other = init(c, seed + 1);
        Set<String> missing = new LinkedHashSet<>(declared.keySet());
        missing.removeAll(first.keySet());
        Set<String> extra = new LinkedHashSet<>(first.keySet());
        extra.removeAll(declared.keySet());
        if (!missing.isEmpty() || !extra.isEmpty()) {
            throw c.fail("initWeights(config, " + seed + ") must return exactly the declared weights; missing "
                    + missing + ", not declared " + extra);
        }
        for (Map.Entry<String, int[]> e : declared.entrySet()) {
            FloatTensor t = first.get(e.getKey());
            if (t == null) throw c.fail("initWeights(config, " + seed + ") maps " + e.getKey() + " to null");
            if (!t.sameShape(e.getValue())) {
                throw c.fail("initWeights' " + e.getKey() + " has shape " + Tensors.shape(t) + "; declared "
                        + Arrays.toString(e.getValue()));
            }
            int bad = Tensors.firstNonFinite(t);
            if (bad >= 0) {
                throw c.fail("initWeights' " + e.getKey() + " holds " + t.data()[bad] + " at " + Tensors.index(t.shape(), bad));
            }
            if (!t.equals(again.get(e.getKey()))) {
                throw c.fail("initWeights is not deterministic: " + e.getKey() + " differs between two calls with seed " + seed);
            }
        }
        boolean differs = declared.isEmpty();
        for (String name : declared.keySet()) differs |= !first.get(name).equals(other.get(name));
        if (!differs) {
            throw c.fail("initWeights gives the same weights for seeds " + seed + " and " + (seed + 1) + "; it must draw them from the seed");
        }
        for (Backend b : runnableBackends()) {
            Ctx cb = new Ctx(Check.WEIGHTS, b, "initWeights, B=1 T=4");
            Block block = create(cb, b, first);
            FloatTensor y = prefill(cb, block, input(1, 4, 7), 0, newState(cb, 1, 4), "prefill(4)");
            requireWritten(cb, "prefill(4) with initWeights", y);
        }
    }

    // ---- (b) state layout ---------------------------------------------------------------------------------

    /**
     * {@link Check#STATE_LAYOUT}: at every capacity of {@link #CAPACITIES} the layout is the same on two
     * calls, its slot names are non-empty and unique, dtypes floating point and dims positive; across
     * capacities the slots keep their names, order and ranks, and each dim stays fixed or grows.
     */
    public void checkStateLayout() {
        Ctx c = new Ctx(Check.STATE_LAYOUT, null, null);
        List<StateSlot> prev = null;
        int prevCap = 0;
        for (int cap : CAPACITIES) {
            List<StateSlot> layout = layout(c, cap), again = layout(c, cap);
            if (!layout.equals(again)) {
                throw c.fail("stateLayout(config, " + cap + ") differs between two calls: " + layout + " vs " + again);
            }
            Set<String> names = new HashSet<>();
            for (StateSlot s : layout) {
                if (s == null || s.name() == null || s.name().isEmpty()) throw c.fail("stateLayout(config, " + cap + ") has a slot without a name: " + s);
                if (!names.add(s.name())) throw c.fail("stateLayout(config, " + cap + ") has slot " + s.name() + " twice");
                if (s.dtype() == null || !s.dtype().isFloat()) throw c.fail("slot " + s + " must have a floating-point dtype");
                for (int d : s.shape()) {
                    if (d <= 0) throw c.fail("slot " + s + " at capacity " + cap + " must have every dim > 0");
                }
            }
            if (prev != null) compareLayouts(c, prev, prevCap, layout, cap);
            prev = layout;
            prevCap = cap;
        }
    }

    private static void compareLayouts(Ctx c, List<StateSlot> small, int smallCap, List<StateSlot> large, int largeCap) {
        List<String> a = small.stream().map(StateSlot::name).toList(), b = large.stream().map(StateSlot::name).toList();
        if (!a.equals(b)) {
            throw c.fail("slots must not depend on capacity; they are " + a + " at capacity " + smallCap + " and " + b + " at " + largeCap);
        }
        for (int i = 0; i < small.size(); i++) {
            int[] s = small.get(i).shape(), l = large.get(i).shape();
            boolean shrinks = s.length != l.length;
            for (int d = 0; !shrinks && d < s.length; d++) shrinks = l[d] < s[d];
            if (shrinks || small.get(i).dtype() != large.get(i).dtype()) {
                throw c.fail("slot " + a.get(i) + " is " + small.get(i) + " at capacity " + smallCap + " but " + large.get(i)
                        + " at capacity " + largeCap + "; a slot must be fixed-size or grow with capacity");
            }
        }
    }

    // ---- (c) chunking -------------------------------------------------------------------------------------

    /**
     * {@link Check#CHUNKING}: prefill of all T tokens equals prefill of the first {@code T1 = T/2} followed
     * by one decode per remaining token (for T = 1: one decode from the fresh state), and equals prefill of
     * T1 followed by prefill of the rest; outputs and final state. Each path uses a fresh block.
     */
    public void checkChunking(Backend backend, Shape shape) {
        int batch = shape.batch(), steps = shape.steps(), split = steps / 2;
        FloatTensor x = input(batch, steps, 1);
        Ctx c = new Ctx(Check.CHUNKING, backend, shape + ", x " + Tensors.shape(x));
        double tol = tolerance(backend);
        BlockState whole = newState(c, batch, steps);
        FloatTensor yWhole = prefill(c, create(c, backend), x, 0, whole, "prefill(" + steps + ")");

        Block b = create(c, backend);
        BlockState s = newState(c, batch, steps);
        FloatTensor y = FloatTensor.filled(Float.NaN, x.shape());
        if (split > 0) Tensors.put(y, prefill(c, b, Tensors.slice(x, 0, split), 0, s, "prefill(" + split + ")"), 0);
        for (int t = split; t < steps; t++) {
            Tensors.put(y, decode(c, b, Tensors.slice(x, t, t + 1), t, s, "decode at position " + t), t);
        }
        String how = (split > 0 ? "prefill(" + split + ") + " : "") + (steps - split) + (steps - split == 1 ? " decode" : " decodes") + " vs prefill(" + steps + ")";
        compare(c, how + ": y", yWhole, y, tol);
        compareStates(c, how + ": final state", whole, s, tol);

        if (split > 0) {
            Block b2 = create(c, backend);
            BlockState s2 = newState(c, batch, steps);
            FloatTensor y2 = FloatTensor.filled(Float.NaN, x.shape());
            Tensors.put(y2, prefill(c, b2, Tensors.slice(x, 0, split), 0, s2, "prefill(" + split + ")"), 0);
            Tensors.put(y2, prefill(c, b2, Tensors.slice(x, split, steps), split, s2,
                    "prefill(" + (steps - split) + ") at position " + split), split);
            String how2 = "prefill(" + split + ") + prefill(" + (steps - split) + ") vs prefill(" + steps + ")";
            compare(c, how2 + ": y", yWhole, y2, tol);
            compareStates(c, how2 + ": final state", whole, s2, tol);
        }
    }

    // ---- (d) batch independence ---------------------------------------------------------------------------

    /**
     * {@link Check#BATCH_INDEPENDENCE}: a batch of {@link #BATCH_ROWS} rows runs prefill({@code steps}) and
     * one decode; each row run alone gives the same outputs and the same state row.
     */
    public void checkBatchIndependence(Backend backend, int steps) {
        FloatTensor x = input(BATCH_ROWS, steps + 1, 2);
        Ctx c = new Ctx(Check.BATCH_INDEPENDENCE, backend, Shape.of(BATCH_ROWS, steps) + " + 1 decode, x " + Tensors.shape(x));
        double tol = tolerance(backend);
        Run all = prefillThenDecode(c, backend, x, steps);
        for (int r = 0; r < BATCH_ROWS; r++) {
            Run alone = prefillThenDecode(c, backend, Tensors.row(x, r), steps);
            String what = "row " + r + " of the batch vs that row alone";
            compare(c, what + ": y", alone.y(), Tensors.row(all.y(), r), tol);
            for (String slot : alone.state().tensors().keySet()) {
                compare(c, what + ": state " + slot, alone.state().get(slot), Tensors.row(all.state().get(slot), r), tol);
            }
        }
    }

    // ---- (e) state round trip -----------------------------------------------------------------------------

    /**
     * {@link Check#STATE_ROUND_TRIP}: after prefill of T tokens the state is copied into a fresh
     * {@link BlockState} of the same layout; the original block continues its state and a fresh block the
     * copy, each with prefill of 5 tokens and one decode. Outputs and final states must agree: a block that
     * keeps anything of a sequence outside its {@code BlockState} fails here.
     */
    public void checkStateRoundTrip(Backend backend, Shape shape) {
        int batch = shape.batch(), steps = shape.steps(), capacity = steps + TAIL + 1;
        FloatTensor x = input(batch, capacity, 3);
        Ctx c = new Ctx(Check.STATE_ROUND_TRIP, backend, shape + " then " + TAIL + " + 1 decode, x " + Tensors.shape(x));
        Block original = create(c, backend);
        BlockState kept = newState(c, batch, capacity);
        prefill(c, original, Tensors.slice(x, 0, steps), 0, kept, "prefill(" + steps + ")");
        BlockState copy = newState(c, batch, capacity);
        Tensors.copyState(kept, copy);
        FloatTensor yKept = continueRun(c, original, x, steps, kept);
        FloatTensor yCopy = continueRun(c, create(c, backend), x, steps, copy);
        String what = "continued from a copy by a fresh block vs continued in place";
        compare(c, what + ": y", yKept, yCopy, tolerance(backend));
        compareStates(c, what + ": final state", kept, copy, tolerance(backend));
    }

    private FloatTensor continueRun(Ctx c, Block b, FloatTensor x, int from, BlockState s) {
        int batch = x.dim(0);
        FloatTensor y = FloatTensor.filled(Float.NaN, batch, TAIL + 1, hidden);
        Tensors.put(y, prefill(c, b, Tensors.slice(x, from, from + TAIL), from, s, "prefill(" + TAIL + ") at position " + from), 0);
        Tensors.put(y, decode(c, b, Tensors.slice(x, from + TAIL, from + TAIL + 1), from + TAIL, s,
                "decode at position " + (from + TAIL)), TAIL);
        return y;
    }

    // ---- (f) outputs written, input untouched -------------------------------------------------------------

    /**
     * {@link Check#OUTPUTS}: with y poisoned with NaN, prefill of T tokens and then one decode must write
     * every output element with a finite value, not all zero, leave x as it was, and leave every state
     * slot finite.
     */
    public void checkOutputs(Backend backend, Shape shape) {
        int batch = shape.batch(), steps = shape.steps();
        FloatTensor x = input(batch, steps, 4), xBefore = x.copy();
        Ctx c = new Ctx(Check.OUTPUTS, backend, shape + ", x " + Tensors.shape(x));
        Block b = create(c, backend);
        BlockState s = newState(c, batch, steps + 1);
        FloatTensor y = prefill(c, b, x, 0, s, "prefill(" + steps + ")");
        requireWritten(c, "prefill(" + steps + ")", y);
        requireUnchanged(c, "prefill(" + steps + ")", xBefore, x);
        if (Tensors.allZero(y)) {
            throw c.fail("prefill(" + steps + ") wrote only zeros to y; with weights of std " + weightNoise
                    + " a working block cannot, and every comparison would pass vacuously");
        }
        FloatTensor xd = input(batch, 1, 5), xdBefore = xd.copy();
        FloatTensor yd = decode(c, b, xd, steps, s, "decode at position " + steps);
        requireWritten(c, "decode at position " + steps, yd);
        requireUnchanged(c, "decode at position " + steps, xdBefore, xd);
        for (Map.Entry<String, FloatTensor> e : s.tensors().entrySet()) {
            int bad = Tensors.firstNonFinite(e.getValue());
            if (bad >= 0) {
                throw c.fail("state " + e.getKey() + " " + Tensors.shape(e.getValue()) + " holds " + e.getValue().data()[bad]
                        + " at " + Tensors.index(e.getValue().shape(), bad) + " after prefill and decode");
            }
        }
    }

    // ---- (h) gradients ---------------------------------------------------------------------------------------

    /** Whether the provider offers training ({@link TrainableProvider}) on {@code backend}. */
    public boolean trainable(Backend backend) {
        return provider instanceof TrainableProvider t && t.trainingBackends().contains(backend);
    }

    /**
     * {@link Check#GRADIENTS}: the provider's {@link TrainableProvider#forward} equals its block's prefill from an empty
     * state, and its {@link TrainableProvider#backward} gives, for {@code x} and every weight, the directional
     * derivative of {@code L = Σ dy · y} along a random direction that central differences of the forward give.
     *
     * <p>Error model of the differences (float32 forward): two steps {@code h} and {@code h/2}, Richardson-combined;
     * their disagreement bounds the truncation error. The backward's side is taken along the steps as the float32
     * perturbation really made them, so their rounding cancels. The forward's rounding is allowed
     * {@code Σ|dy · y| · 2⁻²⁰} (16 float32 ulps per term of {@code L}: an allowance, not derived — a long sum or
     * recurrence rounds more), which a difference over {@code h/2} turns into {@code 2 · that / (h/2)}. The backward may
     * differ from the derivative by that bound plus {@link #TOLERANCE} of it (its own float32 rounding).
     */
    public void checkGradients(Backend backend, Shape shape) {
        Ctx c = new Ctx(Check.GRADIENTS, backend, shape.toString());
        if (!(provider instanceof TrainableProvider t)) throw c.fail("the provider offers no training capability (TrainableProvider, SPI 1.3)");
        int batch = shape.batch(), steps = shape.steps();
        FloatTensor x = input(batch, steps, 6), dy = input(batch, steps, 7);
        Map<String, FloatTensor> w = new LinkedHashMap<>();
        testWeights().forEach((k, v) -> w.put(k, v.copy()));
        FloatTensor y = trainForward(c, t, backend, w, x);
        Block b = create(c, backend);
        FloatTensor yBlock = prefill(c, b, x, 0, newState(c, batch, steps), "prefill(" + steps + ")");
        compare(c, "forward vs the block's prefill", yBlock, y, tolerance(backend));
        Gradients g = call(c, "backward(config, weights, x, dy, " + backend.id() + ", services)",
                () -> t.backward(config, new MapWeights(provider.type() + " conformance weights", w), x, dy, backend, services));
        Init rng = new Init(seed * 31 + 8);
        checkDirection(c, t, backend, w, x, dy, "x", x, g.input(), rng);
        for (String name : w.keySet()) {
            FloatTensor grad = g.weights().get(name);
            if (grad == null) throw c.fail("backward gave no gradient for weight " + name + "; it gave " + g.weights().keySet());
            checkDirection(c, t, backend, w, x, dy, name, w.get(name), grad, rng);
        }
    }

    private FloatTensor trainForward(Ctx c, TrainableProvider t, Backend backend, Map<String, FloatTensor> w, FloatTensor x) {
        return call(c, "forward(config, weights, x, " + backend.id() + ", services)",
                () -> t.forward(config, new MapWeights(provider.type() + " conformance weights", w), x, backend, services));
    }

    /** Compares {@code Σ grad · d} with central differences along a random {@code d} of {@code target} (x or a weight, changed in place and restored). */
    private void checkDirection(Ctx c, TrainableProvider t, Backend backend, Map<String, FloatTensor> w, FloatTensor x, FloatTensor dy,
                                String name, FloatTensor target, FloatTensor grad, Init rng) {
        if (!Arrays.equals(grad.shape(), target.shape())) throw c.fail("gradient of " + name + " " + Tensors.shape(grad) + " is not the shape of " + Tensors.shape(target));
        nonFinite(c, "gradient of " + name, grad);
        FloatTensor d = rng.normal(1.0, target.shape());
        double rms = 0;
        for (float v : target.data()) rms += (double) v * v;
        double h = 1e-2 * Math.max(Math.sqrt(rms / target.size()), 1e-2);
        double[] far = difference(c, t, backend, w, x, dy, target, d, h, grad), near = difference(c, t, backend, w, x, dy, target, d, h / 2, grad);
        double richardson = (4 * near[0] - far[0]) / 3;
        double rounding = 2 * Math.max(far[1], near[1]) * Math.pow(2, -20) / (h / 2);
        double bound = Math.abs(near[0] - far[0]) + rounding;
        // along the steps the float32 weights really took (rounded), in the Richardson combination of the two sizes
        double analytic = (4 * near[2] - far[2]) / 3;
        double err = Math.abs(analytic - richardson);
        if (!(err <= bound + TOLERANCE * Math.abs(richardson))) {
            throw c.fail(String.format(Locale.ROOT, "gradient of %s along a random direction: backward gives %.6g, central differences %.6g "
                    + "(error %.3g > bound %.3g: truncation %.3g, rounding %.3g, plus %.0e relative)", name, analytic, richardson, err,
                    bound + TOLERANCE * Math.abs(richardson), Math.abs(near[0] - far[0]), rounding, TOLERANCE));
        }
    }

    /**
     * {@code [(L(θ₊) − L(θ₋)) / 2h, Σ|dy · y|, Σ G·(θ₊ − θ₋) / 2h]} with {@code θ± = float32(θ ± h·d)}: {@code target} (θ)
     * moved in place and restored; the last is the backward's derivative along the step as rounded to float32.
     */
    private double[] difference(Ctx c, TrainableProvider t, Backend backend, Map<String, FloatTensor> w, FloatTensor x, FloatTensor dy,
                                FloatTensor target, FloatTensor d, double h, FloatTensor grad) {
        float[] saved = target.data().clone();
        double along = 0;
        for (int i = 0; i < saved.length; i++) {
            double step = (double) (float) (saved[i] + h * d.data()[i]) - (float) (saved[i] - h * d.data()[i]);
            along += grad.data()[i] * step / (2 * h);
        }
        double[] loss = new double[2];
        double magnitude = 0;
        for (int side = 0; side < 2; side++) {
            double sign = side == 0 ? 1 : -1;
            for (int i = 0; i < saved.length; i++) target.data()[i] = (float) (saved[i] + sign * h * d.data()[i]);
            FloatTensor y = trainForward(c, t, backend, w, x);
            double m = 0;
            for (int i = 0; i < y.size(); i++) {
                loss[side] += (double) dy.data()[i] * y.data()[i];
                m += Math.abs((double) dy.data()[i] * y.data()[i]);
            }
            magnitude = Math.max(magnitude, m);
        }
        System.arraycopy(saved, 0, target.data(), 0, saved.length);
        return new double[] {(loss[0] - loss[1]) / (2 * h), magnitude, along};
    }

    // ---- (g) backends agree -------------------------------------------------------------------------------

    /**
     * {@link Check#BACKEND_AGREEMENT}: when reference and CPU both run here, CPU matches the reference within
     * {@link #TOLERANCE}; when CUDA runs here, it matches the CPU (or else the reference) within
     * {@link #CUDA_TOLERANCE}. Compared: prefill of T tokens, then one decode, outputs and states; and the
     * decode of each backend continuing the state the other one prefilled (equal layouts hand over).
     *
     * @return the number of backend pairs compared; 0 when fewer than two backends run here
     */
    public int checkBackendsAgree(Shape shape) {
        List<Backend> run = runnableBackends();
        int pairs = 0;
        if (run.contains(Backend.REFERENCE) && run.contains(Backend.CPU)) {
            agree(Backend.REFERENCE, Backend.CPU, shape, TOLERANCE);
            pairs++;
        }
        if (run.contains(Backend.CUDA)) {
            Backend base = run.contains(Backend.CPU) ? Backend.CPU : run.contains(Backend.REFERENCE) ? Backend.REFERENCE : null;
            if (base != null) {
                agree(base, Backend.CUDA, shape, CUDA_TOLERANCE);
                pairs++;
            }
        }
        return pairs;
    }

    private void agree(Backend exp, Backend got, Shape shape, double tol) {
        int batch = shape.batch(), steps = shape.steps();
        FloatTensor x = input(batch, steps + 1, 6);
        Ctx c = new Ctx(Check.BACKEND_AGREEMENT, got, got.id() + " vs " + exp.id() + ", " + shape + " + 1 decode, x " + Tensors.shape(x));
        FloatTensor head = Tensors.slice(x, 0, steps), tail = Tensors.slice(x, steps, steps + 1);
        Block bExp = create(c, exp), bGot = create(c, got);
        BlockState sExp = newState(c, batch, steps + 1), sGot = newState(c, batch, steps + 1);
        FloatTensor pExp = prefill(c, bExp, head, 0, sExp, exp.id() + " prefill(" + steps + ")");
        FloatTensor pGot = prefill(c, bGot, head, 0, sGot, got.id() + " prefill(" + steps + ")");
        compare(c, "prefill(" + steps + "): y", pExp, pGot, tol);
        compareStates(c, "prefill(" + steps + "): state", sExp, sGot, tol);
        BlockState handExp = newState(c, batch, steps + 1), handGot = newState(c, batch, steps + 1);
        Tensors.copyState(sExp, handExp);
        Tensors.copyState(sGot, handGot);
        FloatTensor dExp = decode(c, bExp, tail, steps, sExp, exp.id() + " decode at position " + steps);
        FloatTensor dGot = decode(c, bGot, tail, steps, sGot, got.id() + " decode at position " + steps);
        compare(c, "decode after prefill(" + steps + "): y", dExp, dGot, tol);
        compareStates(c, "decode after prefill(" + steps + "): state", sExp, sGot, tol);
        FloatTensor dHanded = decode(c, bGot, tail, steps, handExp, got.id() + " decode from the " + exp.id() + " state");
        compare(c, got.id() + " decode continuing the state " + exp.id() + " prefilled: y", dExp, dHanded, tol);
        compareStates(c, got.id() + " decode continuing the state " + exp.id() + " prefilled: state", sExp, handExp, tol);
        FloatTensor dBack = decode(c, bExp, tail, steps, handGot, exp.id() + " decode from the " + got.id() + " state");
        compare(c, exp.id() + " decode continuing the state " + got.id() + " prefilled: y", dExp, dBack, tol);
        compareStates(c, exp.id() + " decode continuing the state " + got.id() + " prefilled: state", sExp, handGot, tol);
    }

    /**
     * {@link Check#BACKEND_AGREEMENT} in decode with each sequence at its own position: {@code positions.length}
     * sequences start from the same random states (N(0, {@code stateStd}) in every slot) on CUDA and on the CPU
     * (or else the reference), then take {@code steps} decode steps of the same inputs; outputs (NaN-poisoned
     * first) and every state slot must agree within {@link #CUDA_TOLERANCE} after each step.
     *
     * @return the number of backend pairs compared: 1, or 0 when CUDA does not run here
     */
    public int checkDecodeAtPositions(int[] positions, int steps, double stateStd) {
        List<Backend> run = runnableBackends();
        Backend base = run.contains(Backend.CPU) ? Backend.CPU : run.contains(Backend.REFERENCE) ? Backend.REFERENCE : null;
        if (!run.contains(Backend.CUDA) || base == null) return 0;
        int batch = positions.length, capacity = Arrays.stream(positions).max().orElse(0) + steps;
        Ctx c = new Ctx(Check.BACKEND_AGREEMENT, Backend.CUDA, "cuda vs " + base.id() + ", decode at positions " + Arrays.toString(positions));
        Block bBase = create(c, base), bCuda = create(c, Backend.CUDA);
        BlockState sBase = newState(c, batch, capacity), sCuda = newState(c, batch, capacity);
        Init init = new Init(seed * 31 + 7);
        for (String slot : sBase.tensors().keySet()) {
            FloatTensor r = init.normal(stateStd, sBase.get(slot).shape());
            System.arraycopy(r.data(), 0, sBase.get(slot).data(), 0, r.size());
            System.arraycopy(r.data(), 0, sCuda.get(slot).data(), 0, r.size());
        }
        int[] at = positions.clone();
        for (int step = 0; step < steps; step++) {
            FloatTensor x = input(batch, 1, 40 + step);
            String where = "decode step " + step + " at positions " + Arrays.toString(at);
            FloatTensor yBase = FloatTensor.filled(Float.NaN, x.shape()), yCuda = FloatTensor.filled(Float.NaN, x.shape());
            int[] pos = at.clone();
            call(c, base.id() + " " + where, () -> { bBase.decode(x, pos.clone(), sBase, yBase); return yBase; });
            call(c, "cuda " + where, () -> { bCuda.decode(x, pos.clone(), sCuda, yCuda); return yCuda; });
            compare(c, where + ": y", yBase, yCuda, CUDA_TOLERANCE);
            compareStates(c, where + ": state", sBase, sCuda, CUDA_TOLERANCE);
            for (int i = 0; i < batch; i++) at[i]++;
        }
        return 1;
    }

    // ---- running blocks -----------------------------------------------------------------------------------

    /** Outputs {@code [B, T+1, D]} of prefill of the first T tokens of {@code x} then one decode, and the state after. */
    private record Run(FloatTensor y, BlockState state) {}

    private Run prefillThenDecode(Ctx c, Backend backend, FloatTensor x, int steps) {
        int batch = x.dim(0);
        Block b = create(c, backend);
        BlockState s = newState(c, batch, steps + 1);
        FloatTensor y = FloatTensor.filled(Float.NaN, x.shape());
        Tensors.put(y, prefill(c, b, Tensors.slice(x, 0, steps), 0, s, "prefill(" + steps + ") of " + batch + " rows"), 0);
        Tensors.put(y, decode(c, b, Tensors.slice(x, steps, steps + 1), steps, s, "decode at position " + steps + " of " + batch + " rows"), steps);
        return new Run(y, s);
    }

    private FloatTensor prefill(Ctx c, Block b, FloatTensor x, int position, BlockState s, String step) {
        FloatTensor y = FloatTensor.filled(Float.NaN, x.shape());
        try {
            b.prefill(x, positions(x.dim(0), position), s, y);
        } catch (RuntimeException e) {
            throw c.fail(step + " threw " + e, e);
        }
        return y;
    }

    private FloatTensor decode(Ctx c, Block b, FloatTensor x, int position, BlockState s, String step) {
        FloatTensor y = FloatTensor.filled(Float.NaN, x.shape());
        try {
            b.decode(x, positions(x.dim(0), position), s, y);
        } catch (RuntimeException e) {
            throw c.fail(step + " threw " + e, e);
        }
        return y;
    }

    private static int[] positions(int batch, int position) {
        int[] p = new int[batch];
        Arrays.fill(p, position);
        return p;
    }

    /** A fresh block on the test weights; each gets its own copy, so a block that edits its weights harms only itself. */
    private Block create(Ctx c, Backend backend) {
        Map<String, FloatTensor> w = call(c, "building the test weights", this::testWeights);
        return create(c, backend, w);
    }

    private Block create(Ctx c, Backend backend, Map<String, FloatTensor> weights) {
        Map<String, FloatTensor> own = new LinkedHashMap<>();
        weights.forEach((k, v) -> own.put(k, v.copy()));
        Block b = call(c, "create(config, weights, " + backend.id() + ", services)",
                () -> provider.create(config, new MapWeights(provider.type() + " conformance weights", own), backend, services));
        if (b == null) throw c.fail("create(config, weights, " + backend.id() + ", services) returned null");
        return b;
    }

    private BlockState newState(Ctx c, int batch, int capacity) {
        return call(c, "new BlockState(" + batch + ", stateLayout(config, " + capacity + "))",
                () -> new BlockState(batch, layout(c, capacity)));
    }

    private List<StateSlot> layout(Ctx c, int capacity) {
        List<StateSlot> l = call(c, "stateLayout(config, " + capacity + ")", () -> provider.stateLayout(config, capacity));
        if (l == null) throw c.fail("stateLayout(config, " + capacity + ") returned null");
        return l;
    }

    private Map<String, FloatTensor> init(Ctx c, long s) {
        Map<String, FloatTensor> m = call(c, "initWeights(config, " + s + ")", () -> provider.initWeights(config, s));
        if (m == null) throw c.fail("initWeights(config, " + s + ") returned null");
        return m;
    }

    private static <T> T call(Ctx c, String what, Supplier<T> body) {
        T out;
        try {
            out = body.get();
        } catch (RuntimeException e) {
            throw c.fail(what + " threw " + e, e);
        }
        if (out == null) throw c.fail(what + " returned null");
        return out;
    }

    /** Inputs {@code [B, T, D]}, N(0, 1), a stream per (seed, check, shape). */
    private FloatTensor input(int batch, int steps, int salt) {
        long s = seed * 0x9E3779B97F4A7C15L + salt * 1_000_003L + batch * 65_537L + steps;
        return new Init(s).normal(1.0, batch, steps, hidden);
    }

    private static double tolerance(Backend backend) { return backend == Backend.CUDA ? CUDA_TOLERANCE : TOLERANCE; }

    // ---- comparing ----------------------------------------------------------------------------------------

    private static void compare(Ctx c, String what, FloatTensor expected, FloatTensor got, double tol) {
        if (!Arrays.equals(expected.shape(), got.shape())) {
            throw c.fail(what + ": shape " + Tensors.shape(got) + " differs from " + Tensors.shape(expected));
        }
        nonFinite(c, what + " (expected side)", expected);
        nonFinite(c, what, got);
        Closeness.Diff d = Closeness.diff(expected.data(), got.data());
        if (!(d.rel() <= tol)) {
            throw c.fail(String.format(Locale.ROOT, "%s %s: relative error %.3g > %.0e (max|got - exp| %.3g at %s, max|exp| %.3g)",
                    what, Tensors.shape(got), d.rel(), tol, d.maxAbs(), Tensors.index(got.shape(), d.at()), d.maxRef()));
        }
    }

    private static void compareStates(Ctx c, String what, BlockState expected, BlockState got, double tol) {
        for (String slot : expected.tensors().keySet()) compare(c, what + " " + slot, expected.get(slot), got.get(slot), tol);
    }

    private static void nonFinite(Ctx c, String what, FloatTensor t) {
        int bad = Tensors.firstNonFinite(t);
        if (bad >= 0) {
            throw c.fail(what + " " + Tensors.shape(t) + ": " + Tensors.countNonFinite(t) + " of " + t.size() + " values are not finite, first "
                    + t.data()[bad] + " at " + Tensors.index(t.shape(), bad) + " (outputs start as NaN: NaN means never written)");
        }
    }

    private static void requireWritten(Ctx c, String step, FloatTensor y) {
        int bad = Tensors.firstNonFinite(y);
        if (bad >= 0) {
            throw c.fail(step + " left " + Tensors.countNonFinite(y) + " of " + y.size() + " outputs of y " + Tensors.shape(y)
                    + " not finite, first " + y.data()[bad] + " at " + Tensors.index(y.shape(), bad)
                    + " (y is filled with NaN before the call: NaN means never written)");
        }
    }

    private static void requireUnchanged(Ctx c, String step, FloatTensor before, FloatTensor after) {
        int i = Tensors.firstChange(before, after);
        if (i >= 0) {
            throw c.fail(step + " modified its input x " + Tensors.shape(after) + " at " + Tensors.index(after.shape(), i)
                    + ": was " + before.data()[i] + ", now " + after.data()[i]);
        }
    }

    /** Where a failure happened: {@code <type> <version> [<backend>] <check>, <shape>: }. */
    private final class Ctx {
        private final Check check;
        private final String prefix;

        Ctx(Check check, Backend backend, String shape) {
            this.check = check;
            this.prefix = provider.type() + " " + provider.version() + (backend == null ? "" : " [" + backend.id() + "]")
                    + " " + check.id() + (shape == null ? "" : ", " + shape) + ": ";
        }

        ConformanceFailure fail(String detail) { return new ConformanceFailure(check, prefix + detail); }

        ConformanceFailure fail(String detail, Throwable cause) { return new ConformanceFailure(check, prefix + detail, cause); }
    }

    private static BlockServices plainServices() {
        CpuOps ops = new PlainCpuOps();
        return () -> ops;
    }
}
