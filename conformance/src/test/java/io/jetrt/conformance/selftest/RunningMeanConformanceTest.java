package io.jetrt.conformance.selftest;

import io.jetrt.conformance.AbstractBlockConformanceTest;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;

import java.util.Map;

/** A correct block passes the whole kit, run the way a plug-in runs it: by extending the abstract test from another package. */
class RunningMeanConformanceTest extends AbstractBlockConformanceTest {

    @Override
    protected BlockProvider provider() { return new RunningMeanProvider(RunningMeanProvider.Fault.NONE); }

    @Override
    protected BlockConfig config() { return KitTestConfigs.runningMean(); }

    static final class KitTestConfigs {
        private KitTestConfigs() {}

        static BlockConfig runningMean() {
            return new BlockConfig("running-mean test config", Map.of("hidden_size", 12, "initializer_range", 0.02));
        }
    }
}
