package io.jetrt.blocks.testkit;

import io.jetrt.conformance.AbstractBlockConformanceTest;
import io.jetrt.conformance.Shape;

import java.util.List;

/**
 * The conformance kit over both CPU backends of a gated-delta block: CPU equals the reference, prefill equals
 * chunked prefill and token-by-token decode (outputs and final states), batch rows are independent, state
 * survives a copy, outputs are fully written — at T = 1, 63, 65 and 500, batch 1 and 3.
 */
public abstract class GatedDeltaConformance extends AbstractBlockConformanceTest {

    @Override
    protected List<Shape> shapes() {
        return List.of(Shape.of(1, 1), Shape.of(3, 1), Shape.of(1, 63), Shape.of(3, 65), Shape.of(3, 500));
    }
}
