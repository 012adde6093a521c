package io.jetrt.experiments;

import java.util.List;
import java.util.Locale;

/** Small pieces of inline SVG and HTML text: escaping, coordinates, axes, the colour palette, the legend. */
final class Svg {
    private Svg() {}

    /** Okabe–Ito: eight colours that stay apart for colour-blind readers; variant i gets colour i mod 8. */
    static final List<String> PALETTE = List.of("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C7A00", "#000000");
    /** Line styles that tell apart series of one variant (other backend, batch or generation length). */
    static final List<String> DASHES = List.of("", "6 3", "2 3", "8 3 2 3");

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A coordinate with one decimal: enough for a screen, short in the file. */
    static String f(double v) { return String.format(Locale.ROOT, "%.1f", v); }

    /** A data value in full, for data- attributes a reader (or a test) compares with the JSON. */
    static String data(double v) { return Double.isFinite(v) ? Double.toString(v) : ""; }

    static void text(StringBuilder b, double x, double y, String anchor, String cls, String s) {
        b.append("<text x=\"").append(f(x)).append("\" y=\"").append(f(y)).append("\" text-anchor=\"").append(anchor)
                .append("\" class=\"").append(cls).append("\">").append(esc(s)).append("</text>");
    }

    static void line(StringBuilder b, double x1, double y1, double x2, double y2, String cls) {
        b.append("<line x1=\"").append(f(x1)).append("\" y1=\"").append(f(y1)).append("\" x2=\"").append(f(x2)).append("\" y2=\"")
                .append(f(y2)).append("\" class=\"").append(cls).append("\"/>");
    }

    /** Grid lines and labels of a vertical (y) axis over the plot width {@code [x0, x1]}. */
    static void yAxis(StringBuilder b, Axis y, List<Double> ticks, java.util.function.DoubleFunction<String> label, double x0, double x1) {
        for (double t : ticks) {
            line(b, x0, y.px(t), x1, y.px(t), "grid");
            text(b, x0 - 6, y.px(t) + 4, "end", "tick", label.apply(t));
        }
    }

    /** Grid lines and labels of a horizontal (x) axis over the plot height {@code [y0, y1]}, labels below y1. */
    static void xAxis(StringBuilder b, Axis x, List<Double> ticks, java.util.function.DoubleFunction<String> label, double y0, double y1) {
        for (double t : ticks) {
            line(b, x.px(t), y0, x.px(t), y1, "grid");
            text(b, x.px(t), y1 + 16, "middle", "tick", label.apply(t));
        }
    }

    /** A legend laid out in rows from {@code (x, y)}; returns the height used. */
    static double legend(StringBuilder b, List<String[]> entries, double x, double y, double width) {
        // entries: {name, colour, dash}
        double cx = x, cy = y, itemW = 190;
        int perRow = Math.max(1, (int) (width / itemW));
        b.append("<g class=\"legend\">");
        for (int i = 0; i < entries.size(); i++) {
            if (i > 0 && i % perRow == 0) {
                cx = x;
                cy += 18;
            }
            String[] e = entries.get(i);
            b.append("<g class=\"legend-item\" data-series=\"").append(esc(e[0])).append("\">");
            b.append("<line x1=\"").append(f(cx)).append("\" y1=\"").append(f(cy - 4)).append("\" x2=\"").append(f(cx + 22))
                    .append("\" y2=\"").append(f(cy - 4)).append("\" stroke=\"").append(e[1]).append("\" stroke-width=\"2.5\"")
                    .append(e[2].isEmpty() ? "" : " stroke-dasharray=\"" + e[2] + "\"").append("/>");
            text(b, cx + 28, cy, "start", "legend-text", e[0]);
            b.append("</g>");
            cx += itemW;
        }
        b.append("</g>");
        return cy - y + 18;
    }
}
