package io.jetrt.blocks.testkit;

import java.util.LinkedHashMap;
import java.util.Map;

/** Config parameters of the gated-delta family for tests. */
public final class GatedDeltaConfigs {
    private GatedDeltaConfigs() {}

    /** D, H, Dk, expand_v and the conv width W under the upstream names, in a map a block's test completes. */
    public static Map<String, Object> dims(int d, int h, int dk, double expandV, int w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hidden_size", d);
        m.put("num_heads", h);
        m.put("head_dim", dk);
        m.put("expand_v", expandV);
        m.put("conv_size", w);
        return m;
    }
}
