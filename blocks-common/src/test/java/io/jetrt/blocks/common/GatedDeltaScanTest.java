package io.jetrt.blocks.common;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link GatedDeltaScan} equals the literal {@link GatedDeltaRule#step} loop on awkward shapes, outputs and state. */
class GatedDeltaScanTest {

    static Stream<Arguments> shapes() {
        return Stream.of(1, 3, 4, 5, 8, 13).flatMap(dk -> Stream.of(1, 7, 33).flatMap(dv ->
                Stream.of(1, 2, 63, 65).map(t -> Arguments.of(dk, dv, t))));
    }

    @ParameterizedTest(name = "Dk={0} Dv={1} T={2}")
    @MethodSource("shapes")
    void scanEqualsStep(int dk, int dv, int tokens) {
        SplittableRandom rng = new SplittableRandom(31L * dk + 7L * dv + tokens);
        // rows padded to a stride wider than one head, as in [T, H·Dk] chunk tensors
        int qStride = dk + 3, vStride = dv + 2;
        float[] q = Rand.normal(rng, 1, tokens * qStride), k = Rand.normal(rng, 1, tokens * qStride);
        float[] v = Rand.normal(rng, 1, tokens * vStride);
        float[] g = Rand.uniform(rng, -3, 0, tokens), beta = Rand.uniform(rng, 0, 2, tokens);
        float[] s0 = Rand.normal(rng, 0.5, dk * dv);

        float[] sRef = s0.clone(), oRef = new float[tokens * vStride], u = new float[dv];
        float[] qn = new float[dk], kn = new float[dk];
        for (int t = 0; t < tokens; t++) {
            System.arraycopy(q, t * qStride, qn, 0, dk);
            System.arraycopy(k, t * qStride, kn, 0, dk);
            GatedDeltaRule.l2Normalize(qn, 0, dk, (float) (1 / Math.sqrt(dk)));
            GatedDeltaRule.l2Normalize(kn, 0, dk, 1f);
            GatedDeltaRule.step(sRef, 0, dk, dv, qn, 0, kn, 0, v, t * vStride, g[t], beta[t], u, oRef, t * vStride);
        }

        float[] s = new float[dk * dv + 5];
        System.arraycopy(s0, 0, s, 5, dk * dv); // state at an offset, as for head h of a [B, H, Dk, Dv] tensor
        float[] o = new float[tokens * vStride];
        Arrays.fill(o, Float.NaN);
        GatedDeltaScan.run(tokens, dk, dv, s, 5,
                new GatedDeltaScan.Rows(q, 0, qStride), new GatedDeltaScan.Rows(k, 0, qStride),
                new GatedDeltaScan.Rows(v, 0, vStride), g, beta, new GatedDeltaScan.Rows(o, 0, vStride));

        String shape = "gated delta scan vs step, Dk " + dk + " Dv " + dv + " T " + tokens;
        for (int t = 0; t < tokens; t++) {
            float[] got = Arrays.copyOfRange(o, t * vStride, t * vStride + dv);
            float[] exp = Arrays.copyOfRange(oRef, t * vStride, t * vStride + dv);
            double r = Rand.rel(got, exp);
            assertTrue(r <= 1e-5 || maxAbs(got, exp) <= 1e-6, shape + ": o at t=" + t + " rel " + r);
        }
        double rs = Rand.rel(Arrays.copyOfRange(s, 5, 5 + dk * dv), sRef);
        assertTrue(rs <= 1e-5, shape + ": state rel " + rs);
    }

    private static double maxAbs(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return Double.isNaN(m) ? Double.POSITIVE_INFINITY : m;
    }
}
