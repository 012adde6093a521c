package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Gated DeltaNet on random weights and inputs with fixed seeds and awkward sizes: the CPU path equals the
 * reference (outputs and final states), a chunk split anywhere gives the same result, batch rows are independent.
 */
class GatedDeltaNetPropertyTest {
    private static final GatedDeltaNetProvider PROVIDER = new GatedDeltaNetProvider();
    /** CPU vs reference and split vs whole: only summation order differs. */
    private static final double TOL = 1e-5;

    /** Odd sizes: Dk 5 (one 4-row block + 1), Dv 15, conv biases and allow_neg_eigval on. */
    static final BlockConfig ODD = config(20, 3, 5, 3.0, 4, true, true);
    /** fla's defaults otherwise: Dk 8, Dv 16, conv width 3. */
    static final BlockConfig EVEN = config(16, 2, 8, 2.0, 3, false, false);

    static BlockConfig config(int d, int h, int dk, double expandV, int w, boolean convBias, boolean negEigval) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hidden_size", d);
        m.put("num_heads", h);
        m.put("head_dim", dk);
        m.put("expand_v", expandV);
        m.put("conv_size", w);
        m.put("norm_eps", 1e-5);
        m.put("conv_bias", convBias);
        m.put("allow_neg_eigval", negEigval);
        m.put("num_v_heads", null);
        return new BlockConfig("test gdn D" + d + " H" + h + " Dk" + dk + (convBias ? " conv_bias" : "")
                + (negEigval ? " neg_eigval" : ""), m);
    }

    /** initWeights' names and shapes with livelier values: projections N(0, 1/in), convs N(0, 0.5), varied decays. */
    static Map<String, FloatTensor> weights(BlockConfig config, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, FloatTensor> m = new LinkedHashMap<>();
        PROVIDER.initWeights(config, seed).forEach((name, t) -> {
            int[] s = t.shape();
            FloatTensor w = switch (name) {
                case GatedDeltaNetWeights.A_LOG -> uniformLog(rng, s, 0.05, 4);
                case GatedDeltaNetWeights.DT_BIAS, GatedDeltaNetWeights.Q_BIAS, GatedDeltaNetWeights.K_BIAS,
                     GatedDeltaNetWeights.V_BIAS -> Harness.normal(rng, 0.5, s);
                case GatedDeltaNetWeights.O_NORM -> shifted(Harness.normal(rng, 0.1, s), 1f);
                default -> s.length == 3 ? Harness.normal(rng, 0.5, s) : Harness.normal(rng, 1 / Math.sqrt(s[1]), s);
            };
            m.put(name, w);
        });
        return m;
    }

    private static FloatTensor uniformLog(SplittableRandom rng, int[] s, double lo, double hi) {
        FloatTensor t = FloatTensor.zeros(s);
        for (int i = 0; i < t.size(); i++) t.data()[i] = (float) Math.log(lo + (hi - lo) * rng.nextDouble());
        return t;
    }

    private static FloatTensor shifted(FloatTensor t, float by) {
        for (int i = 0; i < t.size(); i++) t.data()[i] += by;
        return t;
    }

    static Block block(BlockConfig config, long seed, Backend backend) {
        return PROVIDER.create(config, new MapWeights("test", weights(config, seed)), backend, Harness.SERVICES);
    }

    static BlockState fresh(BlockConfig config, int batch) { return new BlockState(batch, PROVIDER.stateLayout(config, 0)); }

    static FloatTensor input(BlockConfig config, long seed, int batch, int tokens) {
        return Harness.normal(new SplittableRandom(seed), 1.0, batch, tokens, config.intParam("hidden_size"));
    }

    static Stream<Arguments> shapes() {
        return Stream.of(1, 63, 65, 500).flatMap(t -> Stream.of(1, 3).flatMap(b ->
                Stream.of(Arguments.of(ODD, t, b), Arguments.of(EVEN, t, b))));
    }

    @ParameterizedTest(name = "{0} T={1} B={2}")
    @MethodSource("shapes")
    void cpuEqualsReference(BlockConfig config, int tokens, int batch) {
        long seed = 1000L * tokens + batch;
        Block ref = block(config, seed, Backend.REFERENCE), cpu = block(config, seed, Backend.CPU);
        BlockState rs = fresh(config, batch), cs = fresh(config, batch);
        // three tokens first, so the chunk under test starts from a non-zero state
        FloatTensor warm = input(config, seed + 1, batch, 3), x = input(config, seed, batch, tokens);
        String what = "gdn cpu vs reference, " + config.where() + " x " + Arrays.toString(x.shape());
        Harness.assertClose(what + " warm-up y", Harness.prefill(cpu, warm, 0, cs), Harness.prefill(ref, warm, 0, rs), TOL);
        Harness.assertClose(what + " y", Harness.prefill(cpu, x, 3, cs), Harness.prefill(ref, x, 3, rs), TOL);
        Harness.assertStatesClose(what, cs, rs, TOL);
    }

    static Stream<Arguments> splits() {
        return Stream.of(Backend.REFERENCE, Backend.CPU).flatMap(be -> Stream.of(
                Arguments.of(be, ODD, 65, 2), Arguments.of(be, ODD, 65, 37), Arguments.of(be, EVEN, 63, 1),
                Arguments.of(be, EVEN, 500, 300)));
    }

    /** Prefill of T tokens == prefill of T1 then decode of the rest == prefill of T1 then prefill of the rest. */
    @ParameterizedTest(name = "{0} {1} T={2} T1={3}")
    @MethodSource("splits")
    void splitChunksAgree(Backend backend, BlockConfig config, int tokens, int first) {
        long seed = 7L * tokens + first;
        int batch = 2;
        Block b = block(config, seed, backend);
        FloatTensor x = input(config, seed, batch, tokens);
        String what = "gdn " + backend.id() + ", " + config.where() + " x " + Arrays.toString(x.shape()) + " split at " + first;

        BlockState whole = fresh(config, batch);
        FloatTensor y = Harness.prefill(b, x, 0, whole);

        BlockState decoded = fresh(config, batch);
        FloatTensor yd = FloatTensor.filled(Float.NaN, x.shape());
        Harness.put(yd, 0, Harness.prefill(b, Harness.tokens(x, 0, first), 0, decoded));
        Harness.put(yd, first, Harness.decodeAll(b, Harness.tokens(x, first, tokens), first, decoded));
        Harness.assertClose(what + " then decode, y", yd, y, TOL);
        Harness.assertStatesClose(what + " then decode", decoded, whole, TOL);

        BlockState twice = fresh(config, batch);
        FloatTensor yp = FloatTensor.filled(Float.NaN, x.shape());
        Harness.put(yp, 0, Harness.prefill(b, Harness.tokens(x, 0, first), 0, twice));
        Harness.put(yp, first, Harness.prefill(b, Harness.tokens(x, first, tokens), first, twice));
        Harness.assertClose(what + " then prefill, y", yp, y, TOL);
        Harness.assertStatesClose(what + " then prefill", twice, whole, TOL);
    }

    /** Row b of a batch-3 run equals a batch-1 run on that row, outputs and states. */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"REFERENCE", "CPU"})
    void batchRowsAreIndependent(Backend backend) {
        BlockConfig config = ODD;
        long seed = 33;
        Block b = block(config, seed, backend);
        FloatTensor x = input(config, seed, 3, 63);
        BlockState all = fresh(config, 3);
        FloatTensor y = Harness.prefill(b, x, 0, all);
        for (int r = 0; r < 3; r++) {
            String what = "gdn " + backend.id() + ", " + config.where() + " row " + r + " of x " + Arrays.toString(x.shape());
            BlockState one = fresh(config, 1);
            Harness.assertClose(what + " y", Harness.prefill(b, Harness.row(x, r), 0, one), Harness.row(y, r), TOL);
            for (String slot : all.tensors().keySet()) {
                Harness.assertClose(what + " state " + slot, one.get(slot), Harness.row(all.get(slot), r), TOL);
            }
        }
    }
}
