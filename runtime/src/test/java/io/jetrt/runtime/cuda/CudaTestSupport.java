package io.jetrt.runtime.cuda;

import org.junit.jupiter.api.Assumptions;

import java.util.SplittableRandom;

/**
 * Shared by the GPU tests: one device for the whole run, and skips (with the reason) where CUDA, the
 * kernels or cuBLAS are missing, so CI without a GPU reports them skipped rather than failed.
 */
final class CudaTestSupport {
    private static CudaDevice device;
    private static Stream stream;
    private static DenseKernels kernels;

    private CudaTestSupport() {}

    static synchronized CudaDevice device() {
        CudaDriver.Status s = CudaDriver.status();
        Assumptions.assumeTrue(s.available(), s.reason());
        if (device == null) device = CudaDevice.open(0);
        return device;
    }

    static synchronized Stream stream() {
        if (stream == null) stream = Stream.create(device());
        return stream;
    }

    static synchronized DenseKernels kernels() {
        CudaDevice d = device();
        String missing = DenseKernels.missing();
        Assumptions.assumeTrue(missing == null, missing);
        if (kernels == null) kernels = DenseKernels.load(d);
        return kernels;
    }

    static Cublas cublas() {
        Stream s = stream();
        try {
            CublasLibrary.get();
        } catch (CudaUnavailableException e) {
            Assumptions.abort(e.getMessage());
        }
        return Cublas.create(device(), s);
    }

    static float[] gaussian(SplittableRandom rnd, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller: SplittableRandom has no nextGaussian before Java 17's RandomGenerator default
            a[i] = (float) (scale * Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble()));
        }
        return a;
    }

    static float[] rounded(DType t, float[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) out[i] = t.round(a[i]);
        return out;
    }

    /** ‖got − ref‖ / ‖ref‖ ≤ tol, and every element written (no NaN left from the poison). */
    static void assertClose(String what, float[] got, double[] ref, double tol) {
        if (got.length < ref.length) throw new AssertionError(what + ": " + got.length + " values, expected " + ref.length);
        double num = 0, den = 0;
        for (int i = 0; i < ref.length; i++) {
            if (!Float.isFinite(got[i])) throw new AssertionError(what + ": element " + i + " is " + got[i] + " (expected " + ref[i] + ")");
            double d = got[i] - ref[i];
            num += d * d;
            den += ref[i] * ref[i];
        }
        double rel = Math.sqrt(num / Math.max(den, 1e-300));
        if (!(rel <= tol)) throw new AssertionError(what + ": relative error " + rel + " > " + tol);
    }

    static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }
}
