package io.jetrt.blocks.testkit;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.runtime.gpu.GpuBlockServices;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.DType;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.TrainableProvider;
import io.jetrt.spi.WeightDecl;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * A provider's CUDA training path against its float64 reference on random weights and activations, with the
 * products in fp32 ({@link GpuBlockServices} of matrix type F32): the forward, x's gradient and every weight's, each
 * within {@link CpuTrainingCheck}'s error model (the GPU path is a float32 computation of the same chain, its sums
 * in other orders, which that model's random-sign √K growth covers); then a second run gives the same bits.
 * Scratch memory is reused between the calls, so a kernel that leaves an element unwritten shows the previous
 * call's value there and fails the comparison.
 *
 * <p>Where the problem itself is ill-conditioned that model does not hold for any float32 computation: at T = 1 the
 * gated norm's output o is parallel to the rule's u, so q's and k's gradients, through {@code u · dO}, are of the
 * norm's eps relative to their terms, and rounding dO to float32 alone costs {@code u·κ} of them (κ = |u||dO|/|u·dO|).
 * The CPU's float32 path (float64 sums, float32 storage) measures that floor on the same inputs; the GPU's float32
 * sums over at most 32 lanes or 8 row groups add at most {@code √32 ≈ 5.7} times the storage rounding. So a tensor
 * passes within {@code max(64·√K·u, 8 × the CPU float32 path's own error)}.
 */
public final class CudaTrainingCheck {
    private CudaTrainingCheck() {}

    /** The model's bound, or 8 times the CPU float32 path's error where the problem's conditioning puts that above it. */
    private static double allowed(double tol, float[] cpu, float[] ref) {
        return Math.max(tol, 8 * CpuTrainingCheck.rel(cpu, ref));
    }

    public static void check(String where, TrainableProvider provider, BlockConfig config, List<WeightDecl> declarations, int hidden,
                             int batch, int tokens, long dotLength, SplittableRandom rng,
                             BiFunction<SplittableRandom, WeightDecl, float[]> weight) {
        Map<String, FloatTensor> wf = new LinkedHashMap<>();
        for (WeightDecl d : declarations) wf.put(d.name(), new FloatTensor(weight.apply(rng, d), d.shape()));
        MapWeights w = new MapWeights(where, wf);
        int[] shape = {batch, tokens, hidden};
        FloatTensor x = new FloatTensor(CentralDifferences.normal(rng, 1, batch * tokens * hidden), shape);
        FloatTensor dy = new FloatTensor(CentralDifferences.normal(rng, 1, batch * tokens * hidden), shape);
        double tol = CpuTrainingCheck.tolerance(dotLength);
        try (GpuBlockServices gpu = new GpuBlockServices(new PlainCpuOps(), where, DType.F32)) {
            Gradients cuda = provider.backward(config, w, x, dy, Backend.CUDA, gpu);
            FloatTensor yCuda = provider.forward(config, w, x, Backend.CUDA, gpu);
            FloatTensor yRef = provider.forward(config, w, x, Backend.REFERENCE, PlainCpuOps::new);
            Gradients ref = provider.backward(config, w, x, dy, Backend.REFERENCE, PlainCpuOps::new);
            Gradients cpu = provider.backward(config, w, x, dy, Backend.CPU, PlainCpuOps::new);
            double worst = CpuTrainingCheck.close(where, "y (forward)", yCuda.data(), yRef.data(), tol);
            worst = Math.max(worst, CpuTrainingCheck.close(where, "x", cuda.input().data(), ref.input().data(),
                    allowed(tol, cpu.input().data(), ref.input().data())));
            for (WeightDecl d : declarations) {
                float[] r = ref.weight(d.name()).data();
                worst = Math.max(worst, CpuTrainingCheck.close(where, d.name(), cuda.weight(d.name()).data(), r,
                        allowed(tol, cpu.weight(d.name()).data(), r)));
            }
            System.out.printf("%s: cuda (fp32 products) vs reference worst rel %.2e, tolerance %.2e (or 8x the cpu float32 error where larger)%n", where, worst, tol);

            Gradients again = provider.backward(config, w, x, dy, Backend.CUDA, gpu);
            assertArrayEquals(cuda.input().data(), again.input().data(), where + ": x's gradient not reproducible on cuda");
            for (WeightDecl d : declarations) {
                assertArrayEquals(cuda.weight(d.name()).data(), again.weight(d.name()).data(),
                        where + ": " + d.name() + "'s gradient not reproducible on cuda");
            }
        }
    }
}
