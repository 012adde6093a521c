package io.jetrt.runtime.model;

import io.jetrt.spi.Backend;

/**
 * How to compose a model.
 *
 * @param overrides per-layer block overrides
 * @param backend   the backend every layer must use, or null to choose per layer (CUDA, then CPU, then reference)
 * @param initSeed  seed for the weights of blocks swapped in where the checkpoint has none
 */
public record ComposeOptions(LayerOverrides overrides, Backend backend, long initSeed) {
    public static final ComposeOptions DEFAULT = new ComposeOptions(LayerOverrides.NONE, null, 0L);

    public ComposeOptions withBackend(Backend b) { return new ComposeOptions(overrides, b, initSeed); }

    public ComposeOptions withOverrides(LayerOverrides o) { return new ComposeOptions(o, backend, initSeed); }
}
