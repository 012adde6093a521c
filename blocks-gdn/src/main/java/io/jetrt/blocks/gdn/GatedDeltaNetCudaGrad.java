package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.BlockGrad;
import io.jetrt.blocks.common.GatedDeltaCuda;
import io.jetrt.blocks.common.GatedDeltaHeadsCuda;
import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.GpuKernel;
import io.jetrt.spi.GpuOps;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.jetrt.blocks.common.DeviceTensors.at;
import static io.jetrt.blocks.common.DeviceTensors.ceilDiv;
import static io.jetrt.blocks.common.DeviceTensors.gridFor;
import static io.jetrt.blocks.common.DeviceTensors.orNull;
import static io.jetrt.blocks.common.DeviceTensors.view;

/**
 * Gated DeltaNet's training math on the GPU ({@link GatedDeltaNetFastGrad}'s, with the projections as
 * {@link GpuOps#matmul} in the runtime's matrix precision): one call uploads x and the weights, runs the forward
 * keeping its activations in scratch memory, and for the backward downloads every gradient in one transfer.
 *
 * <p>Layout as {@link GatedDeltaNetCuda}: {@code proj [rows, P]} with columns {@code [q Kd | k Kd | v Vd | gate Vd |
 * a H | b H]} from one product with the stacked weights {@code [P, D]}; the short convs (silu after) into
 * {@code qkv [rows, 2Kd + Vd]}; the heads ({@link GatedDeltaHeadsCuda}) into {@code y [rows, Vd]}; o_proj. The
 * backward mirrors it: {@code dproj} gathers every column's gradient, so {@code dx} and the stacked weights'
 * gradient are one product each.
 */
final class GatedDeltaNetCudaGrad implements BlockGrad {
    private static final int THREADS = 256;

    private final GatedDeltaNetConfig c;
    private final Weights w;
    private final GpuOps gpu;
    private final GatedDeltaHeadsCuda heads;
    private final GpuKernel conv, convSiluGrad, convInputGrad, convWeightGrad;
    private final int d, h, kd, vd, cw, width, qkvWidth, kOff, vOff, gOff, aOff, bOff;

    GatedDeltaNetCudaGrad(GatedDeltaNetConfig c, Weights w, GpuOps gpu) {
        if (c.convSize() > 8) throw new IllegalArgumentException(c.where() + ": conv_size must be <= 8 for cuda training; got " + c.convSize());
        this.c = c;
        this.w = w;
        this.gpu = gpu;
        byte[] image = GatedDeltaNetCuda.IMAGE.bytes();
        heads = new GatedDeltaHeadsCuda(gpu, image, c.numHeads(), c.dk(), c.dv(), c.where());
        conv = gpu.kernel(image, "causal_conv_kernel1");
        convSiluGrad = gpu.kernel(image, "conv_silu_grad_kernel1");
        convInputGrad = gpu.kernel(image, "conv_input_grad_kernel1");
        convWeightGrad = gpu.kernel(image, "conv_weight_grad_kernel1");
        d = c.hiddenSize();
        h = c.numHeads();
        kd = c.keyDim();
        vd = c.valueDim();
        cw = c.convSize();
        kOff = kd;
        vOff = 2 * kd;
        gOff = 2 * kd + vd;
        aOff = 2 * kd + 2 * vd;
        bOff = aOff + h;
        width = bOff + h;
        qkvWidth = 2 * kd + vd;
    }

    /** The forward's device tensors: inputs, weights, activations. */
    private record Pass(int batch, int tokens, DeviceTensor x, DeviceTensor wAll, DeviceTensor wO, DeviceTensor[] kernels,
                        DeviceTensor[] biases, GatedDeltaHeadsCuda.Params params, DeviceTensor proj, DeviceTensor qkv,
                        GatedDeltaHeadsCuda.Saved heads) {}

    private DeviceTensor put(float[] data, int... shape) {
        DeviceTensor t = gpu.scratch(DType.F32, shape);
        gpu.write(new FloatTensor(data, shape), t);
        return t;
    }

    private float[] weight(String name) { return w.get(name).data(); }

    private Pass run(FloatTensor x) {
        int batch = x.dim(0), tokens = x.dim(1), rows = batch * tokens;
        DeviceTensor xs = put(x.data(), rows, d);
        DeviceTensor wAll = put(GatedDeltaCuda.stack(weight(GatedDeltaNetWeights.Q), weight(GatedDeltaNetWeights.K), weight(GatedDeltaNetWeights.V),
                weight(GatedDeltaNetWeights.G), weight(GatedDeltaNetWeights.A), weight(GatedDeltaNetWeights.B)), width, d);
        DeviceTensor wO = put(weight(GatedDeltaNetWeights.O), d, vd);
        DeviceTensor[] kernels = {put(weight(GatedDeltaNetWeights.Q_CONV), kd, cw), put(weight(GatedDeltaNetWeights.K_CONV), kd, cw),
                put(weight(GatedDeltaNetWeights.V_CONV), vd, cw)};
        DeviceTensor[] biases = c.convBias()
                ? new DeviceTensor[] {put(weight(GatedDeltaNetWeights.Q_BIAS), kd), put(weight(GatedDeltaNetWeights.K_BIAS), kd),
                        put(weight(GatedDeltaNetWeights.V_BIAS), vd)}
                : new DeviceTensor[3];
        var params = new GatedDeltaHeadsCuda.Params(put(weight(GatedDeltaNetWeights.A_LOG), h), put(weight(GatedDeltaNetWeights.DT_BIAS), h),
                put(weight(GatedDeltaNetWeights.O_NORM), c.dv()), (float) c.normEps(), (float) c.betaScale(), false);

        DeviceTensor proj = gpu.scratch(DType.F32, rows, width);
        gpu.matmul(xs, false, wAll, true, proj, 0f);
        DeviceTensor empty = gpu.scratch(DType.F32, batch, Math.max(kd, vd), cw); // training starts from an empty cache
        gpu.zero(empty);
        DeviceTensor qkv = gpu.scratch(DType.F32, rows, qkvWidth);
        int[] offsets = {0, kOff, vOff}, channels = {kd, kd, vd};
        for (int i = 0; i < 3; i++) {
            gpu.launch(conv, gridFor((long) rows * channels[i], THREADS), 1, 1, THREADS, 1, 0, at(qkv, offsets[i]), qkvWidth,
                    at(proj, offsets[i]), width, empty, kernels[i], 0L, 0L, orNull(biases[i]), tokens, channels[i], cw, 0L, (long) rows, 1);
        }
        GatedDeltaHeadsCuda.Saved saved = heads.forward(params, qkv, qkvWidth, at(qkv, kOff), qkvWidth, at(qkv, vOff), qkvWidth,
                at(proj, aOff), at(proj, bOff), width, at(proj, gOff), width, batch, tokens);
        return new Pass(batch, tokens, xs, wAll, wO, kernels, biases, params, proj, qkv, saved);
    }

    @Override
    public FloatTensor forward(FloatTensor x) {
        Pass p = run(x);
        DeviceTensor y = gpu.scratch(DType.F32, p.batch() * p.tokens(), d);
        gpu.matmul(p.heads().y(), false, p.wO(), true, y, 0f);
        return new FloatTensor(gpu.download(y).data(), x.shape());
    }

    @Override
    public Gradients backward(FloatTensor x, FloatTensor dy) {
        Pass p = run(x);
        int rows = p.batch() * p.tokens();
        // every gradient in one buffer, for one download: dx, then the weights in declaration order
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (WeightDecl decl : GatedDeltaNetWeights.declare(c)) shapes.put(decl.name(), decl.shape());
        Map<String, Long> at = new LinkedHashMap<>();
        long total = (long) rows * d;
        for (var e : shapes.entrySet()) {
            at.put(e.getKey(), total);
            total += elements(e.getValue());
        }
        DeviceTensor out = gpu.scratch(DType.F32, Math.toIntExact(total));
        DeviceTensor dys = put(dy.data(), rows, d);

        // o_proj
        DeviceTensor dyn = gpu.scratch(DType.F32, rows, vd);
        gpu.matmul(dys, false, p.wO(), false, dyn, 0f);
        gpu.matmul(dys, true, p.heads().y(), false, view(out, at.get(GatedDeltaNetWeights.O), d, vd), 0f);

        // the heads: gradients at q, k, v (into dqkv) and at gate, a, b (into dproj)
        DeviceTensor dproj = gpu.scratch(DType.F32, rows, width), dqkv = gpu.scratch(DType.F32, rows, qkvWidth);
        heads.backward(p.params(), p.heads(), dyn, p.qkv(), qkvWidth, at(p.qkv(), kOff), qkvWidth, at(p.proj(), aOff), at(p.proj(), bOff),
                width, at(p.proj(), gOff), width, dqkv, qkvWidth, at(dqkv, kOff), qkvWidth, at(dqkv, vOff), qkvWidth,
                at(dproj, aOff), at(dproj, bOff), width, at(dproj, gOff), width,
                view(out, at.get(GatedDeltaNetWeights.A_LOG), h), view(out, at.get(GatedDeltaNetWeights.DT_BIAS), h),
                view(out, at.get(GatedDeltaNetWeights.O_NORM), c.dv()));

        // the short convs: silu and conv back into dproj's q, k, v columns; their kernels' and biases' gradients
        String[] kernelNames = {GatedDeltaNetWeights.Q_CONV, GatedDeltaNetWeights.K_CONV, GatedDeltaNetWeights.V_CONV};
        String[] biasNames = {GatedDeltaNetWeights.Q_BIAS, GatedDeltaNetWeights.K_BIAS, GatedDeltaNetWeights.V_BIAS};
        int[] offsets = {0, kOff, vOff}, channels = {kd, kd, vd};
        for (int i = 0; i < 3; i++) {
            int ch = channels[i];
            DeviceTensor ds = gpu.scratch(DType.F32, rows, ch);
            gpu.launch(convSiluGrad, gridFor((long) rows * ch, THREADS), 1, 1, THREADS, 1, 0, ds, at(dqkv, offsets[i]), qkvWidth,
                    at(p.proj(), offsets[i]), width, p.kernels()[i], orNull(p.biases()[i]), p.tokens(), ch, cw, (long) rows);
            gpu.launch(convInputGrad, gridFor((long) rows * ch, THREADS), 1, 1, THREADS, 1, 0, at(dproj, offsets[i]), width, ds,
                    p.kernels()[i], p.tokens(), ch, cw, (long) rows);
            long seg = Math.max(256, (rows + 255L) / 256);
            int segments = ceilDiv(rows, (int) seg);
            DeviceTensor part = gpu.scratch(DType.F32, segments, ch * (cw + 1)), sums = gpu.scratch(DType.F32, ch * (cw + 1));
            gpu.launch(convWeightGrad, ceilDiv(ch, 32), segments, 1, 32, 8, 0, part, ds, at(p.proj(), offsets[i]), width,
                    p.tokens(), ch, cw, (long) rows, seg);
            heads.sumRows(sums, part, segments, ch * (cw + 1));
            gpu.copy(view(sums, 0, ch * cw), view(out, at.get(kernelNames[i]), ch * cw));
            if (c.convBias()) gpu.copy(view(sums, (long) ch * cw, ch), view(out, at.get(biasNames[i]), ch));
        }

        // the stacked input projections: dx and their weights' gradient, rows in q, k, v, gate, a, b order
        gpu.matmul(dproj, false, p.wAll(), false, view(out, 0, rows, d), 0f);
        DeviceTensor dwAll = gpu.scratch(DType.F32, width, d);
        gpu.matmul(dproj, true, p.x(), false, dwAll, 0f);
        String[] stacked = {GatedDeltaNetWeights.Q, GatedDeltaNetWeights.K, GatedDeltaNetWeights.V, GatedDeltaNetWeights.G,
                GatedDeltaNetWeights.A, GatedDeltaNetWeights.B};
        long row = 0;
        for (String name : stacked) {
            int n = Math.toIntExact(elements(shapes.get(name)));
            gpu.copy(view(dwAll, row, n), view(out, at.get(name), n));
            row += n;
        }

        float[] all = gpu.download(out).data();
        Map<String, FloatTensor> grads = new LinkedHashMap<>();
        for (var e : shapes.entrySet()) {
            int from = Math.toIntExact(at.get(e.getKey()));
            grads.put(e.getKey(), new FloatTensor(Arrays.copyOfRange(all, from, from + Math.toIntExact(elements(e.getValue()))),
                    e.getValue()));
        }
        return Gradients.of(new FloatTensor(Arrays.copyOf(all, rows * d), x.shape()), grads);
    }

    private static long elements(int[] shape) {
        long n = 1;
        for (int s : shape) n *= s;
        return n;
    }
}
