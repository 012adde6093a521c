package io.jetrt.retrofit;

import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.TrainableProvider;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One swapped-in layer being trained: its block's training capability, its float32 master weights (in the provider's
 * declaration order) and their optimizer. The objective is the relative MSE of the block's output against the teacher
 * layer's, {@code Σ (y − yₜ)² / Σ yₜ²}, from the teacher's own block input.
 *
 * @param who "layer 2 (jet → gdn, gdn 1.0.0 from bundle io.jetrt.blocks.gdn 0.1.0)", for messages
 */
record Student(int layer, String from, String to, String who, TrainableProvider trainer, BlockConfig config,
               Map<String, float[]> weights, Map<String, int[]> shapes, AdamW optimizer) {

    static Student of(int layer, String from, String to, String who, TrainableProvider trainer, BlockConfig config,
                      Iterable<WeightDecl> decls, Weights init, double weightDecay) {
        Map<String, float[]> w = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (WeightDecl d : decls) {
            w.put(d.name(), init.get(d.name()).data().clone());
            shapes.put(d.name(), d.shape().clone());
        }
        return new Student(layer, from, to, who, trainer, config, w, shapes, optimizer(w, shapes, weightDecay));
    }

    /** The master weights as the SPI's view (no copy: a step's update shows at once). */
    Weights view() {
        return new Weights() {
            @Override public FloatTensor get(String name) {
                float[] d = weights.get(name);
                if (d == null) throw new IllegalArgumentException(who + ": no weight '" + name + "'");
                return new FloatTensor(d, shapes.get(name));
            }

            @Override public boolean has(String name) { return weights.containsKey(name); }
        };
    }

    /** Relative MSE of this block against {@code yTeacher} for input {@code x}, both {@code [B, T, D]}. */
    double loss(FloatTensor x, FloatTensor yTeacher, Backend backend, BlockServices services) {
        return relativeError(trainer.forward(config, view(), x, backend, services).data(), yTeacher.data(), null, services.cpu());
    }

    /** One optimizer step on a batch; returns the loss before it. A non-finite loss or gradient changes nothing and returns NaN. */
    double step(FloatTensor x, FloatTensor yTeacher, int t, double lr, double clip, Backend backend, BlockServices services) {
        float[] y = trainer.forward(config, view(), x, backend, services).data();
        float[] dy = new float[y.length];
        double loss = relativeError(y, yTeacher.data(), dy, services.cpu());
        if (!Double.isFinite(loss)) return Double.NaN;
        Gradients g = trainer.backward(config, view(), x, new FloatTensor(dy, x.shape()), backend, services);
        Map<String, float[]> grads = new LinkedHashMap<>();
        for (String name : weights.keySet()) grads.put(name, g.weight(name).data());
        return update(grads, t, lr, clip, services.cpu()) ? loss : Double.NaN;
    }

    /**
     * One AdamW step with these gradients, clipped to {@code clip} in L2 norm over all of this layer's weights (each
     * layer is its own problem); false, changing nothing, when the gradient is not finite.
     */
    boolean update(Map<String, float[]> grads, int t, double lr, double clip, CpuOps ops) {
        double sq = 0;
        for (String name : weights.keySet()) {
            float[] gd = grads.get(name);
            if (gd == null || gd.length != weights.get(name).length) {
                throw new RetrofitException(who + ": the backward gave weight '" + name + "' " + (gd == null ? "no gradient"
                        : "a gradient of " + gd.length + " values; it has " + weights.get(name).length));
            }
            sq += Chunks.sum(ops, gd.length, (from, to) -> {
                double s = 0;
                for (int i = from; i < to; i++) s += (double) gd[i] * gd[i];
                return s;
            });
        }
        double norm = Math.sqrt(sq);
        if (!Double.isFinite(norm)) return false;
        optimizer.step(t, lr, weights, grads, norm > clip ? clip / norm : 1, ops);
        return true;
    }

    /** The same weights (shared, not copied) with a new optimizer: the KL stage starts its own AdamW. */
    Student withFreshOptimizer(double weightDecay) {
        return new Student(layer, from, to, who, trainer, config, weights, shapes, optimizer(weights, shapes, weightDecay));
    }

    /** Matrices decay; vectors (norms, biases, A_log, dt_bias) do not, as in the upstream recipes. */
    private static AdamW optimizer(Map<String, float[]> weights, Map<String, int[]> shapes, double weightDecay) {
        Set<String> decayed = shapes.entrySet().stream().filter(e -> e.getValue().length >= 2).map(Map.Entry::getKey).collect(Collectors.toSet());
        return new AdamW(weights, decayed, weightDecay);
    }

    /** {@code Σ (y − yₜ)² / Σ yₜ²} in float64; with {@code dy} given, fills it with the loss's gradient in y. */
    static double relativeError(float[] y, float[] yt, float[] dy, CpuOps ops) {
        double err = Chunks.sum(ops, y.length, (from, to) -> {
            double sum = 0;
            for (int i = from; i < to; i++) {
                double e = (double) y[i] - yt[i];
                sum += e * e;
            }
            return sum;
        });
        double sumSq = Chunks.sum(ops, y.length, (from, to) -> {
            double sum = 0;
            for (int i = from; i < to; i++) sum += (double) yt[i] * yt[i];
            return sum;
        });
        double ref = sumSq == 0 ? 1 : sumSq; // a teacher layer that outputs zeros: plain squared error
        if (dy != null) {
            Chunks.forEach(ops, y.length, (from, to) -> {
                for (int i = from; i < to; i++) dy[i] = (float) (2 * ((double) y[i] - yt[i]) / ref);
            });
        }
        return err / ref;
    }
}
