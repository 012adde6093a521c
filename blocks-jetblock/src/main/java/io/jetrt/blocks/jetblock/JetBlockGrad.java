package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.common.GatedDeltaWeights;
import io.jetrt.blocks.common.grad.ActivationGrad;
import io.jetrt.blocks.common.grad.Float64;
import io.jetrt.blocks.common.grad.GatedDeltaGrad;
import io.jetrt.blocks.common.grad.LinearGrad;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * JetBlock's training math in float64 (BLOCKS.md §3.1–3.2): the family's ({@link GatedDeltaGrad}) around its front end
 * over rows {@code b·T + t}:
 * <pre>
 *   q, k = silu(x Wqᵀ), silu(x Wkᵀ)                       [B, T, H·Dk]
 *   v0 = x Wvᵀ;  K = silu(x W1ᵀ) W2ᵀ + b2                 [B, T, value_dim], [B, T, value_dim·W]
 *   v = silu(dynconv(v0, K))                              [B, T, H·Dv]   ({@link DynamicConvGrad})
 * </pre>
 * x's gradient from the front end sums four projections' parts (q, k, v, the generator's w1).
 */
final class JetBlockGrad extends GatedDeltaGrad<JetBlockGrad.DynamicFront> {
    private final JetBlockConfig c;
    private final double[] wq, wk, wv, w1, w2, b2;

    /**
     * The raw q/k projections, v0, the generator's hidden layer before its silu {@code [B, T, value_dim/r]} and its
     * kernels, the conv's output before silu, and the heads' q, k, v.
     */
    record DynamicFront(double[] pq, double[] pk, double[] v0, double[] hid, double[] kern, double[] conv, double[] q, double[] k,
                        double[] v) implements GatedDeltaGrad.Front {}

    /** @param w every declared weight by its name, in float64 (a perturbed weight need not be float32) */
    JetBlockGrad(JetBlockConfig c, Map<String, double[]> w) {
        super(c, w);
        this.c = c;
        wq = w.get(GatedDeltaWeights.Q);
        wk = w.get(GatedDeltaWeights.K);
        wv = w.get(GatedDeltaWeights.V);
        w1 = w.get(JetBlockWeights.W1);
        w2 = w.get(JetBlockWeights.W2);
        b2 = w.get(JetBlockWeights.B2);
    }

    /** Over the weights a provider was handed, checked against the declarations already. */
    static JetBlockGrad of(JetBlockConfig c, Weights weights) {
        Map<String, double[]> w = new HashMap<>();
        for (WeightDecl d : JetBlockWeights.declare(c)) w.put(d.name(), Float64.of(weights.get(d.name()).data()));
        return new JetBlockGrad(c, w);
    }

    @Override protected List<WeightDecl> declarations() { return JetBlockWeights.declare(c); }

    @Override
    protected DynamicFront front(double[] xs, int batch, int tokens) {
        int rows = batch * tokens, d = c.hiddenSize(), kd = c.keyDim(), vd = c.valueDim(), cw = c.convSize(), gh = c.generatorHidden();
        double[] pq = LinearGrad.forward(xs, wq, rows, d, kd), pk = LinearGrad.forward(xs, wk, rows, d, kd);
        double[] v0 = LinearGrad.forward(xs, wv, rows, d, vd);
        // the kernel generator reads the block input x, not v0 (§3.2)
        double[] hid = LinearGrad.forward(xs, w1, rows, d, gh);
        double[] kern = LinearGrad.forward(ActivationGrad.silu(hid), w2, rows, gh, vd * cw);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < vd * cw; j++) kern[r * vd * cw + j] += b2[j];
        }
        double[] conv = DynamicConvGrad.forward(v0, kern, batch, tokens, vd, cw);
        return new DynamicFront(pq, pk, v0, hid, kern, conv, ActivationGrad.silu(pq), ActivationGrad.silu(pk), ActivationGrad.silu(conv));
    }

    @Override
    protected void frontBackward(DynamicFront f, double[] x, double[] dq, double[] dk, double[] dv, int batch, int tokens,
                                 Map<String, double[]> g, double[] dx) {
        int rows = batch * tokens, d = c.hiddenSize(), kd = c.keyDim(), vd = c.valueDim(), cw = c.convSize(), gh = c.generatorHidden();
        int kw = vd * cw;
        double[] dKern = new double[rows * kw];
        double[] dv0 = DynamicConvGrad.backward(f.v0(), f.kern(), ActivationGrad.siluBackward(f.conv(), dv), batch, tokens, vd, cw, dKern);
        // generator: K = silu(hid) W2ᵀ + b2, hid = x W1ᵀ; b2 is shared by every token, so its gradient sums dK's rows
        double[] db2 = new double[kw], dHidAct = new double[rows * gh];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < kw; j++) db2[j] += dKern[r * kw + j];
        }
        g.put(JetBlockWeights.W2, LinearGrad.backward(ActivationGrad.silu(f.hid()), w2, dKern, rows, gh, kw, dHidAct));
        g.put(JetBlockWeights.B2, db2);
        g.put(JetBlockWeights.W1, LinearGrad.backward(x, w1, ActivationGrad.siluBackward(f.hid(), dHidAct), rows, d, gh, dx));
        g.put(GatedDeltaWeights.Q, LinearGrad.backward(x, wq, ActivationGrad.siluBackward(f.pq(), dq), rows, d, kd, dx));
        g.put(GatedDeltaWeights.K, LinearGrad.backward(x, wk, ActivationGrad.siluBackward(f.pk(), dk), rows, d, kd, dx));
        g.put(GatedDeltaWeights.V, LinearGrad.backward(x, wv, dv0, rows, d, vd, dx));
    }
}
