package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.common.GatedDeltaWeights;
import io.jetrt.blocks.common.grad.FastActivation;
import io.jetrt.blocks.common.grad.FastGatedDeltaGrad;
import io.jetrt.blocks.common.grad.FastLinear;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.List;
import java.util.Map;

/**
 * {@link JetBlockGrad}'s front end in float32 for the CPU training path, around {@link FastGatedDeltaGrad}: the
 * q/k/v/generator projections on the runtime's GEMM and the dynamic conv per sequence ({@link FastDynamicConv}).
 */
final class JetBlockFastGrad extends FastGatedDeltaGrad<JetBlockFastGrad.DynamicFront> {
    private final JetBlockConfig c;
    private final float[] wq, wk, wv, w1, w2, b2;

    /** As {@link JetBlockGrad.DynamicFront}, in float32. */
    record DynamicFront(float[] pq, float[] pk, float[] v0, float[] hid, float[] kern, float[] conv, float[] q, float[] k,
                        float[] v) implements FastGatedDeltaGrad.Front {}

    JetBlockFastGrad(JetBlockConfig c, Weights w, CpuOps ops) {
        super(c, w, ops);
        this.c = c;
        wq = w.get(GatedDeltaWeights.Q).data();
        wk = w.get(GatedDeltaWeights.K).data();
        wv = w.get(GatedDeltaWeights.V).data();
        w1 = w.get(JetBlockWeights.W1).data();
        w2 = w.get(JetBlockWeights.W2).data();
        b2 = w.get(JetBlockWeights.B2).data();
    }

    @Override protected List<WeightDecl> declarations() { return JetBlockWeights.declare(c); }

    @Override
    protected DynamicFront front(float[] x, int batch, int tokens) {
        int rows = batch * tokens, d = c.hiddenSize(), kd = c.keyDim(), vd = c.valueDim(), cw = c.convSize(), gh = c.generatorHidden();
        float[] pq = FastLinear.forward(ops, x, wq, rows, d, kd), pk = FastLinear.forward(ops, x, wk, rows, d, kd);
        float[] v0 = FastLinear.forward(ops, x, wv, rows, d, vd);
        // the kernel generator reads the block input x, not v0 (§3.2)
        float[] hid = FastLinear.forward(ops, x, w1, rows, d, gh);
        float[] kern = FastLinear.forward(ops, FastActivation.silu(hid), w2, rows, gh, vd * cw);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < vd * cw; j++) kern[r * vd * cw + j] += b2[j];
        }
        float[] conv = FastDynamicConv.forward(ops, v0, kern, batch, tokens, vd, cw);
        return new DynamicFront(pq, pk, v0, hid, kern, conv, FastActivation.silu(pq), FastActivation.silu(pk), FastActivation.silu(conv));
    }

    @Override
    protected void frontBackward(DynamicFront f, float[] x, float[] xT, float[] dq, float[] dk, float[] dv, int batch, int tokens,
                                 Map<String, float[]> g, float[] dx) {
        int rows = batch * tokens, d = c.hiddenSize(), kd = c.keyDim(), vd = c.valueDim(), cw = c.convSize(), gh = c.generatorHidden();
        int kw = vd * cw;
        float[] dKern = new float[rows * kw];
        float[] dv0 = FastDynamicConv.backward(ops, f.v0(), f.kern(), FastActivation.siluBackward(f.conv(), dv), batch, tokens, vd, cw, dKern);
        // b2 is shared by every token: its gradient sums dK's rows, in row order, in float64
        double[] db2 = new double[kw];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < kw; j++) db2[j] += dKern[r * kw + j];
        }
        float[] db2f = new float[kw];
        for (int j = 0; j < kw; j++) db2f[j] = (float) db2[j];
        float[] dHidAct = new float[rows * gh];
        g.put(JetBlockWeights.W2, FastLinear.backward(ops, FastLinear.transpose(FastActivation.silu(f.hid()), rows, gh),
                FastLinear.transpose(w2, kw, gh), dKern, rows, gh, kw, dHidAct));
        g.put(JetBlockWeights.B2, db2f);
        g.put(JetBlockWeights.W1, FastLinear.backward(ops, xT, FastLinear.transpose(w1, gh, d),
                FastActivation.siluBackward(f.hid(), dHidAct), rows, d, gh, dx));
        g.put(GatedDeltaWeights.Q, FastLinear.backward(ops, xT, FastLinear.transpose(wq, kd, d),
                FastActivation.siluBackward(f.pq(), dq), rows, d, kd, dx));
        g.put(GatedDeltaWeights.K, FastLinear.backward(ops, xT, FastLinear.transpose(wk, kd, d),
                FastActivation.siluBackward(f.pk(), dk), rows, d, kd, dx));
        g.put(GatedDeltaWeights.V, FastLinear.backward(ops, xT, FastLinear.transpose(wv, vd, d), dv0, rows, d, vd, dx));
    }
}
