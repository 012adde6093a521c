package io.jetrt.blocks.gdn;

import io.jetrt.conformance.AbstractBlockConformanceTest;
import io.jetrt.conformance.Shape;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The conformance kit over both CPU backends at two configs: CPU equals the reference, prefill equals
 * chunked prefill and token-by-token decode (outputs and final states), batch rows are independent, state
 * survives a copy, outputs are fully written — at T = 1, 63, 65 and 500, batch 1 and 3.
 */
abstract class GatedDeltaNetConformance extends AbstractBlockConformanceTest {

    /** Odd sizes: Dk 5 (one 4-row block + 1), Dv 15, conv biases and allow_neg_eigval on. */
    static final BlockConfig ODD = config(20, 3, 5, 3.0, 4, true, true);
    /** fla's defaults otherwise: Dk 8, Dv 16, conv width 3. */
    static final BlockConfig EVEN = config(16, 2, 8, 2.0, 3, false, false);

    static BlockConfig config(int d, int h, int dk, double expandV, int w, boolean convBias, boolean negEigval) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hidden_size", d);
        m.put("num_heads", h);
        m.put("head_dim", dk);
        m.put("expand_v", expandV);
        m.put("conv_size", w);
        m.put("norm_eps", 1e-5);
        m.put("conv_bias", convBias);
        m.put("allow_neg_eigval", negEigval);
        m.put("num_v_heads", null);
        return new BlockConfig("test gdn D" + d + " H" + h + " Dk" + dk + (convBias ? " conv_bias" : "")
                + (negEigval ? " neg_eigval" : ""), m);
    }

    @Override protected BlockProvider provider() { return new GatedDeltaNetProvider(); }

    @Override
    protected List<Shape> shapes() {
        return List.of(Shape.of(1, 1), Shape.of(3, 1), Shape.of(1, 63), Shape.of(3, 65), Shape.of(3, 500));
    }
}
