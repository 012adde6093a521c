package io.jetrt.experiments;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;

/**
 * Distributions as horizontal box plots in inline SVG, one {@code <g class="box">} per sample set: the box
 * spans p25–p75, a bar marks the median, whiskers reach the smallest and largest sample, and a tick marks
 * p99. The x axis turns logarithmic when the samples span more than a factor of ten.
 */
final class BoxPlot {
    private static final double W = 640, LEFT = 210, RIGHT = 18, TOP = 10, ROW = 26;

    record Box(String label, String color, String rowId, double[] samples) {}

    static String render(String id, String xLabel, List<Box> boxes, DoubleFunction<String> fmt) {
        List<Double> all = new ArrayList<>();
        for (Box b : boxes) for (double s : b.samples()) all.add(s);
        double x0 = LEFT, x1 = W - RIGHT, y0 = TOP, y1 = TOP + ROW * boxes.size();
        Axis x = Axis.fitting(all, x0, x1);
        StringBuilder body = new StringBuilder();
        body.append("<g class=\"axes\">");
        Svg.xAxis(body, x, x.ticks(), fmt, y0, y1);
        Svg.line(body, x0, y1, x1, y1, "axis");
        Svg.text(body, (x0 + x1) / 2, y1 + 36, "middle", "axis-label", xLabel);
        body.append("</g>");
        for (int i = 0; i < boxes.size(); i++) {
            Box b = boxes.get(i);
            double[] s = b.samples();
            double q1 = Stats.percentile(s, 25), med = Stats.median(s), q3 = Stats.percentile(s, 75), p99 = Stats.percentile(s, 99);
            double lo = Stats.min(s), hi = Stats.max(s), cy = y0 + ROW * i + ROW / 2;
            body.append("<g class=\"box\" data-row=\"").append(Svg.esc(b.rowId())).append("\" data-samples=\"").append(s.length)
                    .append("\" data-median=\"").append(Svg.data(med)).append("\" data-p99=\"").append(Svg.data(p99)).append("\">");
            body.append("<title>").append(Svg.esc(b.label() + ": median " + fmt.apply(med) + ", p99 " + fmt.apply(p99) + ", "
                    + s.length + " samples")).append("</title>");
            Svg.text(body, x0 - 8, cy + 4, "end", "tick", b.label());
            Svg.line(body, x.px(lo), cy, x.px(hi), cy, "whisker");
            Svg.line(body, x.px(lo), cy - 5, x.px(lo), cy + 5, "whisker");
            Svg.line(body, x.px(hi), cy - 5, x.px(hi), cy + 5, "whisker");
            body.append("<rect x=\"").append(Svg.f(x.px(q1))).append("\" y=\"").append(Svg.f(cy - 8)).append("\" width=\"")
                    .append(Svg.f(Math.max(1, x.px(q3) - x.px(q1)))).append("\" height=\"16\" fill=\"").append(b.color())
                    .append("\" fill-opacity=\"0.35\" stroke=\"").append(b.color()).append("\"/>");
            body.append("<line class=\"median\" x1=\"").append(Svg.f(x.px(med))).append("\" y1=\"").append(Svg.f(cy - 8))
                    .append("\" x2=\"").append(Svg.f(x.px(med))).append("\" y2=\"").append(Svg.f(cy + 8)).append("\" stroke=\"")
                    .append(b.color()).append("\" stroke-width=\"3\"/>");
            body.append("<path class=\"p99\" d=\"M").append(Svg.f(x.px(p99))).append(' ').append(Svg.f(cy - 11))
                    .append(" l-4 -5 h8 z\" fill=\"").append(b.color()).append("\"/>");
            body.append("</g>");
        }
        double h = y1 + 48;
        return "<svg class=\"chart\" id=\"" + id + "\" data-plot=\"" + id + "\" data-series-count=\"" + boxes.size()
                + "\" viewBox=\"0 0 " + Svg.f(W) + " " + Svg.f(h) + "\" width=\"" + Svg.f(W) + "\" height=\"" + Svg.f(h)
                + "\" role=\"img\" aria-label=\"" + Svg.esc(xLabel) + "\">" + body + "</svg>";
    }
}
