package io.jetrt.blocks.mamba2;

import io.jetrt.spi.BlockConfig;

import java.util.List;

import static io.jetrt.blocks.common.ConfigChecks.positiveDouble;
import static io.jetrt.blocks.common.ConfigChecks.positiveInt;
import static io.jetrt.blocks.common.ConfigChecks.require;

/**
 * Hyper-parameters of a Mamba2 mixer (BLOCKS.md §6), read from the upstream constructor names of the
 * fixture's config ({@code hidden_size, expand, head_dim, num_heads, state_size, n_groups, conv_kernel,
 * use_conv_bias, use_bias, rmsnorm, norm_before_gate, D_has_hdim, norm_eps, chunk_size, initializer_range}).
 * {@code time_step_limit} (mamba_ssm's {@code dt_limit}) is accepted only at its default {@code [0.0, inf]}.
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
        int hidden = positiveInt(c, "hidden_size");
        int expand = positiveInt(c, "expand", 2);
        int headDim = positiveInt(c, "head_dim", 64);
        int dInner = expand * hidden;
        require(dInner % headDim == 0, c, "head_dim", "a divisor of d_inner = expand·hidden_size = " + dInner, headDim);
        int heads = c.intParam("num_heads", dInner / headDim);
        require(heads == dInner / headDim, c, "num_heads", "d_inner / head_dim = " + dInner / headDim, heads);
        int groups = c.intParam("n_groups", 1);
        require(groups > 0 && heads % groups == 0, c, "n_groups", "> 0 and a divisor of num_heads (" + heads + ")", groups);
        if (c.has("hidden_act")) {
            Object act = c.params().get("hidden_act");
            require("silu".equals(act) || "swish".equals(act), c, "hidden_act", "silu (the conv and gate activation)", act);
        }
        // norm(y)·silu(z) is a different block; refuse it rather than compute the wrong order
        require(!c.boolParam("norm_before_gate", false), c, "norm_before_gate",
                "false (only gate-then-norm is supported)", true);
        // a clamp of dt (BLOCKS.md §6, optional) is not implemented; refuse it rather than skip it
        for (String key : new String[] {"time_step_limit", "dt_limit"}) {
            require(isNoDtLimit(c.params().get(key)), c, key, "[0.0, inf] (clamping dt is not supported)", c.params().get(key));
        }
        int stateSize = positiveInt(c, "state_size", 128);
        int convKernel = positiveInt(c, "conv_kernel", 4);
        boolean convBias = c.boolParam("use_conv_bias", true), bias = c.boolParam("use_bias", false);
        boolean rmsnorm = c.boolParam("rmsnorm", true), dHasHdim = c.boolParam("D_has_hdim", false);
        double normEps = positiveDouble(c, "norm_eps", 1e-5);
        int chunkSize = positiveInt(c, "chunk_size", 256);
        double initRange = c.doubleParam("initializer_range", 0.02);
        require(initRange >= 0, c, "initializer_range", ">= 0", initRange);
        Mamba2Config m = new Mamba2Config(where, hidden, expand, headDim, heads, stateSize, groups, convKernel, convBias,
                bias, rmsnorm, dHasHdim, normEps, chunkSize, initRange);
        long rows = (long) m.inProjRows() * hidden;
        require(rows < Integer.MAX_VALUE - 8, c, "hidden_size", "small enough that in_proj.weight fits one array (< 2^31 values)", hidden);
        return m;
    }

    /** True for the upstream default dt limit: absent, or {@code [0.0, inf]}. */
    private static boolean isNoDtLimit(Object v) {
        if (v == null) return true;
        return v instanceof List<?> l && l.size() == 2 && number(l.get(0)) == 0.0 && number(l.get(1)) == Double.POSITIVE_INFINITY;
    }

    /** A JSON number, or a string such as "inf" or "Infinity"; NaN for anything else. */
    private static double number(Object v) {
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof String s) {
            String t = s.trim();
            if (t.equalsIgnoreCase("inf") || t.equalsIgnoreCase("infinity")) return Double.POSITIVE_INFINITY;
            try {
                return Double.parseDouble(t);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
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
