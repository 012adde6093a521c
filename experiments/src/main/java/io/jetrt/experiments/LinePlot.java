package io.jetrt.experiments;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;

/**
 * A line plot as inline SVG: one {@code <g class="series" data-series=...>} per series with its polyline
 * and one marker per point (a {@code <title>} gives the exact value on hover; {@code data-x}/{@code data-y}
 * carry it for anyone checking the figure against the JSON), and an error bar ({@code <g class="error-bar">},
 * its ends in {@code data-min}/{@code data-max}) behind each point that has one.
 */
final class LinePlot {
    private static final double W = 640, LEFT = 78, RIGHT = 18, TOP = 14, PLOT_H = 250;

    /** A value with, where {@code lo} and {@code hi} are finite, an error bar from {@code lo} to {@code hi} (e.g. min–max over repetitions). */
    record Point(double x, double y, double lo, double hi, String label) {
        Point(double x, double y, String label) { this(x, y, Double.NaN, Double.NaN, label); }

        boolean hasBar() { return Double.isFinite(lo) && Double.isFinite(hi) && hi > lo; }
    }

    record Series(String name, String color, String dash, List<Point> points) {}

    /** The y axis: linear from zero, or logarithmic with power-of-two ticks (byte sizes spanning decades). */
    enum YScale { LINEAR, LOG2 }

    /**
     * @param xTicks the tick values of x (e.g. the measured lengths), or null for round values
     */
    static String render(String id, String xLabel, String yLabel, List<Series> series, List<Double> xTicks,
                         DoubleFunction<String> xFmt, YScale yScale, DoubleFunction<String> yFmt) {
        List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (Series s : series) for (Point p : s.points()) {
            xs.add(p.x());
            if (Double.isFinite(p.y())) ys.add(p.y());
            if (p.hasBar()) {
                ys.add(p.lo());
                ys.add(p.hi());
            }
        }
        double x0 = LEFT, x1 = W - RIGHT, y0 = TOP, y1 = TOP + PLOT_H;
        Axis x = Axis.fitting(xs, x0, x1);
        double yMax = ys.stream().mapToDouble(Double::doubleValue).max().orElse(1);
        double yMin = ys.stream().mapToDouble(Double::doubleValue).min().orElse(1);
        Axis y = yScale == YScale.LINEAR ? Axis.fromZero(yMax, y1, y0) : new Axis(yMin / 1.5, yMax * 1.5, true, y1, y0);

        StringBuilder body = new StringBuilder();
        body.append("<g class=\"axes\">");
        Svg.yAxis(body, y, yScale == YScale.LOG2 ? y.binaryTicks() : y.ticks(), yFmt, x0, x1);
        Svg.xAxis(body, x, xTicks != null ? xTicks : x.ticks(), xFmt, y0, y1);
        Svg.line(body, x0, y1, x1, y1, "axis");
        Svg.line(body, x0, y0, x0, y1, "axis");
        Svg.text(body, (x0 + x1) / 2, y1 + 36, "middle", "axis-label", xLabel);
        body.append("<text class=\"axis-label\" text-anchor=\"middle\" transform=\"translate(16 ").append(Svg.f((y0 + y1) / 2))
                .append(") rotate(-90)\">").append(Svg.esc(yLabel)).append("</text>");
        body.append("</g>");
        List<String[]> legend = new ArrayList<>();
        for (Series s : series) {
            body.append("<g class=\"series\" data-series=\"").append(Svg.esc(s.name())).append("\" data-points=\"")
                    .append(s.points().size()).append("\">");
            StringBuilder pts = new StringBuilder();
            List<Point> sorted = s.points().stream().sorted(java.util.Comparator.comparingDouble(Point::x)).toList();
            for (Point p : sorted) {
                if (Double.isFinite(p.y())) pts.append(Svg.f(x.px(p.x()))).append(',').append(Svg.f(y.px(p.y()))).append(' ');
            }
            body.append("<polyline fill=\"none\" stroke=\"").append(s.color()).append("\" stroke-width=\"2\"")
                    .append(s.dash().isEmpty() ? "" : " stroke-dasharray=\"" + s.dash() + "\"").append(" points=\"")
                    .append(pts.toString().strip()).append("\"/>");
            for (Point p : s.points()) {
                if (!Double.isFinite(p.y()) || !p.hasBar()) continue;
                double cx = x.px(p.x());
                body.append("<g class=\"error-bar\" stroke=\"").append(s.color()).append("\" data-x=\"").append(Svg.data(p.x()))
                        .append("\" data-min=\"").append(Svg.data(p.lo())).append("\" data-max=\"").append(Svg.data(p.hi())).append("\">");
                Svg.line(body, cx, y.px(p.lo()), cx, y.px(p.hi()), "error");
                Svg.line(body, cx - 4, y.px(p.lo()), cx + 4, y.px(p.lo()), "error");
                Svg.line(body, cx - 4, y.px(p.hi()), cx + 4, y.px(p.hi()), "error");
                body.append("</g>");
            }
            for (Point p : s.points()) {
                if (!Double.isFinite(p.y())) continue;
                body.append("<circle class=\"point\" cx=\"").append(Svg.f(x.px(p.x()))).append("\" cy=\"").append(Svg.f(y.px(p.y())))
                        .append("\" r=\"3.5\" fill=\"").append(s.color()).append("\" data-x=\"").append(Svg.data(p.x()))
                        .append("\" data-y=\"").append(Svg.data(p.y())).append("\"><title>").append(Svg.esc(s.name() + ": " + p.label()))
                        .append("</title></circle>");
            }
            body.append("</g>");
            legend.add(new String[] {s.name(), s.color(), s.dash()});
        }
        double legendH = Svg.legend(body, legend, x0, y1 + 62, x1 - x0);
        double h = y1 + 62 + legendH;
        return "<svg class=\"chart\" id=\"" + id + "\" data-plot=\"" + id + "\" data-series-count=\"" + series.size()
                + "\" viewBox=\"0 0 " + Svg.f(W) + " " + Svg.f(h) + "\" width=\"" + Svg.f(W) + "\" height=\"" + Svg.f(h)
                + "\" role=\"img\" aria-label=\"" + Svg.esc(yLabel + " by " + xLabel) + "\">" + body + "</svg>";
    }
}
