package io.jetrt.experiments;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Perplexity of one variant on one backend: {@code exp(nll / predicted)}, where each of the
 * {@code tokens - 1} tokens after the first is predicted from the tokens before it. This record is the
 * row's JSON in both directions.
 *
 * @param tokenizer how the text became ids: the checkpoint's BPE tokenizer, or UTF-8 bytes as ids
 * @param nll       summed negative log-likelihood in nats
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonPropertyOrder({"row", "kind", "variant", "backend", "status", "reason", "tokens", "predicted_tokens", "tokenizer", "nll",
        "perplexity", "seconds"})
public record QualityRow(@JsonProperty("row") String id, String variant, String backend, String status,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String reason, @Measured int tokens, @Measured String tokenizer,
                         @Measured double nll, @Measured double seconds) implements Measured.Row {

    public static String id(String variant, String backend) { return "perplexity:" + variant + "/" + backend; }

    public static QualityRow unavailable(String variant, String backend, String reason) {
        return new QualityRow(id(variant, backend), variant, backend, "unavailable", reason, 0, null, Double.NaN, 0);
    }

    /** A row that threw while it ran (or while its variant was composed): the others go on. */
    public static QualityRow failed(String variant, String backend, String reason) {
        return new QualityRow(id(variant, backend), variant, backend, "failed", reason, 0, null, Double.NaN, 0);
    }

    @JsonProperty("kind")
    String kind() { return "perplexity"; }

    @Override
    public boolean ok() { return status.equals("ok"); }

    @Measured @JsonProperty("predicted_tokens")
    public int predicted() { return tokens - 1; }

    @Measured @JsonProperty("perplexity")
    public double perplexity() { return Math.exp(nll / predicted()); }
}
