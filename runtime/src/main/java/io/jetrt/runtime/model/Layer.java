package io.jetrt.runtime.model;

import io.jetrt.runtime.host.ProviderBinding;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.Weights;

/**
 * One decoder layer's block as bound: the provider (and its bundle), the backend chosen, the config it
 * was built from, the weights it reads (owned by the runtime) and where they came from.
 */
public record Layer(int index, String type, ProviderBinding binding, Backend backend, BlockConfig config,
                    Weights weights, String weightSource, Block block) {}
