package io.jetrt.runtime.model;

import io.jetrt.loader.config.HfNames;
import io.jetrt.loader.config.ModelConfig;
import io.jetrt.loader.safetensors.Checkpoint;
import io.jetrt.loader.safetensors.TensorInfo;
import io.jetrt.runtime.cpu.Nd4jCpuOps;
import io.jetrt.runtime.host.BlockRegistry;
import io.jetrt.runtime.host.ProviderBinding;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Builds a {@link Model} from a config and a checkpoint: each layer's block type (config
 * {@code layer_types} after overrides) is looked up in the service registry, its weights are checked
 * against what the provider declares — all layers before any compute — and one log line per layer says
 * which bundle and backend were bound and why. The model stays live: it re-binds when providers change.
 */
public final class Composer {

    private final BlockRegistry registry;
    private final CpuOps ops;
    private final StepGate gate;
    private final LiveModels live;

    @Inject
    public Composer(BlockRegistry registry, CpuOps ops, StepGate gate, LiveModels live) {
        this.registry = registry;
        this.ops = ops;
        this.gate = gate;
        this.live = live;
    }

    /**
     * The model of {@code cfg} over {@code ckpt}, which it then owns ({@link Model#close()} closes it). Bundle
     * changes wait until the model is composed and listening, so it cannot bind to a provider going away.
     */
    public Model compose(ModelConfig cfg, Checkpoint ckpt, ComposeOptions options) {
        gate.enterStep();
        try {
            return composeNow(cfg, ckpt, options);
        } finally {
            gate.exitStep();
        }
    }

    private Model composeNow(ModelConfig cfg, Checkpoint ckpt, ComposeOptions options) {
        List<String> types = new ArrayList<>(options.overrides().apply(cfg.layerTypes()));
        LayerBinder binder = new LayerBinder(registry, ops, options);
        List<ProviderBinding> bindings = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            int layer = i;
            ProviderBinding b = binder.preferred(i, types.get(i), -1).orElseThrow(() -> new ComposeException(binder.missing(layer, types.get(layer))));
            bindings.add(b);
            types.set(i, b.provider().type()); // an alias (e.g. "jetblock") names the same type as its id
        }
        List<String> problems = new ArrayList<>();
        checkDense(cfg, ckpt, problems);
        List<BlockConfig> configs = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            BlockConfig bc = BlockConfigs.forLayer(cfg, i, types.get(i));
            configs.add(bc);
            if (swapped(cfg, types, i)) continue;
            checkBlockWeights(ckpt, i, bindings.get(i), bc, problems);
        }
        if (!problems.isEmpty()) {
            throw new ComposeException("checkpoint " + cfg.source() + " does not fit the model (" + problems.size() + " problem"
                    + (problems.size() == 1 ? "" : "s") + "):\n  " + String.join("\n  ", problems.subList(0, Math.min(20, problems.size())))
                    + (problems.size() > 20 ? "\n  ..." : ""));
        }
        binder.decideBackend(bindings);
        boolean cuda = binder.modelBackend() == Backend.CUDA;
        io.jetrt.spi.DType matrices = cuda ? gpuMatrixType(ckpt) : io.jetrt.spi.DType.BF16;
        binder.matrixType(matrices);
        // the CPU keeps BLAS-registered float32 weights; on the GPU the host holds them only until they are uploaded
        Consumer<FloatTensor> onLoad = cuda ? t -> {} : this::register;
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            ProviderBinding b = bindings.get(i);
            Weights w;
            String source;
            if (swapped(cfg, types, i)) {
                long seed = options.initSeed() * 1_000_003L + i;
                w = new SeededWeights("layer " + i + " (" + types.get(i) + ", seeded init)", b.provider(), configs.get(i), seed);
                source = "seeded upstream init (seed " + seed + "): the checkpoint's layer " + i + " is " + cfg.layerTypes().get(i);
                if (!cuda) for (WeightDecl d : b.provider().weights(configs.get(i))) register(w.get(d.name()));
            } else {
                w = new CheckpointWeights(ckpt, HfNames.blockPrefix(i), onLoad);
                source = "checkpoint " + HfNames.blockPrefix(i) + "*";
            }
            try {
                layers.add(binder.bind(new Layer(i, types.get(i), null, null, configs.get(i), w, source, null, null), b));
            } catch (RuntimeException e) {
                layers.forEach(Layer::release);
                throw e;
            }
        }
        Decoder<?> decoder;
        try {
            decoder = cuda ? new CudaDecoder(cfg, ckpt, GpuContext.get(), matrices) : new CpuDecoder(cfg, loadDense(cfg, ckpt));
        } catch (RuntimeException e) {
            layers.forEach(Layer::release);
            if (!cuda) throw e;
            throw new ComposeException("model " + cfg.source() + ": cannot put the dense weights on the GPU: " + e.getMessage());
        }
        Model model = new Model(cfg, new LiveLayers(String.valueOf(cfg.source()), layers, binder, gate), decoder, ckpt, live);
        live.add(model);
        return model;
    }

    /**
     * The dense matrices' type on the GPU: bf16 when the checkpoint's embedding is bf16 (as real Jet-Nemotron
     * checkpoints are: nothing is lost), f32 when it is float32 (a float32 checkpoint is not silently rounded);
     * {@code -Djetrt.gpu.matrices=bf16|f32} overrides.
     */
    private static io.jetrt.spi.DType gpuMatrixType(Checkpoint ckpt) {
        String forced = System.getProperty("jetrt.gpu.matrices", "");
        if (forced.equalsIgnoreCase("bf16")) return io.jetrt.spi.DType.BF16;
        if (forced.equalsIgnoreCase("f32")) return io.jetrt.spi.DType.F32;
        if (!forced.isEmpty()) throw new ComposeException("-Djetrt.gpu.matrices must be bf16 or f32; got '" + forced + "'");
        return ckpt.info(HfNames.EMBED).dtype() == io.jetrt.spi.DType.BF16 ? io.jetrt.spi.DType.BF16 : io.jetrt.spi.DType.F32;
    }

    /** A layer whose block type differs from the checkpoint's gets seeded weights instead of the checkpoint's. */
    private static boolean swapped(ModelConfig cfg, List<String> types, int i) {
        return !types.get(i).equals(cfg.layerTypes().get(i));
    }

    private void checkBlockWeights(Checkpoint ckpt, int layer, ProviderBinding b, BlockConfig bc, List<String> problems) {
        List<WeightDecl> decls;
        try {
            decls = b.provider().weights(bc);
        } catch (RuntimeException e) {
            problems.add("layer " + layer + " (" + b + "): " + e.getMessage());
            return;
        }
        for (WeightDecl d : decls) {
            String name = HfNames.blockPrefix(layer) + d.name();
            check(ckpt, name, d.shape(), "layer " + layer + " (" + b.provider().type() + " from " + b.bundleName() + ")", problems);
        }
    }

    private static void check(Checkpoint ckpt, String name, int[] shape, String who, List<String> problems) {
        if (!ckpt.has(name)) {
            problems.add(who + ": tensor " + name + " " + Arrays.toString(shape) + " is missing from the checkpoint");
            return;
        }
        TensorInfo t = ckpt.info(name);
        long[] want = Arrays.stream(shape).asLongStream().toArray();
        if (!Arrays.equals(want, t.shape())) {
            problems.add(who + ": tensor " + name + " expected shape " + Arrays.toString(shape) + ", found " + Arrays.toString(t.shape())
                    + " in " + ckpt.fileOf(name).getFileName());
        }
    }

    private static void checkDense(ModelConfig c, Checkpoint ckpt, List<String> problems) {
        int d = c.hiddenSize(), v = c.vocabSize(), inter = c.intermediateSize(), n = c.numLayers();
        check(ckpt, HfNames.EMBED, new int[] {v, d}, "embedding", problems);
        check(ckpt, HfNames.FINAL_NORM, new int[] {d}, "final norm", problems);
        if (!c.tieWordEmbeddings()) check(ckpt, HfNames.LM_HEAD, new int[] {v, d}, "lm_head (tie_word_embeddings is false)", problems);
        for (int i = 0; i < n; i++) {
            String who = "layer " + i + " dense";
            check(ckpt, HfNames.inputNorm(i), new int[] {d}, who, problems);
            check(ckpt, HfNames.postNorm(i), new int[] {d}, who, problems);
            check(ckpt, HfNames.gateProj(i), new int[] {inter, d}, who, problems);
            check(ckpt, HfNames.upProj(i), new int[] {inter, d}, who, problems);
            check(ckpt, HfNames.downProj(i), new int[] {d, inter}, who, problems);
        }
    }

    /** Reads the dense weights (already checked); a tied head shares the embedding, as HF ties it. */
    private DenseModel loadDense(ModelConfig c, Checkpoint ckpt) {
        int n = c.numLayers();
        float[][] in = new float[n][], post = new float[n][], gate = new float[n][], up = new float[n][], down = new float[n][];
        for (int i = 0; i < n; i++) {
            in[i] = read(ckpt, HfNames.inputNorm(i));
            post[i] = read(ckpt, HfNames.postNorm(i));
            gate[i] = read(ckpt, HfNames.gateProj(i));
            up[i] = read(ckpt, HfNames.upProj(i));
            down[i] = read(ckpt, HfNames.downProj(i));
        }
        float[] embed = read(ckpt, HfNames.EMBED);
        float[] head = c.tieWordEmbeddings() ? embed : read(ckpt, HfNames.LM_HEAD);
        return new DenseModel(c, embed, read(ckpt, HfNames.FINAL_NORM), head, in, post, gate, up, down, ops);
    }

    private float[] read(Checkpoint ckpt, String name) {
        FloatTensor t = ckpt.readFloats(name);
        register(t);
        return t.data();
    }

    /** Lets a BLAS backend keep matrices in its own layout: weights never change after loading. */
    private void register(FloatTensor t) {
        if (ops instanceof Nd4jCpuOps nd && t.rank() == 2) nd.registerWeight(t.data(), t.dim(0), t.dim(1));
    }
}
