package io.jetrt.runtime.verify;

/**
 * One compared tensor: {@code rel = max|got − expected| / max|expected|} over the whole tensor (the
 * fixtures' measure), passing when {@code rel <= tolerance}; token ids pass only when equal.
 */
public record Check(String tensor, String backend, double maxAbs, double rel, double tolerance, boolean pass, String note) {

    public static Check of(String tensor, String backend, float[] got, float[] expected, double tolerance) {
        if (got.length != expected.length) {
            return new Check(tensor, backend, Double.NaN, Double.NaN, tolerance, false,
                    "size " + got.length + " != expected " + expected.length);
        }
        double maxAbs = 0, maxRef = 0;
        boolean finite = true;
        for (int i = 0; i < got.length; i++) {
            if (!Float.isFinite(got[i])) finite = false;
            maxAbs = Math.max(maxAbs, Math.abs((double) got[i] - expected[i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        double rel = maxRef == 0 ? maxAbs : maxAbs / maxRef;
        if (!finite) return new Check(tensor, backend, Double.NaN, Double.NaN, tolerance, false, "non-finite values (a skipped write?)");
        return new Check(tensor, backend, maxAbs, rel, tolerance, rel <= tolerance, "");
    }

    public static Check ids(String tensor, String backend, long[] got, long[] expected) {
        int wrong = 0;
        for (int i = 0; i < Math.min(got.length, expected.length); i++) if (got[i] != expected[i]) wrong++;
        wrong += Math.abs(got.length - expected.length);
        return new Check(tensor, backend, wrong, wrong, 0, wrong == 0, wrong == 0 ? "exact" : wrong + " ids differ");
    }

    public String line() {
        return String.format("%-34s %-9s max_abs %-10.3e rel %-10.3e tol %-7.1e %s%s", tensor, backend, maxAbs, rel, tolerance,
                pass ? "PASS" : "FAIL", note.isEmpty() ? "" : "  (" + note + ")");
    }
}
