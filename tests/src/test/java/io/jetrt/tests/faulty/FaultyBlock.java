package io.jetrt.tests.faulty;

import io.jetrt.spi.Block;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;

/** Copies its input to its output, except in the faulty modes. */
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
            default -> System.arraycopy(x.data(), 0, y.data(), 0, x.size());
        }
    }
}
