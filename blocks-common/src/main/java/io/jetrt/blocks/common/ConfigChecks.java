package io.jetrt.blocks.common;

import io.jetrt.spi.BlockConfig;

/**
 * Checks for block config records, at the boundary where a {@link BlockConfig} is parsed. Messages read
 * {@code <where>: <field> must be <expectation>; got <value>}.
 */
public final class ConfigChecks {
    private ConfigChecks() {}

    public static int positiveInt(BlockConfig c, String key) {
        int v = c.intParam(key);
        require(v > 0, c, key, "> 0", v);
        return v;
    }

    public static int positiveInt(BlockConfig c, String key, int fallback) {
        return c.has(key) ? positiveInt(c, key) : fallback;
    }

    public static double positiveDouble(BlockConfig c, String key) {
        double v = c.doubleParam(key);
        require(v > 0 && Double.isFinite(v), c, key, "a finite number > 0", c.params().get(key));
        return v;
    }

    public static double positiveDouble(BlockConfig c, String key, double fallback) {
        return c.has(key) ? positiveDouble(c, key) : fallback;
    }

    /** Throws {@code <where>: <field> must be <expectation>; got <value>} unless {@code ok}. */
    public static void require(boolean ok, BlockConfig c, String field, String expectation, Object got) {
        if (!ok) throw new IllegalArgumentException(c.where() + ": " + field + " must be " + expectation + "; got " + got);
    }
}
