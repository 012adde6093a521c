package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.testkit.GatedDeltaConfigs;
import io.jetrt.blocks.testkit.GatedDeltaConformance;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;

import java.util.Map;

/** {@link GatedDeltaConformance} of JetBlock at two configs. */
abstract class JetBlockConformance extends GatedDeltaConformance {

    /** Odd sizes: Dk 7 (one 4-row block + 3 left over), Dv 14, value_dim 42, generator hidden 5. */
    static final BlockConfig ODD = config(24, 3, 7, 2.0, 4, 8);
    /** Dk 8, fractional expand_v (Dv 12), conv width 3, generator hidden 6. */
    static final BlockConfig EVEN = config(16, 2, 8, 1.5, 3, 4);

    static BlockConfig config(int d, int h, int dk, double expandV, int w, int reduction) {
        Map<String, Object> m = GatedDeltaConfigs.dims(d, h, dk, expandV, w);
        m.put("dconv_generator_reduction", reduction);
        m.put("norm_eps", "1e-5");
        return new BlockConfig("test jet D" + d + " H" + h + " Dk" + dk, m);
    }

    @Override protected BlockProvider provider() { return new JetBlockProvider(); }
}
