package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.BlockGrad;
import io.jetrt.blocks.common.grad.FastActivation;
import io.jetrt.blocks.common.grad.FastCausalConv;
import io.jetrt.blocks.common.grad.FastLinear;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link Mamba2Training}'s math in float32 for the CPU training path (the reference stays the float64 one):
 * in_proj and out_proj on the runtime's GEMM ({@link FastLinear}), the depthwise conv per channel
 * ({@link FastCausalConv}), the scan per (batch, head) ({@link Mamba2FastScan}), the gate and norm per row
 * ({@link Mamba2FastGate}). Deterministic: no result depends on how the work was scheduled.
 *
 * <p>The backward recomputes the forward (nothing is kept between the trainer's forward and backward calls).
 */
final class Mamba2FastGrad implements BlockGrad {
    private final Mamba2Config c;
    private final List<WeightDecl> declarations;
    private final float[] inW, inB, convW, convB, outW, outB;
    private final Mamba2FastScan scan;
    private final Mamba2FastGate gate;
    private final CpuOps ops;

    /**
     * in_proj's output split by its parts: {@code z [B·T, d_inner]}, {@code raw [B·T, conv_dim]} (the conv's input),
     * {@code dtRaw [B·T, H]}; the conv's output {@code pre [B·T, conv_dim]} and {@code xbc = silu(pre)}.
     */
    private record Front(float[] z, float[] raw, float[] dtRaw, float[] pre, float[] xbc) {}

    Mamba2FastGrad(Mamba2Config c, Weights w, List<WeightDecl> declarations, CpuOps ops) {
        this.c = c;
        this.declarations = declarations;
        this.ops = ops;
        Mamba2Params p = Mamba2Params.from(c, w);
        inW = p.inW();
        inB = p.inB();
        convW = p.convW();
        convB = p.convB();
        outW = p.outW();
        outB = p.outB();
        scan = new Mamba2FastScan(c, w.get("A_log").data(), p.dtBias(), p.d(), ops);
        gate = new Mamba2FastGate(c, p.normW(), ops);
    }

    private Front front(float[] x, int batch, int tokens) {
        int rows = batch * tokens, di = c.dInner(), cd = c.convDim(), heads = c.heads(), in = c.inProjRows();
        float[] u = FastLinear.forward(ops, x, inW, rows, c.hidden(), in);
        float[] z = new float[rows * di], raw = new float[rows * cd], dtRaw = new float[rows * heads];
        for (int r = 0; r < rows; r++) {
            int off = r * in;
            if (inB != null) for (int j = 0; j < in; j++) u[off + j] += inB[j];
            System.arraycopy(u, off, z, r * di, di);
            System.arraycopy(u, off + di, raw, r * cd, cd);
            System.arraycopy(u, off + di + cd, dtRaw, r * heads, heads);
        }
        float[] pre = FastCausalConv.forward(ops, raw, convW, convB, batch, tokens, cd, c.convKernel());
        return new Front(z, raw, dtRaw, pre, FastActivation.silu(pre));
    }

    @Override
    public FloatTensor forward(FloatTensor x) {
        int batch = x.dim(0), tokens = x.dim(1);
        Front f = front(x.data(), batch, tokens);
        float[] n = gate.forward(scan.forward(new Mamba2FastScan.Inputs(batch, tokens, f.xbc(), f.dtRaw())), f.z());
        return new FloatTensor(outProj(n, batch * tokens), x.shape());
    }

    private float[] outProj(float[] n, int rows) {
        float[] y = FastLinear.forward(ops, n, outW, rows, c.dInner(), c.hidden());
        if (outB != null) for (int r = 0; r < rows; r++) for (int j = 0; j < outB.length; j++) y[r * outB.length + j] += outB[j];
        return y;
    }

    @Override
    public Gradients backward(FloatTensor x, FloatTensor dy) {
        int batch = x.dim(0), tokens = x.dim(1), rows = batch * tokens, dm = c.hidden(), di = c.dInner(), cd = c.convDim();
        int heads = c.heads(), in = c.inProjRows();
        float[] xs = x.data(), dys = dy.data();
        Front f = front(xs, batch, tokens);
        Mamba2FastScan.Inputs si = new Mamba2FastScan.Inputs(batch, tokens, f.xbc(), f.dtRaw());
        float[] ySsm = scan.forward(si);
        Map<String, float[]> g = new LinkedHashMap<>();

        // out_proj, the gate and norm, the scan (it recomputes its states from checkpoints)
        float[] dn = new float[rows * di];
        FastLinear.addInputGrad(ops, dys, FastLinear.transpose(outW, dm, di), rows, di, dm, dn);
        g.put("out_proj.weight", FastLinear.weightGrad(ops, dys, FastLinear.transpose(gate.forward(ySsm, f.z()), rows, di), rows, di, dm));
        if (outB != null) g.put("out_proj.bias", columnSums(dys, rows, dm));
        Mamba2FastGate.Grads gg = gate.backward(ySsm, f.z(), dn);
        if (gg.normW() != null) g.put("norm.weight", gg.normW());
        Mamba2FastScan.Grads sg = scan.backward(si, gg.dy());
        g.put("dt_bias", sg.dtBias());
        g.put("A_log", sg.aLog());
        g.put("D", scan.dWeight(sg.dPerChannel()));

        // the conv's silu, the conv, then in_proj on du = [dz | d raw | d dt_raw]
        float[] dConvW = new float[convW.length], dConvB = convB == null ? null : new float[cd];
        float[] dRaw = FastCausalConv.backward(ops, f.raw(), convW, FastActivation.siluBackward(f.pre(), sg.dXbc()),
                batch, tokens, cd, c.convKernel(), dConvW, dConvB);
        g.put("conv1d.weight", dConvW);
        if (dConvB != null) g.put("conv1d.bias", dConvB);
        float[] du = new float[rows * in];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(gg.dz(), r * di, du, r * in, di);
            System.arraycopy(dRaw, r * cd, du, r * in + di, cd);
            System.arraycopy(sg.dDtRaw(), r * heads, du, r * in + di + cd, heads);
        }
        float[] dx = new float[rows * dm];
        g.put("in_proj.weight", FastLinear.backward(ops, FastLinear.transpose(xs, rows, dm), FastLinear.transpose(inW, in, dm), du,
                rows, dm, in, dx));
        if (inB != null) g.put("in_proj.bias", columnSums(du, rows, in));

        Map<String, FloatTensor> weights = new LinkedHashMap<>();
        for (WeightDecl d : declarations) weights.put(d.name(), new FloatTensor(g.get(d.name()), d.shape()));
        return Gradients.of(new FloatTensor(dx, x.shape()), weights);
    }

    /** {@code Σ_rows a [rows, cols]}, in row order in float64: a bias's gradient. */
    private static float[] columnSums(float[] a, int rows, int cols) {
        double[] acc = new double[cols];
        for (int r = 0; r < rows; r++) for (int j = 0; j < cols; j++) acc[j] += a[r * cols + j];
        float[] out = new float[cols];
        for (int j = 0; j < cols; j++) out[j] = (float) acc[j];
        return out;
    }
}
