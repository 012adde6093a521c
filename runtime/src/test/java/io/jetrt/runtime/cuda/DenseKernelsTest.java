package io.jetrt.runtime.cuda;

import io.jetrt.blocks.common.Activations;
import io.jetrt.runtime.engine.Sampler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static io.jetrt.runtime.cuda.CudaTestSupport.assertClose;
import static io.jetrt.runtime.cuda.CudaTestSupport.device;
import static io.jetrt.runtime.cuda.CudaTestSupport.gaussian;
import static io.jetrt.runtime.cuda.CudaTestSupport.kernels;
import static io.jetrt.runtime.cuda.CudaTestSupport.rounded;
import static io.jetrt.runtime.cuda.CudaTestSupport.stream;
import static io.jetrt.runtime.cuda.CudaTestSupport.widen;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each dense kernel against the Java math of DenseModel/Sampler on random inputs at odd sizes, outputs
 * poisoned with NaN first. Weights go up as bf16, so the references use the bf16-rounded weights and the
 * fp32 paths are held to 1e-5.
 */
class DenseKernelsTest {
    private final SplittableRandom rnd = new SplittableRandom(20261126);

    @Test
    void embeddingGathersBf16Rows() {
        int vocab = 1003, dim = 257, rows = 65;
        DenseKernels k = kernels();
        float[] table = gaussian(rnd, vocab * dim, 0.05);
        int[] tokens = new int[rows];
        for (int r = 0; r < rows; r++) tokens[r] = rnd.nextInt(vocab);
        tokens[0] = 0;
        tokens[rows - 1] = vocab - 1;
        try (DeviceBuffer t = device().alloc(DType.BF16, table.length); DeviceBuffer ids = device().alloc(DType.I32, rows);
             DeviceBuffer out = device().alloc(DType.F32, (long) rows * dim)) {
            t.upload(table);
            ids.upload(tokens);
            out.fill(Float.NaN);
            k.embedding(stream(), out, t, ids, rows, dim, vocab);
            float[] got = out.download();
            float[] tb = rounded(DType.BF16, table);
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < dim; i++) assertEquals(tb[tokens[r] * dim + i], got[r * dim + i], "row " + r + " col " + i);
            }
            ids.upload(new int[] {vocab});
            out.fill(0f);
            k.embedding(stream(), out, t, ids, 1, dim, vocab);
            assertTrue(Float.isNaN(out.download()[dim - 1]), "an id outside the vocabulary gives a NaN row");
        }
    }

    @Test
    void rmsNormMatchesJava() {
        int[][] shapes = {{1, 1536}, {63, 257}, {65, 1537}, {3, 31}};
        float eps = 1e-6f;
        for (int[] sh : shapes) {
            int rows = sh[0], dim = sh[1];
            float[] x = gaussian(rnd, rows * dim, 3);
            float[] w = gaussian(rnd, dim, 0.3);
            for (int i = 0; i < dim; i++) w[i] += 1;
            float[] wb = rounded(DType.BF16, w);
            double[] ref = new double[rows * dim];
            for (int r = 0; r < rows; r++) { // DenseModel.rmsNorm, float32 as there
                int off = r * dim;
                float ss = 0f;
                for (int i = 0; i < dim; i++) ss += x[off + i] * x[off + i];
                float inv = (float) (1.0 / Math.sqrt(ss / dim + eps));
                for (int i = 0; i < dim; i++) ref[off + i] = x[off + i] * inv * wb[i];
            }
            try (DeviceBuffer xb = device().alloc(DType.F32, x.length); DeviceBuffer wd = device().alloc(DType.BF16, dim);
                 DeviceBuffer out = device().alloc(DType.F32, x.length)) {
                xb.upload(x);
                wd.upload(w);
                out.fill(Float.NaN);
                kernels().rmsNorm(stream(), out, xb, wd, rows, dim, eps);
                assertClose("rmsNorm f32 [" + rows + ", " + dim + "]", out.download(), ref, 1e-5);
            }
        }
    }

    @Test
    void swigluMatchesJava() {
        for (int n : new int[] {1, 1000, 100_003}) {
            float[] g = gaussian(rnd, n, 4), u = gaussian(rnd, n, 2);
            double[] ref = new double[n];
            for (int i = 0; i < n; i++) ref[i] = Activations.silu(g[i]) * u[i];
            try (DeviceBuffer gb = device().alloc(DType.F32, n); DeviceBuffer ub = device().alloc(DType.F32, n);
                 DeviceBuffer out = device().alloc(DType.F32, n)) {
                gb.upload(g);
                ub.upload(u);
                out.fill(Float.NaN);
                kernels().swiglu(stream(), out, gb, ub, n);
                assertClose("swiglu f32 [" + n + "]", out.download(), ref, 1e-5);
            }
        }
    }

    @Test
    void residualAddIsExact() {
        int n = 100_003;
        float[] h = gaussian(rnd, n, 1), x = gaussian(rnd, n, 1);
        float[] ref = new float[n];
        for (int i = 0; i < n; i++) ref[i] = h[i] + x[i];
        try (DeviceBuffer hb = device().alloc(DType.F32, n + 1); DeviceBuffer xb = device().alloc(DType.F32, n)) {
            hb.fill(Float.NaN);
            hb.upload(h);
            xb.upload(x);
            kernels().residualAdd(stream(), hb, xb, n);
            float[] got = hb.download();
            for (int i = 0; i < n; i++) assertEquals(ref[i], got[i], "element " + i);
            assertTrue(Float.isNaN(got[n]), "the element past n is untouched");
        }
    }

    @Test
    void argmaxMatchesSampler() {
        int rows = 7, vocab = 50_021;
        float[] logits = gaussian(rnd, rows * vocab, 5);
        // ties: row 1 has its maximum twice, row 2 at the last index, row 3 at index 0, row 4 all equal
        logits[vocab + 777] = 100f;
        logits[vocab + 40_000] = 100f;
        logits[2 * vocab + vocab - 1] = 100f;
        logits[3 * vocab] = 100f;
        for (int i = 0; i < vocab; i++) logits[4 * vocab + i] = -2.5f;
        int[] ref = new int[rows];
        for (int r = 0; r < rows; r++) ref[r] = Sampler.argmax(logits, r * vocab, vocab);
        assertEquals(777, ref[1]);
        try (DeviceBuffer lb = device().alloc(DType.F32, logits.length); DeviceBuffer out = device().alloc(DType.I32, rows)) {
            lb.upload(logits);
            out.fill(-1);
            kernels().argmax(stream(), out, lb, rows, vocab);
            assertArrayEquals(ref, out.downloadInts());
        }
    }

    @Test
    void addRmsNormAddsInPlaceThenNormalises() {
        int[][] shapes = {{1, 1536}, {63, 257}, {65, 1537}};
        float eps = 1e-6f;
        for (int[] sh : shapes) {
            int rows = sh[0], dim = sh[1], n = rows * dim;
            float[] h = gaussian(rnd, n, 2), y = gaussian(rnd, n, 2), w = gaussian(rnd, dim, 0.3);
            double[] sum = new double[n], ref = new double[n];
            for (int r = 0; r < rows; r++) {
                double ss = 0;
                for (int i = 0; i < dim; i++) {
                    sum[r * dim + i] = (float) (h[r * dim + i] + y[r * dim + i]);
                    ss += sum[r * dim + i] * sum[r * dim + i];
                }
                double inv = 1 / Math.sqrt(ss / dim + eps);
                for (int i = 0; i < dim; i++) ref[r * dim + i] = sum[r * dim + i] * inv * w[i];
            }
            try (DeviceBuffer hb = device().alloc(DType.F32, n); DeviceBuffer yb = device().alloc(DType.F32, n);
                 DeviceBuffer out = device().alloc(DType.F32, n); DeviceBuffer wd = device().alloc(DType.F32, dim)) {
                hb.upload(h);
                yb.upload(y);
                wd.upload(w);
                out.fill(Float.NaN);
                kernels().addRmsNorm(stream(), hb.address(), yb.address(), out.address(), wd.address(), rows, dim, eps);
                assertClose("addRmsNorm h [" + rows + ", " + dim + "]", hb.download(), sum, 1e-6);
                assertClose("addRmsNorm out [" + rows + ", " + dim + "]", out.download(), ref, 1e-5);
            }
        }
    }

    @Test
    void swigluPairReadsGateThenUpFromEachRow() {
        int rows = 65, inter = 331;
        float[] gu = gaussian(rnd, rows * 2 * inter, 3);
        double[] ref = new double[rows * inter];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < inter; i++) {
                double g = gu[r * 2 * inter + i];
                ref[r * inter + i] = g / (1 + Math.exp(-g)) * gu[r * 2 * inter + inter + i];
            }
        }
        try (DeviceBuffer in = device().alloc(DType.F32, gu.length); DeviceBuffer out = device().alloc(DType.F32, (long) rows * inter)) {
            in.upload(gu);
            out.fill(Float.NaN);
            kernels().swigluPair(stream(), out.address(), in.address(), rows, inter);
            assertClose("swigluPair [" + rows + ", " + inter + "]", out.download(), ref, 1e-5);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {331, 332}) // four columns per thread: a ragged last group; 16-byte loads
    void swigluPairBf16HasTheBitsOfSwigluPairThenToBf16(int inter) {
        int rows = 65, n = rows * inter;
        float[] gu = gaussian(rnd, rows * 2 * inter, 3);
        try (DeviceBuffer in = device().alloc(DType.F32, gu.length); DeviceBuffer act = device().alloc(DType.F32, n);
             DeviceBuffer cast = device().alloc(DType.BF16, n); DeviceBuffer direct = device().alloc(DType.BF16, n)) {
            in.upload(gu);
            cast.fill(Float.NaN);
            direct.fill(Float.NaN);
            kernels().swigluPair(stream(), act.address(), in.address(), rows, inter);
            kernels().toBf16(stream(), cast.address(), act.address(), n);
            kernels().swigluPairBf16(stream(), direct.address(), in.address(), rows, inter);
            float[] want = cast.download(), got = direct.download();
            for (int i = 0; i < n; i++) {
                assertFalse(Float.isNaN(got[i]), "element " + i + " was not written");
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), "element " + i);
            }
        }
    }

    @Test
    void toBf16RoundsLikeJava() {
        int n = 100_003;
        float[] x = gaussian(rnd, n, 10);
        x[0] = Float.NaN;
        x[1] = Float.POSITIVE_INFINITY;
        try (DeviceBuffer in = device().alloc(DType.F32, n); DeviceBuffer out = device().alloc(DType.BF16, n)) {
            in.upload(x);
            out.fill(0f);
            kernels().toBf16(stream(), out.address(), in.address(), n);
            float[] got = out.download();
            assertTrue(Float.isNaN(got[0]));
            for (int i = 1; i < n; i++) assertEquals(DType.fromBf16(DType.toBf16(x[i])), got[i], "element " + i);
        }
    }

    @Test
    void advanceRecordsTokensAndMovesPositions() {
        int batch = 300;
        int[] pos = new int[batch], tok = new int[batch];
        for (int b = 0; b < batch; b++) {
            pos[b] = 10 + b;
            tok[b] = 1000 + b;
        }
        try (DeviceBuffer p = device().alloc(DType.I32, batch); DeviceBuffer t = device().alloc(DType.I32, batch);
             DeviceBuffer hist = device().alloc(DType.I32, 3L * batch); DeviceBuffer step = device().alloc(DType.I32, 1)) {
            p.upload(pos);
            t.upload(tok);
            hist.fill(-1);
            step.upload(new int[] {1});
            kernels().advance(stream(), p.address(), t.address(), hist.address(), step.address(), batch);
            int[] h = hist.downloadInts(), np = p.downloadInts();
            for (int b = 0; b < batch; b++) {
                assertEquals(-1, h[b], "row 0 untouched");
                assertEquals(1000 + b, h[batch + b], "row 1 holds the tokens");
                assertEquals(11 + b, np[b], "position advanced");
            }
            assertEquals(2, step.downloadInts()[0]);
        }
    }

    @Test
    void feedCopiesTheForcedRowOfTheDeviceStep() {
        int batch = 300, steps = 3;
        int[] forced = new int[steps * batch];
        for (int i = 0; i < forced.length; i++) forced[i] = 7 * i + 1;
        try (DeviceBuffer t = device().alloc(DType.I32, batch); DeviceBuffer f = device().alloc(DType.I32, forced.length);
             DeviceBuffer step = device().alloc(DType.I32, 1)) {
            f.upload(forced);
            t.fill(-1);
            step.upload(new int[] {2});
            kernels().feed(stream(), t.address(), f.address(), step.address(), batch);
            int[] got = t.downloadInts();
            for (int b = 0; b < batch; b++) assertEquals(forced[2 * batch + b], got[b], "token " + b + " from row 2");
            assertEquals(2, step.downloadInts()[0], "feed reads the step, advance moves it");
        }
    }
}
