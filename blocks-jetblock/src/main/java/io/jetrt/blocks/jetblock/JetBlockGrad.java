package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.common.GatedDeltaWeights;
import io.jetrt.blocks.common.BlockGrad;
import io.jetrt.blocks.common.grad.ActivationGrad;
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
 * JetBlock's forward from an empty state and its backward, in float64 (BLOCKS.md §3.1–3.2): the reference the
 * training capability runs on the CPU. Forward over rows {@code b·T + t}:
 * <pre>
 *   q, k = silu(x Wqᵀ), silu(x Wkᵀ)                       [B, T, H·Dk]
 *   v0 = x Wvᵀ;  K = silu(x W1ᵀ) W2ᵀ + b2                 [B, T, value_dim], [B, T, value_dim·W]
 *   v = silu(dynconv(v0, K))                              [B, T, H·Dv]   ({@link DynamicConvGrad})
 *   a, b = x Waᵀ, x Wbᵀ [B, T, H];  z = x Wgᵀ [B, T, H·Dv]
 *   o = heads(q, k, v, a, b, z) [B, T, H·Dv]   ({@link GatedDeltaHeadsGrad});  y = o Woᵀ
 * </pre>
 * The backward recomputes the forward and walks it in reverse; x's gradient sums the seven projections' parts
 * (q, k, v, the generator's w1, a, b, g).
 */
final class JetBlockGrad implements BlockGrad {
    private final JetBlockConfig c;
    private final double[] wq, wk, wv, wa, wb, wg, wo, w1, w2, b2;
    private final GatedDeltaHeadsGrad heads;

    /** @param w every declared weight by its name, in float64 (a perturbed weight need not be float32) */
    JetBlockGrad(JetBlockConfig c, Map<String, double[]> w) {
        this.c = c;
        wq = w.get(GatedDeltaWeights.Q);
        wk = w.get(GatedDeltaWeights.K);
        wv = w.get(GatedDeltaWeights.V);
        wa = w.get(GatedDeltaWeights.A);
        wb = w.get(GatedDeltaWeights.B);
        wg = w.get(GatedDeltaWeights.G);
        wo = w.get(GatedDeltaWeights.O);
        w1 = w.get(JetBlockWeights.W1);
        w2 = w.get(JetBlockWeights.W2);
        b2 = w.get(JetBlockWeights.B2);
        heads = new GatedDeltaHeadsGrad(c.numHeads(), c.dk(), c.dv(), w.get(GatedDeltaWeights.A_LOG),
                w.get(GatedDeltaWeights.DT_BIAS), w.get(GatedDeltaWeights.O_NORM), c.normEps(), c.betaScale());
    }

    /** Over the weights a provider was handed, checked against the declarations already. */
    static JetBlockGrad of(JetBlockConfig c, Weights weights) {
        Map<String, double[]> w = new HashMap<>();
        for (WeightDecl d : JetBlockWeights.declare(c)) w.put(d.name(), Float64.of(weights.get(d.name()).data()));
        return new JetBlockGrad(c, w);
    }

    /**
     * The forward's activations the backward needs: the raw q/k projections, v0, the generator's hidden layer before
     * its silu {@code [B, T, value_dim/r]} and its kernels, the conv's output before silu, the heads' inputs.
     */
    private record Pass(double[] x, double[] pq, double[] pk, double[] v0, double[] hid, double[] kern, double[] conv,
                        GatedDeltaHeadsGrad.Inputs in, double[] o, double[] y) {}

    private Pass run(double[] xs, int batch, int tokens) {
        int rows = batch * tokens, d = c.hiddenSize();
        int kd = c.keyDim(), vd = c.valueDim(), h = c.numHeads(), cw = c.convSize(), gh = c.generatorHidden();
        double[] pq = LinearGrad.forward(xs, wq, rows, d, kd), pk = LinearGrad.forward(xs, wk, rows, d, kd);
        double[] v0 = LinearGrad.forward(xs, wv, rows, d, vd);
        // the kernel generator reads the block input x, not v0 (§3.2)
        double[] hid = LinearGrad.forward(xs, w1, rows, d, gh);
        double[] kern = LinearGrad.forward(ActivationGrad.silu(hid), w2, rows, gh, vd * cw);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < vd * cw; j++) kern[r * vd * cw + j] += b2[j];
        }
        double[] conv = DynamicConvGrad.forward(v0, kern, batch, tokens, vd, cw);
        GatedDeltaHeadsGrad.Inputs in = new GatedDeltaHeadsGrad.Inputs(batch, tokens,
                ActivationGrad.silu(pq), ActivationGrad.silu(pk), ActivationGrad.silu(conv),
                LinearGrad.forward(xs, wa, rows, d, h), LinearGrad.forward(xs, wb, rows, d, h),
                LinearGrad.forward(xs, wg, rows, d, vd));
        double[] o = heads.forward(in);
        return new Pass(xs, pq, pk, v0, hid, kern, conv, in, o, LinearGrad.forward(o, wo, rows, vd, d));
    }

    /** {@code y [B, T, D]} for {@code x [B, T, D]}, in float64 throughout. */
    double[] forward(double[] x, int batch, int tokens) { return run(x, batch, tokens).y(); }

    /** {@code y [B, T, D]} for {@code x [B, T, D]}, rounded to float32 once at the end. */
    @Override public FloatTensor forward(FloatTensor x) { return new FloatTensor(Float64.toFloat(forward(Float64.of(x.data()), x.dim(0), x.dim(1))), x.shape()); }

    /** The gradients of {@code L = Σ dy·y} w.r.t. x and every declared weight, by the weights' names. */
    @Override public Gradients backward(FloatTensor x, FloatTensor dy) {
        int batch = x.dim(0), tokens = x.dim(1), rows = batch * tokens, d = c.hiddenSize();
        int kd = c.keyDim(), vd = c.valueDim(), h = c.numHeads(), cw = c.convSize(), gh = c.generatorHidden(), kw = vd * cw;
        Pass p = run(Float64.of(x.data()), batch, tokens);
        Map<String, double[]> g = new LinkedHashMap<>();
        double[] dO = new double[rows * vd], dx = new double[rows * d];
        g.put(GatedDeltaWeights.O, LinearGrad.backward(p.o(), wo, Float64.of(dy.data()), rows, vd, d, dO));
        GatedDeltaHeadsGrad.Grads hg = heads.backward(p.in(), dO);
        double[] dKern = new double[rows * kw];
        double[] dv0 = DynamicConvGrad.backward(p.v0(), p.kern(), ActivationGrad.siluBackward(p.conv(), hg.v()),
                batch, tokens, vd, cw, dKern);
        // generator: K = silu(hid) W2ᵀ + b2, hid = x W1ᵀ; b2 is shared by every token, so its gradient sums dK's rows
        double[] db2 = new double[kw], dHidAct = new double[rows * gh];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < kw; j++) db2[j] += dKern[r * kw + j];
        }
        g.put(JetBlockWeights.W2, LinearGrad.backward(ActivationGrad.silu(p.hid()), w2, dKern, rows, gh, kw, dHidAct));
        g.put(JetBlockWeights.B2, db2);
        double[] dHid = ActivationGrad.siluBackward(p.hid(), dHidAct);
        g.put(JetBlockWeights.W1, LinearGrad.backward(p.x(), w1, dHid, rows, d, gh, dx));
        g.put(GatedDeltaWeights.Q, LinearGrad.backward(p.x(), wq, ActivationGrad.siluBackward(p.pq(), hg.q()), rows, d, kd, dx));
        g.put(GatedDeltaWeights.K, LinearGrad.backward(p.x(), wk, ActivationGrad.siluBackward(p.pk(), hg.k()), rows, d, kd, dx));
        g.put(GatedDeltaWeights.V, LinearGrad.backward(p.x(), wv, dv0, rows, d, vd, dx));
        g.put(GatedDeltaWeights.A, LinearGrad.backward(p.x(), wa, hg.a(), rows, d, h, dx));
        g.put(GatedDeltaWeights.B, LinearGrad.backward(p.x(), wb, hg.b(), rows, d, h, dx));
        g.put(GatedDeltaWeights.G, LinearGrad.backward(p.x(), wg, hg.gate(), rows, d, vd, dx));
        g.put(GatedDeltaWeights.A_LOG, hg.aLog());
        g.put(GatedDeltaWeights.DT_BIAS, hg.dtBias());
        g.put(GatedDeltaWeights.O_NORM, hg.oNorm());
        Map<String, FloatTensor> weights = new LinkedHashMap<>();
        for (WeightDecl decl : JetBlockWeights.declare(c)) {
            weights.put(decl.name(), new FloatTensor(Float64.toFloat(g.get(decl.name())), decl.shape()));
        }
        return new Gradients(new FloatTensor(Float64.toFloat(dx), x.shape()), weights);
    }
}
