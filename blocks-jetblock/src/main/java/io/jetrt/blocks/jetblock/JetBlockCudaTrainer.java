package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.common.GatedDeltaHeadsCuda;
import io.jetrt.blocks.common.GatedDeltaWeights;
import io.jetrt.blocks.common.ShortConvCuda;
import io.jetrt.blocks.common.StackedWeights;
import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.DeviceTrainer;
import io.jetrt.spi.GpuKernel;
import io.jetrt.spi.GpuOps;

import java.util.Map;

import static io.jetrt.blocks.common.DeviceTensors.at;
import static io.jetrt.blocks.common.DeviceTensors.gridFor;

/**
 * JetBlock's training math on the GPU ({@link JetBlockFastGrad}'s, with the projections as {@link GpuOps#matmul} in
 * the runtime's matrix precision); weights, activations and gradients in device memory.
 *
 * <p>Layout: {@code proj [rows, P]} with columns {@code [q Kd | k Kd | v0 Vd | gate Vd | a H | b H]} from one product
 * with the stacked weights {@code [P, D]}; the kernel generator {@code hid = w1 x [rows, D/r]},
 * {@code kern = w2 silu(hid) [rows, Vd·W]} (b2 added inside the conv kernels); {@code v = silu(dynconv(v0))}
 * {@code [rows, Vd]} from an empty cache; the heads ({@link GatedDeltaHeadsCuda}, silu on q and k) into
 * {@code y [rows, Vd]}; o_proj. The backward mirrors it: {@code dproj} gathers every stacked column's gradient, so
 * {@code dx} is that product plus the generator's.
 */
final class JetBlockCudaTrainer implements DeviceTrainer {
    private static final int THREADS = 256;

    private final JetBlockConfig c;
    private final GpuOps gpu;
    private final GatedDeltaHeadsCuda heads;
    private final ShortConvCuda convs;
    private final GpuKernel silu, siluGrad, convSiluGrad, convInputGrad, convKernelGrad;
    private final int d, h, kd, vd, cw, gh, kw, width, vOff, gOff, aOff, bOff;

    JetBlockCudaTrainer(JetBlockConfig c, GpuOps gpu) {
        if (!JetBlockCuda.IMAGE.present()) throw new IllegalStateException(c.where() + ": kernels missing: " + JetBlockCuda.IMAGE.missingReason());
        this.c = c;
        this.gpu = gpu;
        byte[] image = JetBlockCuda.IMAGE.bytes();
        heads = new GatedDeltaHeadsCuda(gpu, image, c.numHeads(), c.dk(), c.dv(), c.where());
        convs = new ShortConvCuda(gpu, image);
        silu = gpu.kernel(image, "jetblock_silu_kernel1");
        siluGrad = gpu.kernel(image, "jetblock_silu_grad_kernel1");
        convSiluGrad = gpu.kernel(image, "dynconv_silu_grad_kernel1");
        convInputGrad = gpu.kernel(image, "dynconv_input_grad_kernel1");
        convKernelGrad = gpu.kernel(image, "dynconv_kernel_grad_kernel1");
        d = c.hiddenSize();
        h = c.numHeads();
        kd = c.keyDim();
        vd = c.valueDim();
        cw = c.convSize();
        gh = c.generatorHidden();
        kw = vd * cw;
        vOff = 2 * kd;
        gOff = 2 * kd + vd;
        aOff = 2 * kd + 2 * vd;
        bOff = aOff + h;
        width = bOff + h;
    }

    /** The forward's device tensors: inputs, weights, activations. */
    private record Pass(int batch, int tokens, DeviceTensor x, DeviceTensor wAll, GatedDeltaHeadsCuda.Params params, DeviceTensor proj,
                        DeviceTensor hid, DeviceTensor hact, DeviceTensor kern, DeviceTensor v, GatedDeltaHeadsCuda.Saved heads) {}

    private Pass run(Map<String, DeviceTensor> w, DeviceTensor x) {
        int batch = x.dim(0), tokens = x.dim(1), rows = batch * tokens;
        DeviceTensor xs = x.reshape(rows, d);
        DeviceTensor wAll = StackedWeights.stack(gpu, w, GatedDeltaWeights.STACKED_INPUTS, d);
        DeviceTensor proj = gpu.scratch(DType.F32, rows, width);
        gpu.matmul(xs, false, wAll, true, proj, 0f);
        // the kernel generator reads the block input x, not v0 (§3.2)
        DeviceTensor hid = gpu.scratch(DType.F32, rows, gh), hact = gpu.scratch(DType.F32, rows, gh), kern = gpu.scratch(DType.F32, rows, kw);
        gpu.matmul(xs, false, w.get(JetBlockWeights.W1), true, hid, 0f);
        gpu.copy(hid, hact);
        gpu.launch(silu, gridFor((long) rows * gh, THREADS), 1, 1, THREADS, 1, 0, hact, (long) rows * gh);
        gpu.matmul(hact, false, w.get(JetBlockWeights.W2), true, kern, 0f);
        DeviceTensor empty = gpu.scratch(DType.F32, batch, vd, cw); // training starts from an empty cache
        gpu.zero(empty);
        DeviceTensor v = gpu.scratch(DType.F32, rows, vd);
        convs.forward(v, vd, at(proj, vOff), width, empty, kern, kw, w.get(JetBlockWeights.B2), null, tokens, vd, cw, 0L, rows, true);
        var params = new GatedDeltaHeadsCuda.Params(w.get(GatedDeltaWeights.A_LOG), w.get(GatedDeltaWeights.DT_BIAS),
                w.get(GatedDeltaWeights.O_NORM), c.normEps(), c.betaScale(), true);
        GatedDeltaHeadsCuda.Saved saved = heads.forward(params, proj, width, at(proj, kd), width, v, vd, at(proj, aOff), at(proj, bOff), width,
                at(proj, gOff), width, batch, tokens);
        return new Pass(batch, tokens, xs, wAll, params, proj, hid, hact, kern, v, saved);
    }

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

        // the heads: gradients at q, k, gate, a, b (into dproj) and at v (after the dynamic conv)
        DeviceTensor dproj = gpu.scratch(DType.F32, rows, width), dv = gpu.scratch(DType.F32, rows, vd);
        heads.backward(p.params(), p.heads(), dyn, p.proj(), width, at(p.proj(), kd), width, at(p.proj(), aOff), at(p.proj(), bOff), width,
                at(p.proj(), gOff), width, dproj, width, at(dproj, kd), width, dv, vd, at(dproj, aOff), at(dproj, bOff), width,
                at(dproj, gOff), width, grads.get(GatedDeltaWeights.A_LOG), grads.get(GatedDeltaWeights.DT_BIAS),
                grads.get(GatedDeltaWeights.O_NORM));

        // the dynamic conv: silu and conv back into dproj's v0 columns, and the per-token kernels' gradient
        DeviceTensor b2 = weights.get(JetBlockWeights.B2);
        DeviceTensor ds = gpu.scratch(DType.F32, rows, vd), dKern = gpu.scratch(DType.F32, rows, kw);
        gpu.launch(convSiluGrad, gridFor((long) rows * vd, THREADS), 1, 1, THREADS, 1, 0, ds, dv, vd, at(p.proj(), vOff), width, p.kern(), b2,
                p.tokens(), vd, cw, (long) rows);
        gpu.launch(convInputGrad, gridFor((long) rows * vd, THREADS), 1, 1, THREADS, 1, 0, at(dproj, vOff), width, ds, p.kern(), b2,
                p.tokens(), vd, cw, (long) rows);
        gpu.launch(convKernelGrad, gridFor((long) rows * kw, THREADS), 1, 1, THREADS, 1, 0, dKern, ds, at(p.proj(), vOff), width,
                p.tokens(), vd, cw, (long) rows);

        // the kernel generator: b2, w2, then back through silu to w1
        heads.sumRows(grads.get(JetBlockWeights.B2), dKern, rows, kw);
        gpu.matmul(dKern, true, p.hact(), false, grads.get(JetBlockWeights.W2), 0f);
        DeviceTensor dHid = gpu.scratch(DType.F32, rows, gh);
        gpu.matmul(dKern, false, weights.get(JetBlockWeights.W2), false, dHid, 0f);
        gpu.launch(siluGrad, gridFor((long) rows * gh, THREADS), 1, 1, THREADS, 1, 0, dHid, p.hid(), (long) rows * gh);
        gpu.matmul(dHid, true, p.x(), false, grads.get(JetBlockWeights.W1), 0f);

        // the stacked input projections and x: dx = dproj W_all + dHid w1
        if (dx != null) {
            gpu.matmul(dproj, false, p.wAll(), false, dx.reshape(rows, d), 0f);
            gpu.matmul(dHid, false, weights.get(JetBlockWeights.W1), false, dx.reshape(rows, d), 1f);
        }
        DeviceTensor dwAll = gpu.scratch(DType.F32, width, d);
        gpu.matmul(dproj, true, p.x(), false, dwAll, 0f);
        StackedWeights.split(gpu, dwAll, grads, GatedDeltaWeights.STACKED_INPUTS);
    }
}
