package io.jetrt.tests.faulty;

import io.jetrt.spi.Block;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;

/**
 * Copies its input to its output, except in the faulty modes. The counter modes scale token t of a sequence
 * by {@code 1 + 0.01·n}, n the tokens the state says the sequence has seen: a state that is lost or not
 * rebuilt with every earlier token changes the output.
 */
final class FaultyBlock implements Block {
    private final String mode;

    FaultyBlock(String mode) { this.mode = mode; }

    @Override
    public void prefill(FloatTensor x, int[] positions, BlockState state, FloatTensor y) {
        switch (String.valueOf(mode)) {
            case "throw-in-compute" -> throw new IllegalStateException("faulty plug-in: compute fails on purpose");
            case "nan" -> {
                System.arraycopy(x.data(), 0, y.data(), 0, x.size());
                y.data()[5] = Float.NaN;
            }
            case "partial-write" -> System.arraycopy(x.data(), 0, y.data(), 0, x.size() / 2);
            case "counter", "counter-wide" -> count(x, state, y);
            default -> System.arraycopy(x.data(), 0, y.data(), 0, x.size());
        }
    }

    private static void count(FloatTensor x, BlockState state, FloatTensor y) {
        int batch = x.dim(0), steps = x.dim(1), d = x.dim(2);
        float[] seen = state.get("count").data();
        int per = seen.length / batch;
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                float scale = 1f + 0.01f * seen[b * per];
                for (int i = 0; i < d; i++) y.data()[(b * steps + t) * d + i] = x.data()[(b * steps + t) * d + i] * scale;
                seen[b * per] += 1f;
            }
        }
    }
}
