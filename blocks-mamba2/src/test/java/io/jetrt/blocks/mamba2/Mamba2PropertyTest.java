package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.Init;
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

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static io.jetrt.blocks.mamba2.Mamba2Testing.*;
import static io.jetrt.conformance.Closeness.assertClose;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Fixed-seed property tests on awkward shapes: the CPU path (both scan kernels) equals the reference on
 * outputs and final states; a chunk gives the same as any split of it into prefill and decode; batch rows
 * do not see each other.
 */
class Mamba2PropertyTest {
    private static final double TOL = 1e-5;

    /** One random shape: sizes drawn from {@code seed}, T and batch as given. */
    record Case(long seed, int batch, int t, BlockConfig cfg) {
        @Override public String toString() {
            Mamba2Config c = Mamba2Config.from(cfg);
            return "[B=" + batch + ", T=" + t + ", D=" + c.hidden() + ", H=" + c.heads() + ", P=" + c.headDim()
                    + ", N=" + c.stateSize() + ", G=" + c.groups() + ", W=" + c.convKernel()
                    + (c.bias() ? ", bias" : "") + (c.convBias() ? "" : ", no conv bias") + (c.rmsnorm() ? "" : ", no rmsnorm")
                    + (c.dHasHdim() ? ", D per channel" : "") + "]";
        }
    }

    static Case randomCase(long seed, int batch, int t, int groups, Object... extra) {
        Random r = new Random(seed);
        int p = new int[] {3, 4, 5, 8, 12, 16}[r.nextInt(6)];
        int heads = groups * (1 + r.nextInt(3));
        if (heads * p % 2 != 0) heads *= 2;   // d_inner = 2·D must be even
        int n = new int[] {1, 3, 4, 6, 8, 16, 17}[r.nextInt(7)];
        return new Case(seed, batch, t, config(heads * p / 2, p, n, groups, extra));
    }

    static Stream<Case> cases() {
        return Stream.of(
                randomCase(11, 1, 1, 1),
                randomCase(12, 3, 1, 2),
                randomCase(13, 1, 63, 1),
                randomCase(14, 3, 63, 2),
                randomCase(15, 1, 65, 2),
                randomCase(16, 3, 65, 1),
                randomCase(17, 1, 500, 1),
                randomCase(18, 3, 500, 2),
                randomCase(19, 3, 2, 2),
                randomCase(20, 3, 65, 2, "use_bias", true, "D_has_hdim", true),
                randomCase(21, 1, 63, 1, "rmsnorm", false, "use_conv_bias", false, "conv_kernel", 2),
                randomCase(22, 3, 5, 1, "conv_kernel", 1),
                new Case(23, 1, 65, config(32, 16, 16, 2)),
                new Case(24, 1, 65, config(600, 200, 3, 2)));   // P=200: kernel 3 tiles of 2 heads, the last one short
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void cpuEqualsReference(Case k) {
        Map<String, FloatTensor> w = weights(k.cfg, k.seed);
        Mamba2Config c = Mamba2Config.from(k.cfg);
        FloatTensor x = new Init(k.seed + 1).normal(1, k.batch, k.t, c.hidden());
        for (long stateSeed : new long[] {0, k.seed + 2}) {
            BlockState refState = state(k.cfg, k.batch, stateSeed);
            FloatTensor ref = prefill(create(k.cfg, w, Backend.REFERENCE), x, stateSeed == 0 ? 0 : 100, refState);
            List<Block> fast = List.of(create(k.cfg, w, Backend.CPU), cpu(k.cfg, w, 1), cpu(k.cfg, w, 3));
            for (int i = 0; i < fast.size(); i++) {
                BlockState s = state(k.cfg, k.batch, stateSeed);
                FloatTensor y = prefill(fast.get(i), x, stateSeed == 0 ? 0 : 100, s);
                String what = "mamba2 cpu" + (i == 0 ? "" : " kernel " + (i == 1 ? 1 : 3)) + " vs reference, f32, " + k
                        + (stateSeed == 0 ? ", fresh state" : ", random state");
                assertClose(ref, y, TOL, what + ", y");
                for (String slot : List.of(Mamba2Provider.CONV_STATE, Mamba2Provider.SSM_STATE)) {
                    assertClose(refState.get(slot), s.get(slot), TOL, what + ", " + slot);
                }
            }
        }
    }

    static Stream<Arguments> splits() {
        List<Arguments> out = new ArrayList<>();
        for (Backend b : List.of(Backend.REFERENCE, Backend.CPU)) {
            out.add(Arguments.of(b, randomCase(31, 3, 63, 2), 1));
            out.add(Arguments.of(b, randomCase(32, 1, 65, 1), 2));
            out.add(Arguments.of(b, randomCase(33, 3, 65, 2), 37));
            out.add(Arguments.of(b, randomCase(34, 1, 500, 2), 63));
            out.add(Arguments.of(b, randomCase(35, 3, 7, 1, "rmsnorm", false, "use_bias", true), 3));
        }
        return out.stream();
    }

    /** prefill(T) == prefill(T1) + decode of each further token == prefill(T1) + prefill(T − T1). */
    @ParameterizedTest(name = "{0} {1} T1={2}")
    @MethodSource("splits")
    void splitsAgree(Backend backend, Case k, int t1) {
        Map<String, FloatTensor> w = weights(k.cfg, k.seed);
        Block block = create(k.cfg, w, backend);
        FloatTensor x = new Init(k.seed + 1).normal(1, k.batch, k.t, Mamba2Config.from(k.cfg).hidden());
        String what = "mamba2 " + backend.id() + ", f32, " + k + ", split at " + t1;

        BlockState whole = state(k.cfg, k.batch, k.seed + 2);
        FloatTensor yWhole = prefill(block, x, 10, whole);

        BlockState stepped = state(k.cfg, k.batch, k.seed + 2);
        FloatTensor head = prefill(block, slice(x, 0, t1), 10, stepped);
        assertClose(slice(yWhole, 0, t1), head, TOL, what + ", first prefill y");
        for (int i = t1; i < k.t; i++) {
            FloatTensor yi = decode(block, slice(x, i, i + 1), 10 + i, stepped);
            assertClose(slice(yWhole, i, i + 1), yi, TOL, what + ", decode y at token " + i);
        }

        BlockState twice = state(k.cfg, k.batch, k.seed + 2);
        prefill(block, slice(x, 0, t1), 10, twice);
        FloatTensor tail = prefill(block, slice(x, t1, k.t), 10 + t1, twice);
        assertClose(slice(yWhole, t1, k.t), tail, TOL, what + ", second prefill y");

        for (String slot : List.of(Mamba2Provider.CONV_STATE, Mamba2Provider.SSM_STATE)) {
            assertClose(whole.get(slot), stepped.get(slot), TOL, what + ", decoded " + slot);
            assertClose(whole.get(slot), twice.get(slot), TOL, what + ", two-prefill " + slot);
        }
    }

    /** Each row of a batch of 3 gives what it gives alone, outputs and states. */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"REFERENCE", "CPU"})
    void batchRowsIndependent(Backend backend) {
        for (Case k : List.of(randomCase(41, 3, 65, 2), randomCase(42, 3, 1, 1))) {
            Map<String, FloatTensor> w = weights(k.cfg, k.seed);
            Block block = create(k.cfg, w, backend);
            FloatTensor x = new Init(k.seed + 1).normal(1, k.batch, k.t, Mamba2Config.from(k.cfg).hidden());
            BlockState all = state(k.cfg, k.batch, k.seed + 2);
            BlockState init = copy(all);
            FloatTensor y = prefill(block, x, 5, all);
            for (int b = 0; b < k.batch; b++) {
                BlockState one = new BlockState(1, init.layout());
                for (var e : init.tensors().entrySet()) {
                    FloatTensor r = row(e.getValue(), b);
                    System.arraycopy(r.data(), 0, one.get(e.getKey()).data(), 0, r.size());
                }
                FloatTensor yb = prefill(block, row(x, b), 5, one);
                String what = "mamba2 " + backend.id() + ", f32, " + k + ", batch row " + b + " alone";
                assertClose(row(y, b), yb, 0, what + ", y");
                for (String slot : List.of(Mamba2Provider.CONV_STATE, Mamba2Provider.SSM_STATE)) {
                    assertClose(row(all.get(slot), b), one.get(slot), 0, what + ", " + slot);
                }
            }
        }
    }

    /** T = 0 leaves the state alone; a chunk of the wrong width is refused, naming the layer. */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"REFERENCE", "CPU"})
    void emptyAndMisshapenChunks(Backend backend) {
        Case k = randomCase(51, 3, 0, 2);
        Block block = create(k.cfg, weights(k.cfg, k.seed), backend);
        int d = Mamba2Config.from(k.cfg).hidden();
        BlockState s = state(k.cfg, k.batch, 52);
        BlockState before = copy(s);
        prefill(block, FloatTensor.zeros(k.batch, 0, d), 7, s);
        for (String slot : List.of(Mamba2Provider.CONV_STATE, Mamba2Provider.SSM_STATE)) {
            assertEquals(before.get(slot), s.get(slot), "mamba2 " + backend.id() + " T=0 " + slot);
        }
        var e = assertThrows(IllegalArgumentException.class,
                () -> prefill(block, FloatTensor.zeros(k.batch, 2, d + 1), 7, s));
        assertTrue(e.getMessage().startsWith(k.cfg.where() + ": x must be [" + k.batch + ", T, " + d + "]"),
                e.getMessage());
    }

    private static Block cpu(BlockConfig cfg, Map<String, FloatTensor> w, int kernel) {
        Mamba2Config c = Mamba2Config.from(cfg);
        return new Mamba2Cpu(c, Mamba2Params.from(c, new MapWeights(cfg.where(), w)), SERVICES.cpu(), kernel);
    }
}
