package io.jetrt.blocks.common;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The details of §3.3/§3.4 that are easy to get wrong: eps inside the sqrt, decay sign, norm-then-gate. */
class GatedDeltaRuleTest {

    @Test
    void l2NormAddsEpsToSumOfSquares() {
        float[] x = {1e-3f, 0f};
        GatedDeltaRule.l2Normalize(x, 0, 2, 1f);
        assertEquals(1e-3 / Math.sqrt(1e-6 + 1e-6), x[0], 1e-6); // max(‖x‖, eps) would give 1
    }

    @Test
    void logDecayIsMinusExpALogTimesSoftplus() {
        assertEquals(-Math.exp(0.5) * Math.log1p(Math.exp(0.3 - 0.1)), GatedDeltaRule.logDecay(0.3f, 0.5f, -0.1f), 1e-6);
        assertEquals(-Math.exp(0.5) * 30.0, GatedDeltaRule.logDecay(25f, 0.5f, 5f), 1e-4); // softplus passes x > 20 through
    }

    @Test
    void oneStepFromZeroStateWritesBetaKV() {
        // S = 0: u = βv, S = k uᵀ, o = (q·k) u
        float[] s = new float[2 * 3], q = {0.6f, 0.8f}, k = {1f, 0f}, v = {1f, 2f, 3f}, u = new float[3], o = new float[3];
        GatedDeltaRule.step(s, 0, 2, 3, q, 0, k, 0, v, 0, -1f, 0.5f, u, o, 0);
        assertEquals(0.5f, s[0]);
        assertEquals(1.5f, s[2]);
        assertEquals(0f, s[3]);
        assertEquals(0.6f * 1.5f, o[2], 1e-7);
    }

    @Test
    void gatedRmsNormNormalisesThenGates() {
        float[] o = {3f, 4f}, gate = {0f, 2f}, w = {1f, 0.5f};
        GatedRmsNorm.apply(o, 0, gate, 0, w, 2, 1e-5f);
        double r = 1 / Math.sqrt((9 + 16) / 2.0 + 1e-5);
        assertEquals(0f, o[0]); // silu(0) = 0
        assertEquals(4 * r * 0.5 * 2 / (1 + Math.exp(-2)), o[1], 1e-6);
    }
}
