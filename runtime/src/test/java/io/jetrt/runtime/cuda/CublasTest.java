package io.jetrt.runtime.cuda;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static io.jetrt.runtime.cuda.CudaTestSupport.assertClose;
import static io.jetrt.runtime.cuda.CudaTestSupport.cublas;
import static io.jetrt.runtime.cuda.CudaTestSupport.device;
import static io.jetrt.runtime.cuda.CudaTestSupport.gaussian;
import static io.jetrt.runtime.cuda.CudaTestSupport.rounded;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** cuBLAS through FFM against a float64 reference of {@code y[m, n] = x[m, k] · w[n, k]ᵀ} at odd sizes. */
class CublasTest {
    private static final int M = 513, N = 257, K = 129;

    private static double[] reference(float[] x, float[] w, int m, int n, int k) {
        double[] y = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double) x[i * k + p] * w[j * k + p];
                y[i * n + j] = s;
            }
        }
        return y;
    }

    @Test
    void bf16GemmExMatchesFloat64() {
        SplittableRandom rnd = new SplittableRandom(513);
        float[] x = gaussian(rnd, M * K, 1), w = gaussian(rnd, N * K, 0.1);
        try (Cublas blas = cublas(); DeviceBuffer xb = device().alloc(DType.BF16, x.length);
             DeviceBuffer wb = device().alloc(DType.BF16, w.length); DeviceBuffer y = device().alloc(DType.F32, (long) M * N)) {
            assertTrue(blas.version() >= 12000, "cuBLAS version " + blas.version());
            xb.upload(x);
            wb.upload(w);
            y.fill(Float.NaN);
            blas.linear(xb, wb, y, M, N, K);
            float[] got = y.download();
            // exact bf16 products, fp32 sums: close to the float64 result of the rounded inputs
            assertClose("GemmEx bf16 [" + M + "x" + K + "]·[" + N + "x" + K + "]ᵀ vs rounded inputs", got,
                    reference(rounded(DType.BF16, x), rounded(DType.BF16, w), M, N, K), 1e-5);
            assertClose("GemmEx bf16 vs unrounded inputs", got, reference(x, w, M, N, K), 1e-2);
        }
    }

    @Test
    void sgemmMatchesFloat64() {
        SplittableRandom rnd = new SplittableRandom(257);
        float[] x = gaussian(rnd, M * K, 1), w = gaussian(rnd, N * K, 0.1);
        try (Cublas blas = cublas(); DeviceBuffer xb = device().alloc(DType.F32, x.length);
             DeviceBuffer wb = device().alloc(DType.F32, w.length); DeviceBuffer y = device().alloc(DType.F32, (long) M * N)) {
            xb.upload(x);
            wb.upload(w);
            y.fill(Float.NaN);
            blas.linearF32(xb, wb, y, M, N, K);
            assertClose("Sgemm f32 [" + M + "x" + K + "]·[" + N + "x" + K + "]ᵀ", y.download(), reference(x, w, M, N, K), 1e-5);
        }
    }
}
