package io.jetrt.blocks.testkit;

import io.jetrt.conformance.AbstractBlockConformanceTest;
import io.jetrt.conformance.Shape;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The conformance kit over both CPU backends of a gated-delta block: CPU equals the reference, prefill equals
 * chunked prefill and token-by-token decode (outputs and final states), batch rows are independent, state
 * survives a copy, outputs are fully written — at T = 1, 63, 65 and 500, batch 1 and 3.
 */
public abstract class GatedDeltaConformance extends AbstractBlockConformanceTest {

    /** D, H, Dk, expand_v and the conv width W under the upstream names, for a block's test to complete. */
    protected static Map<String, Object> dims(int d, int h, int dk, double expandV, int w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hidden_size", d);
        m.put("num_heads", h);
        m.put("head_dim", dk);
        m.put("expand_v", expandV);
        m.put("conv_size", w);
        return m;
    }

    @Override
    protected List<Shape> shapes() {
        return List.of(Shape.of(1, 1), Shape.of(3, 1), Shape.of(1, 63), Shape.of(3, 65), Shape.of(3, 500));
    }
}
