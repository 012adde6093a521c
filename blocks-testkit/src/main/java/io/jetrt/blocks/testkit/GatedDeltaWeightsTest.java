package io.jetrt.blocks.testkit;

import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.WeightDecl;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Weight declarations and initialisation of a gated-delta block at its fixture's config: initWeights has the declared
 * names and shapes, draws A_log = log U(0, 16), dt_bias with softplus(dt_bias) in [1e-4, 0.1], o_norm ones, and the
 * same draw for the same seed. A block's test adds its own weights' checks.
 */
public abstract class GatedDeltaWeightsTest {

    protected abstract BlockProvider provider();

    /** The config of the block's golden file (its declarations and states are checked against the file by its fixture test). */
    protected abstract BlockConfig fixtureConfig();

    @Test
    void initWeightsHaveDeclaredNamesAndShapes() {
        Map<String, FloatTensor> init = provider().initWeights(fixtureConfig(), 5);
        assertEquals(shapes(provider().weights(fixtureConfig())), shapesOf(init), provider().type() + " initWeights names and shapes");
        for (float a : init.get("A_log").data()) assertTrue(a < Math.log(16), "A_log = log U(0, 16); got " + a);
        for (float dt : init.get("dt_bias").data()) {
            double softplus = Math.log1p(Math.exp(dt));
            assertTrue(softplus >= 1e-4 * 0.999 && softplus <= 0.1 * 1.001, "softplus(dt_bias) in [1e-4, 0.1]; got " + softplus);
        }
        for (float v : init.get("o_norm.weight").data()) assertEquals(1f, v, "o_norm ones");
        assertEquals(init.get("q_proj.weight"), provider().initWeights(fixtureConfig(), 5).get("q_proj.weight"), "same seed, same draw");
    }

    /** Name → shape of each declaration. */
    protected static Map<String, List<Integer>> shapes(List<WeightDecl> decls) {
        Map<String, List<Integer>> m = new TreeMap<>();
        for (WeightDecl d : decls) m.put(d.name(), Arrays.stream(d.shape()).boxed().toList());
        return m;
    }

    /** Name → shape of each tensor. */
    protected static Map<String, List<Integer>> shapesOf(Map<String, FloatTensor> tensors) {
        Map<String, List<Integer>> m = new TreeMap<>();
        tensors.forEach((n, t) -> m.put(n, Arrays.stream(t.shape()).boxed().toList()));
        return m;
    }

    /** Root mean square of the values: the std of a zero-mean draw. */
    protected static double std(FloatTensor t) {
        double s = 0;
        for (float v : t.data()) s += (double) v * v;
        return Math.sqrt(s / t.size());
    }
}
