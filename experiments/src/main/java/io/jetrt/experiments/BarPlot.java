package io.jetrt.experiments;

import java.util.List;
import java.util.function.DoubleFunction;

/**
 * Vertical bars in inline SVG, one {@code <g class="bar">} per value (valued above when there is room, exact in
 * its {@code <title>} and {@code data-value}), in groups labelled below; bars of one group stand side by side.
 */
final class BarPlot {
    private static final double W = 640, LEFT = 78, RIGHT = 18, TOP = 22, PLOT_H = 220;

    record Bar(String label, String color, double value) {}

    /** Bars side by side under one label (e.g. the variants at one workload). */
    record Group(String label, List<Bar> bars) {}

    /** One bar per value, each labelled below. */
    static String render(String id, String yLabel, List<Bar> bars, DoubleFunction<String> fmt) {
        return render(id, yLabel, bars.stream().map(b -> new Group(b.label(), List.of(b))).toList(), List.of(), Double.NaN, fmt);
    }

    /**
     * @param legend    {name, colour, dash} per colour the bars use, or empty where each bar is labelled
     * @param reference a value marked across the plot by a dashed line (e.g. 100% of the floor), or NaN for none
     */
    static String render(String id, String yLabel, List<Group> groups, List<String[]> legend, double reference, DoubleFunction<String> fmt) {
        double x0 = LEFT, x1 = W - RIGHT, y0 = TOP, y1 = TOP + PLOT_H;
        double max = groups.stream().flatMap(g -> g.bars().stream()).mapToDouble(Bar::value).filter(Double::isFinite).max().orElse(1);
        if (Double.isFinite(reference)) max = Math.max(max, reference);
        Axis y = Axis.fromZero(max, y1, y0);
        StringBuilder body = new StringBuilder();
        body.append("<g class=\"axes\">");
        Svg.yAxis(body, y, y.ticks(), fmt, x0, x1);
        Svg.line(body, x0, y1, x1, y1, "axis");
        body.append("<text class=\"axis-label\" text-anchor=\"middle\" transform=\"translate(16 ").append(Svg.f((y0 + y1) / 2))
                .append(") rotate(-90)\">").append(Svg.esc(yLabel)).append("</text>");
        body.append("</g>");
        double slot = (x1 - x0) / Math.max(1, groups.size());
        int bars = 0;
        for (int i = 0; i < groups.size(); i++) {
            Group g = groups.get(i);
            int k = g.bars().size();
            double width = Math.min(70, slot * 0.7 / Math.max(1, k)), center = x0 + slot * (i + 0.5);
            for (int j = 0; j < k; j++) {
                bar(body, g.bars().get(j), g.label(), center + (j - (k - 1) / 2.0) * width, width, y, y1, fmt);
                bars++;
            }
            Svg.text(body, center, y1 + 16, "middle", "tick", g.label());
        }
        if (Double.isFinite(reference)) {
            body.append("<line class=\"reference\" x1=\"").append(Svg.f(x0)).append("\" y1=\"").append(Svg.f(y.px(reference)))
                    .append("\" x2=\"").append(Svg.f(x1)).append("\" y2=\"").append(Svg.f(y.px(reference)))
                    .append("\" stroke=\"#a01c1c\" stroke-dasharray=\"6 3\" data-value=\"").append(Svg.data(reference)).append("\"/>");
        }
        double h = y1 + 30;
        if (!legend.isEmpty()) h += Svg.legend(body, legend, x0, y1 + 40, x1 - x0) + 10;
        return "<svg class=\"chart\" id=\"" + id + "\" data-plot=\"" + id + "\" data-series-count=\"" + bars
                + "\" viewBox=\"0 0 " + Svg.f(W) + " " + Svg.f(h) + "\" width=\"" + Svg.f(W) + "\" height=\"" + Svg.f(h)
                + "\" role=\"img\" aria-label=\"" + Svg.esc(yLabel) + "\">" + body + "</svg>";
    }

    private static void bar(StringBuilder body, Bar b, String group, double cx, double width, Axis y, double y1, DoubleFunction<String> fmt) {
        body.append("<g class=\"bar\" data-series=\"").append(Svg.esc(b.label())).append("\" data-group=\"").append(Svg.esc(group))
                .append("\" data-value=\"").append(Svg.data(b.value())).append("\">");
        body.append("<title>").append(Svg.esc(b.label() + (group.equals(b.label()) ? "" : ", " + group) + ": " + fmt.apply(b.value())))
                .append("</title>");
        if (Double.isFinite(b.value())) {
            body.append("<rect x=\"").append(Svg.f(cx - width * 0.46)).append("\" y=\"").append(Svg.f(y.px(b.value())))
                    .append("\" width=\"").append(Svg.f(width * 0.92)).append("\" height=\"").append(Svg.f(y1 - y.px(b.value())))
                    .append("\" fill=\"").append(b.color()).append("\"/>");
            // a value over a narrow bar would run into its neighbours' values: the title has it
            if (width >= 28) Svg.text(body, cx, y.px(b.value()) - 5, "middle", "value", fmt.apply(b.value()));
        }
        body.append("</g>");
    }
}
