package org.example.jetrt.retention;

import io.jetrt.conformance.AbstractBlockConformanceTest;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;

import java.util.Map;

/**
 * The jetrt conformance kit over the retention block: weights, state layout, chunked prefill vs decode,
 * batch rows, state hand-over, unwritten outputs and CPU vs reference, at T = 1, 63, 65 and B = 1, 3.
 */
class RetentionConformanceTest extends AbstractBlockConformanceTest {

    @Override
    protected BlockProvider provider() { return new RetentionProvider(); }

    /** D = 20, 3 heads of Dk = 6 and Dv = 9: odd value dims, and three different decays. */
    @Override
    protected BlockConfig config() { return RetentionParallelFormTest.config(); }
}
