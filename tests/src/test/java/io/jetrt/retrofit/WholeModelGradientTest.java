package io.jetrt.retrofit;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.RuntimeSettings;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.Layer;
import io.jetrt.runtime.model.LayerRules;
import io.jetrt.runtime.model.Model;
import io.jetrt.spi.Backend;
import io.jetrt.spi.TrainableProvider;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The KL stage's gradient through the whole tiny model against central differences of the same loss: a student at
 * layer 2 (gdn) under frozen attention, JetBlock and sliding-window layers, the MLPs, the norms and the head, so every
 * dense backward and each frozen block's input gradient is on the path.
 */
class WholeModelGradientTest {

    @Test
    void klGradientMatchesCentralDifferencesThroughTheFrozenLayersAbove() {
        Path tiny = Path.of(System.getProperty("jetrt.fixtures", "../../shared/fixtures")).resolve("model/tiny-jet");
        try (JetRuntime rt = JetRuntime.start(new RuntimeSettings(Path.of(System.getProperty("jetrt.bundles")), true, 0));
             Model teacher = rt.load(tiny, ComposeOptions.DEFAULT.withBackend(Backend.CPU));
             Model student = rt.load(tiny, new ComposeOptions(LayerRules.parse("2:gdn"), LayerRules.NONE, Backend.CPU, 1))) {
            Layer l = student.layers().get(2);
            Student s = Student.of(2, "jet", "gdn", l.describe(), (TrainableProvider) l.binding().provider(), l.config(),
                    l.binding().provider().weights(l.config()), l.weights(), 0);
            WholeModel whole = new WholeModel(student, List.of(s), rt.cpu(), Backend.REFERENCE);
            SplittableRandom r = new SplittableRandom(7);
            int batch = 2, len = 11;
            int[] tokens = new int[batch * len];
            for (int i = 0; i < tokens.length; i++) tokens[i] = r.nextInt(512);
            float[] teacherLogits = teacher.forward(tokens, batch, teacher.newState(batch, len), true, null).data();

            Map<Integer, Map<String, float[]>> grads = new HashMap<>();
            whole.step(tokens, batch, teacherLogits, grads);
            for (String name : List.of("o_proj.weight", "v_proj.weight", "q_conv1d.weight", "A_log", "o_norm.weight")) {
                float[] w = s.weights().get(name), g = grads.get(2).get(name), dir = new float[w.length];
                double analytic = 0, norm = 0, wNorm = 0;
                for (int i = 0; i < w.length; i++) {
                    dir[i] = (float) r.nextGaussian();
                    analytic += (double) g[i] * dir[i];
                    norm += (double) dir[i] * dir[i];
                    wNorm += (double) w[i] * w[i];
                }
                // a step of 3e-3 of the weight's norm. Error model: truncation O(h²), a few percent at most here, plus
                // the loss's rounding ε over h, ε ≈ 1e-8 (the float32 residual stream and logits, measured: moving h
                // from 1e-3 to 1e-2 moves the weakest estimate, o_norm's, by 3e-6 around its 4e-5)
                double h = 3e-3 * Math.sqrt(wNorm / norm);
                float[] keep = w.clone();
                for (int i = 0; i < w.length; i++) w[i] = (float) (keep[i] + h * dir[i]);
                double up = whole.kl(tokens, batch, teacherLogits);
                for (int i = 0; i < w.length; i++) w[i] = (float) (keep[i] - h * dir[i]);
                double down = whole.kl(tokens, batch, teacherLogits);
                System.arraycopy(keep, 0, w, 0, w.length);
                double numeric = (up - down) / (2 * h);
                assertTrue(Math.abs(analytic) > 1e-6, name + ": a gradient that vanishes proves nothing (" + analytic + ")");
                assertEquals(numeric, analytic, 3e-2 * Math.abs(numeric) + 1e-8 / h, name + ": directional derivative");
            }
        }
    }
}
