package io.jetrt.blocks.fullattn;

import io.jetrt.blocks.common.BlockChecks;
import io.jetrt.blocks.common.DeviceTrainerGrad;
import io.jetrt.blocks.common.Init;
import io.jetrt.blocks.common.KernelImage;
import io.jetrt.blocks.common.grad.Float64;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.DeviceTrainableProvider;
import io.jetrt.spi.DeviceTrainer;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.GpuOps;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.StateSlot;
import io.jetrt.spi.TrainableProvider;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Qwen2-style GQA attention with RoPE: type {@code attn} (full causal) or {@code swa} (sliding window,
 * config {@code sliding_window}). State: {@code key_cache, value_cache [Hkv, L, Dh]}, L the capacity or window.
 * Trainable: on {@link Backend#REFERENCE} the forward is the reference block and the backward the float64 reference
 * ({@link AttentionBackward}); on {@link Backend#CPU} both are the float32 {@link AttentionFastGrad}; on
 * {@link Backend#CUDA}, when the bundle carries its kernels, {@link AttentionCudaTrainer} behind host copies, and
 * without them as a {@link DeviceTrainableProvider} (SPI 1.4).
 */
public final class AttentionProvider implements BlockProvider, TrainableProvider, DeviceTrainableProvider {
    /** The compiled kernels of {@code src/main/cuda/attention.cu}; the parent pom's nvcc profile writes them. */
    static final KernelImage KERNELS = new KernelImage(AttentionProvider.class, "/io/jetrt/blocks/fullattn/attention.fatbin");

    private final boolean sliding;
    private final String version;

    /** @param version implementation version, the bundle's ({@code major.minor.micro}) */
    public AttentionProvider(boolean sliding, String version) {
        this.sliding = sliding;
        this.version = version;
    }

    @Override public String type() { return sliding ? "swa" : "attn"; }

    @Override public Set<String> aliases() { return Set.of(sliding ? "swa_attention" : "attention"); }

    @Override public String version() { return version; }

    @Override
    public Set<Backend> backends() {
        Set<Backend> b = EnumSet.of(Backend.REFERENCE, Backend.CPU);
        if (KERNELS.present()) b.add(Backend.CUDA);
        return Set.copyOf(b);
    }

    @Override
    public List<WeightDecl> weights(BlockConfig config) {
        AttentionConfig c = AttentionConfig.from(config, sliding);
        List<WeightDecl> w = new ArrayList<>();
        w.add(WeightDecl.of("q_proj.weight", c.qDim(), c.hidden()));
        if (c.qkvBias()) w.add(WeightDecl.of("q_proj.bias", c.qDim()));
        w.add(WeightDecl.of("k_proj.weight", c.kvDim(), c.hidden()));
        if (c.qkvBias()) w.add(WeightDecl.of("k_proj.bias", c.kvDim()));
        w.add(WeightDecl.of("v_proj.weight", c.kvDim(), c.hidden()));
        if (c.qkvBias()) w.add(WeightDecl.of("v_proj.bias", c.kvDim()));
        w.add(WeightDecl.of("o_proj.weight", c.hidden(), c.qDim()));
        return w;
    }

    @Override
    public List<StateSlot> stateLayout(BlockConfig config, int capacity) {
        AttentionConfig c = AttentionConfig.from(config, sliding);
        int len = c.cacheLength(capacity);
        return List.of(StateSlot.f32(KvCache.KEYS, c.kvHeads(), len, c.headDim()),
                       StateSlot.f32(KvCache.VALUES, c.kvHeads(), len, c.headDim()));
    }

    /** As HF {@code _init_weights}: every Linear N(0, initializer_range), biases zero. */
    @Override
    public Map<String, FloatTensor> initWeights(BlockConfig config, long seed) {
        AttentionConfig c = AttentionConfig.from(config, sliding);
        Init init = new Init(seed);
        Map<String, FloatTensor> w = new LinkedHashMap<>();
        for (WeightDecl d : weights(config)) {
            w.put(d.name(), d.name().endsWith(".bias") ? FloatTensor.zeros(d.shape()) : init.normal(c.initRange(), d.shape()));
        }
        return w;
    }

    @Override
    public Block create(BlockConfig config, Weights weights, Backend backend, BlockServices services) {
        AttentionConfig c = AttentionConfig.from(config, sliding);
        return switch (backend) {
            case REFERENCE -> new AttentionReference(c, weights);
            case CPU -> new AttentionCpu(c, weights, services.cpu());
            case CUDA -> new AttentionCuda(c, weights, services.gpu(), KERNELS.bytes());
            default -> throw new IllegalArgumentException(type() + " " + version() + ": backend " + backend.id() + " is not offered");
        };
    }

    @Override
    public Set<Backend> trainingBackends() { return backends(); }

    @Override
    public DeviceTrainer deviceTrainer(BlockConfig config, GpuOps gpu) {
        if (!KERNELS.present()) throw new IllegalStateException(config.where() + ": kernels missing: " + KERNELS.missingReason());
        return new AttentionCudaTrainer(AttentionConfig.from(config, sliding), gpu, KERNELS.bytes());
    }

    /** The CUDA training math behind host copies, for {@link Backend#CUDA}. */
    private DeviceTrainerGrad cudaGrad(BlockConfig config, Weights weights, BlockServices services) {
        BlockChecks.weights(config.where(), weights(config), weights);
        return new DeviceTrainerGrad(weights(config), weights, services.gpu(), deviceTrainer(config, services.gpu()));
    }

    @Override
    public FloatTensor forward(BlockConfig config, Weights weights, FloatTensor x, Backend backend, BlockServices services) {
        requireTraining(backend);
        BlockChecks.activations(config.where(), config.intParam("hidden_size"), x, null);
        if (backend == Backend.CPU) return fastGrad(config, weights, services).forward(x);
        if (backend == Backend.CUDA) return cudaGrad(config, weights, services).forward(x);
        int batch = x.dim(0);
        FloatTensor y = FloatTensor.zeros(x.shape());
        create(config, weights, backend, services).prefill(x, new int[batch], new BlockState(batch, stateLayout(config, x.dim(1))), y);
        return y;
    }

    @Override
    public Gradients backward(BlockConfig config, Weights weights, FloatTensor x, FloatTensor dy, Backend backend, BlockServices services) {
        requireTraining(backend);
        BlockChecks.activations(config.where(), config.intParam("hidden_size"), x, dy);
        if (backend == Backend.CPU) return fastGrad(config, weights, services).backward(x, dy);
        if (backend == Backend.CUDA) return cudaGrad(config, weights, services).backward(x, dy);
        AttentionConfig c = AttentionConfig.from(config, sliding);
        List<WeightDecl> decls = weights(config);
        Map<String, double[]> w = new LinkedHashMap<>();
        for (WeightDecl d : decls) w.put(d.name(), Float64.of(weights.get(d.name()).data()));
        AttentionForward64 f = new AttentionForward64(c, w, Float64.of(x.data()), x.dim(0), x.dim(1));
        AttentionBackward.Result r = AttentionBackward.run(f, w, Float64.of(dy.data()));
        Map<String, FloatTensor> g = new LinkedHashMap<>();
        for (WeightDecl d : decls) g.put(d.name(), new FloatTensor(Float64.toFloat(r.weights().get(d.name())), d.shape()));
        return Gradients.of(new FloatTensor(Float64.toFloat(r.dx()), x.shape()), g);
    }

    /** The float32 training math on the runtime's CPU services, for {@link Backend#CPU}. */
    private AttentionFastGrad fastGrad(BlockConfig config, Weights weights, BlockServices services) {
        AttentionConfig c = AttentionConfig.from(config, sliding);
        return new AttentionFastGrad(c, new AttentionWeights(c, weights), weights(config), services.cpu());
    }

    private void requireTraining(Backend backend) {
        if (!trainingBackends().contains(backend)) {
            throw new IllegalArgumentException(type() + " " + version() + ": backend " + backend.id() + " is not offered for training; have "
                    + trainingBackends().stream().map(Backend::id).sorted().toList());
        }
    }
}
