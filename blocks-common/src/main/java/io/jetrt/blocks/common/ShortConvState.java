package io.jetrt.blocks.common;

/**
 * The cache of a causal depthwise convolution of width W over C channels: {@code [C, W]}, the last W raw
 * (pre-conv) inputs per channel, oldest first, slot W−1 the newest, zeros before the sequence start
 * (BLOCKS.md §3.2, §5; fixtures README "Conv states"). Kernels are {@code [C, W]} flat ({@code c·W + w},
 * a conv1d weight {@code [C, 1, W]} or one token's dynamic kernel); {@code w = W−1} multiplies the
 * current token.
 */
public final class ShortConvState {
    private ShortConvState() {}

    /** One decode step's cache update: shift every channel left by one, write {@code x [C]} into slot W−1. */
    public static void push(float[] state, int off, int channels, int width, float[] x, int xOff) {
        for (int c = 0; c < channels; c++) {
            int row = off + c * width;
            System.arraycopy(state, row + 1, state, row, width - 1);
            state[row + width - 1] = x[xOff + c];
        }
    }

    /** {@code out[c] = Σ_w state[c, w]·kernel[c, w] (+ bias[c])} over the cache as it is (after a push). */
    public static void convolve(float[] state, int off, int channels, int width, float[] kernel, int kOff,
                                float[] bias, float[] out, int outOff) {
        for (int c = 0; c < channels; c++) {
            float acc = 0f;
            for (int w = 0; w < width; w++) acc += state[off + c * width + w] * kernel[kOff + c * width + w];
            out[outOff + c] = bias == null ? acc : acc + bias[c];
        }
    }

    /**
     * A chunk of T tokens at once, continuing from the cache, for fast paths: the same sums as T
     * {@link #push}/{@link #convolve} steps, and the cache left as they would leave it.
     *
     * @param x       raw inputs {@code [T, C]}, token t at {@code xOff + t·xStride}
     * @param kernel  {@code [C, W]} for token t at {@code kOff + t·kStride}; kStride 0 for a static weight
     * @param bias    {@code [C]} or null
     * @param out     {@code [T, C]}, token t at {@code outOff + t·outStride}; must not overlap x
     */
    public static void convolveChunk(float[] state, int off, int channels, int width,
                                     float[] x, int xOff, int xStride, int tokens,
                                     float[] kernel, int kOff, int kStride, float[] bias,
                                     float[] out, int outOff, int outStride) {
        int head = Math.min(tokens, width - 1); // the first W−1 tokens reach back into the cache
        for (int t = 0; t < head; t++) {
            int kt = kOff + t * kStride, ot = outOff + t * outStride;
            for (int c = 0; c < channels; c++) {
                float acc = 0f;
                for (int w = 0; w < width; w++) {
                    int tau = t - (width - 1) + w; // source token; < 0 lies in the cache at slot W + tau
                    float in = tau >= 0 ? x[xOff + tau * xStride + c] : state[off + c * width + width + tau];
                    acc += in * kernel[kt + c * width + w];
                }
                out[ot + c] = bias == null ? acc : acc + bias[c];
            }
        }
        for (int t = head; t < tokens; t++) {
            int kt = kOff + t * kStride, ot = outOff + t * outStride, x0 = xOff + (t - (width - 1)) * xStride;
            for (int c = 0; c < channels; c++) {
                float acc = 0f;
                for (int w = 0; w < width; w++) acc += x[x0 + w * xStride + c] * kernel[kt + c * width + w];
                out[ot + c] = bias == null ? acc : acc + bias[c];
            }
        }
        // new slot s holds token T−W+s; ascending s reads old slots s+T before they are overwritten
        for (int c = 0; c < channels; c++) {
            int row = off + c * width;
            for (int s = 0; s < width; s++) {
                int tau = tokens - width + s;
                state[row + s] = tau >= 0 ? x[xOff + tau * xStride + c] : state[row + s + tokens];
            }
        }
    }
}
