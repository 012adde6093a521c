package io.jetrt.blocks.common;

import io.jetrt.spi.BlockConfig;

/**
 * What the configs of the gated-delta family (JetBlock BLOCKS.md §1, gated DeltaNet §5) share: {@code D}, {@code H},
 * {@code Dk = head_dim}, {@code expand_v}, the conv width {@code W}, the output norm's eps and the init std, and the
 * head sizes derived from them with upstream's {@code int()} truncation.
 */
public interface GatedDeltaConfig {

    /** Names the layer, for error messages. */
    String where();

    int hiddenSize();

    int numHeads();

    int headDim();

    double expandV();

    int convSize();

    float normEps();

    double initializerRange();

    /** The factor on {@code sigmoid(b)}: 1, or 2 where β may reach (0, 2) (fla's allow_neg_eigval). */
    default float betaScale() { return 1f; }

    /** Key head dim Dk. */
    default int dk() { return headDim(); }

    /** Value head dim Dv = int(head_dim·expand_v). */
    default int dv() { return (int) (headDim() * expandV()); }

    /** H·Dk. */
    default int keyDim() { return numHeads() * headDim(); }

    /** int(key_dim·expand_v) = H·Dv. */
    default int valueDim() { return (int) (keyDim() * expandV()); }

    /** The heads' part of the block: beta, decay, the rule and the output norm, over {@code w}'s per-head weights. */
    default GatedDeltaHeads heads(GatedDeltaWeights w) {
        return new GatedDeltaHeads(numHeads(), dk(), dv(), w.aLog(), w.dtBias(), w.oNorm(), normEps(), betaScale());
    }

    /** The value heads upstream can build: {@code Dv ≥ 1} and {@code value_dim = H·Dv} despite the truncations. */
    static void requireValueHeads(BlockConfig c, GatedDeltaConfig g) {
        ConfigChecks.require(g.dv() >= 1, c, "expand_v", "large enough that int(head_dim·expand_v) ≥ 1", g.expandV());
        ConfigChecks.require(g.valueDim() == g.numHeads() * g.dv(), c, "expand_v",
                "such that int(key_dim·expand_v) = num_heads·int(head_dim·expand_v)", g.expandV());
    }
}
