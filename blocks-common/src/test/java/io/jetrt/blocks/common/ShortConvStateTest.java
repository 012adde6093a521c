package io.jetrt.blocks.common;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** {@link ShortConvState#convolveChunk} gives exactly what T push/convolve steps give, outputs and cache. */
class ShortConvStateTest {

    static Stream<Arguments> cases() {
        return Stream.of(1, 2, 4).flatMap(w -> Stream.of(1, 2, 3, 4, 5, 9).flatMap(t ->
                Stream.of(Arguments.of(w, t, false, false), Arguments.of(w, t, true, true))));
    }

    @ParameterizedTest(name = "W={0} T={1} dynamic={2} bias={3}")
    @MethodSource("cases")
    void chunkEqualsSteps(int width, int tokens, boolean dynamic, boolean withBias) {
        int channels = 5, xStride = channels + 2;
        SplittableRandom rng = new SplittableRandom(100L * width + tokens);
        float[] state0 = Rand.normal(rng, 1, channels * width); // a cache left by earlier tokens
        float[] x = Rand.normal(rng, 1, tokens * xStride);
        int kStride = dynamic ? channels * width : 0;
        float[] kernel = Rand.normal(rng, 1, dynamic ? tokens * kStride : channels * width);
        float[] bias = withBias ? Rand.normal(rng, 1, channels) : null;

        float[] stepState = state0.clone(), stepOut = new float[tokens * channels];
        for (int t = 0; t < tokens; t++) {
            ShortConvState.push(stepState, 0, channels, width, x, t * xStride);
            ShortConvState.convolve(stepState, 0, channels, width, kernel, t * kStride, bias, stepOut, t * channels);
        }

        float[] state = new float[channels * width + 3], out = new float[tokens * channels];
        System.arraycopy(state0, 0, state, 3, channels * width);
        Arrays.fill(out, Float.NaN);
        ShortConvState.convolveChunk(state, 3, channels, width, x, 0, xStride, tokens, kernel, 0, kStride, bias, out, 0, channels);

        String what = "short conv chunk vs steps, C " + channels + " W " + width + " T " + tokens;
        assertArrayEquals(stepOut, out, what + ": outputs");
        assertArrayEquals(stepState, Arrays.copyOfRange(state, 3, 3 + channels * width), what + ": cache");
    }
}
