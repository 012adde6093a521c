package io.jetrt.experiments;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report's section on retrofitted variants: per variant the tokens trained on, the swapped layers' held-out
 * relative MSE (mean over layers) and KL to the base model before and after, and the distillation curves.
 */
final class RetrofitSection {
    private RetrofitSection() {}

    static void render(StringBuilder b, Map<String, Map<String, Object>> results) {
        if (results.isEmpty()) return;
        b.append("<h2 id=\"retrofit\">Retrofit</h2>\n<p class=\"meta\">Variants whose swapped-in blocks were trained by blockwise"
                + " distillation from the base model (relative MSE of each block's output against the base layer's, from the base"
                + " model's own input), all with the recipe their variant gives. Measured on held-out sequences of the training data.</p>\n");
        b.append("<table id=\"retrofit-table\"><tr><th>variant</th><th class=\"num\">layers</th><th class=\"num\">tokens</th>"
                + "<th class=\"num\">tokens/s</th><th class=\"num\">relative MSE before</th><th class=\"num\">after</th>"
                + "<th class=\"num\">KL to base before</th><th class=\"num\">after</th></tr>\n");
        List<LinePlot.Series> series = new ArrayList<>();
        int k = 0;
        for (Map.Entry<String, Map<String, Object>> e : results.entrySet()) {
            Map<String, Object> r = e.getValue();
            List<?> layers = (List<?>) r.get("layers");
            double before = 0, after = 0;
            for (Object o : layers) {
                before += num(((Map<?, ?>) o).get("mse_before")) / layers.size();
                after += num(((Map<?, ?>) o).get("mse_after")) / layers.size();
            }
            b.append(String.format(Locale.ROOT, "<tr data-variant=\"%s\"><td>%s</td><td class=\"num\">%d</td><td class=\"num\">%,d</td>"
                    + "<td class=\"num\">%s</td><td class=\"num\">%.4g</td><td class=\"num\">%.4g</td><td class=\"num\">%.4g</td>"
                    + "<td class=\"num\">%.4g</td></tr>%n", Svg.esc(e.getKey()), Svg.esc(e.getKey()), layers.size(), (long) num(r.get("tokens")),
                    r.get("tokens_per_s") == null ? "–" : String.format(Locale.ROOT, "%,.0f", num(r.get("tokens_per_s"))), before, after,
                    num(r.get("kl_before")), num(r.get("kl_after"))));
            List<LinePlot.Point> pts = new ArrayList<>();
            for (Object o : (List<?>) r.get("curve")) {
                List<?> p = (List<?>) o;
                double x = num(p.get(0)), y = num(p.get(1));
                if (y > 0) pts.add(new LinePlot.Point(x, y, String.format(Locale.ROOT, "%.4g after %,.0f tokens", y, x)));
            }
            series.add(new LinePlot.Series(e.getKey(), Svg.PALETTE.get(k % Svg.PALETTE.size()), Svg.DASHES.get(k / Svg.PALETTE.size() % Svg.DASHES.size()), pts));
            k++;
        }
        b.append("</table>\n<div class=\"figures\"><figure><figcaption><b>Distillation curves</b><span>training loss (relative MSE,"
                + " mean over the variant's swapped layers) against tokens</span></figcaption>");
        b.append(LinePlot.render("retrofit-curves", "tokens", "relative MSE", series, null, x -> String.format(Locale.ROOT, "%,.0f", x),
                LinePlot.YScale.LOG2, y -> String.format(Locale.ROOT, "%.3g", y)));
        b.append("</figure></div>\n");
    }

    private static double num(Object o) { return o instanceof Number n ? n.doubleValue() : Double.NaN; }
}
