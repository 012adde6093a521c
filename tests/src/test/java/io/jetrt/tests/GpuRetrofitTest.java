package io.jetrt.tests;

import io.jetrt.loader.safetensors.SafeTensorsFile;
import io.jetrt.retrofit.Retrofit;
import io.jetrt.retrofit.RetrofitListener;
import io.jetrt.retrofit.RetrofitOptions;
import io.jetrt.retrofit.RetrofitResult;
import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.Layer;
import io.jetrt.runtime.model.LayerRules;
import io.jetrt.runtime.model.Model;
import io.jetrt.spi.Backend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.StringJoiner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code jetrt retrofit --backend cuda} against the CPU path for a few steps (the "GPU result equals the CPU
 * path"), on the tiny checkpoint with jet → gdn: the same data, seed and recipe on both, students trained by
 * {@code GatedDeltaNetCudaTrainer} (bf16 products, in device memory) and by the float32 CPU backward.
 *
 * <p>Error model. The two paths differ by the GPU's bf16 products, about 2⁻⁸ of a product's operands, which the
 * fixtures' GPU tolerance (2e-2 relative) bounds for a block's output and gradients. So each step's loss, a ratio
 * of sums of squares of the output's error, agrees within 2·2e-2 relative while the weights are still close. The
 * weights' updates are AdamW's, elementwise {@code lr·m̂/√v̂}: at the first steps nearly {@code lr·sign(g)}, so an
 * element whose gradient is below the GPU's error may flip. With a few percent of the elements that small, the
 * cosine between the two runs' updates {@code 1 − 2·(flipped share)} stays above 0.8; a wrong gradient (another
 * direction, a sign, a missing term) gives ≈ 0 or below.
 */
class GpuRetrofitTest {
    private static Path dir, tokenizer, text;

    @BeforeAll
    static void demoTokenizerAndText() {
        assumeTrue(GpuContext.missing() == null, () -> "no GPU here: " + GpuContext.missing());
        dir = CompareRun.fresh("gpu-retrofit");
        tokenizer = dir.resolve("demo");
        CompareRun demo = CompareRun.run(dir, "demo", "--out", tokenizer.toString(), "--bundles", Fixtures.settings().bundles().toString());
        assertEquals(0, demo.exit(), demo.err());
        text = Path.of("..", "README.md").toAbsolutePath().normalize();
    }

    private static Path retrofit(String backend) {
        Path out = dir.resolve("jet-gdn-" + backend);
        CompareRun r = CompareRun.run(dir, "retrofit", "--model", Fixtures.tinyJet().toString(), "--tokenizer", tokenizer.toString(),
                "--override", "jet:gdn", "--data", text.toString(), "--tokens", "1024", "--seq-len", "64", "--batch", "4", "--lr", "1e-3",
                "--backend", backend, "--out", out.toString(), "--bundles", Fixtures.settings().bundles().toString());
        assertEquals(0, r.exit(), backend + ": " + r.err());
        return out.resolve("retrofit").resolve("state.safetensors");
    }

    @Test
    void cudaTrainsAsTheCpuDoesForAFewSteps() {
        Path cpu = retrofit("cpu"), cuda = retrofit("cuda");
        try (JetRuntime rt = JetRuntime.start(Fixtures.settings());
             Model init = rt.load(Fixtures.tinyJet(), new ComposeOptions(LayerRules.parse("jet:gdn"), LayerRules.NONE, Backend.CPU, 0));
             SafeTensorsFile a = SafeTensorsFile.open(cpu); SafeTensorsFile b = SafeTensorsFile.open(cuda)) {
            float[] curveCpu = a.readFloats("curve").data(), curveCuda = b.readFloats("curve").data();
            assertEquals(curveCpu.length, curveCuda.length);
            for (int i = 0; i < curveCpu.length; i++) {
                double rel = Math.abs(curveCuda[i] - curveCpu[i]) / curveCpu[i];
                assertTrue(rel <= 4e-2, "loss " + i + ": cuda " + curveCuda[i] + ", cpu " + curveCpu[i]);
            }
            int students = 0;
            for (Layer l : init.layers()) {
                if (!l.type().equals("gdn")) continue;
                students++;
                double dot = 0, na = 0, nb = 0;
                for (String name : l.binding().provider().weights(l.config()).stream().map(w -> w.name()).toList()) {
                    float[] w0 = l.weights().get(name).data();
                    String key = "w." + l.index() + "." + name;
                    float[] wa = a.readFloats(key).data(), wb = b.readFloats(key).data();
                    for (int i = 0; i < w0.length; i++) {
                        double da = wa[i] - w0[i], db = wb[i] - w0[i];
                        dot += da * db;
                        na += da * da;
                        nb += db * db;
                    }
                }
                double cos = dot / Math.sqrt(na * nb);
                System.out.printf("layer %d: cosine of the cuda and cpu updates %.4f%n", l.index(), cos);
                assertTrue(na > 0 && cos >= 0.8, "layer " + l.index() + ": the cuda update is not the cpu's: cosine " + cos);
            }
            assertEquals(3, students);
        }
    }

    /**
     * Students in device memory (a gated DeltaNet and a Mamba2 for JetBlocks, a JetBlock for full attention, full
     * attention for a sliding window) and the teacher on the GPU too (its activations copied on the device): stopped
     * after step 5 (last state saved at step 3) and run again, the weights and curve of an uninterrupted run, bit for
     * bit; every student's loss falls.
     */
    @Test
    void aCudaRunStoppedMidwayAndRunAgainGivesTheSameWeights() throws Exception {
        SplittableRandom r = new SplittableRandom(5);
        StringJoiner j = new StringJoiner(" ");
        for (int i = 0; i < 12 * 16; i++) j.add(Integer.toString(r.nextInt(512)));
        Path ids = Files.writeString(dir.resolve("resume.ids"), j.toString());
        try (JetRuntime rt = JetRuntime.start(Fixtures.settings())) {
            RetrofitOptions whole = RetrofitOptions.of(Fixtures.tinyJet(), LayerRules.parse("2:gdn,3:jet,4:mamba2,5:attn"), ids, 9L * 2 * 16,
                    dir.resolve("uninterrupted")).withShape(16, 2).withCheckpointEvery(3).withSeed(4).withBackend(Backend.CUDA);
            RetrofitResult uninterrupted = new Retrofit(rt, whole, RetrofitListener.NONE, Backend.CUDA).run();
            RetrofitOptions stopped = whole.withOut(dir.resolve("interrupted"));
            RuntimeException kill = assertThrows(RuntimeException.class, () -> new Retrofit(rt, stopped, new RetrofitListener() {
                @Override public void stepped(int step, int total, long tokens, double tps, double lr, boolean kl, double[] losses) {
                    if (step == 5) throw new IllegalStateException("killed at step 5");
                }
            }, Backend.CUDA).run());
            assertEquals("killed at step 5", kill.getMessage());
            RetrofitResult again = new Retrofit(rt, stopped, RetrofitListener.NONE, Backend.CUDA).run();
            assertEquals(3, again.resumedFrom());
            assertArrayEquals(Files.readAllBytes(whole.out().resolve("model.safetensors")), Files.readAllBytes(stopped.out().resolve("model.safetensors")));
            for (int s = 0; s < again.curve().size(); s++) assertArrayEquals(uninterrupted.curve().get(s), again.curve().get(s), "curve step " + s);
            for (int i = 0; i < 4; i++) {
                assertTrue(uninterrupted.curve().getLast()[i] < uninterrupted.curve().getFirst()[i], "student " + i + ": the device-trained loss falls");
            }
        }
    }

}
