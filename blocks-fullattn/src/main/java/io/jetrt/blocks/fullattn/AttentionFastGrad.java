package io.jetrt.blocks.fullattn;

import io.jetrt.blocks.common.BlockGrad;
import io.jetrt.blocks.common.Linear;
import io.jetrt.blocks.common.grad.FastLinear;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.WeightDecl;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Attention's training math ({@link AttentionForward64}, {@link AttentionBackward}) in float32 for the CPU training
 * path (the reference stays the float64 one): the q/k/v/o projections on the runtime's GEMM ({@link FastLinear}),
 * RoPE per row, the softmax attention per (batch, head) ({@link AttentionFastHeads}). Deterministic: no result
 * depends on how the work was scheduled. The backward recomputes the forward.
 */
final class AttentionFastGrad implements BlockGrad {
    private final AttentionConfig cfg;
    private final AttentionWeights w;
    private final List<WeightDecl> declarations;
    private final Rope rope;
    private final AttentionFastHeads heads;
    private final CpuOps ops;

    /** {@code q [B·T, H·Dh]}, {@code k, v [B·T, Hkv·Dh]}: the projections, q and k rotated. */
    private record Qkv(float[] q, float[] k, float[] v) {}

    AttentionFastGrad(AttentionConfig cfg, AttentionWeights w, List<WeightDecl> declarations, CpuOps ops) {
        this.cfg = cfg;
        this.w = w;
        this.declarations = declarations;
        this.rope = new Rope(cfg.headDim(), cfg.ropeTheta());
        this.heads = new AttentionFastHeads(cfg, ops);
        this.ops = ops;
    }

    private Qkv project(float[] x, int rows, int tokens) {
        int d = cfg.hidden();
        float[] q = Linear.apply(ops, x, rows, d, w.q(), w.qBias(), cfg.qDim());
        float[] k = Linear.apply(ops, x, rows, d, w.k(), w.kBias(), cfg.kvDim());
        float[] v = Linear.apply(ops, x, rows, d, w.v(), w.vBias(), cfg.kvDim());
        rotate(q, k, rows, tokens, 1);
        return new Qkv(q, k, v);
    }

    /** RoPE on every row of q and k at its position; {@code sign} −1 rotates back, which is also the rotation's backward. */
    private void rotate(float[] q, float[] k, int rows, int tokens, int sign) {
        ops.parallelFor(rows, r -> {
            long pos = sign * (long) (r % tokens);
            rope.apply(q, r * cfg.qDim(), cfg.heads(), pos);
            rope.apply(k, r * cfg.kvDim(), cfg.kvHeads(), pos);
        });
    }

    @Override
    public FloatTensor forward(FloatTensor x) {
        int batch = x.dim(0), tokens = x.dim(1), rows = batch * tokens;
        Qkv p = project(x.data(), rows, tokens);
        float[] o = heads.forward(p.q(), p.k(), p.v(), batch, tokens).o();
        return new FloatTensor(FastLinear.forward(ops, o, w.o(), rows, cfg.qDim(), cfg.hidden()), x.shape());
    }

    @Override
    public Gradients backward(FloatTensor x, FloatTensor dy) {
        int batch = x.dim(0), tokens = x.dim(1), rows = batch * tokens, d = cfg.hidden(), qd = cfg.qDim(), kvd = cfg.kvDim();
        float[] xs = x.data(), dys = dy.data();
        Qkv p = project(xs, rows, tokens);
        AttentionFastHeads.Output fwd = heads.forward(p.q(), p.k(), p.v(), batch, tokens);
        Map<String, float[]> g = new LinkedHashMap<>();
        float[] dO = new float[rows * qd];
        FastLinear.addInputGrad(ops, dys, FastLinear.transpose(w.o(), d, qd), rows, qd, d, dO);
        g.put("o_proj.weight", FastLinear.weightGrad(ops, dys, FastLinear.transpose(fwd.o(), rows, qd), rows, qd, d));
        AttentionFastHeads.Grads hg = heads.backward(p.q(), p.k(), p.v(), fwd, dO, batch, tokens);
        rotate(hg.dq(), hg.dk(), rows, tokens, -1);
        float[] xT = FastLinear.transpose(xs, rows, d), dx = new float[rows * d];
        projection(g, "q_proj", xT, w.q(), hg.dq(), rows, qd, dx);
        projection(g, "k_proj", xT, w.k(), hg.dk(), rows, kvd, dx);
        projection(g, "v_proj", xT, w.v(), hg.dv(), rows, kvd, dx);
        Map<String, FloatTensor> weights = new LinkedHashMap<>();
        for (WeightDecl decl : declarations) weights.put(decl.name(), new FloatTensor(g.get(decl.name()), decl.shape()));
        return Gradients.of(new FloatTensor(dx, x.shape()), weights);
    }

    /** One input projection's backward: adds x's part into dx, puts its weight's (and bias's, when configured) gradient. */
    private void projection(Map<String, float[]> g, String name, float[] xT, float[] weight, float[] dy, int rows, int out, float[] dx) {
        int d = cfg.hidden();
        g.put(name + ".weight", FastLinear.backward(ops, xT, FastLinear.transpose(weight, out, d), dy, rows, d, out, dx));
        if (!cfg.qkvBias()) return;
        double[] acc = new double[out];   // Σ over rows, in row order
        for (int r = 0; r < rows; r++) for (int j = 0; j < out; j++) acc[j] += dy[r * out + j];
        float[] db = new float[out];
        for (int j = 0; j < out; j++) db[j] = (float) acc[j];
        g.put(name + ".bias", db);
    }
}
