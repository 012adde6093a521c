package io.jetrt.blocks.common;

import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.GpuKernel;
import io.jetrt.spi.GpuOps;

import static io.jetrt.blocks.common.DeviceTensors.ceilDiv;

/**
 * The training math of the gated-delta heads on the GPU, {@link io.jetrt.blocks.common.grad.FastGatedDeltaHeads}'s
 * on the device: from the front end's q, k, v and the a, b, gate projections to the gated, normalised output
 * {@code y [rows, H·Dv]} (o_proj's input), and back. Kernels of {@code gated_delta_grad.cuh} (its header says what
 * each computes) beside the inference ones of {@code gated_delta_rule.cuh}; everything lives in scratch memory.
 * Inputs are (pointer, row stride) pairs: column ranges of a fused projection.
 *
 * <p>The rule's scan runs in version 2 by default: the chunked (WY) form of {@code gdr_grad_forward_kernel2},
 * {@code gdr_grad_state_kernel2} and {@code gdr_grad_chunk_kernel2}, the two scans in their tensor-core version 3
 * where {@link TensorCoreScan} applies. Version 1, the per-token scan with checkpoints every
 * 32 tokens, stays as the reference they are tested against ({@code -Djetrt.gdr.train=1} selects it everywhere).
 */
public final class GatedDeltaHeadsCuda {
    /** Tokens between version 1's checkpoints ({@code GDRG_C}); state column block and row groups of its kernels. */
    private static final int CHUNK = 32, COLS = 32, ROWS = 8, PREP_WARPS = 4, NORM_WARPS = 8;
    /** Version 2: chunk length ({@code GDR2_C}), threads per block, 64x64 scratch tiles per chunk ({@code GDRG2_MATS}). */
    private static final int CHUNK2 = 64, THREADS2 = 256, MATS2 = 3 * 64 * 64;
    /** The scan version trainers get: 2 unless the system property {@code jetrt.gdr.train} is 1 (read per instance). */
    public static int defaultVersion() { return "1".equals(System.getProperty("jetrt.gdr.train")) ? 1 : 2; }

    private final GpuOps gpu;
    private final int h, dk, dv, version;
    private final GpuKernel prep, outNorm, forward, backward, prepGrad, normGrad, chunk3, forward2, forward3, state2, state3, backward2;
    private final boolean tensorCoreScan, tensorCoreStateScan;
    private final ColumnSums sums;

    /**
     * What the backward reads of the forward: the rule's inputs, its state checkpoints, its output before and after
     * the norm; version 2 also its chunk work buffer ({@code gdr_chunk_kernel3}'s) and {@code u [rows, H·Dv]}.
     */
    public record Saved(int batch, int tokens, DeviceTensor qn, DeviceTensor kn, DeviceTensor gbq, DeviceTensor v, int vStride,
                        DeviceTensor checkpoints, DeviceTensor o, DeviceTensor y, DeviceTensor work, DeviceTensor u) {}

    public GatedDeltaHeadsCuda(GpuOps gpu, byte[] image, int heads, int dk, int dv, String where) {
        this(gpu, image, heads, dk, dv, where, defaultVersion());
    }

    /** {@code version}: 1, the per-token reference scan, or 2, the chunked one. */
    public GatedDeltaHeadsCuda(GpuOps gpu, byte[] image, int heads, int dk, int dv, String where, int version) {
        if (version != 1 && version != 2) throw new IllegalArgumentException(where + ": no gated-delta training scan version " + version);
        if (dk > GatedDeltaRuleCuda.MAX_DK) {
            throw new IllegalArgumentException(where + ": head_dim must be <= " + GatedDeltaRuleCuda.MAX_DK + " for cuda training; got " + dk);
        }
        this.gpu = gpu;
        this.h = heads;
        this.dk = dk;
        this.dv = dv;
        this.version = version;
        prep = gpu.kernel(image, "gdr_prep_kernel1");
        outNorm = gpu.kernel(image, "gdr_out_norm_kernel2");
        forward = gpu.kernel(image, "gdr_grad_forward_kernel1");
        backward = gpu.kernel(image, "gdr_grad_backward_kernel1");
        prepGrad = gpu.kernel(image, "gdr_grad_prep_kernel1");
        normGrad = gpu.kernel(image, "gdr_grad_norm_kernel2");
        chunk3 = gpu.kernel(image, "gdr_chunk_kernel3");
        forward2 = gpu.kernel(image, "gdr_grad_forward_kernel2");
        forward3 = gpu.kernel(image, "gdr_grad_forward_kernel3");
        tensorCoreScan = TensorCoreScan.applies(dk);
        tensorCoreStateScan = TensorCoreScan.appliesToStateGradient(dk);
        state2 = gpu.kernel(image, "gdr_grad_state_kernel2");
        state3 = gpu.kernel(image, "gdr_grad_state_kernel3");
        backward2 = gpu.kernel(image, "gdr_grad_chunk_kernel2");
        sums = new ColumnSums(gpu, image);
    }

    /** The weights of the heads on the device: {@code A_log, dt_bias [H]}, the output norm's {@code w [Dv]}. */
    public record Params(DeviceTensor aLog, DeviceTensor dtBias, DeviceTensor oNorm, float normEps, float betaScale, boolean siluQk) {}

    /** The forward over {@code batch × tokens} rows, keeping what {@link #backward} needs; {@link Saved#y()} is the output. */
    public Saved forward(Params p, DeviceTensor q, int qStride, DeviceTensor k, int kStride, DeviceTensor v, int vStride,
                         DeviceTensor a, DeviceTensor b, int abStride, DeviceTensor gate, int gateStride, int batch, int tokens) {
        int rows = batch * tokens, kd = h * dk, vd = h * dv, nc = ceilDiv(tokens, CHUNK);
        DeviceTensor qn = gpu.scratch(DType.F32, rows, kd), kn = gpu.scratch(DType.F32, rows, kd), gbq = gpu.scratch(DType.F32, rows, h, 3);
        gpu.launch(prep, ceilDiv((long) rows * h, PREP_WARPS), 1, 1, 32 * PREP_WARPS, 1, 0,
                qn, kn, gbq, q, qStride, k, kStride, a, b, abStride, p.aLog(), p.dtBias(), rows, h, dk, p.siluQk() ? 1 : 0, p.betaScale());
        DeviceTensor o = gpu.scratch(DType.F32, rows, vd), y = gpu.scratch(DType.F32, rows, vd);
        DeviceTensor checkpoints, work = null, u = null;
        if (version == 1) {
            checkpoints = gpu.scratch(DType.F32, batch * h * nc, dk * dv);
            gpu.launch(forward, ceilDiv(dv, COLS), h, batch, COLS, ROWS, 0, o, checkpoints, qn, kn, v, vStride, gbq, tokens, h, dk, dv);
        } else {
            int nc2 = ceilDiv(tokens, CHUNK2);
            work = gpu.scratch(DType.F32, batch * h * nc2, CHUNK2 * (3 * dk + dv) + CHUNK2 * CHUNK2 + 1);
            gpu.launch(chunk3, nc2, h, batch, TensorCoreChunk.THREADS, 1, TensorCoreChunk.SHARED_BYTES, work, qn, kn, v, vStride, gbq, tokens, h, dk, dv);
            DeviceTensor state = gpu.scratch(DType.F32, batch * h, dk * dv);
            gpu.zero(state);
            checkpoints = gpu.scratch(DType.F32, batch * h * nc2, dk * dv);
            u = gpu.scratch(DType.F32, rows, vd);
            if (tensorCoreScan) {
                gpu.launch(forward3, ceilDiv(dv, TensorCoreScan.COLUMNS), h, batch, TensorCoreScan.THREADS, 1, TensorCoreScan.sharedBytes(dk),
                        state, o, checkpoints, u, work, tokens, h, dk, dv);
            } else {
                gpu.launch(forward2, ceilDiv(dv, stateColumns2()), h, batch, THREADS2, 1, 0, state, o, checkpoints, u, work, tokens, h, dk, dv);
            }
        }
        gpu.copy(o, y);
        gpu.launch(outNorm, ceilDiv((long) rows * h, NORM_WARPS), 1, 1, 32 * NORM_WARPS, 1, 0,
                y, gate, gateStride, p.oNorm(), rows, h, dv, p.normEps());
        return new Saved(batch, tokens, qn, kn, gbq, v, vStride, checkpoints, o, y, work, u);
    }

    /** State columns per block of the version 2 scans, forward and backward ({@code GDR2_BV(dk)}). */
    private int stateColumns2() { return dk <= 128 ? 32 : 16; }

    /**
     * Back from {@code dy [rows, H·Dv]}, the loss's gradient at {@link Saved#y()}: writes the gradients at q, k, v,
     * a, b and gate (same strides as their inputs' layouts, given here) and of the weights, {@code dALog, dDtBias [H]},
     * {@code dONorm [Dv]}. The raw q, k, a, b and gate of the forward are read again.
     */
    public void backward(Params p, Saved s, DeviceTensor dy, DeviceTensor q, int qStride, DeviceTensor k, int kStride,
                         DeviceTensor a, DeviceTensor b, int abStride, DeviceTensor gate, int gateStride,
                         DeviceTensor dq, int dqStride, DeviceTensor dkOut, int dkStride, DeviceTensor dvOut, int dvStride,
                         DeviceTensor da, DeviceTensor db, int dabStride, DeviceTensor dGate, int dGateStride,
                         DeviceTensor dALog, DeviceTensor dDtBias, DeviceTensor dONorm) {
        int batch = s.batch(), tokens = s.tokens(), rows = batch * tokens, kd = h * dk, vd = h * dv;
        int nb = version == 1 ? ceilDiv(dv, COLS) : 1; // version 2: a block owns every column of its chunk, no partials
        int ng = version == 1 ? nb * ROWS : 1;
        DeviceTensor dO = gpu.scratch(DType.F32, rows, vd), dwp = gpu.scratch(DType.F32, rows * h, dv);
        gpu.launch(normGrad, ceilDiv((long) rows * h, NORM_WARPS), 1, 1, 32 * NORM_WARPS, 1, 0,
                dO, dGate, dGateStride, dwp, s.o(), gate, gateStride, p.oNorm(), dy, rows, h, dv, p.normEps());
        sumRows(dONorm, dwp, (long) rows * h, dv);

        DeviceTensor dqp = gpu.scratch(DType.F32, nb, rows, kd), dkp = gpu.scratch(DType.F32, nb, rows, kd);
        DeviceTensor dgp = gpu.scratch(DType.F32, ng, rows, h), dbp = gpu.scratch(DType.F32, nb, rows, h);
        if (version == 1) {
            DeviceTensor work = gpu.scratch(DType.F32, batch * h * nb, CHUNK * dk * COLS);
            gpu.launch(backward, nb, h, batch, COLS, ROWS, 0, dvOut, dvStride, dqp, dkp, dgp, dbp, work, s.checkpoints(), dO,
                    s.qn(), s.kn(), s.v(), s.vStride(), s.gbq(), tokens, h, dk, dv);
        } else {
            int nc2 = ceilDiv(tokens, CHUNK2);
            DeviceTensor dhs = gpu.scratch(DType.F32, batch * h * nc2, dk * dv), du = gpu.scratch(DType.F32, rows, vd);
            if (tensorCoreStateScan) {
                gpu.launch(state3, ceilDiv(dv, TensorCoreScan.STATE_GRAD_COLUMNS), h, batch, TensorCoreScan.STATE_GRAD_THREADS, 1,
                        TensorCoreScan.stateGradSharedBytes(dk), dhs, du, s.work(), dO, tokens, h, dk, dv);
            } else {
                gpu.launch(state2, ceilDiv(dv, stateColumns2()), h, batch, THREADS2, 1, 0, dhs, du, s.work(), dO, tokens, h, dk, dv);
            }
            DeviceTensor mats = gpu.scratch(DType.F32, batch * h * nc2, MATS2 + CHUNK2 * dk);
            gpu.launch(backward2, nc2, h, batch, TensorCoreChunk.THREADS, 1, TensorCoreChunk.SHARED_BYTES, dqp, dkp, dvOut, dvStride,
                    dgp, dbp, mats, s.qn(), s.kn(), s.v(), s.vStride(), s.gbq(), s.checkpoints(), dhs, s.u(), du, dO, tokens, h, dk, dv);
        }

        DeviceTensor aLogPart = gpu.scratch(DType.F32, rows, h), dtPart = gpu.scratch(DType.F32, rows, h);
        gpu.launch(prepGrad, ceilDiv((long) rows * h, PREP_WARPS), 1, 1, 32 * PREP_WARPS, 1, 0,
                dq, dqStride, dkOut, dkStride, da, db, dabStride, aLogPart, dtPart, dqp, dkp, dgp, dbp, nb, ng,
                q, qStride, k, kStride, a, b, abStride, p.aLog(), p.dtBias(), rows, h, dk, p.siluQk() ? 1 : 0, p.betaScale());
        sumRows(dALog, aLogPart, rows, h);
        sumRows(dDtBias, dtPart, rows, h);
    }

    /** {@code out [n]} = the sums of {@code in [m, n]}'s columns, in a fixed order ({@link ColumnSums}). */
    public void sumRows(DeviceTensor out, DeviceTensor in, long m, int n) { sums.sum(out, in, m, n); }
}
