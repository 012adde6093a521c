package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.common.GatedDeltaCuda;
import io.jetrt.blocks.common.GatedDeltaRuleCuda;
import io.jetrt.blocks.common.KernelImage;
import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceState;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.GpuKernel;
import io.jetrt.spi.GpuOps;

import static io.jetrt.blocks.common.DeviceTensors.at;
import static io.jetrt.blocks.common.DeviceTensors.ceilDiv;
import static io.jetrt.blocks.common.DeviceTensors.gridFor;

/**
 * JetBlock on the GPU (kernels in {@code src/main/cuda/jetblock.cu}, which includes the shared
 * {@code causal_conv.cuh} and {@code gated_delta_rule.cuh} of blocks-common). Equal to {@link JetBlockCpu} up to the
 * bf16 projections ({@link GpuOps#matrixType()}: f32 for a float32 checkpoint): four input projections run as one bf16 GEMM into {@code proj [rows, P]}, columns
 * {@code [q Kd | k Kd | v0 Vd | gate Vd]}, and a, b as one fp32 GEMM into {@code ab [rows, 2H]}; the kernel generator
 * {@code w2(silu(w1 x))} runs in blocks of
 * {@link #GENERATOR_ROWS} rows into {@code kern [n, Vd·W]} (b2 is added inside the conv kernel); the dynamic conv
 * writes {@code v [rows, Vd]}; the gated delta rule (silu and L2 norm of q, k inside) and its output norm write
 * {@code o [rows, Vd]}; o_proj is the last GEMM. A decode step of up to {@link GatedDeltaRuleCuda#MAX_FUSED_DECODE_BATCH}
 * sequences is five kernels: one gemv of [W_all; w1], silu of its hidden columns, the w2 gemv, then the conv step, a and
 * b, the rule and the norm in one kernel ({@link GatedDeltaRuleCuda#decodeNormed}), and o_proj. The state slots and
 * their layouts are the CPU ones.
 */
final class JetBlockCuda extends GatedDeltaCuda<JetBlockConfig> {
    static final KernelImage IMAGE = new KernelImage(JetBlockProvider.class, "/io/jetrt/blocks/jetblock/jetblock.fatbin");
    /**
     * Rows per kernel-generator pass: its output is Vd·W floats per row (48 KiB at 2B, so 192 MiB of scratch). 1024-row
     * passes ran the 2B retrofit teacher's w2 GEMMs at 32 us each, 384 launches a step.
     */
    private static final int GENERATOR_ROWS = 4096;

    private final int gh, kw, width;
    private final int kOff, vOff, gOff;
    /** [W_all; w1]: one decode gemv for both (wAll and w1 are its row ranges, for the prefill's separate GEMMs). */
    private final DeviceTensor wAllW1;
    private final DeviceTensor wAll, wAb, w1, w2, b2;
    private final GpuKernel silu, siluColumns;

    JetBlockCuda(JetBlockConfig c, JetBlockWeights w, GpuOps gpu) {
        super(c, w, gpu, IMAGE);
        gh = c.generatorHidden();
        kw = vd * cw;
        kOff = kd;
        vOff = 2 * kd;
        gOff = 2 * kd + vd;
        width = 2 * kd + 2 * vd;
        wAllW1 = gpu.upload(tensor(stack(w.q(), w.k(), w.v(), w.gate(), w.w1()), width + gh, d), gpu.matrixType());
        wAll = wAllW1.slice(0, width);
        w1 = wAllW1.slice(width, gh);
        // the decay inputs (a, b) stay float32: in bf16 their rounding reaches the output through exp(g);
        // they are 2H rows. The kernel generator (2.4M values at 2B: f32 cost 10% of a decode step) follows
        // the runtime's matrix type like the projections.
        wAb = gpu.upload(tensor(stack(w.a(), w.b()), 2 * h, d), DType.F32);
        w2 = gpu.upload(tensor(w.w2(), kw, gh), gpu.matrixType());
        b2 = gpu.upload(tensor(w.b2(), kw), DType.F32);
        silu = kernel("jetblock_silu_kernel1");
        siluColumns = kernel("jetblock_silu_kernel2");
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
            gpu.launch(silu, gridFor((long) n * gh, THREADS), 1, 1, THREADS, 1, 0, hn, (long) n * gh);
            gpu.linear(hn, w2, kn);
            convs.forward(v, vd, at(proj, vOff), width, cache, kn, kw, b2, null, tokens, vd, cw, r0, n, true);
        }
        gpu.launch(convState, ceilDiv((long) batch * vd, THREADS), 1, 1, THREADS, 1, 0, cache, at(proj, vOff), width, batch, tokens, vd, cw);
        DeviceTensor qn = gpu.scratch(DType.F32, rows, kd), kn = gpu.scratch(DType.F32, rows, kd);
        DeviceTensor gbq = gpu.scratch(DType.F32, rows, h, 3);
        rule.prep(qn, kn, gbq, proj, width, at(proj, kOff), width, ab, at(ab, h), 2 * h, aLog, dtBias, rows, true, 1f);
        DeviceTensor o = gpu.scratch(DType.F32, rows, vd);
        rule.scan(state.get(JetBlockProvider.RECURRENT_STATE), o, qn, kn, v, vd, gbq, batch, tokens);
        output(o, at(proj, gOff), width, rows, y);
    }

    @Override
    public void decode(DeviceTensor x, DeviceTensor positions, DeviceState state, DeviceTensor y) {
        int batch = state.batch(), pw = width + gh;
        DeviceTensor xr = x.reshape(batch, d);
        // proj [B, P + gh]: q | k | v0 | gate | the generator's hidden layer, from one gemv
        DeviceTensor proj = gpu.scratch(DType.F32, batch, pw);
        gpu.linear(xr, wAllW1, proj);
        DeviceTensor hid = gpu.scratch(DType.F32, batch, gh), kern = gpu.scratch(DType.F32, batch, kw);
        gpu.launch(siluColumns, gridFor((long) batch * gh, THREADS), 1, 1, THREADS, 1, 0, hid, at(proj, width), pw, batch, gh);
        gpu.linear(hid, w2, kern);
        DeviceTensor o = gpu.scratch(DType.F32, batch, vd);
        if (rule.fusesDecode(batch)) {
            // conv step, a and b, rule and output norm in one kernel: v is the conv of proj's v0 columns
            decodeNormedOutput(state.get(JetBlockProvider.RECURRENT_STATE), o, proj, pw, at(proj, kOff), pw, at(proj, vOff), pw,
                    null, null, 0, batch, true, 1f,
                    new GatedDeltaRuleCuda.ConvStep(state.get(JetBlockProvider.CONV_STATE), kern, kw, b2, cw),
                    new GatedDeltaRuleCuda.Gates(xr, d, wAb, d), at(proj, gOff), pw, y);
            return;
        }
        DeviceTensor ab = gpu.scratch(DType.F32, batch, 2 * h);
        gpu.linear(xr, wAb, ab);
        DeviceTensor v = gpu.scratch(DType.F32, batch, vd);
        gpu.launch(convStep, ceilDiv((long) batch * vd, THREADS), 1, 1, THREADS, 1, 0,
                v, vd, at(proj, vOff), pw, state.get(JetBlockProvider.CONV_STATE), kern, (long) kw, b2, 0L, batch, vd, cw, 1);
        rule.decode(state.get(JetBlockProvider.RECURRENT_STATE), o, proj, pw, at(proj, kOff), pw, v, vd, ab, at(ab, h), 2 * h,
                aLog, dtBias, batch, true, 1f);
        output(o, at(proj, gOff), pw, batch, y);
    }
}
