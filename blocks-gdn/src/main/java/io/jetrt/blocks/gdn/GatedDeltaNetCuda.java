package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.HostBridgedBlock;
import io.jetrt.blocks.common.KernelImage;
import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceState;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.GpuKernel;
import io.jetrt.spi.GpuOps;

/**
 * Gated DeltaNet on the GPU (kernels in {@code src/main/cuda/gdn.cu}, which includes the shared
 * {@code causal_conv.cuh} and {@code gated_delta_rule.cuh} of blocks-common). Equal to {@link GatedDeltaNetCpu}
 * up to the bf16 projections: the six input projections run as one bf16 GEMM into {@code proj [rows, P]},
 * columns {@code [q Kd | k Kd | v Vd | gate Vd | a H | b H]}; the short convs write {@code qkv [rows, 2Kd + Vd]};
 * the gated delta rule and its output norm write {@code o [rows, Vd]}; o_proj is the second GEMM.
 * The state slots and their layouts are the CPU ones; the kernels update them in place.
 */
final class GatedDeltaNetCuda extends HostBridgedBlock {
    static final KernelImage IMAGE = new KernelImage(GatedDeltaNetProvider.class, "/io/jetrt/blocks/gdn/gdn.fatbin");
    /** gated_delta_rule.cuh holds at most this many state rows per (batch, head) in registers. */
    static final int MAX_DK = 256;
    private static final int COLS = 32, ROWS = 8, THREADS = 256, NORM_THREADS = 128, PREP_WARPS = 4;
    /**
     * gdr_decode_kernel2's column threads per block (4 state columns each, so 32 columns a block). On an H100 at
     * H 12, Dk 96, Dv 256 it was the fastest of 2/4/8/16 at batch 1, 64 and 128 (within 4% of 4 at batch 8).
     * -Djetrt.gdr.decode=1 runs the reference gdr_decode_kernel1 instead.
     */
    private static final int DECODE2_TX = 8;
    private static final boolean DECODE1 = "1".equals(System.getProperty("jetrt.gdr.decode"));
    /** gated_delta_rule.cuh version 2: chunk length, threads per block; used from this many tokens on. */
    private static final int CHUNK = 64, SCAN2_THREADS = 256, SCAN2_MIN_TOKENS = 64;

    private final GatedDeltaNetConfig c;
    private final int d, h, dk, dv, kd, vd, cw, width, qkvWidth;
    private final int kOff, vOff, gOff, aOff, bOff;
    private final DeviceTensor wAll, wO, qConv, kConv, vConv, qBias, kBias, vBias, aLog, dtBias, oNorm;
    private final GpuKernel conv, convState, convStep, prep, scan, chunk2, scan2, step, step2, outNorm;

    GatedDeltaNetCuda(GatedDeltaNetConfig c, GatedDeltaNetWeights w, GpuOps gpu) {
        super(gpu);
        this.c = c;
        d = c.hiddenSize();
        h = c.numHeads();
        dk = c.dk();
        dv = c.dv();
        kd = c.keyDim();
        vd = c.valueDim();
        cw = c.convSize();
        if (dk > MAX_DK) throw new IllegalArgumentException(c.where() + ": head_dim must be <= " + MAX_DK + " for the cuda backend; got " + dk);
        kOff = kd;
        vOff = 2 * kd;
        gOff = 2 * kd + vd;
        aOff = 2 * kd + 2 * vd;
        bOff = aOff + h;
        width = bOff + h;
        qkvWidth = 2 * kd + vd;
        float[] all = new float[width * d];
        int at = 0;
        for (float[] m : new float[][] {w.q(), w.k(), w.v(), w.gate(), w.a(), w.b()}) {
            System.arraycopy(m, 0, all, at, m.length);
            at += m.length;
        }
        wAll = gpu.upload(tensor(all, width, d), gpu.matrixType());
        wO = gpu.upload(tensor(w.o(), d, vd), gpu.matrixType());
        qConv = gpu.upload(tensor(w.qConv(), kd, cw), DType.F32);
        kConv = gpu.upload(tensor(w.kConv(), kd, cw), DType.F32);
        vConv = gpu.upload(tensor(w.vConv(), vd, cw), DType.F32);
        qBias = w.qBias() == null ? null : gpu.upload(tensor(w.qBias(), kd), DType.F32);
        kBias = w.kBias() == null ? null : gpu.upload(tensor(w.kBias(), kd), DType.F32);
        vBias = w.vBias() == null ? null : gpu.upload(tensor(w.vBias(), vd), DType.F32);
        aLog = gpu.upload(tensor(w.aLog(), h), DType.F32);
        dtBias = gpu.upload(tensor(w.dtBias(), h), DType.F32);
        oNorm = gpu.upload(tensor(w.oNorm(), dv), DType.F32);
        byte[] image = IMAGE.bytes();
        conv = gpu.kernel(image, "causal_conv_kernel1");
        convState = gpu.kernel(image, "causal_conv_state_kernel1");
        convStep = gpu.kernel(image, "causal_conv_step_kernel1");
        prep = gpu.kernel(image, "gdr_prep_kernel1");
        scan = gpu.kernel(image, "gdr_prefill_kernel1");
        chunk2 = gpu.kernel(image, "gdr_chunk_kernel2");
        scan2 = gpu.kernel(image, "gdr_prefill_kernel2");
        step = gpu.kernel(image, "gdr_decode_kernel1");
        step2 = gpu.kernel(image, "gdr_decode_kernel2");
        outNorm = gpu.kernel(image, "gdr_out_norm_kernel1");
    }

    @Override
    public void prefill(DeviceTensor x, DeviceTensor positions, int[] hostPositions, DeviceState state, DeviceTensor y) {
        int batch = state.batch(), tokens = x.dim(1), rows = batch * tokens;
        DeviceTensor proj = gpu.scratch(DType.F32, rows, width);
        gpu.linear(x.reshape(rows, d), wAll, proj);
        DeviceTensor qkv = gpu.scratch(DType.F32, rows, qkvWidth);
        shortConv(proj, qkv, 0, kd, state.get(GatedDeltaNetProvider.Q_CONV_STATE), qConv, qBias, batch, tokens);
        shortConv(proj, qkv, kOff, kd, state.get(GatedDeltaNetProvider.K_CONV_STATE), kConv, kBias, batch, tokens);
        shortConv(proj, qkv, vOff, vd, state.get(GatedDeltaNetProvider.V_CONV_STATE), vConv, vBias, batch, tokens);
        DeviceTensor qn = gpu.scratch(DType.F32, rows, kd), kn = gpu.scratch(DType.F32, rows, kd);
        DeviceTensor gbq = gpu.scratch(DType.F32, rows, h, 3);
        gpu.launch(prep, ceilDiv(rows * h, PREP_WARPS), 1, 1, 32 * PREP_WARPS, 1, 0,
                qn, kn, gbq, qkv, qkvWidth, at(qkv, kOff), qkvWidth, at(proj, aOff), at(proj, bOff), width,
                aLog, dtBias, rows, h, dk, 0, c.betaScale());
        DeviceTensor o = gpu.scratch(DType.F32, rows, vd);
        scanGdr(state.get(GatedDeltaNetProvider.RECURRENT_STATE), o, qn, kn, at(qkv, vOff), qkvWidth, gbq, batch, tokens);
        gpu.launch(outNorm, rows * h, 1, 1, NORM_THREADS, 1, 0, o, at(proj, gOff), width, oNorm, h, dv, c.normEps());
        gpu.linear(o, wO, y.reshape(rows, d));
    }

    @Override
    public void decode(DeviceTensor x, DeviceTensor positions, DeviceState state, DeviceTensor y) {
        int batch = state.batch();
        DeviceTensor proj = gpu.scratch(DType.F32, batch, width);
        gpu.linear(x.reshape(batch, d), wAll, proj);
        DeviceTensor qkv = gpu.scratch(DType.F32, batch, qkvWidth);
        convStep(proj, qkv, 0, kd, state.get(GatedDeltaNetProvider.Q_CONV_STATE), qConv, qBias, batch);
        convStep(proj, qkv, kOff, kd, state.get(GatedDeltaNetProvider.K_CONV_STATE), kConv, kBias, batch);
        convStep(proj, qkv, vOff, vd, state.get(GatedDeltaNetProvider.V_CONV_STATE), vConv, vBias, batch);
        DeviceTensor o = gpu.scratch(DType.F32, batch, vd);
        decodeStep(batch,
                state.get(GatedDeltaNetProvider.RECURRENT_STATE), o, qkv, qkvWidth, at(qkv, kOff), qkvWidth,
                at(qkv, vOff), qkvWidth, at(proj, aOff), at(proj, bOff), width, aLog, dtBias, h, dk, dv, 0, c.betaScale());
        gpu.launch(outNorm, batch * h, 1, 1, NORM_THREADS, 1, 0, o, at(proj, gOff), width, oNorm, h, dv, c.normEps());
        gpu.linear(o, wO, y.reshape(batch, d));
    }

    /** One short conv over the chunk (silu after it) from {@code proj} columns [off, off+C) into the same columns of qkv; then its cache. */
    private void shortConv(DeviceTensor proj, DeviceTensor qkv, int off, int channels, DeviceTensor cache, DeviceTensor weight,
                           DeviceTensor bias, int batch, int tokens) {
        long rows = (long) batch * tokens;
        gpu.launch(conv, gridFor(rows * channels), 1, 1, THREADS, 1, 0,
                at(qkv, off), qkvWidth, at(proj, off), width, cache, weight, 0L, 0L, orNull(bias),
                tokens, channels, cw, 0L, rows, 1);
        gpu.launch(convState, ceilDiv(batch * channels, THREADS), 1, 1, THREADS, 1, 0,
                cache, at(proj, off), width, batch, tokens, channels, cw);
    }

    private void convStep(DeviceTensor proj, DeviceTensor qkv, int off, int channels, DeviceTensor cache, DeviceTensor weight,
                          DeviceTensor bias, int batch) {
        gpu.launch(convStep, ceilDiv(batch * channels, THREADS), 1, 1, THREADS, 1, 0,
                at(qkv, off), qkvWidth, at(proj, off), width, cache, weight, 0L, 0L, orNull(bias), batch, channels, cw, 1);
    }

    /**
     * The gated delta rule over the chunk: from {@link #SCAN2_MIN_TOKENS} tokens on the chunked form
     * (gdr_chunk_kernel2 into a work buffer of 64-token chunks, then gdr_prefill_kernel2 across chunks),
     * below it the per-token scan gdr_prefill_kernel1 (the reference the chunked form is tested against).
     */
    private void scanGdr(DeviceTensor recurrent, DeviceTensor o, DeviceTensor qn, DeviceTensor kn, DeviceTensor v, int vStride,
                         DeviceTensor gbq, int batch, int tokens) {
        if (tokens >= SCAN2_MIN_TOKENS) {
            int nc = ceilDiv(tokens, CHUNK);
            DeviceTensor work = gpu.scratch(DType.F32, batch * h * nc, CHUNK * (3 * dk + dv) + CHUNK * CHUNK + 1);
            gpu.launch(chunk2, nc, h, batch, SCAN2_THREADS, 1, 0, work, qn, kn, v, vStride, gbq, tokens, h, dk, dv);
            int cols = dk <= 128 ? 32 : 16; // GDR2_BV(dk): state columns per gdr_prefill_kernel2 block
            gpu.launch(scan2, ceilDiv(dv, cols), h, batch, SCAN2_THREADS, 1, 0, recurrent, o, work, tokens, h, dk, dv);
        } else {
            gpu.launch(scan, ceilDiv(dv, COLS), h, batch, COLS, ROWS, 0, recurrent, o, qn, kn, v, vStride, gbq, tokens, h, dk, dv);
        }
    }

    private static FloatTensor tensor(float[] data, int... shape) { return new FloatTensor(data, shape); }

    /** A pointer argument that may be null: the tensor, or a 0 address as a 64-bit value. */
    private static Object orNull(DeviceTensor t) { return t == null ? (Object) 0L : t; }

    /** The F32 tensor {@code t} seen from element {@code offset} on (a column offset of a row-major matrix). */
    private static DeviceTensor at(DeviceTensor t, int offset) {
        if (offset == 0) return t;
        return new DeviceTensor(t.address() + 4L * offset, DType.F32, new int[] {Math.toIntExact(t.elements() - offset)});
    }

    private static int ceilDiv(long n, int d) { return Math.toIntExact((n + d - 1) / d); }

    /**
     * The decode step of the gated delta rule: gdr_decode_kernel2 (4 state columns per thread, 16-byte state
     * accesses, one barrier; {@link #DECODE2_TX} column threads by ceil(Dk/4) row groups, rounded up to whole
     * warps), or with -Djetrt.gdr.decode=1 its reference gdr_decode_kernel1. The launch shape depends on the
     * batch and the config only.
     */
    private void decodeStep(int batch, Object... args) {
        if (DECODE1) {
            gpu.launch(step, ceilDiv(dv, COLS), h, batch, COLS, ROWS, 0, args);
            return;
        }
        int tx = DECODE2_TX, group = 32 / tx, ty = ceilDiv(ceilDiv(dk, 4), group) * group; // tx * ty <= 8 * 64 = 512
        gpu.launch(step2, ceilDiv(dv, 4 * tx), h, batch, tx, ty, 0, args);
    }

    /** Blocks for a grid-stride kernel over n elements: enough to cover them, at most 65536. */
    private static int gridFor(long n) { return (int) Math.max(1, Math.min(65536, (n + THREADS - 1) / THREADS)); }
}
