package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.common.HostBridgedBlock;
import io.jetrt.blocks.common.KernelImage;
import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceState;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.GpuKernel;
import io.jetrt.spi.GpuOps;

/**
 * JetBlock on the GPU (kernels in {@code src/main/cuda/jetblock.cu}, which includes the shared
 * {@code causal_conv.cuh} and {@code gated_delta_rule.cuh} of blocks-common). Equal to {@link JetBlockCpu} up to the
 * bf16 projections ({@link GpuOps#matrixType()}: f32 for a float32 checkpoint): four input projections run as one bf16 GEMM into {@code proj [rows, P]}, columns
 * {@code [q Kd | k Kd | v0 Vd | gate Vd]}, and a, b as one fp32 GEMM into {@code ab [rows, 2H]}; the kernel generator
 * {@code w2(silu(w1 x))} runs in blocks of
 * {@link #GENERATOR_ROWS} rows into {@code kern [n, Vd·W]} (b2 is added inside the conv kernel); the dynamic conv
 * writes {@code v [rows, Vd]}; the gated delta rule (silu and L2 norm of q, k inside) and its output norm write
 * {@code o [rows, Vd]}; o_proj is the last GEMM. The state slots and their layouts are the CPU ones.
 */
final class JetBlockCuda extends HostBridgedBlock {
    static final KernelImage IMAGE = new KernelImage(JetBlockProvider.class, "/io/jetrt/blocks/jetblock/jetblock.fatbin");
    /** gated_delta_rule.cuh holds at most this many state rows per (batch, head) in registers. */
    static final int MAX_DK = 256;
    /** Rows per kernel-generator pass: its output is Vd·W floats per row (48 KiB at 2B, so 48 MiB of scratch). */
    private static final int GENERATOR_ROWS = 1024;
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

    private final JetBlockConfig c;
    private final int d, h, dk, dv, kd, vd, cw, gh, kw, width;
    private final int kOff, vOff, gOff;
    private final DeviceTensor wAll, wAb, wO, w1, w2, b2, aLog, dtBias, oNorm;
    private final GpuKernel conv, convState, convStep, prep, scan, chunk2, scan2, step, step2, outNorm, silu;

    JetBlockCuda(JetBlockConfig c, JetBlockWeights w, GpuOps gpu) {
        super(gpu);
        this.c = c;
        d = c.hiddenSize();
        h = c.numHeads();
        dk = c.dk();
        dv = c.dv();
        kd = c.keyDim();
        vd = c.valueDim();
        cw = c.convSize();
        gh = c.generatorHidden();
        kw = vd * cw;
        if (dk > MAX_DK) throw new IllegalArgumentException(c.where() + ": head_dim must be <= " + MAX_DK + " for the cuda backend; got " + dk);
        kOff = kd;
        vOff = 2 * kd;
        gOff = 2 * kd + vd;
        width = 2 * kd + 2 * vd;
        wAll = gpu.upload(tensor(stack(w.q(), w.k(), w.v(), w.gate()), width, d), gpu.matrixType());
        // the decay inputs (a, b) stay float32: in bf16 their rounding reaches the output through exp(g);
        // they are 2H rows. The kernel generator (2.4M values at 2B: f32 cost 10% of a decode step) follows
        // the runtime's matrix type like the projections.
        wAb = gpu.upload(tensor(stack(w.a(), w.b()), 2 * h, d), DType.F32);
        wO = gpu.upload(tensor(w.o(), d, vd), gpu.matrixType());
        w1 = gpu.upload(tensor(w.w1(), gh, d), gpu.matrixType());
        w2 = gpu.upload(tensor(w.w2(), kw, gh), gpu.matrixType());
        b2 = gpu.upload(tensor(w.b2(), kw), DType.F32);
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
        silu = gpu.kernel(image, "jetblock_silu_kernel1");
    }

    @Override
    public void prefill(DeviceTensor x, DeviceTensor positions, int[] hostPositions, DeviceState state, DeviceTensor y) {
        int batch = state.batch(), tokens = x.dim(1), rows = batch * tokens;
        DeviceTensor xr = x.reshape(rows, d);
        DeviceTensor proj = gpu.scratch(DType.F32, rows, width), ab = gpu.scratch(DType.F32, rows, 2 * h);
        gpu.linear(xr, wAll, proj);
        gpu.linear(xr, wAb, ab);
        DeviceTensor cache = state.get(JetBlockProvider.CONV_STATE);
        DeviceTensor v = gpu.scratch(DType.F32, rows, vd);
        int block = Math.min(GENERATOR_ROWS, rows);
        DeviceTensor hid = gpu.scratch(DType.F32, block, gh), kern = gpu.scratch(DType.F32, block, kw);
        // the conv reads the cache and never writes it, so it runs block by block before the cache update
        for (int r0 = 0; r0 < rows; r0 += block) {
            int n = Math.min(block, rows - r0);
            DeviceTensor hn = hid.slice(0, n), kn = kern.slice(0, n);
            gpu.linear(xr.slice(r0, n), w1, hn);
            gpu.launch(silu, gridFor((long) n * gh), 1, 1, THREADS, 1, 0, hn, (long) n * gh);
            gpu.linear(hn, w2, kn);
            gpu.launch(conv, gridFor((long) n * vd), 1, 1, THREADS, 1, 0,
                    v, vd, at(proj, vOff), width, cache, kn, (long) kw, b2, 0L, tokens, vd, cw, (long) r0, (long) n, 1);
        }
        gpu.launch(convState, ceilDiv((long) batch * vd, THREADS), 1, 1, THREADS, 1, 0, cache, at(proj, vOff), width, batch, tokens, vd, cw);
        DeviceTensor qn = gpu.scratch(DType.F32, rows, kd), kn = gpu.scratch(DType.F32, rows, kd);
        DeviceTensor gbq = gpu.scratch(DType.F32, rows, h, 3);
        gpu.launch(prep, ceilDiv((long) rows * h, PREP_WARPS), 1, 1, 32 * PREP_WARPS, 1, 0,
                qn, kn, gbq, proj, width, at(proj, kOff), width, ab, at(ab, h), 2 * h,
                aLog, dtBias, rows, h, dk, 1, 1f);
        DeviceTensor o = gpu.scratch(DType.F32, rows, vd);
        scanGdr(state.get(JetBlockProvider.RECURRENT_STATE), o, qn, kn, v, vd, gbq, batch, tokens);
        gpu.launch(outNorm, rows * h, 1, 1, NORM_THREADS, 1, 0, o, at(proj, gOff), width, oNorm, h, dv, c.normEps());
        gpu.linear(o, wO, y.reshape(rows, d));
    }

    @Override
    public void decode(DeviceTensor x, DeviceTensor positions, DeviceState state, DeviceTensor y) {
        int batch = state.batch();
        DeviceTensor xr = x.reshape(batch, d);
        DeviceTensor proj = gpu.scratch(DType.F32, batch, width), ab = gpu.scratch(DType.F32, batch, 2 * h);
        gpu.linear(xr, wAll, proj);
        gpu.linear(xr, wAb, ab);
        DeviceTensor hid = gpu.scratch(DType.F32, batch, gh), kern = gpu.scratch(DType.F32, batch, kw);
        gpu.linear(xr, w1, hid);
        gpu.launch(silu, gridFor((long) batch * gh), 1, 1, THREADS, 1, 0, hid, (long) batch * gh);
        gpu.linear(hid, w2, kern);
        DeviceTensor v = gpu.scratch(DType.F32, batch, vd);
        gpu.launch(convStep, ceilDiv((long) batch * vd, THREADS), 1, 1, THREADS, 1, 0,
                v, vd, at(proj, vOff), width, state.get(JetBlockProvider.CONV_STATE), kern, (long) kw, b2, 0L, batch, vd, cw, 1);
        DeviceTensor o = gpu.scratch(DType.F32, batch, vd);
        decodeStep(batch,
                state.get(JetBlockProvider.RECURRENT_STATE), o, proj, width, at(proj, kOff), width,
                v, vd, ab, at(ab, h), 2 * h, aLog, dtBias, h, dk, dv, 1, 1f);
        gpu.launch(outNorm, batch * h, 1, 1, NORM_THREADS, 1, 0, o, at(proj, gOff), width, oNorm, h, dv, c.normEps());
        gpu.linear(o, wO, y.reshape(batch, d));
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

    /** Row-major matrices of one column count stacked by rows. */
    private static float[] stack(float[]... parts) {
        int n = 0;
        for (float[] p : parts) n += p.length;
        float[] all = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

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
