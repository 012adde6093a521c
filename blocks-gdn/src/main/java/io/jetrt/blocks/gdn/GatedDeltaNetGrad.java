package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.GatedDeltaWeights;
import io.jetrt.blocks.common.BlockGrad;
import io.jetrt.blocks.common.grad.ActivationGrad;
import io.jetrt.blocks.common.grad.CausalConvGrad;
import io.jetrt.blocks.common.grad.Float64;
import io.jetrt.blocks.common.grad.GatedDeltaHeadsGrad;
import io.jetrt.blocks.common.grad.LinearGrad;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Gated DeltaNet's forward from an empty state and its backward, in float64 (BLOCKS.md §5): the reference the
 * training capability runs on the CPU. Forward over rows {@code b·T + t}:
 * <pre>
 *   q, k, v = silu(conv(x Wqᵀ)), silu(conv(x Wkᵀ)), silu(conv(x Wvᵀ))     [B, T, H·Dk], [B, T, H·Dv]
 *   a, b = x Waᵀ, x Wbᵀ [B, T, H];  z = x Wgᵀ [B, T, H·Dv]
 *   o = heads(q, k, v, a, b, z) [B, T, H·Dv]   ({@link GatedDeltaHeadsGrad});  y = o Woᵀ
 * </pre>
 * The backward recomputes the forward and walks it in reverse; x's gradient sums the six projections' parts.
 */
final class GatedDeltaNetGrad implements BlockGrad {
    private final GatedDeltaNetConfig c;
    private final double[] wq, wk, wv, wa, wb, wg, wo, qConv, kConv, vConv, qBias, kBias, vBias;
    private final GatedDeltaHeadsGrad heads;

    /** @param w every declared weight by its name, in float64 (a perturbed weight need not be float32); no conv biases without conv_bias */
    GatedDeltaNetGrad(GatedDeltaNetConfig c, Map<String, double[]> w) {
        this.c = c;
        wq = w.get(GatedDeltaWeights.Q);
        wk = w.get(GatedDeltaWeights.K);
        wv = w.get(GatedDeltaWeights.V);
        wa = w.get(GatedDeltaWeights.A);
        wb = w.get(GatedDeltaWeights.B);
        wg = w.get(GatedDeltaWeights.G);
        wo = w.get(GatedDeltaWeights.O);
        qConv = w.get(GatedDeltaNetWeights.Q_CONV);
        kConv = w.get(GatedDeltaNetWeights.K_CONV);
        vConv = w.get(GatedDeltaNetWeights.V_CONV);
        qBias = w.get(GatedDeltaNetWeights.Q_BIAS);
        kBias = w.get(GatedDeltaNetWeights.K_BIAS);
        vBias = w.get(GatedDeltaNetWeights.V_BIAS);
        heads = new GatedDeltaHeadsGrad(c.numHeads(), c.dk(), c.dv(), w.get(GatedDeltaWeights.A_LOG),
                w.get(GatedDeltaWeights.DT_BIAS), w.get(GatedDeltaWeights.O_NORM), c.normEps(), c.betaScale());
    }

    /** Over the weights a provider was handed, checked against the declarations already. */
    static GatedDeltaNetGrad of(GatedDeltaNetConfig c, Weights weights) {
        Map<String, double[]> w = new HashMap<>();
        for (WeightDecl d : GatedDeltaNetWeights.declare(c)) w.put(d.name(), Float64.of(weights.get(d.name()).data()));
        return new GatedDeltaNetGrad(c, w);
    }

    /** The forward's activations the backward needs: the raw projections, the convs' outputs and the heads' inputs. */
    private record Pass(double[] x, double[] pq, double[] pk, double[] pv, double[] cq, double[] ck, double[] cv,
                        GatedDeltaHeadsGrad.Inputs in, double[] o, double[] y) {}

    private Pass run(double[] xs, int batch, int tokens) {
        int rows = batch * tokens, d = c.hiddenSize();
        int kd = c.keyDim(), vd = c.valueDim(), h = c.numHeads(), cw = c.convSize();
        double[] pq = LinearGrad.forward(xs, wq, rows, d, kd), pk = LinearGrad.forward(xs, wk, rows, d, kd);
        double[] pv = LinearGrad.forward(xs, wv, rows, d, vd);
        double[] cq = CausalConvGrad.forward(pq, qConv, qBias, batch, tokens, kd, cw);
        double[] ck = CausalConvGrad.forward(pk, kConv, kBias, batch, tokens, kd, cw);
        double[] cv = CausalConvGrad.forward(pv, vConv, vBias, batch, tokens, vd, cw);
        GatedDeltaHeadsGrad.Inputs in = new GatedDeltaHeadsGrad.Inputs(batch, tokens,
                ActivationGrad.silu(cq), ActivationGrad.silu(ck), ActivationGrad.silu(cv),
                LinearGrad.forward(xs, wa, rows, d, h), LinearGrad.forward(xs, wb, rows, d, h),
                LinearGrad.forward(xs, wg, rows, d, vd));
        double[] o = heads.forward(in);
        return new Pass(xs, pq, pk, pv, cq, ck, cv, in, o, LinearGrad.forward(o, wo, rows, vd, d));
    }

    /** {@code y [B, T, D]} for {@code x [B, T, D]}, in float64 throughout. */
    double[] forward(double[] x, int batch, int tokens) { return run(x, batch, tokens).y(); }

    /** {@code y [B, T, D]} for {@code x [B, T, D]}, rounded to float32 once at the end. */
    @Override public FloatTensor forward(FloatTensor x) { return new FloatTensor(Float64.toFloat(forward(Float64.of(x.data()), x.dim(0), x.dim(1))), x.shape()); }

    /** The gradients of {@code L = Σ dy·y} w.r.t. x and every declared weight, by the weights' names. */
    @Override public Gradients backward(FloatTensor x, FloatTensor dy) {
        Pass p = run(Float64.of(x.data()), x.dim(0), x.dim(1));
        int batch = x.dim(0), tokens = x.dim(1), rows = batch * tokens, d = c.hiddenSize();
        int kd = c.keyDim(), vd = c.valueDim(), h = c.numHeads(), cw = c.convSize();
        Map<String, double[]> g = new LinkedHashMap<>();
        double[] dO = new double[rows * vd], dx = new double[rows * d];
        g.put(GatedDeltaWeights.O, LinearGrad.backward(p.o(), wo, Float64.of(dy.data()), rows, vd, d, dO));
        GatedDeltaHeadsGrad.Grads hg = heads.backward(p.in(), dO);
        double[] dqBias = qBias == null ? null : new double[kd], dkBias = kBias == null ? null : new double[kd];
        double[] dvBias = vBias == null ? null : new double[vd];
        double[] dqConv = new double[kd * cw], dkConv = new double[kd * cw], dvConv = new double[vd * cw];
        double[] dpq = CausalConvGrad.backward(p.pq(), qConv, ActivationGrad.siluBackward(p.cq(), hg.q()), batch, tokens, kd, cw, dqConv, dqBias);
        double[] dpk = CausalConvGrad.backward(p.pk(), kConv, ActivationGrad.siluBackward(p.ck(), hg.k()), batch, tokens, kd, cw, dkConv, dkBias);
        double[] dpv = CausalConvGrad.backward(p.pv(), vConv, ActivationGrad.siluBackward(p.cv(), hg.v()), batch, tokens, vd, cw, dvConv, dvBias);
        g.put(GatedDeltaWeights.Q, LinearGrad.backward(p.x(), wq, dpq, rows, d, kd, dx));
        g.put(GatedDeltaWeights.K, LinearGrad.backward(p.x(), wk, dpk, rows, d, kd, dx));
        g.put(GatedDeltaWeights.V, LinearGrad.backward(p.x(), wv, dpv, rows, d, vd, dx));
        g.put(GatedDeltaWeights.A, LinearGrad.backward(p.x(), wa, hg.a(), rows, d, h, dx));
        g.put(GatedDeltaWeights.B, LinearGrad.backward(p.x(), wb, hg.b(), rows, d, h, dx));
        g.put(GatedDeltaWeights.G, LinearGrad.backward(p.x(), wg, hg.gate(), rows, d, vd, dx));
        g.put(GatedDeltaWeights.A_LOG, hg.aLog());
        g.put(GatedDeltaWeights.DT_BIAS, hg.dtBias());
        g.put(GatedDeltaWeights.O_NORM, hg.oNorm());
        g.put(GatedDeltaNetWeights.Q_CONV, dqConv);
        g.put(GatedDeltaNetWeights.K_CONV, dkConv);
        g.put(GatedDeltaNetWeights.V_CONV, dvConv);
        if (dqBias != null) {
            g.put(GatedDeltaNetWeights.Q_BIAS, dqBias);
            g.put(GatedDeltaNetWeights.K_BIAS, dkBias);
            g.put(GatedDeltaNetWeights.V_BIAS, dvBias);
        }
        Map<String, FloatTensor> weights = new LinkedHashMap<>();
        for (WeightDecl decl : GatedDeltaNetWeights.declare(c)) {
            weights.put(decl.name(), new FloatTensor(Float64.toFloat(g.get(decl.name())), decl.shape()));
        }
        return new Gradients(new FloatTensor(Float64.toFloat(dx), x.shape()), weights);
    }
}
