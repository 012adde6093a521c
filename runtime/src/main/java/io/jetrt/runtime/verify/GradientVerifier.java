package io.jetrt.runtime.verify;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.loader.json.Json;
import io.jetrt.loader.safetensors.SafeTensorsFile;
import io.jetrt.runtime.gpu.GpuBlockServices;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.runtime.host.BlockRegistry;
import io.jetrt.runtime.host.ProviderBinding;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.TrainableProvider;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a provider's backward pass against a gradient fixture (fixtures README, {@code grad/}): with
 * {@code L = Σ io.dy · y}, {@code y} the forward of {@code io.x} from an empty state, the gradient {@code G} the
 * provider returns for {@code io.x} and for every weight must reproduce the fixture's float64 directional
 * derivatives: {@code max_j |Σ G · dir_j − ddot[j]| ≤ tol · max_j |ddot[j]|} (tol as for outputs: 1e-4 on float32
 * paths, 2e-2 on the GPU). The forward ({@link TrainableProvider#forward}) is checked against {@code io.y} too.
 */
public final class GradientVerifier {
    private static final String DIR = "gradcheck.dir.", DDOT = "gradcheck.ddot.";

    private final BlockRegistry registry;
    private final CpuOps ops;

    public GradientVerifier(BlockRegistry registry, CpuOps ops) {
        this.registry = registry;
        this.ops = ops;
    }

    /** Whether {@code file} is a gradient fixture (it holds {@code io.dy}) rather than a block reference file. */
    public static boolean isGradientFile(Path file) {
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            return f.has("io.dy");
        }
    }

    /** Runs the registered provider the file names on {@code backends} (all its training backends here when empty). */
    public VerifyReport verify(Path file, List<Backend> backends) {
        ProviderBinding binding = BlockVerifier.providerOf(file, registry);
        return verify(file, binding.provider(), binding.toString(), backends, ops);
    }

    /** Checks {@code provider} outside any framework: what a block's own tests use. */
    public static VerifyReport verify(Path file, BlockProvider provider, List<Backend> backends, CpuOps ops) {
        return verify(file, provider, provider.type() + " " + provider.version(), backends, ops);
    }

    private static VerifyReport verify(Path file, BlockProvider provider, String who, List<Backend> backends, CpuOps ops) {
        String subject = file.getFileName() + " gradients (" + who + ")";
        if (!(provider instanceof TrainableProvider trainable)) {
            return new VerifyReport(subject, List.of(new Check("backward", "-", Double.NaN, Double.NaN, 0, false, who
                    + " offers no training capability: it needs io.jetrt.spi.TrainableProvider (SPI 1.3)")));
        }
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            BlockConfig config = new BlockConfig(file.getFileName().toString(), Json.parseObject(f.metadata().getOrDefault("config", "{}")));
            Map<String, FloatTensor> weights = new LinkedHashMap<>();
            for (String n : f.names()) if (!n.startsWith("io.") && !n.startsWith("gradcheck.")) weights.put(n, f.readFloats(n));
            List<Backend> run = !backends.isEmpty() ? backends : trainable.trainingBackends().stream()
                    .filter(b -> b != Backend.CUDA || GpuContext.missing() == null).sorted().toList();
            List<Check> checks = new ArrayList<>();
            for (Backend b : run) {
                String gpuMissing = b == Backend.CUDA ? GpuContext.missing() : null;
                if (gpuMissing != null || !trainable.trainingBackends().contains(b)) {
                    String why = gpuMissing != null ? "cuda cannot run here: " + gpuMissing : "no backward on " + b.id() + " in " + who;
                    checks.add(new Check("backward", b.id(), Double.NaN, Double.NaN, Tolerances.of(b), false, why));
                    continue;
                }
                checks.addAll(run(trainable, config, new MapWeights(file.getFileName().toString(), weights), f, b, ops));
            }
            return new VerifyReport(subject, checks);
        }
    }

    private static List<Check> run(TrainableProvider p, BlockConfig config, MapWeights weights, SafeTensorsFile f, Backend backend, CpuOps ops) {
        double tol = Tolerances.of(backend);
        FloatTensor x = f.readFloats("io.x"), dy = f.readFloats("io.dy");
        List<Check> checks = new ArrayList<>();
        try (GpuBlockServices gpu = backend == Backend.CUDA ? new GpuBlockServices(ops, "gradient check") : null) {
            BlockServices services = gpu != null ? gpu : () -> ops;
            checks.add(Check.of("io.y (forward)", backend.id(), p.forward(config, weights, x, backend, services).data(),
                    f.readFloats("io.y").data(), tol));
            Gradients g = p.backward(config, weights, x, dy, backend, services);
            if (!f.has(DDOT + "io.x")) {
                checks.add(new Check("io.x", backend.id(), Double.NaN, Double.NaN, tol, false, "the fixture has no " + DDOT + "io.x"));
            } else {
                checks.add(directional("io.x", g.input(), x.shape(), f, backend, tol));
            }
            for (String name : f.names()) {
                if (!name.startsWith(DDOT) || name.equals(DDOT + "io.x")) continue;
                String w = name.substring(DDOT.length());
                FloatTensor grad = g.weights().get(w);
                checks.add(grad == null ? new Check(w, backend.id(), Double.NaN, Double.NaN, tol, false, "the backward gave no gradient for it")
                        : directional(w, grad, f.readFloats(w).shape(), f, backend, tol));
            }
        }
        return checks;
    }

    /** {@code max_j |Σ G · dir_j − ddot[j]|} and that over {@code max_j |ddot[j]|}; {@code G} must have its tensor's {@code shape}. */
    private static Check directional(String name, FloatTensor grad, int[] shape, SafeTensorsFile f, Backend backend, double tol) {
        if (!grad.sameShape(shape)) {
            return new Check(name, backend.id(), Double.NaN, Double.NaN, tol, false, "gradient of shape " + java.util.Arrays.toString(grad.shape())
                    + ", the tensor's is " + java.util.Arrays.toString(shape));
        }
        float[] ddot = f.readFloats(DDOT + name).data();
        double maxErr = 0, maxRef = 0;
        for (int j = 0; j < ddot.length; j++) {
            float[] dir = f.readFloats(DIR + name + "." + j).data();
            if (dir.length != grad.size()) {
                return new Check(name, backend.id(), Double.NaN, Double.NaN, tol, false, "gradient has " + grad.size() + " values, the direction " + dir.length);
            }
            double dot = 0;
            boolean finite = true;
            for (int i = 0; i < dir.length; i++) {
                finite &= Float.isFinite(grad.data()[i]);
                dot += (double) grad.data()[i] * dir[i];
            }
            if (!finite) return new Check(name, backend.id(), Double.NaN, Double.NaN, tol, false, "non-finite gradient values");
            maxErr = Math.max(maxErr, Math.abs(dot - ddot[j]));
            maxRef = Math.max(maxRef, Math.abs(ddot[j]));
        }
        double rel = maxRef == 0 ? maxErr : maxErr / maxRef;
        return new Check(name, backend.id(), maxErr, rel, tol, rel <= tol, "directional derivatives along " + ddot.length + " directions");
    }
}
