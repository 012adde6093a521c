package io.jetrt.experiments;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The report as one self-contained HTML file: inline CSS, inline SVG figures, no script and no external
 * URL, so it opens offline in any browser. Sections: the variants, the timed rows (wide-spread rows flagged),
 * the rows skipped or failed with why, the figures, and what is needed to reproduce the numbers (the GPU and the
 * measured rates the floors come from among them); the JSON report is embedded too ({@code <script type="application/json">},
 * data only, never executed).
 */
final class HtmlReport {
    private HtmlReport() {}

    static final String CSS = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1d2330;margin:0;background:#f6f7f9}
            main{max-width:1340px;margin:0 auto;padding:24px 28px 48px}
            h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 10px;border-bottom:1px solid #d9dde4;padding-bottom:4px}
            .meta{color:#5a6170;margin:0 0 8px}.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;margin-left:6px}
            .complete{background:#d8f0e0;color:#165c2e}.incomplete{background:#fde2c8;color:#7a3b00}
            table{border-collapse:collapse;background:#fff;font-variant-numeric:tabular-nums;box-shadow:0 1px 2px rgba(0,0,0,.06)}
            th,td{padding:5px 10px;border-bottom:1px solid #e6e9ee;white-space:nowrap}th{background:#eef1f5;text-align:left;font-weight:600}
            td.num,th.num{text-align:right}tr.unavailable td,tr.skipped td{color:#8a5a00;background:#fff8ec}tr.failed td{color:#a01c1c;background:#fdf0f0}
            tr.wide-spread td{background:#fff6d6}.error line{stroke-width:1.5}
            .swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:baseline}
            .notes{color:#8a5a00;font-size:13px;margin:6px 0 0;padding-left:18px}
            .figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:18px}
            figure{margin:0;background:#fff;padding:12px 12px 8px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
            figcaption{margin:0 0 6px}figcaption b{display:block;font-size:15px}figcaption span{color:#5a6170;font-size:12.5px}
            svg.chart{width:100%;max-width:760px;height:auto;font-size:11px}
            .grid{stroke:#e8ebf0}.axis{stroke:#6b7280}.tick{fill:#4b5160}.axis-label{fill:#1d2330;font-size:12px}
            .legend-text{fill:#1d2330}.whisker{stroke:#6b7280}.value{fill:#1d2330;font-size:11px}
            dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;background:#fff;padding:12px 16px;margin:0}
            dt{color:#5a6170}dd{margin:0;word-break:break-all}code,pre{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
            pre{background:#fff;padding:12px 16px;overflow:auto;max-height:420px}
            .ok{color:#165c2e}.bad{color:#a01c1c}
            """;

    static String render(Comparison c) {
        Experiment e = c.experiment();
        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>jetrt compare: ").append(Svg.esc(e.name())).append("</title><style>").append(CSS)
                .append("</style></head><body><main>\n");
        b.append("<h1>").append(Svg.esc(e.name())).append("</h1>");
        b.append("<p class=\"meta\">jetrt block comparison · config <code id=\"config-hash\">")
                .append(ConfigHash.shortForm(c.configHash())).append("</code> · ").append(e.variants().size()).append(" variants × ")
                .append(e.timed() ? e.workloads().size() : 0).append(" workloads × ").append(e.backends().size())
                .append(" backend(s) · written ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS))
                .append(c.complete() ? "<span class=\"badge complete\">complete</span>"
                        : "<span class=\"badge incomplete\">incomplete: rerun to resume</span>").append("</p>\n");

        b.append("<h2 id=\"variants\">Variants</h2>\n");
        table(b, "variants-table", Tables.variants(c), e);
        RetrofitSection.render(b, c.retrofits());
        if (e.timed()) {
            b.append("<h2 id=\"rows\">Timed rows</h2>\n");
            b.append("<p class=\"meta\" id=\"policy\">").append(Svg.esc(e.measurementPolicy())).append(".</p>\n");
            table(b, "rows-table", Tables.rows(c), e);
            Tables.Table notRun = Tables.notRun(c);
            if (!notRun.rows().isEmpty()) {
                b.append("<h2 id=\"not-run\">Skipped and failed rows</h2>\n<p class=\"meta\">Rows planned but not measured: skipped")
                        .append(" (they cannot fit: the bytes they need against those free) or failed (they threw while running);")
                        .append(" the other rows went on.</p>\n");
                table(b, "not-run-table", notRun, e);
            }
        }
        List<Plots.Figure> figures = Plots.all(c);
        if (!figures.isEmpty()) {
            b.append("<h2 id=\"figures\">Figures</h2>\n<div class=\"figures\">\n");
            for (Plots.Figure f : figures) {
                b.append("<figure id=\"fig-").append(f.id()).append("\"><figcaption><b>").append(Svg.esc(f.title())).append("</b><span>")
                        .append(Svg.esc(f.caption())).append("</span></figcaption>").append(f.svg()).append("</figure>\n");
            }
            b.append("</div>\n");
        }
        reproducibility(b, c);
        b.append("<script type=\"application/json\" id=\"report-data\">")
                .append(Mappers.line(c).replace("<", "\\u003c")).append("</script>\n"); // no "</script>" or "<!--" inside
        b.append("</main></body></html>\n");
        return b.toString();
    }

    /** Column 0 holds the variant name: it gets the variant's colour swatch. */
    private static void table(StringBuilder b, String id, Tables.Table t, Experiment e) {
        b.append("<table id=\"").append(id).append("\"><thead><tr>");
        for (int i = 0; i < t.headers().size(); i++) {
            b.append(t.numeric()[i] ? "<th class=\"num\">" : "<th>").append(Svg.esc(t.headers().get(i))).append("</th>");
        }
        b.append("</tr></thead><tbody>\n");
        for (int r = 0; r < t.rows().size(); r++) {
            List<String> row = t.rows().get(r);
            b.append(t.classes().get(r).isEmpty() ? "<tr>" : "<tr class=\"" + t.classes().get(r) + "\">");
            for (int i = 0; i < row.size(); i++) {
                b.append(t.numeric()[i] ? "<td class=\"num\">" : "<td>");
                if (i == 0) b.append("<span class=\"swatch\" style=\"background:").append(Plots.color(e, row.get(i))).append("\"></span>");
                b.append(Svg.esc(row.get(i))).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</tbody></table>\n");
        if (!t.notes().isEmpty()) {
            b.append("<ul class=\"notes\">");
            for (String n : t.notes()) b.append("<li>").append(Svg.esc(n.substring(2))).append("</li>");
            b.append("</ul>\n");
        }
    }

    private static void reproducibility(StringBuilder b, Comparison c) {
        Experiment e = c.experiment();
        Environment env = c.environment();
        b.append("<h2 id=\"reproduce\">Reproducibility</h2>\n<dl id=\"reproducibility\">");
        dd(b, "config hash", "<code>" + c.configHash() + "</code>");
        dd(b, "base model", Svg.esc(describeModel(e.model())) + "<br><code>" + Svg.esc(c.model().dir().toString())
                + "</code>, fingerprint <code>" + c.model().fingerprint().substring(0, 16) + "</code>");
        dd(b, "seeds", "inputs " + e.seed() + "; swapped-in blocks " + e.initSeed() + " (layer i: " + e.initSeed() + " × 1000003 + i)"
                + (e.model().kind().equals("checkpoint") ? "" : "; model weights " + e.model().seed()));
        dd(b, "policy", Svg.esc(e.measurementPolicy()) + "; greedy choice, teacher-forced inputs, no stop tokens");
        dd(b, "backends", Svg.esc(String.join(", ", e.backends())));
        dd(b, "hardware", Svg.esc(env.cpuModel() + ", " + env.cores() + " cores, " + Format.bytes(env.memoryBytes()) + " memory; "
                + env.devices()));
        if (env.gpu() != null) dd(b, "GPU", "<span id=\"gpu\">" + Svg.esc(gpu(env.gpu())) + "</span>");
        if (env.rates() != null && !env.rates().isEmpty()) {
            StringBuilder rates = new StringBuilder();
            for (Environment.Rates r : env.rates()) {
                rates.append("<span class=\"rates\" data-backend=\"").append(Svg.esc(r.backend())).append("\">").append(Svg.esc(r.backend()))
                        .append(": GEMM ").append(Format.rate(r.gemmFlops(), "FLOP/s")).append(", bandwidth ").append(Format.rate(r.bandwidth(), "B/s"))
                        .append(r.how() == null || r.how().isBlank() ? "" : " (" + Svg.esc(r.how()) + ")").append("</span><br>");
            }
            dd(b, "measured rates", rates.toString());
        }
        dd(b, "JDK", Svg.esc(env.jdk() + " (" + env.jvm() + "), max heap " + Format.bytes(env.maxHeapBytes())));
        dd(b, "OS", Svg.esc(env.os()));
        dd(b, "CPU ops", Svg.esc(env.cpuOps()));
        dd(b, "bundles", "<span id=\"bundles\">" + Svg.esc(String.join(", ", env.bundles())) + "</span>");
        StringBuilder shared = new StringBuilder();
        boolean compared = c.profiles().size() >= 2;
        boolean same = compared && c.profiles().stream().map(p -> p.shared().sha256()).distinct().count() == 1;
        for (VariantProfile p : c.profiles()) {
            shared.append("<span class=\"shared-digest\" data-variant=\"").append(Svg.esc(p.variant())).append("\">")
                    .append(Svg.esc(p.variant())).append(": <code>").append(p.shared().sha256(), 0, 16).append("</code> (")
                    .append(p.shared().tensors()).append(" tensors)</span><br>");
        }
        shared.append(!compared ? "<span>not compared (fewer than 2 variants profiled)</span>"
                : same ? "<span class=\"ok\">identical across variants</span>" : "<span class=\"bad\">DIFFERENT across variants</span>");
        dd(b, "shared weights", shared.toString());
        StringBuilder layers = new StringBuilder();
        for (VariantProfile p : c.profiles()) {
            layers.append("<b>").append(Svg.esc(p.variant())).append("</b>: ");
            for (VariantProfile.LayerInfo l : p.layers()) {
                layers.append(l.index()).append(' ').append(Svg.esc(l.type())).append(" (").append(Svg.esc(l.bundle()))
                        .append(l.weights().startsWith("seeded") ? ", seeded init" : "").append("); ");
            }
            layers.append("<br>");
        }
        dd(b, "layers", layers.toString());
        b.append("</dl>\n<h2 id=\"experiment\">Experiment file (normalized)</h2>\n<pre id=\"experiment-json\">")
                .append(Svg.esc(Mappers.pretty(e))).append("</pre>\n");
    }

    /** "NVIDIA H200, sm_90, 132 SMs, 141 GiB, driver 570.86.15, CUDA 12.8, cuBLAS 12.8.4". */
    static String gpu(Environment.Gpu g) {
        return g.name() + ", compute capability " + g.computeCapability() + ", " + g.multiprocessors() + " SMs, " + Format.bytes(g.memoryBytes())
                + ", driver " + g.driver() + ", CUDA " + g.cuda() + ", cuBLAS " + g.cublas();
    }

    private static String describeModel(ModelSpec m) {
        return switch (m.kind()) {
            case "checkpoint" -> "checkpoint " + m.written();
            case "demo" -> "demo model '" + m.shape() + "', random weights, seed " + m.seed();
            default -> "config " + m.written() + ", random weights, seed " + m.seed();
        };
    }

    private static void dd(StringBuilder b, String term, String html) {
        b.append("<dt>").append(Svg.esc(term)).append("</dt><dd>").append(html).append("</dd>");
    }
}
