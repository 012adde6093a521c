package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.GatedDeltaRuleCuda;
import io.jetrt.blocks.common.HostBridgedBlock;
import io.jetrt.blocks.common.KernelImage;
import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceState;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.GpuKernel;
import io.jetrt.spi.GpuOps;

import static io.jetrt.blocks.common.DeviceTensors.at;
import static io.jetrt.blocks.common.DeviceTensors.ceilDiv;
import static io.jetrt.blocks.common.DeviceTensors.gridFor;
import static io.jetrt.blocks.common.DeviceTensors.orNull;

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
    private static final int THREADS = 256;

    private final GatedDeltaNetConfig c;
    private final int d, h, kd, vd, cw, width, qkvWidth;
    private final int kOff, vOff, gOff, aOff, bOff;
    private final DeviceTensor wAll, wO, qConv, kConv, vConv, qBias, kBias, vBias, aLog, dtBias, oNorm;
    private final GpuKernel conv, convState, convStep;
    private final GatedDeltaRuleCuda rule;

    GatedDeltaNetCuda(GatedDeltaNetConfig c, GatedDeltaNetWeights w, GpuOps gpu) {
        super(gpu);
        this.c = c;
        d = c.hiddenSize();
        h = c.numHeads();
        kd = c.keyDim();
        vd = c.valueDim();
        cw = c.convSize();
        byte[] image = IMAGE.bytes();
        rule = new GatedDeltaRuleCuda(gpu, image, h, c.dk(), c.dv(), c.where());
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
        oNorm = gpu.upload(tensor(w.oNorm(), c.dv()), DType.F32);
        conv = gpu.kernel(image, "causal_conv_kernel1");
        convState = gpu.kernel(image, "causal_conv_state_kernel1");
        convStep = gpu.kernel(image, "causal_conv_step_kernel1");
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
        rule.prep(qn, kn, gbq, qkv, qkvWidth, at(qkv, kOff), qkvWidth, at(proj, aOff), at(proj, bOff), width, aLog, dtBias, rows,
                false, c.betaScale());
        DeviceTensor o = gpu.scratch(DType.F32, rows, vd);
        rule.scan(state.get(GatedDeltaNetProvider.RECURRENT_STATE), o, qn, kn, at(qkv, vOff), qkvWidth, gbq, batch, tokens);
        rule.outNorm(o, at(proj, gOff), width, oNorm, rows, c.normEps());
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
        rule.decode(state.get(GatedDeltaNetProvider.RECURRENT_STATE), o, qkv, qkvWidth, at(qkv, kOff), qkvWidth, at(qkv, vOff), qkvWidth,
                at(proj, aOff), at(proj, bOff), width, aLog, dtBias, batch, false, c.betaScale());
        rule.outNorm(o, at(proj, gOff), width, oNorm, batch, c.normEps());
        gpu.linear(o, wO, y.reshape(batch, d));
    }

    /** One short conv over the chunk (silu after it) from {@code proj} columns [off, off+C) into the same columns of qkv; then its cache. */
    private void shortConv(DeviceTensor proj, DeviceTensor qkv, int off, int channels, DeviceTensor cache, DeviceTensor weight,
                           DeviceTensor bias, int batch, int tokens) {
        long rows = (long) batch * tokens;
        gpu.launch(conv, gridFor(rows * channels, THREADS), 1, 1, THREADS, 1, 0,
                at(qkv, off), qkvWidth, at(proj, off), width, cache, weight, 0L, 0L, orNull(bias),
                tokens, channels, cw, 0L, rows, 1);
        gpu.launch(convState, ceilDiv((long) batch * channels, THREADS), 1, 1, THREADS, 1, 0,
                cache, at(proj, off), width, batch, tokens, channels, cw);
    }

    private void convStep(DeviceTensor proj, DeviceTensor qkv, int off, int channels, DeviceTensor cache, DeviceTensor weight,
                          DeviceTensor bias, int batch) {
        gpu.launch(convStep, ceilDiv((long) batch * channels, THREADS), 1, 1, THREADS, 1, 0,
                at(qkv, off), qkvWidth, at(proj, off), width, cache, weight, 0L, 0L, orNull(bias), batch, channels, cw, 1);
    }

    private static FloatTensor tensor(float[] data, int... shape) { return new FloatTensor(data, shape); }
}
