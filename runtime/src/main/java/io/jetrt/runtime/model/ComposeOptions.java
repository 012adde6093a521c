package io.jetrt.runtime.model;

import io.jetrt.spi.Backend;

/**
 * How to compose a model.
 *
 * @param overrides per-layer block types replacing the config's ({@code 0-13:mamba2,jet:gdn})
 * @param pins      per-layer implementation versions ({@code jet:1.0.0}): a pinned layer binds only to a
 *                  provider whose version equals the pin or starts with it followed by a dot
 * @param backend   the backend every layer must use, or null to choose per layer (CUDA, then CPU, then reference)
 * @param initSeed  seed for the weights of blocks swapped in where the checkpoint has none
 */
public record ComposeOptions(LayerRules overrides, LayerRules pins, Backend backend, long initSeed) {
    public static final ComposeOptions DEFAULT = new ComposeOptions(LayerRules.NONE, LayerRules.NONE, null, 0L);

    public ComposeOptions withBackend(Backend b) { return new ComposeOptions(overrides, pins, b, initSeed); }

    public ComposeOptions withOverrides(LayerRules o) { return new ComposeOptions(o, pins, backend, initSeed); }

    public ComposeOptions withPins(LayerRules p) { return new ComposeOptions(overrides, p, backend, initSeed); }

    public ComposeOptions withInitSeed(long seed) { return new ComposeOptions(overrides, pins, backend, seed); }
}
