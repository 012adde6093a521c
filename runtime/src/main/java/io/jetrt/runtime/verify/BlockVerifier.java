package io.jetrt.runtime.verify;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.loader.json.Json;
import io.jetrt.loader.safetensors.SafeTensorsFile;
import io.jetrt.runtime.host.BlockRegistry;
import io.jetrt.runtime.host.ProviderBinding;
import io.jetrt.runtime.gpu.GpuBlockServices;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.WeightDecl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a block provider against a reference file (fixtures README format): weights plus
 * {@code io.x → io.y, io.final.*} for a prefill from an empty state and {@code io.x_next → io.y_next,
 * io.final_next.*} for single-token decode steps continuing from it. The provider comes from the service
 * registry, as in a model; outputs are poisoned with NaN before every call.
 */
public final class BlockVerifier {
    private final BlockRegistry registry;
    private final CpuOps ops;

    public BlockVerifier(BlockRegistry registry, CpuOps ops) {
        this.registry = registry;
        this.ops = ops;
    }

    /** Runs every backend in {@code backends} the registered provider named by the file offers (all it offers when empty). */
    public VerifyReport verify(Path file, List<Backend> backends) {
        ProviderBinding binding = providerOf(file, registry);
        return verify(file, binding.provider(), binding.toString(), backends, ops);
    }

    /** The installed provider of the block a fixture names ({@code __metadata__.block}); throws naming the file and what is installed. */
    static ProviderBinding providerOf(Path file, BlockRegistry registry) {
        String blockName = blockName(file);
        return registry.find(blockName).orElseThrow(() -> new IllegalArgumentException(file + ": block '" + blockName
                + "' is not offered by any installed bundle; installed types: " + String.join(", ", registry.types())));
    }

    /**
     * Checks {@code provider} against the reference file on {@code backends} (all it offers here when empty),
     * outside any framework: what a block's own tests use.
     */
    public static VerifyReport verify(Path file, BlockProvider provider, List<Backend> backends, CpuOps ops) {
        return verify(file, provider, provider.type() + " " + provider.version(), backends, ops);
    }

    private static VerifyReport verify(Path file, BlockProvider provider, String who, List<Backend> backends, CpuOps ops) {
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            String cfgJson = f.metadata().getOrDefault("config", "{}");
            BlockConfig config = new BlockConfig(file.getFileName().toString(), Json.parseObject(cfgJson));
            Map<String, FloatTensor> weights = new LinkedHashMap<>();
            Map<String, FloatTensor> io = new LinkedHashMap<>();
            for (String n : f.names()) (n.startsWith("io.") ? io : weights).put(n, f.readFloats(n));
            List<Check> checks = new ArrayList<>();
            checks.add(declarationCheck(provider, config, weights));
            // none asked for: every backend the provider offers that can run here (cuda only with a GPU)
            List<Backend> run = !backends.isEmpty() ? backends
                    : provider.backends().stream().filter(b -> b != Backend.CUDA || GpuContext.missing() == null).sorted().toList();
            for (Backend b : run) {
                String gpuMissing = b == Backend.CUDA ? GpuContext.missing() : null;
                if (gpuMissing != null || !provider.backends().contains(b)) {
                    // asked for but not run: a report with nothing computed must not pass
                    String why = gpuMissing != null ? "cuda cannot run here: " + gpuMissing : "not offered by " + who;
                    checks.add(new Check("io.y", b.id(), Double.NaN, Double.NaN, Tolerances.of(b), false, why));
                    continue;
                }
                checks.addAll(runBackend(provider, config, new MapWeights(file.getFileName().toString(), weights), io, b, ops));
            }
            return new VerifyReport(file.getFileName() + " (" + who + ")", checks);
        }
    }

    private static String blockName(Path file) {
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            String name = f.metadata().get("block");
            if (name == null) throw new IllegalArgumentException(file + ": __metadata__.block must name the block; it is missing");
            return name;
        }
    }

    /** The provider's declared weights must be exactly the file's weights, names and shapes. */
    private static Check declarationCheck(BlockProvider provider, BlockConfig config, Map<String, FloatTensor> weights) {
        List<String> diffs = new ArrayList<>();
        List<WeightDecl> decls = provider.weights(config);
        for (WeightDecl d : decls) {
            FloatTensor t = weights.get(d.name());
            if (t == null) diffs.add(d.name() + " missing from file");
            else if (!t.sameShape(d.shape())) diffs.add(d.name() + " declared " + Arrays.toString(d.shape()) + ", file " + Arrays.toString(t.shape()));
        }
        for (String n : weights.keySet()) if (decls.stream().noneMatch(d -> d.name().equals(n))) diffs.add(n + " in file but not declared");
        return new Check("weight declarations", "-", diffs.size(), diffs.size(), 0, diffs.isEmpty(), String.join("; ", diffs));
    }

    private static List<Check> runBackend(BlockProvider provider, BlockConfig config, MapWeights weights, Map<String, FloatTensor> io,
                                          Backend backend, CpuOps ops) {
        try (GpuBlockServices gpu = backend == Backend.CUDA ? new GpuBlockServices(ops, provider.type() + " " + provider.version()) : null) {
            BlockServices services = gpu != null ? gpu : () -> ops;
            return runBlock(provider.create(config, weights, backend, services), provider, config, io, backend);
        }
    }

    private static List<Check> runBlock(Block block, BlockProvider provider, BlockConfig config, Map<String, FloatTensor> io, Backend backend) {
        FloatTensor x = need(io, "io.x"), xNext = io.get("io.x_next");
        int batch = x.dim(0), steps = x.dim(1), d = x.dim(2), more = xNext == null ? 0 : xNext.dim(1);
        BlockState state = new BlockState(batch, provider.stateLayout(config, steps + more));
        double tol = Tolerances.of(backend);
        List<Check> checks = new ArrayList<>();
        FloatTensor y = FloatTensor.filled(Float.NaN, batch, steps, d);
        block.prefill(x, new int[batch], state, y);
        checks.add(Check.of("io.y", backend.id(), y.data(), need(io, "io.y").data(), tol));
        checks.addAll(stateChecks(block.exportState(state, steps), io, "io.final.", backend, tol));
        if (more == 0) return checks;
        FloatTensor yNext = FloatTensor.zeros(batch, more, d);
        for (int s = 0; s < more; s++) {
            FloatTensor xs = slice(xNext, s), ys = FloatTensor.filled(Float.NaN, batch, 1, d);
            int[] pos = new int[batch];
            Arrays.fill(pos, steps + s);
            block.decode(xs, pos, state, ys);
            for (int b = 0; b < batch; b++) System.arraycopy(ys.data(), b * d, yNext.data(), (b * more + s) * d, d);
        }
        checks.add(Check.of("io.y_next", backend.id(), yNext.data(), need(io, "io.y_next").data(), tol));
        checks.addAll(stateChecks(block.exportState(state, steps + more), io, "io.final_next.", backend, tol));
        return checks;
    }

    private static List<Check> stateChecks(Map<String, FloatTensor> state, Map<String, FloatTensor> io, String prefix, Backend backend, double tol) {
        List<Check> out = new ArrayList<>();
        for (Map.Entry<String, FloatTensor> e : io.entrySet()) {
            if (!e.getKey().startsWith(prefix)) continue;
            String slot = e.getKey().substring(prefix.length());
            FloatTensor got = state.get(slot);
            if (got == null) {
                out.add(new Check(e.getKey(), backend.id(), Double.NaN, Double.NaN, tol, false, "the block has no state slot '" + slot + "'; it has " + state.keySet()));
            } else if (!got.sameShape(e.getValue().shape())) {
                out.add(new Check(e.getKey(), backend.id(), Double.NaN, Double.NaN, tol, false,
                        "shape " + Arrays.toString(got.shape()) + " != expected " + Arrays.toString(e.getValue().shape())));
            } else {
                out.add(Check.of(e.getKey(), backend.id(), got.data(), e.getValue().data(), tol));
            }
        }
        return out;
    }

    /** {@code t[:, s:s+1, :]} of a {@code [B, S, D]} tensor. */
    static FloatTensor slice(FloatTensor t, int s) {
        int batch = t.dim(0), len = t.dim(1), d = t.dim(2);
        FloatTensor out = FloatTensor.zeros(batch, 1, d);
        for (int b = 0; b < batch; b++) System.arraycopy(t.data(), (b * len + s) * d, out.data(), b * d, d);
        return out;
    }

    private static FloatTensor need(Map<String, FloatTensor> io, String name) {
        FloatTensor t = io.get(name);
        if (t == null) throw new IllegalArgumentException("reference file: tensor " + name + " is missing");
        return t;
    }
}
