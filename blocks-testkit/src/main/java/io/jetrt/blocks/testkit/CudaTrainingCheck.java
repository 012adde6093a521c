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
 */
public final class CudaTrainingCheck {
    private CudaTrainingCheck() {}

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
            double worst = CpuTrainingCheck.close(where, "y (forward)", yCuda.data(), yRef.data(), tol);
            worst = Math.max(worst, CpuTrainingCheck.close(where, "x", cuda.input().data(), ref.input().data(), tol));
            for (WeightDecl d : declarations) {
                worst = Math.max(worst, CpuTrainingCheck.close(where, d.name(), cuda.weight(d.name()).data(), ref.weight(d.name()).data(), tol));
            }
            System.out.printf("%s: cuda (fp32 products) vs reference worst rel %.2e, tolerance %.2e%n", where, worst, tol);

            Gradients again = provider.backward(config, w, x, dy, Backend.CUDA, gpu);
            assertArrayEquals(cuda.input().data(), again.input().data(), where + ": x's gradient not reproducible on cuda");
            for (WeightDecl d : declarations) {
                assertArrayEquals(cuda.weight(d.name()).data(), again.weight(d.name()).data(),
                        where + ": " + d.name() + "'s gradient not reproducible on cuda");
            }
        }
    }
}
