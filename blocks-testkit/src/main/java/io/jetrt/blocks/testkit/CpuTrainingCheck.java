package io.jetrt.blocks.testkit;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.TrainableProvider;
import io.jetrt.spi.WeightDecl;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.function.IntConsumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A provider's float32 CPU training path against its float64 reference on random weights and activations: the
 * forward, x's gradient and every weight's, each within an error model's bound; and the CPU path's determinism:
 * a second run, on workers that run their jobs one at a time in reverse order, gives bit-identical results.
 *
 * <p>Error model. A float32 dot product of length K is off by about {@code √K·u} of its terms' magnitude
 * ({@code u = 2⁻²⁴}, errors of random sign). Every value of the CPU path comes out of a chain of such products:
 * a projection over D, the recurrence's state (a sum over up to T tokens of Dk-long products), o_proj over H·Dv,
 * and in a weight gradient a sum over the B·T rows; their errors add at most as {@code √K} with
 * {@code K = D + T·Dk + H·Dv + B·T} (the caller's {@code dotLength}). The chain's ~8 stages (forward and backward of
 * projections, rule, norms) and the nonlinearities' amplification at O(1) scales (silu', 1/rms, 1/‖q‖, each ≲ 2–3)
 * are covered by {@code c = 64}: relative to the tensor's largest element, error ≤ {@code 64·√K·u}. A wrong term is
 * off by O(1) of its part, orders of magnitude beyond.
 */
public final class CpuTrainingCheck {
    private static final double U = Math.scalb(1.0, -24), C = 64;

    private CpuTrainingCheck() {}

    /** {@code 64·√K·2⁻²⁴}: the bound on a CPU result's error relative to its tensor's largest element. */
    public static double tolerance(long dotLength) { return C * Math.sqrt(dotLength) * U; }

    /** Draws weights ({@code weight} per declaration), {@code x, dy ~ N(0, 1) [B, T, D]}, and checks CPU against reference, then CPU's determinism. */
    public static void check(String where, TrainableProvider provider, BlockConfig config, List<WeightDecl> declarations, int hidden,
                             int batch, int tokens, long dotLength, SplittableRandom rng,
                             BiFunction<SplittableRandom, WeightDecl, float[]> weight) {
        Map<String, FloatTensor> wf = new LinkedHashMap<>();
        for (WeightDecl d : declarations) wf.put(d.name(), new FloatTensor(weight.apply(rng, d), d.shape()));
        MapWeights w = new MapWeights(where, wf);
        int[] shape = {batch, tokens, hidden};
        FloatTensor x = new FloatTensor(CentralDifferences.normal(rng, 1, batch * tokens * hidden), shape);
        FloatTensor dy = new FloatTensor(CentralDifferences.normal(rng, 1, batch * tokens * hidden), shape);

        double tol = tolerance(dotLength);
        FloatTensor yRef = provider.forward(config, w, x, Backend.REFERENCE, PlainCpuOps::new);
        FloatTensor yCpu = provider.forward(config, w, x, Backend.CPU, PlainCpuOps::new);
        double worst = close(where, "y (forward)", yCpu.data(), yRef.data(), tol);
        Gradients ref = provider.backward(config, w, x, dy, Backend.REFERENCE, PlainCpuOps::new);
        Gradients cpu = provider.backward(config, w, x, dy, Backend.CPU, PlainCpuOps::new);
        worst = Math.max(worst, close(where, "x", cpu.input().data(), ref.input().data(), tol));
        for (WeightDecl d : declarations) {
            worst = Math.max(worst, close(where, d.name(), cpu.weight(d.name()).data(), ref.weight(d.name()).data(), tol));
        }
        System.out.printf("%s: cpu vs reference worst rel %.2e, tolerance %.2e%n", where, worst, tol);

        Gradients again = provider.backward(config, w, x, dy, Backend.CPU, ReversedSerialOps::new);
        assertArrayEquals(yCpu.data(), provider.forward(config, w, x, Backend.CPU, ReversedSerialOps::new).data(), where + ": y not reproducible");
        assertArrayEquals(cpu.input().data(), again.input().data(), where + ": x's gradient not reproducible");
        for (WeightDecl d : declarations) {
            assertArrayEquals(cpu.weight(d.name()).data(), again.weight(d.name()).data(), where + ": " + d.name() + "'s gradient not reproducible");
        }
    }

    /** Asserts {@code max|got − exp| ≤ tol · max|exp|} (absolute where exp is all zero); returns the left side's ratio. */
    static double close(String where, String name, float[] got, float[] exp, double tol) {
        double rel = rel(got, exp);
        assertTrue(rel <= tol, where + ": " + name + " vs reference: rel " + rel + " > tolerance " + tol);
        return rel;
    }

    /** {@code max|got − exp| / max|exp|} (absolute where exp is all zero; infinite for a NaN). */
    static double rel(float[] got, float[] exp) {
        double err = 0, max = 0;
        for (int i = 0; i < exp.length; i++) {
            double e = Math.abs((double) got[i] - exp[i]);
            err = Double.isNaN(e) ? Double.POSITIVE_INFINITY : Math.max(err, e);
            max = Math.max(max, Math.abs(exp[i]));
        }
        return max == 0 ? err : err / max;
    }

    /** PlainCpuOps' GEMM, with a parallelFor that runs its jobs one at a time from the last: another schedule. */
    private static final class ReversedSerialOps implements CpuOps {
        private final CpuOps plain = new PlainCpuOps();

        @Override
        public void linear(float[] x, int xOff, float[] w, int wOff, float[] y, int yOff, int m, int n, int k) {
            plain.linear(x, xOff, w, wOff, y, yOff, m, n, k);
        }

        @Override
        public void parallelFor(int n, IntConsumer body) {
            for (int i = n - 1; i >= 0; i--) body.accept(i);
        }

        @Override public int threads() { return 1; }
    }
}
