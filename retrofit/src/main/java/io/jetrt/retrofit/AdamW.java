package io.jetrt.retrofit;

import io.jetrt.spi.CpuOps;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * AdamW (decoupled weight decay, Loshchilov and Hutter) over float32 master weights. The moments are float32 too and
 * each update is computed in float64 then rounded, so a state saved as float32 bits and loaded again continues
 * exactly as an uninterrupted run would.
 */
final class AdamW {
    static final double BETA1 = 0.9, BETA2 = 0.95, EPS = 1e-8;

    private final Map<String, float[]> m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
    private final Set<String> decayed;
    private final double weightDecay;

    /** @param decayed the weights that decay (matrices); norms, biases, gates' scalars do not */
    AdamW(Map<String, float[]> params, Set<String> decayed, double weightDecay) {
        this.decayed = Set.copyOf(decayed);
        this.weightDecay = weightDecay;
        params.forEach((name, p) -> {
            m.put(name, new float[p.length]);
            v.put(name, new float[p.length]);
        });
    }

    /** Step {@code t} (1-based, for the bias corrections) with learning rate {@code lr}: updates {@code params} in place. */
    void step(int t, double lr, Map<String, float[]> params, Map<String, float[]> grads, double gradScale, CpuOps ops) {
        double c1 = 1 - Math.pow(BETA1, t), c2 = 1 - Math.pow(BETA2, t);
        for (Map.Entry<String, float[]> e : params.entrySet()) {
            String name = e.getKey();
            float[] p = e.getValue(), g = grads.get(name), mm = m.get(name), vv = v.get(name);
            double decay = decayed.contains(name) ? lr * weightDecay : 0;
            Chunks.forEach(ops, p.length, (from, to) -> { // elementwise: the workers cannot change a bit
                for (int i = from; i < to; i++) {
                    double gi = g[i] * gradScale;
                    double mi = BETA1 * mm[i] + (1 - BETA1) * gi, vi = BETA2 * vv[i] + (1 - BETA2) * gi * gi;
                    mm[i] = (float) mi;
                    vv[i] = (float) vi;
                    p[i] = (float) (p[i] - decay * p[i] - lr * (mi / c1) / (Math.sqrt(vi / c2) + EPS));
                }
            });
        }
    }

    /** Whether weight {@code name} decays (a matrix). */
    boolean decays(String name) { return decayed.contains(name); }

    double weightDecay() { return weightDecay; }

    Map<String, float[]> firstMoments() { return m; }

    Map<String, float[]> secondMoments() { return v; }
}
