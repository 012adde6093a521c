package io.jetrt.experiments;

import java.util.Locale;

/** Numbers as the tables show them; "-" where there is no value. */
final class Format {
    private Format() {}

    static final String NONE = "-";

    /** Fixed decimals, grouped thousands: "12,345.6". */
    static String num(double x, int decimals) {
        if (!Double.isFinite(x)) return NONE;
        return String.format(Locale.ROOT, "%,." + decimals + "f", x);
    }

    /** Three significant digits for small values, grouped thousands for large ones: "0.0123", "4.56", "1,234". */
    static String sig(double x) {
        if (!Double.isFinite(x)) return NONE;
        double a = Math.abs(x);
        if (a >= 100) return num(x, 0);
        if (a >= 10) return num(x, 1);
        if (a >= 1) return num(x, 2);
        if (a == 0) return "0";
        return String.format(Locale.ROOT, "%.3g", x);
    }

    static String count(long n) { return String.format(Locale.ROOT, "%,d", n); }

    /** Binary units: "512 B", "1.50 KiB", "12.0 MiB", "3.25 GiB". */
    static String bytes(long n) {
        if (n < 0) return NONE;
        if (n < 1024) return n + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        boolean whole = Math.abs(v - Math.rint(v)) < 1e-9;
        return String.format(Locale.ROOT, v >= 100 || whole ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[u]);
    }

    /** A percentage: "23%", "4.5%", "0.12%"; "-" where there is no value. */
    static String percent(double x) {
        if (!Double.isFinite(x)) return NONE;
        double a = Math.abs(x);
        return String.format(Locale.ROOT, a >= 10 || a == 0 ? "%.0f%%" : a >= 1 ? "%.1f%%" : "%.2g%%", x);
    }

    /** A rate in SI units, three significant digits: rate(7.56e14, "FLOP/s") = "756 TFLOP/s", rate(4.2e12, "B/s") = "4.20 TB/s". */
    static String rate(double perSecond, String unit) {
        if (!Double.isFinite(perSecond) || perSecond <= 0) return NONE;
        String[] prefixes = {"", "k", "M", "G", "T", "P", "E"};
        int p = 0;
        double v = perSecond;
        while (v >= 999.5 && p < prefixes.length - 1) {
            v /= 1000;
            p++;
        }
        return String.format(Locale.ROOT, v >= 99.95 ? "%.0f %s%s" : v >= 9.995 ? "%.1f %s%s" : "%.2f %s%s", v, prefixes[p], unit);
    }

    /** A workload's batch: the number, or "max" for the largest that fits. */
    static String batch(Workload w) { return w.largest() ? "max" : String.valueOf(w.batch()); }

    /** Context lengths as plot ticks and headers: 4096 → "4k", 65536 → "64k", 1000 → "1000". */
    static String tokens(long n) {
        if (n >= 1024 && n % 1024 == 0) return (n / 1024) + "k";
        return Long.toString(n);
    }
}
