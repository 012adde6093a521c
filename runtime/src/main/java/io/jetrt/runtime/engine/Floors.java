package io.jetrt.runtime.engine;

import io.jetrt.runtime.model.Model;

/**
 * The fastest a model could run on a machine, from its own sizes and the machine's {@link MachineRates}.
 *
 * <p>Prefill: about 2 FLOPs per weight per token (the head only for each sequence's last position; attention scores
 * are left out, so long contexts read a little high) over the GEMM rate. Decode: each step reads every weight once
 * (in the decoder's own precision: float32 on the CPU, bf16/f32 on the device) and each sequence's state, over the
 * copy bandwidth (measured as bytes read plus written). The state's write-back is not counted again: the floor is
 * the one bench has always printed, so figures stay comparable across versions.
 */
public final class Floors {
    private Floors() {}

    public static double prefillTokensPerSecond(Model model, int batch, int promptLen, MachineRates rates) {
        double tokens = (double) batch * promptLen, embed = model.embeddingParameters();
        double flops = 2.0 * (model.parameterCount() - embed) * tokens + 2.0 * embed * batch;
        return tokens / (flops / rates.gemmFlops());
    }

    /** {@code stateBytesPerSequence}: the state one sequence carries ({@link io.jetrt.runtime.model.ModelState#bytesPerSequence}). */
    public static double decodeTokensPerSecond(Model model, int batch, long stateBytesPerSequence, MachineRates rates) {
        double stepBytes = model.weightBytes() + (double) stateBytesPerSequence * batch;
        return batch / (stepBytes / rates.bandwidth());
    }
}
