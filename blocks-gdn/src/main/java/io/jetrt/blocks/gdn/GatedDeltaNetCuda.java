package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.GatedDeltaCuda;
import io.jetrt.blocks.common.KernelImage;
import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceState;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.GpuOps;

import static io.jetrt.blocks.common.DeviceTensors.at;
import static io.jetrt.blocks.common.DeviceTensors.ceilDiv;
import static io.jetrt.blocks.common.DeviceTensors.orNull;

/**
 * Gated DeltaNet on the GPU (kernels in {@code src/main/cuda/gdn.cu}, which includes the shared
 * {@code causal_conv.cuh} and {@code gated_delta_rule.cuh} of blocks-common). Equal to {@link GatedDeltaNetCpu}
 * up to the bf16 projections: the six input projections run as one bf16 GEMM into {@code proj [rows, P]},
 * columns {@code [q Kd | k Kd | v Vd | gate Vd | a H | b H]}; the short convs write {@code qkv [rows, 2Kd + Vd]};
 * the gated delta rule and its output norm write {@code o [rows, Vd]}; o_proj is the second GEMM.
 * The state slots and their layouts are the CPU ones; the kernels update them in place.
 */
final class GatedDeltaNetCuda extends GatedDeltaCuda<GatedDeltaNetConfig> {
    static final KernelImage IMAGE = new KernelImage(GatedDeltaNetProvider.class, "/io/jetrt/blocks/gdn/gdn.fatbin");

    private final int width, qkvWidth;
    private final int kOff, vOff, gOff, aOff, bOff;
    private final DeviceTensor wAll, qConv, kConv, vConv, qBias, kBias, vBias;

    GatedDeltaNetCuda(GatedDeltaNetConfig c, GatedDeltaNetWeights w, GpuOps gpu) {
        super(c, w, gpu, IMAGE);
        kOff = kd;
        vOff = 2 * kd;
        gOff = 2 * kd + vd;
        aOff = 2 * kd + 2 * vd;
        bOff = aOff + h;
        width = bOff + h;
        qkvWidth = 2 * kd + vd;
        wAll = gpu.upload(tensor(stack(w.q(), w.k(), w.v(), w.gate(), w.a(), w.b()), width, d), gpu.matrixType());
        qConv = gpu.upload(tensor(w.qConv(), kd, cw), DType.F32);
        kConv = gpu.upload(tensor(w.kConv(), kd, cw), DType.F32);
        vConv = gpu.upload(tensor(w.vConv(), vd, cw), DType.F32);
        qBias = w.qBias() == null ? null : gpu.upload(tensor(w.qBias(), kd), DType.F32);
        kBias = w.kBias() == null ? null : gpu.upload(tensor(w.kBias(), kd), DType.F32);
        vBias = w.vBias() == null ? null : gpu.upload(tensor(w.vBias(), vd), DType.F32);
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
        output(o, at(proj, gOff), width, rows, y);
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
        if (rule.fusesDecode(batch)) {
            decodeNormedOutput(state.get(GatedDeltaNetProvider.RECURRENT_STATE), o, qkv, qkvWidth, at(qkv, kOff), qkvWidth, at(qkv, vOff), qkvWidth,
                    at(proj, aOff), at(proj, bOff), width, batch, false, c.betaScale(), null, null, at(proj, gOff), width, y);
            return;
        }
        rule.decode(state.get(GatedDeltaNetProvider.RECURRENT_STATE), o, qkv, qkvWidth, at(qkv, kOff), qkvWidth, at(qkv, vOff), qkvWidth,
                at(proj, aOff), at(proj, bOff), width, aLog, dtBias, batch, false, c.betaScale());
        output(o, at(proj, gOff), width, batch, y);
    }

    /** One short conv over the chunk (silu after it) from {@code proj} columns [off, off+C) into the same columns of qkv; then its cache. */
    private void shortConv(DeviceTensor proj, DeviceTensor qkv, int off, int channels, DeviceTensor cache, DeviceTensor weight,
                           DeviceTensor bias, int batch, int tokens) {
        long rows = (long) batch * tokens;
        convs.forward(at(qkv, off), qkvWidth, at(proj, off), width, cache, weight, 0L, null, bias, tokens, channels, cw, 0L, rows, true);
        gpu.launch(convState, ceilDiv((long) batch * channels, THREADS), 1, 1, THREADS, 1, 0,
                cache, at(proj, off), width, batch, tokens, channels, cw);
    }

    private void convStep(DeviceTensor proj, DeviceTensor qkv, int off, int channels, DeviceTensor cache, DeviceTensor weight,
                          DeviceTensor bias, int batch) {
        gpu.launch(convStep, ceilDiv((long) batch * channels, THREADS), 1, 1, THREADS, 1, 0,
                at(qkv, off), qkvWidth, at(proj, off), width, cache, weight, 0L, 0L, orNull(bias), batch, channels, cw, 1);
    }
}
