package io.jetrt.retrofit;

import io.jetrt.loader.config.HfNames;
import io.jetrt.loader.config.ModelConfig;
import io.jetrt.runtime.model.Layer;
import io.jetrt.runtime.model.Model;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.TrainableProvider;
import io.jetrt.spi.Weights;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The student model as one differentiable function for the KL stage: the checkpoint's dense parts and frozen blocks
 * around the students, each block run by its provider's training forward (from an empty state) and taken back by its
 * backward. {@link #step} returns {@code KL(teacher ∥ student)} per token and each student's weight gradients; the
 * backward stops at the lowest student layer, since nothing below it trains. It reads each student's weights through
 * {@link Student#view}: the master weights themselves, whichever optimizer updates them.
 */
final class WholeModel {
    private final ModelConfig c;
    private final List<Layer> layers;
    private final Map<Integer, Student> students = new HashMap<>();
    private final Map<String, Supplier<float[]>> dense;
    private final Map<String, float[]> transposed = new HashMap<>();
    private final CpuOps ops;
    private final BlockServices services;
    private final Backend backend;
    private final int lowest;

    /** @param model the model composed with the overrides (its frozen layers and dense weights are used) */
    WholeModel(Model model, List<Student> students, CpuOps ops, Backend backend) {
        this.c = model.config();
        this.layers = model.layers();
        this.dense = model.denseWeights();
        this.ops = ops;
        this.services = () -> ops;
        this.backend = backend;
        int low = Integer.MAX_VALUE;
        for (Student s : students) {
            this.students.put(s.layer(), s);
            low = Math.min(low, s.layer());
        }
        this.lowest = low;
        for (Layer l : layers) {
            if (this.students.containsKey(l.index())) continue;
            if (!(l.binding().provider() instanceof TrainableProvider t) || !t.trainingBackends().contains(backend)) {
                throw new RetrofitException(l.describe() + " is frozen, but the KL stage runs every layer by its training forward and"
                        + " takes the gradient back through those above a student: it needs the training capability"
                        + " (io.jetrt.spi.TrainableProvider, SPI 1.3) on " + backend.id());
            }
        }
    }

    /** The activations of one forward pass, per layer {@code i}: the residual in, the block input, the residual between. */
    private record Pass(int rows, float[][] hIn, float[][] u, float[][] hMid, DenseGrad.Mlp[] mlp, float[] hLast, float[] logits) {}

    private Pass forward(int[] tokens, int batch) {
        int d = c.hiddenSize(), n = c.numLayers(), inter = c.intermediateSize(), rows = tokens.length;
        double eps = c.rmsNormEps();
        float[] embed = w(HfNames.EMBED), h = new float[rows * d];
        for (int r = 0; r < rows; r++) System.arraycopy(embed, tokens[r] * d, h, r * d, d);
        float[][] hIn = new float[n][], u = new float[n][], hMid = new float[n][];
        DenseGrad.Mlp[] mlp = new DenseGrad.Mlp[n];
        for (Layer l : layers) {
            int i = l.index();
            hIn[i] = h;
            u[i] = DenseGrad.rmsNorm(h, w(HfNames.inputNorm(i)), rows, d, eps);
            float[] a = trainer(l).forward(config(l), weights(l), new FloatTensor(u[i], new int[] {batch, rows / batch, d}), backend, services).data();
            hMid[i] = add(h, a);
            float[] v = DenseGrad.rmsNorm(hMid[i], w(HfNames.postNorm(i)), rows, d, eps);
            mlp[i] = DenseGrad.mlp(ops, v, w(HfNames.gateProj(i)), w(HfNames.upProj(i)), w(HfNames.downProj(i)), rows, d, inter);
            h = add(hMid[i], mlp[i].out());
        }
        float[] z = DenseGrad.rmsNorm(h, w(HfNames.FINAL_NORM), rows, d, eps), logits = new float[rows * c.vocabSize()];
        ops.linear(z, 0, head(), 0, logits, 0, rows, c.vocabSize(), d);
        return new Pass(rows, hIn, u, hMid, mlp, h, logits);
    }

    /** KL(teacher ∥ this model) per token for {@code tokens [B, T]}, given the teacher's logits {@code [B, T, V]}. */
    double kl(int[] tokens, int batch, float[] teacherLogits) {
        float[] s = forward(tokens, batch).logits();
        double sum = 0;
        for (int r = 0; r < tokens.length; r++) sum += Divergence.rowKl(teacherLogits, s, r * c.vocabSize(), c.vocabSize());
        return sum / tokens.length;
    }

    /** The KL per token and, into {@code grads}, each student's weight gradients by layer and name. */
    double step(int[] tokens, int batch, float[] teacherLogits, Map<Integer, Map<String, float[]>> grads) {
        int d = c.hiddenSize(), inter = c.intermediateSize(), vocab = c.vocabSize();
        double eps = c.rmsNormEps();
        Pass p = forward(tokens, batch);
        int rows = p.rows();
        float[] dLogits = new float[rows * vocab];
        double kl = 0;
        for (int r = 0; r < rows; r++) {
            kl += Divergence.rowKl(teacherLogits, p.logits(), r * vocab, vocab);
            softmaxDifference(p.logits(), teacherLogits, r * vocab, vocab, 1.0 / rows, dLogits);
        }
        float[] dz = new float[rows * d], dh = new float[rows * d];
        ops.linear(dLogits, 0, transposed("head", head(), vocab, d), 0, dz, 0, rows, d, vocab);
        DenseGrad.rmsNormBackward(p.hLast(), w(HfNames.FINAL_NORM), dz, rows, d, eps, dh);
        for (int i = c.numLayers() - 1; i >= lowest; i--) {
            Layer l = layers.get(i);
            float[] dv = DenseGrad.mlpBackward(ops, p.mlp()[i], dh, transposed("down" + i, w(HfNames.downProj(i)), d, inter),
                    transposed("gate" + i, w(HfNames.gateProj(i)), inter, d), transposed("up" + i, w(HfNames.upProj(i)), inter, d), rows, d, inter);
            float[] dMid = dh.clone();
            DenseGrad.rmsNormBackward(p.hMid()[i], w(HfNames.postNorm(i)), dv, rows, d, eps, dMid);
            Gradients g = trainer(l).backward(config(l), weights(l), new FloatTensor(p.u()[i], new int[] {batch, rows / batch, d}),
                    new FloatTensor(dMid, new int[] {batch, rows / batch, d}), backend, services);
            if (students.containsKey(i)) {
                Map<String, float[]> mine = new HashMap<>();
                g.weights().forEach((name, t) -> mine.put(name, t.data()));
                grads.put(i, mine);
            }
            dh = dMid;
            if (i > lowest) DenseGrad.rmsNormBackward(p.hIn()[i], w(HfNames.inputNorm(i)), g.input().data(), rows, d, eps, dh);
        }
        return kl / rows;
    }

    /** {@code out = scale · (softmax(s) − softmax(t))} on one row: the KL's gradient in the student's logits. */
    private static void softmaxDifference(float[] s, float[] t, int off, int n, double scale, float[] out) {
        double ms = Double.NEGATIVE_INFINITY, mt = Double.NEGATIVE_INFINITY;
        for (int i = off; i < off + n; i++) {
            ms = Math.max(ms, s[i]);
            mt = Math.max(mt, t[i]);
        }
        double zs = 0, zt = 0;
        for (int i = off; i < off + n; i++) {
            zs += Math.exp(s[i] - ms);
            zt += Math.exp(t[i] - mt);
        }
        for (int i = off; i < off + n; i++) out[i] = (float) (scale * (Math.exp(s[i] - ms) / zs - Math.exp(t[i] - mt) / zt));
    }

    private TrainableProvider trainer(Layer l) {
        Student s = students.get(l.index());
        return s != null ? s.trainer() : (TrainableProvider) l.binding().provider();
    }

    private BlockConfig config(Layer l) {
        Student s = students.get(l.index());
        return s != null ? s.config() : l.config();
    }

    private Weights weights(Layer l) {
        Student s = students.get(l.index());
        return s != null ? s.view() : l.weights();
    }

    private float[] head() { return c.tieWordEmbeddings() ? w(HfNames.EMBED) : w(HfNames.LM_HEAD); }

    private float[] w(String name) {
        Supplier<float[]> s = dense.get(name);
        if (s == null) throw new RetrofitException("the model has no dense weight " + name);
        return s.get();
    }

    private float[] transposed(String key, float[] w, int n, int k) { return transposed.computeIfAbsent(key, x -> DenseGrad.transpose(w, n, k)); }

    private static float[] add(float[] a, float[] b) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i] + b[i];
        return out;
    }
}
