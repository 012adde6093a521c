package io.jetrt.experiments;

import java.util.List;
import java.util.function.DoubleFunction;

/** Vertical bars in inline SVG, one {@code <g class="bar">} per value, labelled below and valued above. */
final class BarPlot {
    private static final double W = 640, LEFT = 78, RIGHT = 18, TOP = 22, PLOT_H = 220;

    record Bar(String label, String color, double value) {}

    static String render(String id, String yLabel, List<Bar> bars, DoubleFunction<String> fmt) {
        double x0 = LEFT, x1 = W - RIGHT, y0 = TOP, y1 = TOP + PLOT_H;
        double max = bars.stream().mapToDouble(Bar::value).filter(Double::isFinite).max().orElse(1);
        Axis y = Axis.fromZero(max, y1, y0);
        StringBuilder body = new StringBuilder();
        body.append("<g class=\"axes\">");
        Svg.yAxis(body, y, y.ticks(), fmt, x0, x1);
        Svg.line(body, x0, y1, x1, y1, "axis");
        body.append("<text class=\"axis-label\" text-anchor=\"middle\" transform=\"translate(16 ").append(Svg.f((y0 + y1) / 2))
                .append(") rotate(-90)\">").append(Svg.esc(yLabel)).append("</text>");
        body.append("</g>");
        double slot = (x1 - x0) / Math.max(1, bars.size()), width = Math.min(70, slot * 0.7);
        for (int i = 0; i < bars.size(); i++) {
            Bar b = bars.get(i);
            double cx = x0 + slot * (i + 0.5);
            body.append("<g class=\"bar\" data-series=\"").append(Svg.esc(b.label())).append("\" data-value=\"")
                    .append(Svg.data(b.value())).append("\">");
            body.append("<title>").append(Svg.esc(b.label() + ": " + fmt.apply(b.value()))).append("</title>");
            if (Double.isFinite(b.value())) {
                body.append("<rect x=\"").append(Svg.f(cx - width / 2)).append("\" y=\"").append(Svg.f(y.px(b.value())))
                        .append("\" width=\"").append(Svg.f(width)).append("\" height=\"").append(Svg.f(y1 - y.px(b.value())))
                        .append("\" fill=\"").append(b.color()).append("\"/>");
                Svg.text(body, cx, y.px(b.value()) - 5, "middle", "value", fmt.apply(b.value()));
            }
            Svg.text(body, cx, y1 + 16, "middle", "tick", b.label());
            body.append("</g>");
        }
        double h = y1 + 30;
        return "<svg class=\"chart\" id=\"" + id + "\" data-plot=\"" + id + "\" data-series-count=\"" + bars.size()
                + "\" viewBox=\"0 0 " + Svg.f(W) + " " + Svg.f(h) + "\" width=\"" + Svg.f(W) + "\" height=\"" + Svg.f(h)
                + "\" role=\"img\" aria-label=\"" + Svg.esc(yLabel) + "\">" + body + "</svg>";
    }
}
