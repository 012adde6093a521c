package io.jetrt.blocks.gdn;

import io.jetrt.blocks.testkit.GatedDeltaConfigs;
import io.jetrt.blocks.testkit.GatedDeltaConformance;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;

import java.util.Map;

/** {@link GatedDeltaConformance} of gated DeltaNet at two configs. */
abstract class GatedDeltaNetConformance extends GatedDeltaConformance {

    /** Odd sizes: Dk 5 (one 4-row block + 1), Dv 15, conv biases and allow_neg_eigval on. */
    static final BlockConfig ODD = config(20, 3, 5, 3.0, 4, true, true);
    /** fla's defaults otherwise: Dk 8, Dv 16, conv width 3. */
    static final BlockConfig EVEN = config(16, 2, 8, 2.0, 3, false, false);

    static BlockConfig config(int d, int h, int dk, double expandV, int w, boolean convBias, boolean negEigval) {
        Map<String, Object> m = GatedDeltaConfigs.dims(d, h, dk, expandV, w);
        m.put("norm_eps", 1e-5);
        m.put("conv_bias", convBias);
        m.put("allow_neg_eigval", negEigval);
        m.put("num_v_heads", null);
        return new BlockConfig("test gdn D" + d + " H" + h + " Dk" + dk + (convBias ? " conv_bias" : "")
                + (negEigval ? " neg_eigval" : ""), m);
    }

    @Override protected BlockProvider provider() { return new GatedDeltaNetProvider(); }
}
