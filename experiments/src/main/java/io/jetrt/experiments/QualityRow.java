package io.jetrt.experiments;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Perplexity of one variant on one backend: {@code exp(nll / predicted)}, where each of the
 * {@code tokens - 1} tokens after the first is predicted from the tokens before it.
 *
 * @param tokenizer how the text became ids: the checkpoint's BPE tokenizer, or UTF-8 bytes as ids
 * @param nll       summed negative log-likelihood in nats
 */
public record QualityRow(String id, String variant, String backend, String status, String reason, int tokens,
                         String tokenizer, double nll, double seconds) {

    public static String id(String variant, String backend) { return "perplexity:" + variant + "/" + backend; }

    public static QualityRow unavailable(String variant, String backend, String reason) {
        return new QualityRow(id(variant, backend), variant, backend, "unavailable", reason, 0, null, Double.NaN, 0);
    }

    public boolean ok() { return status.equals("ok"); }

    public int predicted() { return tokens - 1; }

    public double perplexity() { return Math.exp(nll / predicted()); }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("row", id);
        m.put("kind", "perplexity");
        m.put("variant", variant);
        m.put("backend", backend);
        m.put("status", status);
        if (reason != null) m.put("reason", reason);
        if (!ok()) return m;
        m.put("tokens", tokens);
        m.put("predicted_tokens", predicted());
        m.put("tokenizer", tokenizer);
        m.put("nll", nll);
        m.put("perplexity", perplexity());
        m.put("seconds", seconds);
        return m;
    }

    public static QualityRow fromJson(Map<String, Object> m) {
        String variant = JsonIn.str(m, "variant"), backend = JsonIn.str(m, "backend");
        if (!"ok".equals(m.get("status"))) return unavailable(variant, backend, JsonIn.str(m, "reason"));
        return new QualityRow(JsonIn.str(m, "row"), variant, backend, "ok", null, JsonIn.integer(m, "tokens"),
                JsonIn.str(m, "tokenizer"), JsonIn.dbl(m, "nll"), JsonIn.dbl(m, "seconds"));
    }
}
