package io.jetrt.blocks.mamba2;

import io.jetrt.spi.BlockConfig;

/**
 * Hyper-parameters of a Mamba2 mixer (BLOCKS.md §6), read from the upstream constructor names of the
 * fixture's config ({@code hidden_size, expand, head_dim, num_heads, state_size, n_groups, conv_kernel,
 * use_conv_bias, use_bias, rmsnorm, norm_before_gate, D_has_hdim, norm_eps, chunk_size, initializer_range}).
 *
 * <p>Shapes: {@code D = hidden}, {@code d_inner = expand·D}, {@code H = heads}, {@code P = headDim},
 * {@code N = stateSize}, {@code G = groups}, {@code W = convKernel}.
 *
 * @param chunkSize  the SSD chunk length upstream kernels use; it only chooses a schedule, not the maths
 * @param dHasHdim   D is per channel {@code [d_inner]} instead of per head {@code [H]}
 * @param rmsnorm    false: the output is {@code y·silu(z)} and there is no {@code norm.weight}
 */
public record Mamba2Config(String where, int hidden, int expand, int headDim, int heads, int stateSize, int groups,
                           int convKernel, boolean convBias, boolean bias, boolean rmsnorm, boolean dHasHdim,
                           double normEps, int chunkSize, double initRange) {

    public static Mamba2Config from(BlockConfig c) {
        String where = c.where();
        int hidden = c.intParam("hidden_size");
        int expand = c.intParam("expand", 2);
        int headDim = c.intParam("head_dim", 64);
        require(where, hidden > 0, "hidden_size", "> 0", hidden);
        require(where, expand > 0, "expand", "> 0", expand);
        require(where, headDim > 0, "head_dim", "> 0", headDim);
        int dInner = expand * hidden;
        require(where, dInner % headDim == 0, "head_dim", "a divisor of d_inner = expand·hidden_size = " + dInner, headDim);
        int heads = c.intParam("num_heads", dInner / headDim);
        require(where, heads == dInner / headDim, "num_heads", "d_inner / head_dim = " + dInner / headDim, heads);
        int groups = c.intParam("n_groups", 1);
        require(where, groups > 0 && heads % groups == 0, "n_groups", "> 0 and a divisor of num_heads (" + heads + ")", groups);
        if (c.has("hidden_act")) {
            Object act = c.params().get("hidden_act");
            require(where, "silu".equals(act) || "swish".equals(act), "hidden_act", "silu (the conv and gate activation)", act);
        }
        // norm(y)·silu(z) is a different block; refuse it rather than compute the wrong order
        require(where, !c.boolParam("norm_before_gate", false), "norm_before_gate",
                "false (only gate-then-norm is supported)", true);
        Mamba2Config m = new Mamba2Config(where, hidden, expand, headDim, heads, c.intParam("state_size", 128), groups,
                c.intParam("conv_kernel", 4), c.boolParam("use_conv_bias", true), c.boolParam("use_bias", false),
                c.boolParam("rmsnorm", true), c.boolParam("D_has_hdim", false), c.doubleParam("norm_eps", 1e-5),
                c.intParam("chunk_size", 256), c.doubleParam("initializer_range", 0.02));
        m.validate();
        return m;
    }

    private void validate() {
        require(where, stateSize > 0, "state_size", "> 0", stateSize);
        require(where, convKernel > 0, "conv_kernel", "> 0", convKernel);
        require(where, normEps > 0, "norm_eps", "> 0", normEps);
        require(where, chunkSize > 0, "chunk_size", "> 0", chunkSize);
        require(where, initRange >= 0, "initializer_range", ">= 0", initRange);
        long rows = (long) inProjRows() * hidden;
        require(where, rows < Integer.MAX_VALUE - 8, "hidden_size", "small enough that in_proj.weight fits one array (< 2^31 values)", hidden);
    }

    private static void require(String where, boolean ok, String field, String expectation, Object got) {
        if (!ok) throw new IllegalArgumentException(where + ": " + field + " must be " + expectation + "; got " + got);
    }

    public int dInner() { return expand * hidden; }

    /** Channels of the depthwise conv: {@code x | B | C}. */
    public int convDim() { return dInner() + 2 * groups * stateSize; }

    /** Rows of in_proj: {@code [z d_inner | xBC conv_dim | dt H]}. */
    public int inProjRows() { return dInner() + convDim() + heads; }

    /** Heads per B/C group: head h reads group {@code h / headsPerGroup()}. */
    public int headsPerGroup() { return heads / groups; }

    /** Channels per RMSNorm group ({@code d_inner / G}). */
    public int normGroupSize() { return dInner() / groups; }
}
