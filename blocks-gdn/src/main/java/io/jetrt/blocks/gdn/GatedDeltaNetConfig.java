package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.ConfigChecks;
import io.jetrt.blocks.common.GatedDeltaConfig;
import io.jetrt.spi.BlockConfig;

/**
 * fla GatedDeltaNet hyper-parameters under fla's names (BLOCKS.md §5): {@code hidden_size}, {@code num_heads},
 * {@code head_dim}, {@code expand_v}, and with fla's defaults {@code conv_size} 4, {@code norm_eps} 1e-5 (number or
 * numeric string), {@code conv_bias} false, {@code allow_neg_eigval} false, {@code initializer_range} 0.02.
 * Supported only as fla's default layer: {@code use_gate} and {@code use_short_conv} true, {@code num_v_heads}
 * null or equal to {@code num_heads} (no grouped value heads).
 *
 * @param where names the layer, for error messages
 */
public record GatedDeltaNetConfig(String where, int hiddenSize, int numHeads, int headDim, double expandV, int convSize,
                                  float normEps, boolean convBias, boolean allowNegEigval, double initializerRange)
        implements GatedDeltaConfig {

    public static GatedDeltaNetConfig from(BlockConfig c) {
        GatedDeltaNetConfig g = new GatedDeltaNetConfig(c.where(),
                ConfigChecks.positiveInt(c, "hidden_size"),
                ConfigChecks.positiveInt(c, "num_heads"),
                ConfigChecks.positiveInt(c, "head_dim"),
                ConfigChecks.positiveDouble(c, "expand_v"),
                ConfigChecks.positiveInt(c, "conv_size", 4),
                (float) ConfigChecks.positiveDouble(c, "norm_eps", 1e-5),
                c.boolParam("conv_bias", false),
                c.boolParam("allow_neg_eigval", false),
                ConfigChecks.positiveDouble(c, "initializer_range", 0.02));
        boolean useGate = c.boolParam("use_gate", true), useShortConv = c.boolParam("use_short_conv", true);
        ConfigChecks.require(useGate, c, "use_gate", "true (only use_gate=true is supported)", useGate);
        ConfigChecks.require(useShortConv, c, "use_short_conv", "true (only use_short_conv=true is supported)", useShortConv);
        if (c.has("num_v_heads")) {
            int hv = c.intParam("num_v_heads");
            ConfigChecks.require(hv == g.numHeads, c, "num_v_heads",
                    "null or num_heads = " + g.numHeads + " (grouped value heads are not supported)", hv);
        }
        GatedDeltaConfig.requireValueHeads(c, g);
        return g;
    }

    /** 2 with allow_neg_eigval (β ∈ (0, 2), eigenvalues of the transition may be negative), else 1. */
    @Override
    public float betaScale() { return allowNegEigval ? 2f : 1f; }
}
