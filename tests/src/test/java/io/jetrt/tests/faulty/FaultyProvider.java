package io.jetrt.tests.faulty;

import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.StateSlot;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Declares an attention layer's weights (plus one the checkpoint lacks, in mode extra-weight); its block
 * misbehaves, or in the counter modes computes a state-dependent function (see {@link FaultyBlock}).
 */
public final class FaultyProvider implements BlockProvider {
    private final String mode;
    private final String version;

    FaultyProvider(String mode, String version) {
        this.mode = mode;
        this.version = version;
    }

    @Override public String type() { return "attn"; }

    @Override public String version() { return version; }

    @Override public Set<Backend> backends() { return Set.of(Backend.CPU); }

    @Override
    public List<WeightDecl> weights(BlockConfig c) {
        int d = c.intParam("hidden_size"), hd = c.intParam("head_dim");
        int q = c.intParam("num_attention_heads") * hd, kv = c.intParam("num_key_value_heads") * hd;
        List<WeightDecl> w = new ArrayList<>(List.of(WeightDecl.of("q_proj.weight", q, d), WeightDecl.of("q_proj.bias", q),
                WeightDecl.of("k_proj.weight", kv, d), WeightDecl.of("k_proj.bias", kv), WeightDecl.of("v_proj.weight", kv, d),
                WeightDecl.of("v_proj.bias", kv), WeightDecl.of("o_proj.weight", d, q)));
        if ("extra-weight".equals(mode)) w.add(WeightDecl.of("extra.weight", 4));
        return w;
    }

    /** The counter modes keep a token count per sequence; their layouts differ so a swap between them rebuilds state. */
    @Override
    public List<StateSlot> stateLayout(BlockConfig c, int capacity) {
        if ("counter-wide".equals(mode)) return List.of(StateSlot.f32("count", 2));
        return List.of(StateSlot.f32("count", 1));
    }

    @Override
    public Map<String, FloatTensor> initWeights(BlockConfig c, long seed) {
        Map<String, FloatTensor> m = new LinkedHashMap<>();
        for (WeightDecl d : weights(c)) m.put(d.name(), FloatTensor.zeros(d.shape()));
        return m;
    }

    @Override
    public Block create(BlockConfig c, Weights w, Backend b, BlockServices s) { return new FaultyBlock(mode); }
}
