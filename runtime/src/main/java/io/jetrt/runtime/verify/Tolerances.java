package io.jetrt.runtime.verify;

import io.jetrt.spi.Backend;

/** The fixtures README's tolerances: float32 paths rel ≤ 1e-4; bf16 GPU paths rel ≤ 2e-2. */
public final class Tolerances {
    private Tolerances() {}

    public static double of(Backend b) { return b == Backend.CUDA ? 2e-2 : 1e-4; }
}
