package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.ColumnSums;
import io.jetrt.blocks.common.ShortConvCuda;
import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.DeviceTrainer;
import io.jetrt.spi.GpuKernel;
import io.jetrt.spi.GpuOps;

import java.util.Map;

import static io.jetrt.blocks.common.DeviceTensors.at;
import static io.jetrt.blocks.common.DeviceTensors.ceilDiv;
import static io.jetrt.blocks.common.DeviceTensors.gridFor;
import static io.jetrt.blocks.common.DeviceTensors.orNull;

/**
 * Mamba2's training math on the GPU ({@link Mamba2FastGrad}'s, with in_proj and out_proj as {@link GpuOps#matmul} in
 * the runtime's matrix precision; kernels of {@code mamba2_grad.cuh}); weights, activations and gradients in device
 * memory. {@code u [rows, R]} = in_proj {@code [z | xBC raw | dt raw]}; the short conv and silu into
 * {@code xbc [rows, cd]}; the scan (checkpoints every 32 tokens) into {@code ys [rows, d_inner]}; the gate and norm
 * into {@code n}; out_proj. The backward mirrors it: {@code du [rows, R]} gathers the gradients at z, the conv's
 * input and dt, so {@code dx} and in_proj's gradient are one product each.
 */
final class Mamba2CudaTrainer implements DeviceTrainer {
    private static final int THREADS = 256, WARPS = 16, CHUNK = 32, MAX_P = 16 * 8, MAX_N = 32 * 4, MAX_W = 8;

    private final Mamba2Config c;
    private final GpuOps gpu;
    private final ColumnSums sums;
    private final ShortConvCuda convs;
    private final GpuKernel addBias, gateNorm, forward, backward, groupSum, gateNormGrad, headSum;
    private final int d, di, cd, h, p, n, g, w, r;

    Mamba2CudaTrainer(Mamba2Config c, GpuOps gpu, byte[] image) {
        if (c.headDim() > MAX_P || c.stateSize() > MAX_N || c.convKernel() > MAX_W) {
            throw new IllegalArgumentException(c.where() + ": cuda training needs head_dim <= " + MAX_P + ", state_size <= " + MAX_N
                    + " and conv_kernel <= " + MAX_W + "; got " + c.headDim() + ", " + c.stateSize() + ", " + c.convKernel());
        }
        this.c = c;
        this.gpu = gpu;
        sums = new ColumnSums(gpu, image);
        addBias = gpu.kernel(image, "mamba2_add_bias_kernel1");
        convs = new ShortConvCuda(gpu, image);
        gateNorm = gpu.kernel(image, "mamba2_gate_norm_kernel1");
        forward = gpu.kernel(image, "m2g_forward_kernel1");
        backward = gpu.kernel(image, "m2g_backward_kernel1");
        groupSum = gpu.kernel(image, "m2g_group_sum_kernel1");
        gateNormGrad = gpu.kernel(image, "m2g_gate_norm_kernel1");
        headSum = gpu.kernel(image, "m2g_head_sum_kernel1");
        d = c.hidden();
        di = c.dInner();
        cd = c.convDim();
        h = c.heads();
        p = c.headDim();
        n = c.stateSize();
        g = c.groups();
        w = c.convKernel();
        r = c.inProjRows();
    }

    /** The forward's device tensors. */
    private record Pass(int batch, int tokens, DeviceTensor x, DeviceTensor u, DeviceTensor xbc, DeviceTensor ys, DeviceTensor ckpt,
                        DeviceTensor normed) {}

    private Pass run(Map<String, DeviceTensor> wt, DeviceTensor x) {
        int batch = x.dim(0), tokens = x.dim(1), rows = batch * tokens, nc = ceilDiv(tokens, CHUNK);
        DeviceTensor xs = x.reshape(rows, d);
        DeviceTensor u = gpu.scratch(DType.F32, rows, r);
        gpu.matmul(xs, false, wt.get("in_proj.weight"), true, u, 0f);
        if (c.bias()) gpu.launch(addBias, gridFor((long) rows * r, THREADS), 1, 1, THREADS, 1, 0, u, wt.get("in_proj.bias"), (long) rows, r);
        DeviceTensor empty = gpu.scratch(DType.F32, batch, cd, w); // training starts from an empty cache
        gpu.zero(empty);
        DeviceTensor xbc = gpu.scratch(DType.F32, rows, cd);
        convs.forward(xbc, cd, at(u, di), r, empty, wt.get("conv1d.weight"), 0L, null, wt.get("conv1d.bias"), tokens, cd, w, 0L, rows, true);
        DeviceTensor ys = gpu.scratch(DType.F32, rows, di), ckpt = gpu.scratch(DType.F32, batch * h * nc, p * n);
        gpu.launch(forward, h, batch, 1, 32, WARPS, 0, ys, ckpt, u, r, xbc, cd, wt.get("dt_bias"), wt.get("A_log"), wt.get("D"),
                c.dHasHdim() ? 1 : 0, tokens, h, p, n, g, di);
        DeviceTensor normed = gpu.scratch(DType.F32, rows, di);
        gpu.copy(ys, normed);
        gpu.launch(gateNorm, rows, g, 1, THREADS, 1, 0, normed, u, orNull(wt.get("norm.weight")), di, r, c.normGroupSize(),
                c.rmsnorm() ? 1 : 0, (float) c.normEps());
        return new Pass(batch, tokens, xs, u, xbc, ys, ckpt, normed);
    }

    private void outProj(Map<String, DeviceTensor> wt, Pass pass, DeviceTensor y) {
        int rows = pass.batch() * pass.tokens();
        gpu.matmul(pass.normed(), false, wt.get("out_proj.weight"), true, y.reshape(rows, d), 0f);
        if (c.bias()) gpu.launch(addBias, gridFor((long) rows * d, THREADS), 1, 1, THREADS, 1, 0, y, wt.get("out_proj.bias"), (long) rows, d);
    }

    @Override
    public void forward(Map<String, DeviceTensor> weights, DeviceTensor x, DeviceTensor y) { outProj(weights, run(weights, x), y); }

    @Override
    public void train(Map<String, DeviceTensor> wt, DeviceTensor x, LossGradient loss, DeviceTensor dx, Map<String, DeviceTensor> grads) {
        Pass pass = run(wt, x);
        int batch = pass.batch(), tokens = pass.tokens(), rows = batch * tokens;
        DeviceTensor y = gpu.scratch(DType.F32, batch, tokens, d);
        outProj(wt, pass, y);
        DeviceTensor dy = loss.at(y).reshape(rows, d);

        // out_proj
        DeviceTensor dn = gpu.scratch(DType.F32, rows, di);
        gpu.matmul(dy, false, wt.get("out_proj.weight"), false, dn, 0f);
        gpu.matmul(dy, true, pass.normed(), false, grads.get("out_proj.weight"), 0f);
        if (c.bias()) sums.sum(grads.get("out_proj.bias"), dy, rows, d);

        // the gate and norm: the gradient at the scan's output, and at z (into du)
        DeviceTensor du = gpu.scratch(DType.F32, rows, r), dys = gpu.scratch(DType.F32, rows, di);
        DeviceTensor dwp = c.rmsnorm() ? gpu.scratch(DType.F32, rows, di) : null;
        gpu.launch(gateNormGrad, rows, g, 1, 128, 1, 0, dys, du, orNull(dwp), pass.ys(), pass.u(), r, orNull(wt.get("norm.weight")), dn, di,
                c.normGroupSize(), c.rmsnorm() ? 1 : 0, c.normEps());
        if (c.rmsnorm()) sums.sum(grads.get("norm.weight"), dwp, rows, di);

        // the scan: dxbc's x columns, B and C per head, dt (into du), the per-row parts of A_log, dt_bias and D
        DeviceTensor dxbc = gpu.scratch(DType.F32, rows, cd), dBp = gpu.scratch(DType.F32, rows, h, n), dCp = gpu.scratch(DType.F32, rows, h, n);
        DeviceTensor dtp = gpu.scratch(DType.F32, rows, h), dalp = gpu.scratch(DType.F32, rows, h), skip = gpu.scratch(DType.F32, rows, di);
        DeviceTensor work = gpu.scratch(DType.F32, batch * h, CHUNK * p * n);
        gpu.launch(backward, h, batch, 1, 32, WARPS, 0, dxbc, dBp, dCp, du, dtp, dalp, skip, work, pass.ckpt(), pass.u(), r, pass.xbc(), cd,
                dys, wt.get("dt_bias"), wt.get("A_log"), wt.get("D"), c.dHasHdim() ? 1 : 0, tokens, h, p, n, g, di);
        gpu.launch(groupSum, gridFor((long) rows * g * n, THREADS), 1, 1, THREADS, 1, 0, dxbc, cd, dBp, dCp, (long) rows, h, g, n, di);
        sums.sum(grads.get("dt_bias"), dtp, rows, h);
        sums.sum(grads.get("A_log"), dalp, rows, h);
        if (c.dHasHdim()) {
            sums.sum(grads.get("D"), skip, rows, di);
        } else {
            DeviceTensor perChannel = gpu.scratch(DType.F32, di);
            sums.sum(perChannel, skip, rows, di);
            gpu.launch(headSum, ceilDiv(h, 32), 1, 1, 32, 1, 0, grads.get("D"), perChannel, h, p);
        }

        // the conv's silu and the conv, back into du's xBC columns; its weight's and bias's gradients
        convs.backward(at(du, di), r, dxbc, cd, at(pass.u(), di), r, wt.get("conv1d.weight"), wt.get("conv1d.bias"), pass.batch(), tokens,
                cd, w, sums, grads.get("conv1d.weight"), c.convBias() ? grads.get("conv1d.bias") : null);

        // in_proj
        if (dx != null) gpu.matmul(du, false, wt.get("in_proj.weight"), false, dx.reshape(rows, d), 0f);
        gpu.matmul(du, true, pass.x(), false, grads.get("in_proj.weight"), 0f);
        if (c.bias()) sums.sum(grads.get("in_proj.bias"), du, rows, r);
    }
}
