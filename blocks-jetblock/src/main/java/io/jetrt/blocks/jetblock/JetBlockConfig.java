package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.common.ConfigChecks;
import io.jetrt.blocks.common.GatedDeltaConfig;
import io.jetrt.spi.BlockConfig;

/**
 * JetBlock hyper-parameters under the upstream names (BLOCKS.md §1, §3): {@code hidden_size},
 * {@code num_heads}, {@code head_dim}, {@code expand_v}, {@code conv_size}, {@code dconv_generator_reduction},
 * {@code norm_eps} (a number or a numeric string such as the released "1e-5") and
 * {@code initializer_range} (default 0.02). Dimensions are truncated with {@code int()} as upstream does.
 *
 * @param where names the layer, for error messages
 */
public record JetBlockConfig(String where, int hiddenSize, int numHeads, int headDim, double expandV, int convSize,
                             int generatorReduction, float normEps, double initializerRange) implements GatedDeltaConfig {

    public static JetBlockConfig from(BlockConfig c) {
        JetBlockConfig j = new JetBlockConfig(c.where(),
                ConfigChecks.positiveInt(c, "hidden_size"),
                ConfigChecks.positiveInt(c, "num_heads"),
                ConfigChecks.positiveInt(c, "head_dim"),
                ConfigChecks.positiveDouble(c, "expand_v"),
                ConfigChecks.positiveInt(c, "conv_size"),
                ConfigChecks.positiveInt(c, "dconv_generator_reduction"),
                (float) ConfigChecks.positiveDouble(c, "norm_eps"),
                ConfigChecks.positiveDouble(c, "initializer_range", 0.02));
        GatedDeltaConfig.requireValueHeads(c, j);
        ConfigChecks.require(j.generatorHidden() >= 1, c, "dconv_generator_reduction",
                "at most value_dim = " + j.valueDim(), j.generatorReduction);
        return j;
    }

    /** Hidden width of the kernel generator, value_dim // dconv_generator_reduction. */
    public int generatorHidden() { return valueDim() / generatorReduction; }
}
