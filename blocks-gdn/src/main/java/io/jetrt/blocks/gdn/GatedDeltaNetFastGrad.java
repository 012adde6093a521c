package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.GatedDeltaWeights;
import io.jetrt.blocks.common.grad.FastActivation;
import io.jetrt.blocks.common.grad.FastCausalConv;
import io.jetrt.blocks.common.grad.FastGatedDeltaGrad;
import io.jetrt.blocks.common.grad.FastLinear;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.List;
import java.util.Map;

/**
 * {@link GatedDeltaNetGrad}'s front end in float32 for the CPU training path, around {@link FastGatedDeltaGrad}: the
 * q/k/v projections on the runtime's GEMM and their short convs per channel ({@link FastCausalConv}).
 */
final class GatedDeltaNetFastGrad extends FastGatedDeltaGrad<GatedDeltaNetFastGrad.Convs> {
    private final GatedDeltaNetConfig c;
    private final float[] wq, wk, wv, qConv, kConv, vConv, qBias, kBias, vBias;

    /** As {@link GatedDeltaNetGrad.Convs}, in float32. */
    record Convs(float[] pq, float[] pk, float[] pv, float[] cq, float[] ck, float[] cv, float[] q, float[] k, float[] v)
            implements FastGatedDeltaGrad.Front {}

    /** No conv biases without conv_bias. */
    GatedDeltaNetFastGrad(GatedDeltaNetConfig c, Weights w, CpuOps ops) {
        super(c, w, ops);
        this.c = c;
        wq = w.get(GatedDeltaWeights.Q).data();
        wk = w.get(GatedDeltaWeights.K).data();
        wv = w.get(GatedDeltaWeights.V).data();
        qConv = w.get(GatedDeltaNetWeights.Q_CONV).data();
        kConv = w.get(GatedDeltaNetWeights.K_CONV).data();
        vConv = w.get(GatedDeltaNetWeights.V_CONV).data();
        qBias = c.convBias() ? w.get(GatedDeltaNetWeights.Q_BIAS).data() : null;
        kBias = c.convBias() ? w.get(GatedDeltaNetWeights.K_BIAS).data() : null;
        vBias = c.convBias() ? w.get(GatedDeltaNetWeights.V_BIAS).data() : null;
    }

    @Override protected List<WeightDecl> declarations() { return GatedDeltaNetWeights.declare(c); }

    @Override
    protected Convs front(float[] x, int batch, int tokens) {
        int rows = batch * tokens, d = c.hiddenSize(), kd = c.keyDim(), vd = c.valueDim(), cw = c.convSize();
        float[] pq = FastLinear.forward(ops, x, wq, rows, d, kd), pk = FastLinear.forward(ops, x, wk, rows, d, kd);
        float[] pv = FastLinear.forward(ops, x, wv, rows, d, vd);
        float[] cq = FastCausalConv.forward(ops, pq, qConv, qBias, batch, tokens, kd, cw);
        float[] ck = FastCausalConv.forward(ops, pk, kConv, kBias, batch, tokens, kd, cw);
        float[] cv = FastCausalConv.forward(ops, pv, vConv, vBias, batch, tokens, vd, cw);
        return new Convs(pq, pk, pv, cq, ck, cv, FastActivation.silu(cq), FastActivation.silu(ck), FastActivation.silu(cv));
    }

    @Override
    protected void frontBackward(Convs f, float[] x, float[] xT, float[] dq, float[] dk, float[] dv, int batch, int tokens,
                                 Map<String, float[]> g, float[] dx) {
        int rows = batch * tokens, d = c.hiddenSize(), kd = c.keyDim(), vd = c.valueDim(), cw = c.convSize();
        float[] dqBias = qBias == null ? null : new float[kd], dkBias = kBias == null ? null : new float[kd];
        float[] dvBias = vBias == null ? null : new float[vd];
        float[] dqConv = new float[kd * cw], dkConv = new float[kd * cw], dvConv = new float[vd * cw];
        float[] dpq = FastCausalConv.backward(ops, f.pq(), qConv, FastActivation.siluBackward(f.cq(), dq), batch, tokens, kd, cw, dqConv, dqBias);
        float[] dpk = FastCausalConv.backward(ops, f.pk(), kConv, FastActivation.siluBackward(f.ck(), dk), batch, tokens, kd, cw, dkConv, dkBias);
        float[] dpv = FastCausalConv.backward(ops, f.pv(), vConv, FastActivation.siluBackward(f.cv(), dv), batch, tokens, vd, cw, dvConv, dvBias);
        g.put(GatedDeltaWeights.Q, FastLinear.backward(ops, xT, FastLinear.transpose(wq, kd, d), dpq, rows, d, kd, dx));
        g.put(GatedDeltaWeights.K, FastLinear.backward(ops, xT, FastLinear.transpose(wk, kd, d), dpk, rows, d, kd, dx));
        g.put(GatedDeltaWeights.V, FastLinear.backward(ops, xT, FastLinear.transpose(wv, vd, d), dpv, rows, d, vd, dx));
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
