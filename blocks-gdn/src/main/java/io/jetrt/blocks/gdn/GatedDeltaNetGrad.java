package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.GatedDeltaWeights;
import io.jetrt.blocks.common.grad.ActivationGrad;
import io.jetrt.blocks.common.grad.CausalConvGrad;
import io.jetrt.blocks.common.grad.Float64;
import io.jetrt.blocks.common.grad.GatedDeltaGrad;
import io.jetrt.blocks.common.grad.LinearGrad;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Gated DeltaNet's training math in float64 (BLOCKS.md §5): the family's ({@link GatedDeltaGrad}) around its front end
 * over rows {@code b·T + t}:
 * <pre>
 *   q, k, v = silu(conv(x Wqᵀ)), silu(conv(x Wkᵀ)), silu(conv(x Wvᵀ))     [B, T, H·Dk], [B, T, H·Dv]
 * </pre>
 * each a short causal conv (with bias under conv_bias) of its projection.
 */
final class GatedDeltaNetGrad extends GatedDeltaGrad<GatedDeltaNetGrad.Convs> {
    private final GatedDeltaNetConfig c;
    private final double[] wq, wk, wv, qConv, kConv, vConv, qBias, kBias, vBias;

    /** The raw projections, the convs' outputs before silu and the heads' q, k, v. */
    record Convs(double[] pq, double[] pk, double[] pv, double[] cq, double[] ck, double[] cv, double[] q, double[] k, double[] v)
            implements GatedDeltaGrad.Front {}

    /** @param w every declared weight by its name, in float64 (a perturbed weight need not be float32); no conv biases without conv_bias */
    GatedDeltaNetGrad(GatedDeltaNetConfig c, Map<String, double[]> w) {
        super(c, w);
        this.c = c;
        wq = w.get(GatedDeltaWeights.Q);
        wk = w.get(GatedDeltaWeights.K);
        wv = w.get(GatedDeltaWeights.V);
        qConv = w.get(GatedDeltaNetWeights.Q_CONV);
        kConv = w.get(GatedDeltaNetWeights.K_CONV);
        vConv = w.get(GatedDeltaNetWeights.V_CONV);
        qBias = w.get(GatedDeltaNetWeights.Q_BIAS);
        kBias = w.get(GatedDeltaNetWeights.K_BIAS);
        vBias = w.get(GatedDeltaNetWeights.V_BIAS);
    }

    /** Over the weights a provider was handed, checked against the declarations already. */
    static GatedDeltaNetGrad of(GatedDeltaNetConfig c, Weights weights) {
        Map<String, double[]> w = new HashMap<>();
        for (WeightDecl d : GatedDeltaNetWeights.declare(c)) w.put(d.name(), Float64.of(weights.get(d.name()).data()));
        return new GatedDeltaNetGrad(c, w);
    }

    @Override protected List<WeightDecl> declarations() { return GatedDeltaNetWeights.declare(c); }

    @Override
    protected Convs front(double[] xs, int batch, int tokens) {
        int rows = batch * tokens, d = c.hiddenSize(), kd = c.keyDim(), vd = c.valueDim(), cw = c.convSize();
        double[] pq = LinearGrad.forward(xs, wq, rows, d, kd), pk = LinearGrad.forward(xs, wk, rows, d, kd);
        double[] pv = LinearGrad.forward(xs, wv, rows, d, vd);
        double[] cq = CausalConvGrad.forward(pq, qConv, qBias, batch, tokens, kd, cw);
        double[] ck = CausalConvGrad.forward(pk, kConv, kBias, batch, tokens, kd, cw);
        double[] cv = CausalConvGrad.forward(pv, vConv, vBias, batch, tokens, vd, cw);
        return new Convs(pq, pk, pv, cq, ck, cv, ActivationGrad.silu(cq), ActivationGrad.silu(ck), ActivationGrad.silu(cv));
    }

    @Override
    protected void frontBackward(Convs f, double[] x, double[] dq, double[] dk, double[] dv, int batch, int tokens,
                                 Map<String, double[]> g, double[] dx) {
        int rows = batch * tokens, d = c.hiddenSize(), kd = c.keyDim(), vd = c.valueDim(), cw = c.convSize();
        double[] dqBias = qBias == null ? null : new double[kd], dkBias = kBias == null ? null : new double[kd];
        double[] dvBias = vBias == null ? null : new double[vd];
        double[] dqConv = new double[kd * cw], dkConv = new double[kd * cw], dvConv = new double[vd * cw];
        double[] dpq = CausalConvGrad.backward(f.pq(), qConv, ActivationGrad.siluBackward(f.cq(), dq), batch, tokens, kd, cw, dqConv, dqBias);
        double[] dpk = CausalConvGrad.backward(f.pk(), kConv, ActivationGrad.siluBackward(f.ck(), dk), batch, tokens, kd, cw, dkConv, dkBias);
        double[] dpv = CausalConvGrad.backward(f.pv(), vConv, ActivationGrad.siluBackward(f.cv(), dv), batch, tokens, vd, cw, dvConv, dvBias);
        g.put(GatedDeltaWeights.Q, LinearGrad.backward(x, wq, dpq, rows, d, kd, dx));
        g.put(GatedDeltaWeights.K, LinearGrad.backward(x, wk, dpk, rows, d, kd, dx));
        g.put(GatedDeltaWeights.V, LinearGrad.backward(x, wv, dpv, rows, d, vd, dx));
        g.put(GatedDeltaNetWeights.Q_CONV, dqConv);
        g.put(GatedDeltaNetWeights.K_CONV, dkConv);
        g.put(GatedDeltaNetWeights.V_CONV, dvConv);
        if (dqBias != null) {
            g.put(GatedDeltaNetWeights.Q_BIAS, dqBias);
            g.put(GatedDeltaNetWeights.K_BIAS, dkBias);
            g.put(GatedDeltaNetWeights.V_BIAS, dvBias);
        }
    }
}
