package io.jetrt.blocks.common.grad;

import io.jetrt.blocks.common.BlockGrad;
import io.jetrt.blocks.common.GatedDeltaConfig;
import io.jetrt.blocks.common.GatedDeltaWeights;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link GatedDeltaGrad}'s math in float32 for the CPU training path (the reference stays the float64 one): the
 * projections on the runtime's GEMM ({@link FastLinear}), the heads as parallel (batch, head) jobs
 * ({@link FastGatedDeltaHeads}), around a block's own float32 front end. Deterministic: no result depends on how
 * the work was scheduled.
 *
 * @param <F> what the front end's forward keeps for its backward
 */
public abstract class FastGatedDeltaGrad<F extends FastGatedDeltaGrad.Front> implements BlockGrad {
    /** The front end's outputs, the heads' q, k, v inputs, and whatever its backward needs beside them. */
    public interface Front {
        float[] q();

        float[] k();

        float[] v();
    }

    private final GatedDeltaConfig c;
    private final float[] wa, wb, wg, wo;
    private final FastGatedDeltaHeads heads;
    protected final CpuOps ops;

    protected FastGatedDeltaGrad(GatedDeltaConfig c, Weights w, CpuOps ops) {
        this.c = c;
        this.ops = ops;
        wa = w.get(GatedDeltaWeights.A).data();
        wb = w.get(GatedDeltaWeights.B).data();
        wg = w.get(GatedDeltaWeights.G).data();
        wo = w.get(GatedDeltaWeights.O).data();
        heads = new FastGatedDeltaHeads(c.numHeads(), c.dk(), c.dv(), w.get(GatedDeltaWeights.A_LOG).data(),
                w.get(GatedDeltaWeights.DT_BIAS).data(), w.get(GatedDeltaWeights.O_NORM).data(), c.normEps(), c.betaScale(), ops);
    }

    /** q, k, v for {@code x [B, T, D]}, keeping what {@link #frontBackward} needs. */
    protected abstract F front(float[] x, int batch, int tokens);

    /**
     * Takes q, k, v's gradients back through the front end: adds x's part to {@code dx}, puts each of its weights'
     * gradients into {@code grads} by name. {@code xT [D, B·T]} is x transposed, for the weight gradients.
     */
    protected abstract void frontBackward(F front, float[] x, float[] xT, float[] dq, float[] dk, float[] dv, int batch, int tokens,
                                          Map<String, float[]> grads, float[] dx);

    /** Every weight the block declares, in order: the gradients come back in these names and shapes. */
    protected abstract List<WeightDecl> declarations();

    /** The heads' inputs: the front end's q, k, v and the a, b, g projections of x. */
    private FastGatedDeltaHeads.Inputs inputs(F f, float[] x, int batch, int tokens) {
        int rows = batch * tokens, d = c.hiddenSize(), vd = c.valueDim(), h = c.numHeads();
        return new FastGatedDeltaHeads.Inputs(batch, tokens, f.q(), f.k(), f.v(),
                FastLinear.forward(ops, x, wa, rows, d, h), FastLinear.forward(ops, x, wb, rows, d, h),
                FastLinear.forward(ops, x, wg, rows, d, vd));
    }

    @Override
    public FloatTensor forward(FloatTensor x) {
        int batch = x.dim(0), tokens = x.dim(1);
        float[] o = heads.forward(inputs(front(x.data(), batch, tokens), x.data(), batch, tokens));
        return new FloatTensor(FastLinear.forward(ops, o, wo, batch * tokens, c.valueDim(), c.hiddenSize()), x.shape());
    }

    @Override
    public Gradients backward(FloatTensor x, FloatTensor dy) {
        int batch = x.dim(0), tokens = x.dim(1), rows = batch * tokens, d = c.hiddenSize(), vd = c.valueDim(), h = c.numHeads();
        float[] xs = x.data(), xT = FastLinear.transpose(xs, rows, d);
        F front = front(xs, batch, tokens);
        FastGatedDeltaHeads.Inputs in = inputs(front, xs, batch, tokens);
        Map<String, float[]> g = new LinkedHashMap<>();
        float[] dO = new float[rows * vd], dx = new float[rows * d];
        FastLinear.addInputGrad(ops, dy.data(), FastLinear.transpose(wo, d, vd), rows, vd, d, dO);
        // the heads' backward recomputes their output: o_proj's weight gradient takes it from there
        FastGatedDeltaHeads.Grads hg = heads.backward(in, dO);
        g.put(GatedDeltaWeights.O, FastLinear.weightGrad(ops, dy.data(), FastLinear.transpose(hg.y(), rows, vd), rows, vd, d));
        frontBackward(front, xs, xT, hg.q(), hg.k(), hg.v(), batch, tokens, g, dx);
        g.put(GatedDeltaWeights.A, FastLinear.backward(ops, xT, FastLinear.transpose(wa, h, d), hg.a(), rows, d, h, dx));
        g.put(GatedDeltaWeights.B, FastLinear.backward(ops, xT, FastLinear.transpose(wb, h, d), hg.b(), rows, d, h, dx));
        g.put(GatedDeltaWeights.G, FastLinear.backward(ops, xT, FastLinear.transpose(wg, vd, d), hg.gate(), rows, d, vd, dx));
        g.put(GatedDeltaWeights.A_LOG, hg.aLog());
        g.put(GatedDeltaWeights.DT_BIAS, hg.dtBias());
        g.put(GatedDeltaWeights.O_NORM, hg.oNorm());
        Map<String, FloatTensor> weights = new LinkedHashMap<>();
        for (WeightDecl decl : declarations()) weights.put(decl.name(), new FloatTensor(g.get(decl.name()), decl.shape()));
        return Gradients.of(new FloatTensor(dx, x.shape()), weights);
    }
}
