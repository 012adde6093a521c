package io.jetrt.retrofit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run gives: the tokens trained on, the rate of the steps this process ran, each swapped layer's held-out
 * relative MSE before and after, KL to the teacher before and after, and the loss curve (one row per step, one value
 * per student, in layer order), and the KL stage's curve when it ran (KL per token, one value per step).
 *
 * @param tokensPerStep  tokens of one step (batch · seq-len), the curve's x spacing
 * @param resumedFrom    the step this process started at (0 for a fresh run)
 */
public record RetrofitResult(long tokens, double tokensPerSecond, List<LayerResult> layers, double klBefore, double klAfter,
                             List<double[]> curve, List<Double> klCurve, int tokensPerStep, int resumedFrom, Path out) {

    public record LayerResult(int index, String from, String to, double mseBefore, double mseAfter) {}

    /** The {@code --json} document: {@code {"tokens", "tokens_per_s", "layers": [...], "kl_before", "kl_after", "steps", "kl_steps", "resumed_from_step", "out"}}. */
    public Map<String, Object> json() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("tokens", tokens);
        j.put("tokens_per_s", Double.isFinite(tokensPerSecond) ? tokensPerSecond : null);
        List<Map<String, Object>> ls = new ArrayList<>();
        for (LayerResult l : layers) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", l.index());
            m.put("from", l.from());
            m.put("to", l.to());
            m.put("mse_before", l.mseBefore());
            m.put("mse_after", l.mseAfter());
            ls.add(m);
        }
        j.put("layers", ls);
        j.put("kl_before", klBefore);
        j.put("kl_after", klAfter);
        j.put("steps", curve.size());
        j.put("kl_steps", klCurve.size());
        j.put("resumed_from_step", resumedFrom);
        j.put("out", out.toString());
        return j;
    }
}
