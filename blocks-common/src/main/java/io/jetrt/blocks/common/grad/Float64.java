package io.jetrt.blocks.common.grad;

/** Conversions between the SPI's float32 tensors and the float64 arrays the reference backward computes in. */
public final class Float64 {
    private Float64() {}

    public static double[] of(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    public static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }
}
