package io.jetrt.blocks.common.grad;

import io.jetrt.blocks.common.BlockGrad;
import io.jetrt.blocks.common.GatedDeltaConfig;
import io.jetrt.blocks.common.GatedDeltaWeights;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.WeightDecl;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gated-delta family's training math in float64 around a block's own front end (BLOCKS.md §3, §5), over rows
 * {@code b·T + t}:
 * <pre>
 *   q, k, v = front(x)                              [B, T, H·Dk], [B, T, H·Dk], [B, T, H·Dv]   (the subclass)
 *   a, b = x Waᵀ, x Wbᵀ [B, T, H];  z = x Wgᵀ [B, T, H·Dv]
 *   o = heads(q, k, v, a, b, z) [B, T, H·Dv]  ({@link GatedDeltaHeadsGrad});  y = o Woᵀ
 * </pre>
 * The backward recomputes the forward and walks it in reverse; the front end takes q/k/v's gradients back to x and
 * its own weights.
 *
 * @param <F> what the front end's forward keeps for its backward
 */
public abstract class GatedDeltaGrad<F extends GatedDeltaGrad.Front> implements BlockGrad {
    /** The front end's outputs, the heads' q, k, v inputs, and whatever its backward needs beside them. */
    public interface Front {
        double[] q();

        double[] k();

        double[] v();
    }

    private final GatedDeltaConfig c;
    private final double[] wa, wb, wg, wo;
    private final GatedDeltaHeadsGrad heads;

    /** @param w every declared weight by its name, in float64 (a perturbed weight need not be float32) */
    protected GatedDeltaGrad(GatedDeltaConfig c, Map<String, double[]> w) {
        this.c = c;
        wa = w.get(GatedDeltaWeights.A);
        wb = w.get(GatedDeltaWeights.B);
        wg = w.get(GatedDeltaWeights.G);
        wo = w.get(GatedDeltaWeights.O);
        heads = new GatedDeltaHeadsGrad(c.numHeads(), c.dk(), c.dv(), w.get(GatedDeltaWeights.A_LOG),
                w.get(GatedDeltaWeights.DT_BIAS), w.get(GatedDeltaWeights.O_NORM), c.normEps(), c.betaScale());
    }

    /** q, k, v for {@code x [B, T, D]}, keeping what {@link #frontBackward} needs. */
    protected abstract F front(double[] x, int batch, int tokens);

    /**
     * Takes q, k, v's gradients back through the front end: adds x's part to {@code dx}, puts each of its weights'
     * gradients into {@code grads} by name.
     */
    protected abstract void frontBackward(F front, double[] x, double[] dq, double[] dk, double[] dv, int batch, int tokens,
                                          Map<String, double[]> grads, double[] dx);

    /** Every weight the block declares, in order: the gradients come back in these names and shapes. */
    protected abstract List<WeightDecl> declarations();

    private record Pass(double[] x, Front front, GatedDeltaHeadsGrad.Inputs in, double[] o, double[] y) {}

    private Pass run(double[] xs, int batch, int tokens) {
        int rows = batch * tokens, d = c.hiddenSize(), vd = c.valueDim(), h = c.numHeads();
        F f = front(xs, batch, tokens);
        GatedDeltaHeadsGrad.Inputs in = new GatedDeltaHeadsGrad.Inputs(batch, tokens, f.q(), f.k(), f.v(),
                LinearGrad.forward(xs, wa, rows, d, h), LinearGrad.forward(xs, wb, rows, d, h), LinearGrad.forward(xs, wg, rows, d, vd));
        double[] o = heads.forward(in);
        return new Pass(xs, f, in, o, LinearGrad.forward(o, wo, rows, vd, d));
    }

    /** {@code y [B, T, D]} for {@code x [B, T, D]}, in float64 throughout. */
    public double[] forward(double[] x, int batch, int tokens) { return run(x, batch, tokens).y(); }

    /** {@code y [B, T, D]} for {@code x [B, T, D]}, rounded to float32 once at the end. */
    @Override
    public FloatTensor forward(FloatTensor x) {
        return new FloatTensor(Float64.toFloat(forward(Float64.of(x.data()), x.dim(0), x.dim(1))), x.shape());
    }

    /** The gradients of {@code L = Σ dy·y} w.r.t. x and every declared weight, by the weights' names. */
    @Override
    @SuppressWarnings("unchecked") // the pass's front is the F this instance made
    public Gradients backward(FloatTensor x, FloatTensor dy) {
        int batch = x.dim(0), tokens = x.dim(1), rows = batch * tokens, d = c.hiddenSize(), vd = c.valueDim(), h = c.numHeads();
        Pass p = run(Float64.of(x.data()), batch, tokens);
        Map<String, double[]> g = new LinkedHashMap<>();
        double[] dO = new double[rows * vd], dx = new double[rows * d];
        g.put(GatedDeltaWeights.O, LinearGrad.backward(p.o(), wo, Float64.of(dy.data()), rows, vd, d, dO));
        GatedDeltaHeadsGrad.Grads hg = heads.backward(p.in(), dO);
        frontBackward((F) p.front(), p.x(), hg.q(), hg.k(), hg.v(), batch, tokens, g, dx);
        g.put(GatedDeltaWeights.A, LinearGrad.backward(p.x(), wa, hg.a(), rows, d, h, dx));
        g.put(GatedDeltaWeights.B, LinearGrad.backward(p.x(), wb, hg.b(), rows, d, h, dx));
        g.put(GatedDeltaWeights.G, LinearGrad.backward(p.x(), wg, hg.gate(), rows, d, vd, dx));
        g.put(GatedDeltaWeights.A_LOG, hg.aLog());
        g.put(GatedDeltaWeights.DT_BIAS, hg.dtBias());
        g.put(GatedDeltaWeights.O_NORM, hg.oNorm());
        Map<String, FloatTensor> weights = new LinkedHashMap<>();
        for (WeightDecl decl : declarations()) weights.put(decl.name(), new FloatTensor(Float64.toFloat(g.get(decl.name())), decl.shape()));
        return Gradients.of(new FloatTensor(Float64.toFloat(dx), x.shape()), weights);
    }
}
