package io.jetrt.blocks.jetblock;

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
abstract class JetBlockConformance extends AbstractBlockConformanceTest {

    /** Odd sizes: Dk 7 (one 4-row block + 3 left over), Dv 14, value_dim 42, generator hidden 5. */
    static final BlockConfig ODD = config(24, 3, 7, 2.0, 4, 8);
    /** Dk 8, fractional expand_v (Dv 12), conv width 3, generator hidden 6. */
    static final BlockConfig EVEN = config(16, 2, 8, 1.5, 3, 4);

    static BlockConfig config(int d, int h, int dk, double expandV, int w, int reduction) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hidden_size", d);
        m.put("num_heads", h);
        m.put("head_dim", dk);
        m.put("expand_v", expandV);
        m.put("conv_size", w);
        m.put("dconv_generator_reduction", reduction);
        m.put("norm_eps", "1e-5");
        return new BlockConfig("test jet D" + d + " H" + h + " Dk" + dk, m);
    }

    @Override protected BlockProvider provider() { return new JetBlockProvider(); }

    @Override
    protected List<Shape> shapes() {
        return List.of(Shape.of(1, 1), Shape.of(3, 1), Shape.of(1, 63), Shape.of(3, 65), Shape.of(3, 500));
    }
}
