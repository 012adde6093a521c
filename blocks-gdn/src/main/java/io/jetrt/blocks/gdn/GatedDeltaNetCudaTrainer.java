package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.ColumnSums;
import io.jetrt.blocks.common.GatedDeltaHeadsCuda;
import io.jetrt.blocks.common.GatedDeltaWeights;
import io.jetrt.blocks.common.ShortConvCuda;
import io.jetrt.blocks.common.StackedWeights;
import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.DeviceTrainer;
import io.jetrt.spi.GpuOps;

import java.util.Map;

import static io.jetrt.blocks.common.DeviceTensors.at;

/**
 * Gated DeltaNet's training math on the GPU ({@link GatedDeltaNetFastGrad}'s, with the projections as
 * {@link GpuOps#matmul} in the runtime's matrix precision); weights, activations and gradients in device memory.
 *
 * <p>Layout as {@link GatedDeltaNetCuda}: {@code proj [rows, P]} with columns {@code [q Kd | k Kd | v Vd | gate Vd |
 * a H | b H]} from one product with the stacked weights {@code [P, D]}; the short convs (silu after) into
 * {@code qkv [rows, 2Kd + Vd]}; the heads ({@link GatedDeltaHeadsCuda}) into {@code y [rows, Vd]}; o_proj. The
 * backward mirrors it: {@code dproj} gathers every column's gradient, so {@code dx} and the stacked weights'
 * gradient are one product each.
 */
final class GatedDeltaNetCudaTrainer implements DeviceTrainer {
    private static final String[] KERNELS = {GatedDeltaNetWeights.Q_CONV, GatedDeltaNetWeights.K_CONV, GatedDeltaNetWeights.V_CONV};
    private static final String[] BIASES = {GatedDeltaNetWeights.Q_BIAS, GatedDeltaNetWeights.K_BIAS, GatedDeltaNetWeights.V_BIAS};

    private final GatedDeltaNetConfig c;
    private final GpuOps gpu;
    private final GatedDeltaHeadsCuda heads;
    private final ShortConvCuda convs;
    private final ColumnSums sums;
    private final int d, h, kd, vd, cw, width, qkvWidth;
    private final int[] offsets, channels;

    GatedDeltaNetCudaTrainer(GatedDeltaNetConfig c, GpuOps gpu) {
        if (c.convSize() > 8) throw new IllegalArgumentException(c.where() + ": conv_size must be <= 8 for cuda training; got " + c.convSize());
        if (!GatedDeltaNetCuda.IMAGE.present()) {
            throw new IllegalStateException(c.where() + ": kernels missing: " + GatedDeltaNetCuda.IMAGE.missingReason());
        }
        this.c = c;
        this.gpu = gpu;
        byte[] image = GatedDeltaNetCuda.IMAGE.bytes();
        heads = new GatedDeltaHeadsCuda(gpu, image, c.numHeads(), c.dk(), c.dv(), c.where());
        convs = new ShortConvCuda(gpu, image);
        sums = new ColumnSums(gpu, image);
        d = c.hiddenSize();
        h = c.numHeads();
        kd = c.keyDim();
        vd = c.valueDim();
        cw = c.convSize();
        width = 2 * kd + 2 * vd + 2 * h;
        qkvWidth = 2 * kd + vd;
        offsets = new int[] {0, kd, 2 * kd};
        channels = new int[] {kd, kd, vd};
    }

    private int gOff() { return 2 * kd + vd; }

    private int aOff() { return 2 * kd + 2 * vd; }

    private int bOff() { return aOff() + h; }

    /** The forward's device tensors: inputs, weights, activations. */
    private record Pass(int batch, int tokens, DeviceTensor x, DeviceTensor wAll, Map<String, DeviceTensor> w,
                        GatedDeltaHeadsCuda.Params params, DeviceTensor proj, DeviceTensor qkv, GatedDeltaHeadsCuda.Saved heads) {}

    private Pass run(Map<String, DeviceTensor> w, DeviceTensor x) {
        int batch = x.dim(0), tokens = x.dim(1), rows = batch * tokens;
        DeviceTensor xs = x.reshape(rows, d);
        DeviceTensor wAll = StackedWeights.stack(gpu, w, GatedDeltaWeights.STACKED_INPUTS, d);
        var params = new GatedDeltaHeadsCuda.Params(w.get(GatedDeltaWeights.A_LOG), w.get(GatedDeltaWeights.DT_BIAS),
                w.get(GatedDeltaWeights.O_NORM), (float) c.normEps(), (float) c.betaScale(), false);
        DeviceTensor proj = gpu.scratch(DType.F32, rows, width);
        gpu.matmul(xs, false, wAll, true, proj, 0f);
        DeviceTensor empty = gpu.scratch(DType.F32, batch, Math.max(kd, vd), cw); // training starts from an empty cache
        gpu.zero(empty);
        DeviceTensor qkv = gpu.scratch(DType.F32, rows, qkvWidth);
        for (int i = 0; i < 3; i++) {
            convs.forward(at(qkv, offsets[i]), qkvWidth, at(proj, offsets[i]), width, empty, w.get(KERNELS[i]), 0L, null, bias(w, i),
                    tokens, channels[i], cw, 0L, rows, true);
        }
        GatedDeltaHeadsCuda.Saved saved = heads.forward(params, qkv, qkvWidth, at(qkv, kd), qkvWidth, at(qkv, 2 * kd), qkvWidth,
                at(proj, aOff()), at(proj, bOff()), width, at(proj, gOff()), width, batch, tokens);
        return new Pass(batch, tokens, xs, wAll, w, params, proj, qkv, saved);
    }

    private DeviceTensor bias(Map<String, DeviceTensor> w, int i) { return c.convBias() ? w.get(BIASES[i]) : null; }

    @Override
    public void forward(Map<String, DeviceTensor> weights, DeviceTensor x, DeviceTensor y) {
        Pass p = run(weights, x);
        gpu.matmul(p.heads().y(), false, weights.get(GatedDeltaWeights.O), true, y.reshape(p.batch() * p.tokens(), d), 0f);
    }

    @Override
    public void train(Map<String, DeviceTensor> weights, DeviceTensor x, LossGradient loss, DeviceTensor dx, Map<String, DeviceTensor> grads) {
        Pass p = run(weights, x);
        int rows = p.batch() * p.tokens();
        DeviceTensor y = gpu.scratch(DType.F32, p.batch(), p.tokens(), d);
        gpu.matmul(p.heads().y(), false, weights.get(GatedDeltaWeights.O), true, y.reshape(rows, d), 0f);
        DeviceTensor dy = loss.at(y).reshape(rows, d);

        // o_proj
        DeviceTensor dyn = gpu.scratch(DType.F32, rows, vd);
        gpu.matmul(dy, false, weights.get(GatedDeltaWeights.O), false, dyn, 0f);
        gpu.matmul(dy, true, p.heads().y(), false, grads.get(GatedDeltaWeights.O), 0f);

        // the heads: gradients at q, k, v (into dqkv) and at gate, a, b (into dproj)
        DeviceTensor dproj = gpu.scratch(DType.F32, rows, width), dqkv = gpu.scratch(DType.F32, rows, qkvWidth);
        heads.backward(p.params(), p.heads(), dyn, p.qkv(), qkvWidth, at(p.qkv(), kd), qkvWidth, at(p.proj(), aOff()), at(p.proj(), bOff()),
                width, at(p.proj(), gOff()), width, dqkv, qkvWidth, at(dqkv, kd), qkvWidth, at(dqkv, 2 * kd), qkvWidth,
                at(dproj, aOff()), at(dproj, bOff()), width, at(dproj, gOff()), width,
                grads.get(GatedDeltaWeights.A_LOG), grads.get(GatedDeltaWeights.DT_BIAS), grads.get(GatedDeltaWeights.O_NORM));

        // the short convs: silu and conv back into dproj's q, k, v columns; their kernels' and biases' gradients
        for (int i = 0; i < 3; i++) {
            convs.backward(at(dproj, offsets[i]), width, at(dqkv, offsets[i]), qkvWidth, at(p.proj(), offsets[i]), width,
                    weights.get(KERNELS[i]), bias(weights, i), p.batch(), p.tokens(), channels[i], cw, sums, grads.get(KERNELS[i]),
                    c.convBias() ? grads.get(BIASES[i]) : null);
        }

        // the stacked input projections: dx and their weights' gradient, rows in q, k, v, gate, a, b order
        if (dx != null) gpu.matmul(dproj, false, p.wAll(), false, dx.reshape(rows, d), 0f);
        DeviceTensor dwAll = gpu.scratch(DType.F32, width, d);
        gpu.matmul(dproj, true, p.x(), false, dwAll, 0f);
        StackedWeights.split(gpu, dwAll, grads, GatedDeltaWeights.STACKED_INPUTS);
    }
}
