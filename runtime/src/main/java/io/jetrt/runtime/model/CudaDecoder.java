package io.jetrt.runtime.model;

import io.jetrt.loader.config.HfNames;
import io.jetrt.loader.config.ModelConfig;
import io.jetrt.loader.safetensors.Checkpoint;
import io.jetrt.runtime.cuda.CudaException;
import io.jetrt.runtime.cuda.CudaGraph;
import io.jetrt.runtime.cuda.DenseKernels;
import io.jetrt.runtime.cuda.Event;
import io.jetrt.runtime.cuda.Stream;
import io.jetrt.runtime.gpu.BlockGpuOps;
import io.jetrt.runtime.gpu.GpuBlockServices;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.runtime.engine.MachineRates;
import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceBlock;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.FloatTensor;
import jcuda.Pointer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The decoder on the GPU: the residual stream, the dense weights (bf16, or f32 from a float32 checkpoint; norms
 * f32) and every layer's state stay on the device, blocks run through {@link DeviceBlock}, and only token ids and
 * logits cross to the host. The host keeps no copy of the dense weights: each is read from the checkpoint, uploaded
 * and dropped. A one-token step with no observer is captured into a CUDA graph per {@link CudaState} and replayed
 * (launching a few hundred kernels one by one costs more than the step's memory traffic).
 *
 * <p>Per layer: {@code u = norm_in(h); y = block(u); h += y; u = norm_post(h); h += down(silu(gate(u))·up(u))},
 * with each residual add fused into the norm after it; gate and up are one GEMM over the stacked weight.
 */
final class CudaDecoder implements Decoder<CudaState> {
    private final ModelConfig cfg;
    /** Owned by the model: read again when someone asks for the dense weights as float32. */
    private final Checkpoint checkpoint;
    private final GpuContext ctx;
    private final DenseKernels k;
    private final Stream stream;
    private final BlockGpuOps weights;
    private final DeviceTensor embed, head, finalNorm;
    private final DeviceTensor[] inNorm, postNorm, gateUp, down;
    private final float eps;
    /** The dense matrices' type on the device: bf16 for a bf16 checkpoint, f32 for a float32 one. */
    private final DType matrices;

    /** {@code matrices}: BF16 or F32 for the embedding, head and MLP; the norms are always f32 (tiny). */
    CudaDecoder(ModelConfig cfg, Checkpoint checkpoint, GpuContext ctx, DType matrices) {
        this.matrices = matrices;
        this.cfg = cfg;
        this.checkpoint = checkpoint;
        this.ctx = ctx;
        this.k = ctx.dense();
        this.stream = ctx.stream();
        this.eps = (float) cfg.rmsNormEps();
        this.weights = new BlockGpuOps(ctx, "dense weights of " + cfg.source());
        int d = cfg.hiddenSize(), v = cfg.vocabSize(), inter = cfg.intermediateSize(), n = cfg.numLayers();
        try {
            embed = weights.upload(checkpoint.readFloats(HfNames.EMBED), matrices);
            head = cfg.tieWordEmbeddings() ? embed : weights.upload(checkpoint.readFloats(HfNames.LM_HEAD), matrices);
            finalNorm = weights.upload(checkpoint.readFloats(HfNames.FINAL_NORM), DType.F32);
            inNorm = new DeviceTensor[n];
            postNorm = new DeviceTensor[n];
            gateUp = new DeviceTensor[n];
            down = new DeviceTensor[n];
            for (int i = 0; i < n; i++) {
                inNorm[i] = weights.upload(checkpoint.readFloats(HfNames.inputNorm(i)), DType.F32);
                postNorm[i] = weights.upload(checkpoint.readFloats(HfNames.postNorm(i)), DType.F32);
                float[] stacked = new float[2 * inter * d]; // [gate; up]: one GEMM for both
                System.arraycopy(checkpoint.readFloats(HfNames.gateProj(i)).data(), 0, stacked, 0, inter * d);
                System.arraycopy(checkpoint.readFloats(HfNames.upProj(i)).data(), 0, stacked, inter * d, inter * d);
                gateUp[i] = weights.upload(new FloatTensor(stacked, new int[] {2 * inter, d}), matrices);
                down[i] = weights.upload(checkpoint.readFloats(HfNames.downProj(i)), matrices);
            }
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    @Override public String backend() { return "cuda"; }

    @Override public Class<CudaState> stateType() { return CudaState.class; }

    @Override
    public CudaState newState(List<Layer> bound, int batch, int capacity) {
        BlockGpuOps memory = new BlockGpuOps(ctx, "state of " + batch + " sequence(s) of " + cfg.source());
        try {
            return new CudaState(memory, bound, batch, capacity);
        } catch (RuntimeException e) {
            memory.close();
            throw e;
        }
    }

    /** A device error, which surfaces at the next synchronous call whichever kernel caused it, named for this model. */
    private CudaException failed(CudaException e) {
        if (e instanceof io.jetrt.runtime.cuda.OutOfDeviceMemoryException oom) {
            return new io.jetrt.runtime.cuda.OutOfDeviceMemoryException("model " + cfg.source(), oom);
        }
        return new CudaException("model " + cfg.source() + " on cuda: " + e.getMessage()
                + " (errors of asynchronous kernels show up at the next synchronous call: run each block with"
                + " `jetrt verify <block file> --backend cuda` to find the one at fault)", e);
    }

    /** The dense weights and every block's device memory (its weights; what a block holds beyond them is small). */
    @Override
    public long weightBytes(List<Layer> bound, long parameters) {
        long n = weights.bytesHeld();
        for (Layer l : bound) if (l.resources() instanceof GpuBlockServices g) n += g.ops().bytesHeld();
        return n;
    }

    @Override public long hostWeightBytes() { return 0; }

    @Override public MachineRates measureRates() { return MachineRates.cuda(ctx); }

    @Override
    public Map<String, Supplier<float[]>> denseWeights() {
        Map<String, Supplier<float[]>> w = new LinkedHashMap<>();
        w.put(HfNames.EMBED, () -> checkpoint.readFloats(HfNames.EMBED).data());
        w.put(HfNames.FINAL_NORM, () -> checkpoint.readFloats(HfNames.FINAL_NORM).data());
        if (!cfg.tieWordEmbeddings()) w.put(HfNames.LM_HEAD, () -> checkpoint.readFloats(HfNames.LM_HEAD).data());
        for (int i = 0; i < cfg.numLayers(); i++) {
            for (String name : List.of(HfNames.inputNorm(i), HfNames.postNorm(i), HfNames.gateProj(i), HfNames.upProj(i), HfNames.downProj(i))) {
                w.put(name, () -> checkpoint.readFloats(name).data());
            }
        }
        return w;
    }

    /**
     * Runs {@code tokens [B, T]} from {@code positions}; logits for every position or only the last. One-token
     * steps without an observer replay the captured step.
     */
    @Override
    public FloatTensor run(List<Layer> snapshot, int[] tokens, int batch, int[] positions, CudaState states, boolean allLogits,
                           Model.LayerObserver observer) {
        FloatTensor logits;
        // one stream and one scratch arena for every model on the device: steps of concurrent generations take turns
        synchronized (ctx) {
            try {
                logits = runNow(snapshot, tokens, batch, positions, states, allLogits, observer);
            } catch (CudaException e) {
                throw failed(e);
            }
        }
        checkFinite(logits);
        return logits;
    }

    /** On the GPU blocks are not checked one by one (that would wait for each); non-finite logits name the step. */
    private void checkFinite(FloatTensor logits) {
        float[] l = logits.data();
        for (int k = 0; k < l.length; k++) {
            if (!Float.isFinite(l[k])) {
                throw new BlockFaultException("model " + cfg.source() + " on cuda produced " + l[k] + " at logits index " + k
                        + "; run with --backend cpu, or verify each block (jetrt verify --backend cuda), to find the layer", null);
            }
        }
    }

    private FloatTensor runNow(List<Layer> snapshot, int[] tokens, int batch, int[] positions, CudaState states, boolean allLogits,
                               Model.LayerObserver observer) {
        int steps = tokens.length / batch;
        if (steps == 1 && observer == null && !ctx.profiling()) return decodeCaptured(snapshot, tokens, positions, states);
        long mark = ctx.beginStep();
        try {
            DeviceTensor tok = ctx.scratchTensor(DType.I32, tokens.length), pos = ctx.scratchTensor(DType.I32, batch);
            stream.copyIn(Pointer.to(tokens), tok.address(), 4L * tokens.length);
            stream.copyIn(Pointer.to(positions), pos.address(), 4L * batch);
            DeviceTensor logits = forward(snapshot, tok, pos, positions, batch, steps, states, allLogits, observer);
            return weights.download(logits).reshape(batch, allLogits ? steps : 1, cfg.vocabSize());
        } finally {
            ctx.endStep(mark);
        }
    }

    private FloatTensor decodeCaptured(List<Layer> snapshot, int[] tokens, int[] positions, CudaState st) {
        if (st.graph == null || !sameBindings(st.graphBindings, snapshot)) capture(snapshot, st);
        stream.copyIn(Pointer.to(tokens), st.graphTokens.address(), 4L * tokens.length);
        stream.copyIn(Pointer.to(positions), st.graphPositions.address(), 4L * positions.length);
        st.graph.launch(stream);
        return weights.download(st.graphLogits).reshape(st.batch, 1, cfg.vocabSize());
    }

    /**
     * {@code n} greedy steps fed from {@code first} [B], all on the device: one captured step computes the
     * logits, takes the argmax as the next input and advances the positions, so replays need no host round
     * trip (for benchmarks and greedy generation). Returns the chosen tokens {@code [n, B]} row-major.
     */
    @Override
    public int[] greedy(List<Layer> snapshot, CudaState st, int[] first, int[] positions, int n) {
        if (ctx.profiling()) throw new IllegalStateException("greedy on the device replays a graph; stop profiling first");
        synchronized (ctx) {
            try {
                return greedyNow(snapshot, st, first, positions, n);
            } catch (CudaException e) {
                throw failed(e);
            }
        }
    }

    private int[] greedyNow(List<Layer> snapshot, CudaState st, int[] first, int[] positions, int n) {
        if (n > st.capacity) throw new IllegalArgumentException("greedy: " + n + " steps exceed the state's capacity " + st.capacity);
        if (st.greedyGraph == null || !sameBindings(st.graphBindings, snapshot)) capture(snapshot, st);
        stream.copyIn(Pointer.to(first), st.graphTokens.address(), 4L * first.length);
        stream.copyIn(Pointer.to(positions), st.graphPositions.address(), 4L * positions.length);
        weights.zero(st.greedyStep);
        for (int i = 0; i < n; i++) st.greedyGraph.launch(stream);
        int[] out = new int[n * st.batch];
        stream.copyOut(st.greedyHistory.address(), Pointer.to(out), 4L * out.length);
        return out;
    }

    /**
     * {@code n} teacher-forced steps on the device: {@code forced [n, B]} goes up once, then the captured step (feed
     * the step's row, forward, argmax, advance) is launched {@code n} times back to back with an event between
     * launches; one wait at the end, then each step's time is read from its events and the chosen ids copied out.
     */
    @Override
    public int[] teacherForced(List<Layer> snapshot, CudaState st, int[] forced, int[] positions, int n, double[] stepMs) {
        if (ctx.profiling()) throw new IllegalStateException("teacher forcing on the device replays a graph; stop profiling first");
        synchronized (ctx) {
            try {
                return teacherForcedNow(snapshot, st, forced, positions, n, stepMs);
            } catch (CudaException e) {
                throw failed(e);
            }
        }
    }

    private int[] teacherForcedNow(List<Layer> snapshot, CudaState st, int[] forced, int[] positions, int n, double[] stepMs) {
        if (n > st.capacity) throw new IllegalArgumentException("teacher forcing: " + n + " steps exceed the state's capacity " + st.capacity);
        if (st.greedyGraph == null || !sameBindings(st.graphBindings, snapshot)) capture(snapshot, st);
        if (st.forcedGraph == null) captureForced(snapshot, st);
        stream.copyIn(Pointer.to(forced), st.forced.address(), 4L * forced.length);
        stream.copyIn(Pointer.to(positions), st.graphPositions.address(), 4L * positions.length);
        weights.zero(st.greedyStep);
        Event[] marks = new Event[n + 1];
        try {
            for (int i = 0; i <= n; i++) marks[i] = Event.create(ctx.device());
            marks[0].record(stream);
            for (int i = 0; i < n; i++) {
                st.forcedGraph.launch(stream);
                marks[i + 1].record(stream);
            }
            marks[n].synchronize();
            for (int i = 0; i < n; i++) stepMs[i] = marks[i + 1].millisSince(marks[i]);
        } finally {
            for (Event e : marks) if (e != null) e.close();
        }
        int[] out = new int[n * st.batch];
        stream.copyOut(st.greedyHistory.address(), Pointer.to(out), 4L * out.length);
        return out;
    }

    /** The teacher-forced step, for the bindings the other graphs were captured for (callers capture those first). */
    private void captureForced(List<Layer> snapshot, CudaState st) {
        if (st.forced == null) {
            st.forced = st.memory.allocate(DType.I32, st.capacity, st.batch);
            st.chosen = st.memory.allocate(DType.I32, st.batch);
        }
        long mark = ctx.beginStep();
        try {
            st.forcedGraph = CudaGraph.captureRelaxed(stream, () -> {
                k.feed(stream, st.graphTokens.address(), st.forced.address(), st.greedyStep.address(), st.batch);
                DeviceTensor logits = forward(snapshot, st.graphTokens, st.graphPositions, null, st.batch, 1, st, false, null);
                k.argmax(stream, st.chosen.address(), logits.address(), st.batch, cfg.vocabSize());
                k.advance(stream, st.graphPositions.address(), st.chosen.address(), st.greedyHistory.address(), st.greedyStep.address(), st.batch);
            });
        } finally {
            ctx.endStep(mark);
        }
    }

    @Override
    public void fillSynthetic(CudaState st, float value) {
        synchronized (ctx) {
            try {
                st.fill(stream, value);
                stream.synchronize();
            } catch (CudaException e) {
                throw failed(e);
            }
        }
    }

    /** The device: free and total from the driver, the runtime's high-water mark, the scratch arena's chunks. */
    @Override
    public Model.Memory memory() {
        return new Model.Memory(ctx.device().freeMemory(), ctx.device().totalMemory(), ctx.peakBytes(), ctx.scratchReserved());
    }

    @Override public void resetPeak() { ctx.resetPeak(); }

    @Override public void resetScratchPeak() { ctx.resetScratchPeak(); }

    @Override public long scratchPeak() { return ctx.scratchPeak(); }

    private void capture(List<Layer> snapshot, CudaState st) {
        st.dropGraph();
        if (st.graphTokens == null) {
            st.greedyHistory = st.memory.allocate(DType.I32, st.capacity, st.batch);
            st.greedyStep = st.memory.allocate(DType.I32, 1);
            st.graphTokens = st.memory.allocate(DType.I32, st.batch);
            st.graphPositions = st.memory.allocate(DType.I32, st.batch);
            st.graphLogits = st.memory.allocate(DType.F32, st.batch, cfg.vocabSize());
        }
        long mark = ctx.beginStep();
        try {
            st.graph = CudaGraph.captureRelaxed(stream, () -> {
                DeviceTensor logits = forward(snapshot, st.graphTokens, st.graphPositions, null, st.batch, 1, st, false, null);
                stream.copy(logits.address(), st.graphLogits.address(), logits.bytes());
            });
            st.greedyGraph = CudaGraph.captureRelaxed(stream, () -> {
                DeviceTensor logits = forward(snapshot, st.graphTokens, st.graphPositions, null, st.batch, 1, st, false, null);
                k.argmax(stream, st.graphTokens.address(), logits.address(), st.batch, cfg.vocabSize());
                k.advance(stream, st.graphPositions.address(), st.graphTokens.address(), st.greedyHistory.address(), st.greedyStep.address(), st.batch);
            });
            st.graphBindings = snapshot;
        } finally {
            ctx.endStep(mark);
        }
    }

    private static boolean sameBindings(List<Layer> a, List<Layer> b) {
        if (a == null || a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) if (a.get(i) != b.get(i)) return false;
        return true;
    }

    /**
     * Queues the whole model: embedding, layers, final norm, head; returns the logits (scratch). With
     * {@code hostPositions} null this is a decode step being captured: blocks get {@code decode}.
     */
    private DeviceTensor forward(List<Layer> snapshot, DeviceTensor tok, DeviceTensor pos, int[] hostPositions, int batch, int steps,
                                 CudaState st, boolean allLogits, Model.LayerObserver observer) {
        int d = cfg.hiddenSize(), v = cfg.vocabSize(), inter = cfg.intermediateSize(), rows = batch * steps;
        DeviceTensor h = ctx.scratchTensor(DType.F32, batch, steps, d), u = ctx.scratchTensor(DType.F32, batch, steps, d);
        DeviceTensor y = ctx.scratchTensor(DType.F32, batch, steps, d);
        // the MLP's activation goes straight to bf16 for a bf16 down projection on cuBLAS (no fp32 copy and cast, same
        // bits); the few rows of a decode step take the gemv, which reads fp32
        boolean bf16Act = matrices == DType.BF16 && rows > DenseKernels.GEMV_MAX_M;
        DeviceTensor gu = ctx.scratchTensor(DType.F32, rows, 2 * inter);
        DeviceTensor act = ctx.scratchTensor(bf16Act ? DType.BF16 : DType.F32, rows, inter);
        ctx.timed("embedding", () -> {
            if (matrices == DType.BF16) k.embedding(stream, h.address(), embed.address(), tok.address(), rows, d, v);
            else k.embeddingF32(stream, h.address(), embed.address(), tok.address(), rows, d, v);
        });
        // the first norm as an add of zeros: one norm kernel, with f32 weights, for all of them
        weights.zero(y);
        ctx.timed("add_rmsnorm", () -> k.addRmsNorm(stream, h.address(), y.address(), u.address(), inNorm[0].address(), rows, d, eps));
        for (Layer layer : snapshot) {
            int i = layer.index();
            callBlock(layer, u, pos, hostPositions, st, y, steps == 1);
            if (observer != null && observer.wantsDeviceBlocks()) observer.deviceBlock(i, u, y);
            else if (observer != null && observer.wantsBlocks()) observer.block(i, weights.download(u), weights.download(y));
            ctx.timed("add_rmsnorm", () -> k.addRmsNorm(stream, h.address(), y.address(), u.address(), postNorm[i].address(), rows, d, eps));
            linear(u.reshape(rows, d), gateUp[i], gu);
            if (bf16Act) {
                ctx.timed("swiglu", () -> k.swigluPairBf16(stream, act.address(), gu.address(), rows, inter));
                weights.linearBf16(act, down[i], y.reshape(rows, d));
            } else {
                ctx.timed("swiglu", () -> k.swigluPair(stream, act.address(), gu.address(), rows, inter));
                linear(act, down[i], y.reshape(rows, d));
            }
            DeviceTensor next = i + 1 < snapshot.size() ? inNorm[i + 1] : finalNorm;
            ctx.timed("add_rmsnorm", () -> k.addRmsNorm(stream, h.address(), y.address(), u.address(), next.address(), rows, d, eps));
            if (observer != null && observer.wantsHidden()) observer.after(i, weights.download(h));
        }
        DeviceTensor last = u;
        if (!allLogits && steps > 1) {
            last = ctx.scratchTensor(DType.F32, batch, 1, d);
            for (int b = 0; b < batch; b++) {
                stream.copy(u.address() + 4L * ((long) (b + 1) * steps - 1) * d, last.address() + 4L * b * d, 4L * d);
            }
        }
        int outRows = allLogits ? rows : batch;
        DeviceTensor logits = ctx.scratchTensor(DType.F32, outRows, v);
        linear(last.reshape(outRows, d), head, logits);
        return logits;
    }

    private void callBlock(Layer layer, DeviceTensor u, DeviceTensor pos, int[] hostPositions, CudaState st, DeviceTensor y, boolean oneToken) {
        if (!(layer.block() instanceof DeviceBlock block)) {
            throw new BlockFaultException(layer.describe() + " was bound for cuda but its block is not a DeviceBlock ("
                    + layer.block().getClass().getName() + ")", null);
        }
        long mark = ctx.mark();
        try {
            if (hostPositions == null || oneToken) block.decode(u, pos, st.layers[layer.index()], y);
            else block.prefill(u, pos, hostPositions, st.layers[layer.index()], y);
        } catch (RuntimeException | LinkageError | StackOverflowError e) {
            throw new BlockFaultException(layer.describe() + " threw during " + (oneToken ? "decode" : "prefill") + " on cuda: " + e, e);
        } finally {
            ctx.release(mark);
        }
    }

    /** The dense GEMMs give their bf16 input copy back at once: the stream orders any reuse after the GEMM. */
    private void linear(DeviceTensor x, DeviceTensor w, DeviceTensor y) {
        long mark = ctx.mark();
        weights.linear(x, w, y);
        ctx.release(mark);
    }

    @Override
    public void close() { weights.close(); }
}
