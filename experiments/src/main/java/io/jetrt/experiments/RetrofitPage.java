package io.jetrt.experiments;

import io.jetrt.retrofit.RetrofitResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A retrofit run as one self-contained HTML page: each swapped layer's training loss (relative MSE) against tokens,
 * on a log scale, and a table of the held-out measures before and after with KL to the teacher.
 */
public final class RetrofitPage {
    /** Points per curve at most: longer curves are averaged over equal windows of steps. */
    static final int MAX_POINTS = 200;

    private RetrofitPage() {}

    public static Path write(RetrofitResult r, Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, render(r));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the retrofit report " + file + ": " + e.getMessage(), e);
        }
    }

    static String render(RetrofitResult r) {
        StringBuilder b = new StringBuilder(32 * 1024);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>jetrt retrofit: ").append(Svg.esc(r.out().toString())).append("</title><style>").append(HtmlReport.CSS)
                .append("</style></head><body><main>\n");
        b.append("<h1>Retrofit of ").append(r.layers().size()).append(" layer").append(r.layers().size() == 1 ? "" : "s").append("</h1>");
        String rate = Double.isFinite(r.tokensPerSecond()) ? String.format(Locale.ROOT, "%,.0f tokens/s", r.tokensPerSecond())
                : "every step done by an earlier run";
        b.append(String.format(Locale.ROOT, "<p class=\"meta\">%,d tokens, %s · KL to the teacher %.4g → %.4g nats/token"
                        + " (held out) · model in <code>%s</code> · written %s</p>%n", r.tokens(), rate, r.klBefore(),
                r.klAfter(), Svg.esc(r.out().toString()), Instant.now().truncatedTo(ChronoUnit.SECONDS)));
        b.append("<h2>Layers</h2>\n<table id=\"layers\"><tr><th>layer</th><th>from</th><th>to</th><th class=\"num\">relative MSE before</th>"
                + "<th class=\"num\">after</th><th class=\"num\">after / before</th></tr>\n");
        for (RetrofitResult.LayerResult l : r.layers()) {
            b.append(String.format(Locale.ROOT, "<tr><td class=\"num\">%d</td><td>%s</td><td>%s</td><td class=\"num\">%.4g</td>"
                    + "<td class=\"num\">%.4g</td><td class=\"num\">%.3f</td></tr>%n", l.index(), Svg.esc(l.from()), Svg.esc(l.to()),
                    l.mseBefore(), l.mseAfter(), l.mseAfter() / l.mseBefore()));
        }
        b.append("</table>\n<h2>Distillation curves</h2>\n<figure><figcaption><b>Training loss per layer</b><span>relative MSE of the"
                + " student block's output against the teacher layer's, per step (averaged over windows when long)</span></figcaption>");
        b.append(LinePlot.render("loss-curves", "tokens", "relative MSE", series(r), null,
                x -> String.format(Locale.ROOT, "%,.0f", x), LinePlot.YScale.LOG2, y -> String.format(Locale.ROOT, "%.3g", y)));
        b.append("</figure>\n");
        if (!r.klCurve().isEmpty()) {
            List<LinePlot.Point> pts = new ArrayList<>();
            int offset = r.curve().size();
            for (int s = 0; s < r.klCurve().size(); s++) {
                double tokens = (double) (offset + s + 1) * r.tokensPerStep(), kl = r.klCurve().get(s);
                if (kl > 0) pts.add(new LinePlot.Point(tokens, kl, String.format(Locale.ROOT, "%.4g after %,.0f tokens", kl, tokens)));
            }
            b.append("<figure><figcaption><b>KL stage</b><span>KL(teacher ∥ student) per token on each training batch, through the"
                    + " whole model, after the blockwise stage's tokens</span></figcaption>");
            b.append(LinePlot.render("kl-curve", "tokens", "KL (nats/token)", List.of(new LinePlot.Series("KL", Svg.PALETTE.getFirst(), "", pts)),
                    null, x -> String.format(Locale.ROOT, "%,.0f", x), LinePlot.YScale.LOG2, y -> String.format(Locale.ROOT, "%.3g", y)));
            b.append("</figure>\n");
        }
        b.append("</main></body></html>\n");
        return b.toString();
    }

    private static List<LinePlot.Series> series(RetrofitResult r) {
        List<LinePlot.Series> out = new ArrayList<>();
        int steps = r.curve().size(), window = Math.max(1, (steps + MAX_POINTS - 1) / MAX_POINTS);
        for (int j = 0; j < r.layers().size(); j++) {
            List<LinePlot.Point> pts = new ArrayList<>();
            for (int from = 0; from < steps; from += window) {
                int to = Math.min(steps, from + window);
                double sum = 0;
                for (int s = from; s < to; s++) sum += r.curve().get(s)[j];
                double mean = sum / (to - from), tokens = (double) to * r.tokensPerStep();
                if (mean > 0) pts.add(new LinePlot.Point(tokens, mean, String.format(Locale.ROOT, "%.4g after %,.0f tokens", mean, tokens)));
            }
            RetrofitResult.LayerResult l = r.layers().get(j);
            out.add(new LinePlot.Series("layer " + l.index() + " " + l.from() + " → " + l.to(), Svg.PALETTE.get(j % Svg.PALETTE.size()),
                    Svg.DASHES.get(j / Svg.PALETTE.size() % Svg.DASHES.size()), pts));
        }
        return out;
    }
}
