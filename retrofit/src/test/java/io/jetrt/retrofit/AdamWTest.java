package io.jetrt.retrofit;

import io.jetrt.runtime.cpu.CpuOpsFactory;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class AdamWTest {

    @Test
    void firstStepMovesEachWeightByTheLearningRateAgainstItsGradientAndDecaysOnlyMatrices() {
        Map<String, float[]> p = params(new float[] {1f, -2f}, new float[] {0.5f});
        AdamW opt = new AdamW(p, Set.of("w"), 0.1);
        opt.step(1, 0.01, p, grads(new float[] {3f, -0.25f}, new float[] {-7f}), 1, CpuOpsFactory.create(false));
        // bias-corrected m/sqrt(v) = g/|g| on the first step; decay lr*wd*p on "w" only
        assertEquals(1 - 0.01 * 0.1 * 1 - 0.01 * (3 / (3 + 1e-8)), p.get("w")[0], 1e-6);
        assertEquals(-2 - 0.01 * 0.1 * -2 + 0.01, p.get("w")[1], 1e-6);
        assertEquals(0.5 + 0.01, p.get("b")[0], 1e-6);
    }

    @Test
    void gradScaleIsAClipThatAdamSeesBeforeItsMoments() {
        Map<String, float[]> a = params(new float[] {1f}, new float[] {1f}), b = params(new float[] {1f}, new float[] {1f});
        AdamW oa = new AdamW(a, Set.of(), 0), ob = new AdamW(b, Set.of(), 0);
        for (int t = 1; t <= 3; t++) {
            oa.step(t, 0.1, a, grads(new float[] {t}, new float[] {-t}), 0.5, CpuOpsFactory.create(false));
            ob.step(t, 0.1, b, grads(new float[] {t * 0.5f}, new float[] {-t * 0.5f}), 1, CpuOpsFactory.create(false));
        }
        assertArrayEquals(b.get("w"), a.get("w"));
        assertEquals(ob.firstMoments().get("b")[0], oa.firstMoments().get("b")[0]);
    }

    private static Map<String, float[]> params(float[] w, float[] b) {
        Map<String, float[]> m = new LinkedHashMap<>();
        m.put("w", w);
        m.put("b", b);
        return m;
    }

    private static Map<String, float[]> grads(float[] w, float[] b) { return params(w, b); }
}
