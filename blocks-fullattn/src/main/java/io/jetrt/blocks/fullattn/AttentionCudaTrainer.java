package io.jetrt.blocks.fullattn;

import io.jetrt.blocks.common.ColumnSums;
import io.jetrt.blocks.common.StackedWeights;
import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.DeviceTrainer;
import io.jetrt.spi.GpuKernel;
import io.jetrt.spi.GpuOps;

import java.util.List;
import java.util.Map;

import static io.jetrt.blocks.common.DeviceTensors.ceilDiv;
import static io.jetrt.blocks.common.DeviceTensors.gridFor;

/**
 * Attention's training math on the GPU ({@link AttentionFastGrad}'s, with the projections as {@link GpuOps#matmul} in
 * the runtime's matrix precision; kernels of {@code attention_grad.cuh}); weights, activations and gradients in
 * device memory. {@code qkv [rows, (H + 2Hkv)·Dh]} from one product with the stacked {@code [Wq; Wk; Wv]}; bias and
 * RoPE into {@code q, k, v}; softmax attention into {@code o [rows, H·Dh]} with its log-sum-exp; o_proj. The
 * backward recomputes the probabilities from q, k and the log-sum-exp; {@code dqkv} gathers the three projections'
 * gradients, so {@code dx} and the stacked weights' gradient are one product each.
 */
final class AttentionCudaTrainer implements DeviceTrainer {
    private static final int WARPS = 4, THREADS = 256, ROW_THREADS = 128;
    /** The stacked projections (and their biases), in qkv's column order. */
    private static final List<String> WEIGHTS = List.of("q_proj.weight", "k_proj.weight", "v_proj.weight"),
            BIASES = List.of("q_proj.bias", "k_proj.bias", "v_proj.bias");

    private final AttentionConfig c;
    private final GpuOps gpu;
    private final ColumnSums sums;
    private final GpuKernel rope, ropeBack, forward, dq, dkv, groupSum;
    private final int d, h, hkv, dh, width;
    private final float scale;

    AttentionCudaTrainer(AttentionConfig c, GpuOps gpu, byte[] image) {
        if (c.headDim() > AttentionCuda.MAX_HEAD_DIM) {
            throw new IllegalArgumentException("attention (cuda training): head_dim must be <= " + AttentionCuda.MAX_HEAD_DIM + "; got " + c.headDim());
        }
        this.c = c;
        this.gpu = gpu;
        sums = new ColumnSums(gpu, image);
        rope = gpu.kernel(image, "attn_grad_rope_kernel1");
        ropeBack = gpu.kernel(image, "attn_grad_rope_back_kernel1");
        forward = gpu.kernel(image, "attn_grad_forward_kernel1");
        dq = gpu.kernel(image, "attn_grad_dq_kernel1");
        dkv = gpu.kernel(image, "attn_grad_dkv_kernel1");
        groupSum = gpu.kernel(image, "attn_grad_group_sum_kernel1");
        d = c.hidden();
        h = c.heads();
        hkv = c.kvHeads();
        dh = c.headDim();
        width = c.qDim() + 2 * c.kvDim();
        scale = (float) (1.0 / Math.sqrt(dh));
    }

    /** The forward's device tensors. */
    private record Pass(int batch, int tokens, DeviceTensor x, DeviceTensor wAll, DeviceTensor q, DeviceTensor k, DeviceTensor v,
                        DeviceTensor o, DeviceTensor lse) {}

    private Pass run(Map<String, DeviceTensor> w, DeviceTensor x) {
        int batch = x.dim(0), tokens = x.dim(1), rows = batch * tokens;
        DeviceTensor xs = x.reshape(rows, d);
        DeviceTensor wAll = StackedWeights.stack(gpu, w, WEIGHTS, d), bias;
        if (c.qkvBias()) {
            bias = StackedWeights.stack(gpu, w, BIASES, 1);
        } else {
            bias = gpu.scratch(DType.F32, width, 1);
            gpu.zero(bias);
        }
        DeviceTensor qkv = gpu.scratch(DType.F32, rows, width);
        gpu.matmul(xs, false, wAll, true, qkv, 0f);
        DeviceTensor q = gpu.scratch(DType.F32, rows, c.qDim()), k = gpu.scratch(DType.F32, rows, c.kvDim()), v = gpu.scratch(DType.F32, rows, c.kvDim());
        gpu.launch(rope, rows, 1, 1, ROW_THREADS, 1, 0, q, k, v, qkv, bias, tokens, h, hkv, dh, c.ropeTheta());
        DeviceTensor o = gpu.scratch(DType.F32, rows, c.qDim()), lse = gpu.scratch(DType.F32, rows, h);
        gpu.launch(forward, ceilDiv(tokens, WARPS), h, batch, 32, WARPS, 0, o, lse, q, k, v, tokens, h, hkv, dh, c.window(), scale);
        return new Pass(batch, tokens, xs, wAll, q, k, v, o, lse);
    }

    @Override
    public void forward(Map<String, DeviceTensor> weights, DeviceTensor x, DeviceTensor y) {
        Pass p = run(weights, x);
        gpu.matmul(p.o(), false, weights.get("o_proj.weight"), true, y.reshape(p.batch() * p.tokens(), d), 0f);
    }

    @Override
    public void train(Map<String, DeviceTensor> weights, DeviceTensor x, LossGradient loss, DeviceTensor dx, Map<String, DeviceTensor> grads) {
        Pass p = run(weights, x);
        int batch = p.batch(), tokens = p.tokens(), rows = batch * tokens;
        DeviceTensor y = gpu.scratch(DType.F32, batch, tokens, d);
        gpu.matmul(p.o(), false, weights.get("o_proj.weight"), true, y.reshape(rows, d), 0f);
        DeviceTensor dy = loss.at(y).reshape(rows, d);

        // o_proj
        DeviceTensor dO = gpu.scratch(DType.F32, rows, c.qDim());
        gpu.matmul(dy, false, weights.get("o_proj.weight"), false, dO, 0f);
        gpu.matmul(dy, true, p.o(), false, grads.get("o_proj.weight"), 0f);

        // the heads: dq and delta, then every key's gradient per query head, summed over each KV group
        DeviceTensor dQ = gpu.scratch(DType.F32, rows, c.qDim()), delta = gpu.scratch(DType.F32, rows, h);
        gpu.launch(dq, ceilDiv(tokens, WARPS), h, batch, 32, WARPS, 0, dQ, delta, p.q(), p.k(), p.v(), p.o(), dO, p.lse(),
                tokens, h, hkv, dh, c.window(), scale);
        DeviceTensor dkp = gpu.scratch(DType.F32, rows, c.qDim()), dvp = gpu.scratch(DType.F32, rows, c.qDim());
        gpu.launch(dkv, ceilDiv(tokens, WARPS), h, batch, 32, WARPS, 0, dkp, dvp, p.q(), p.k(), p.v(), dO, p.lse(), delta,
                tokens, h, hkv, dh, c.window(), scale);
        DeviceTensor dK = gpu.scratch(DType.F32, rows, c.kvDim()), dV = gpu.scratch(DType.F32, rows, c.kvDim());
        gpu.launch(groupSum, gridFor((long) rows * c.kvDim(), THREADS), 1, 1, THREADS, 1, 0, dK, dV, dkp, dvp, (long) rows, h, hkv, dh);

        // RoPE's transpose into the gradient at qkv (and at the biases)
        DeviceTensor dqkv = gpu.scratch(DType.F32, rows, width);
        gpu.launch(ropeBack, rows, 1, 1, ROW_THREADS, 1, 0, dqkv, dQ, dK, dV, tokens, h, hkv, dh, c.ropeTheta());
        if (c.qkvBias()) {
            DeviceTensor db = gpu.scratch(DType.F32, width);
            sums.sum(db, dqkv, rows, width);
            StackedWeights.split(gpu, db, grads, BIASES);
        }

        // the stacked projections: dx and their weights' gradient
        if (dx != null) gpu.matmul(dqkv, false, p.wAll(), false, dx.reshape(rows, d), 0f);
        DeviceTensor dwAll = gpu.scratch(DType.F32, width, d);
        gpu.matmul(dqkv, true, p.x(), false, dwAll, 0f);
        StackedWeights.split(gpu, dwAll, grads, WEIGHTS);
    }
}
