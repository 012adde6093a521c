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
 */
public final class GatedDeltaHeadsCuda {
    /** Tokens between checkpoints ({@code GDRG_C}); state column block and row groups of the scan kernels. */
    private static final int CHUNK = 32, COLS = 32, ROWS = 8, PREP_WARPS = 4, NORM_THREADS = 128;

    private final GpuOps gpu;
    private final int h, dk, dv;
    private final GpuKernel prep, outNorm, forward, backward, prepGrad, normGrad;
    private final ColumnSums sums;

    /** What the backward reads of the forward: the rule's inputs, its checkpoints, its output before and after the norm. */
    public record Saved(int batch, int tokens, DeviceTensor qn, DeviceTensor kn, DeviceTensor gbq, DeviceTensor v, int vStride,
                        DeviceTensor checkpoints, DeviceTensor o, DeviceTensor y) {}

    public GatedDeltaHeadsCuda(GpuOps gpu, byte[] image, int heads, int dk, int dv, String where) {
        if (dk > GatedDeltaRuleCuda.MAX_DK) {
            throw new IllegalArgumentException(where + ": head_dim must be <= " + GatedDeltaRuleCuda.MAX_DK + " for cuda training; got " + dk);
        }
        this.gpu = gpu;
        this.h = heads;
        this.dk = dk;
        this.dv = dv;
        prep = gpu.kernel(image, "gdr_prep_kernel1");
        outNorm = gpu.kernel(image, "gdr_out_norm_kernel1");
        forward = gpu.kernel(image, "gdr_grad_forward_kernel1");
        backward = gpu.kernel(image, "gdr_grad_backward_kernel1");
        prepGrad = gpu.kernel(image, "gdr_grad_prep_kernel1");
        normGrad = gpu.kernel(image, "gdr_grad_norm_kernel1");
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
        DeviceTensor checkpoints = gpu.scratch(DType.F32, batch * h * nc, dk * dv);
        DeviceTensor o = gpu.scratch(DType.F32, rows, vd), y = gpu.scratch(DType.F32, rows, vd);
        gpu.launch(forward, ceilDiv(dv, COLS), h, batch, COLS, ROWS, 0, o, checkpoints, qn, kn, v, vStride, gbq, tokens, h, dk, dv);
        gpu.copy(o, y);
        gpu.launch(outNorm, rows * h, 1, 1, NORM_THREADS, 1, 0, y, gate, gateStride, p.oNorm(), h, dv, p.normEps());
        return new Saved(batch, tokens, qn, kn, gbq, v, vStride, checkpoints, o, y);
    }

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
        int nb = ceilDiv(dv, COLS);
        DeviceTensor dO = gpu.scratch(DType.F32, rows, vd), dwp = gpu.scratch(DType.F32, rows * h, dv);
        gpu.launch(normGrad, rows * h, 1, 1, NORM_THREADS, 1, 0, dO, dGate, dGateStride, dwp, s.o(), gate, gateStride, p.oNorm(), dy, h, dv,
                p.normEps());
        sumRows(dONorm, dwp, (long) rows * h, dv);

        DeviceTensor dqp = gpu.scratch(DType.F32, nb, rows, kd), dkp = gpu.scratch(DType.F32, nb, rows, kd);
        DeviceTensor dgp = gpu.scratch(DType.F32, nb * ROWS, rows, h), dbp = gpu.scratch(DType.F32, nb, rows, h);
        DeviceTensor work = gpu.scratch(DType.F32, batch * h * nb, CHUNK * dk * COLS);
        gpu.launch(backward, nb, h, batch, COLS, ROWS, 0, dvOut, dvStride, dqp, dkp, dgp, dbp, work, s.checkpoints(), dO,
                s.qn(), s.kn(), s.v(), s.vStride(), s.gbq(), tokens, h, dk, dv);

        DeviceTensor aLogPart = gpu.scratch(DType.F32, rows, h), dtPart = gpu.scratch(DType.F32, rows, h);
        gpu.launch(prepGrad, ceilDiv((long) rows * h, PREP_WARPS), 1, 1, 32 * PREP_WARPS, 1, 0,
                dq, dqStride, dkOut, dkStride, da, db, dabStride, aLogPart, dtPart, dqp, dkp, dgp, dbp, nb,
                q, qStride, k, kStride, a, b, abStride, p.aLog(), p.dtBias(), rows, h, dk, p.siluQk() ? 1 : 0, p.betaScale());
        sumRows(dALog, aLogPart, rows, h);
        sumRows(dDtBias, dtPart, rows, h);
    }

    /** {@code out [n]} = the sums of {@code in [m, n]}'s columns, in a fixed order ({@link ColumnSums}). */
    public void sumRows(DeviceTensor out, DeviceTensor in, long m, int n) { sums.sum(out, in, m, n); }
}
