package io.jetrt.runtime.engine;

/**
 * How the next token is chosen: greedy when {@code temperature == 0}; else softmax(logits / temperature)
 * restricted to the {@code topK} most likely tokens (0 = all) and to the smallest set whose probability
 * reaches {@code topP} (1 = all), drawn with a generator seeded by {@code seed}.
 */
public record SamplingParams(double temperature, int topK, double topP, long seed) {
    public static final SamplingParams GREEDY = new SamplingParams(0, 0, 1, 0);

    public SamplingParams {
        if (temperature < 0) throw new IllegalArgumentException("temperature must be >= 0; got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0; got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1]; got " + topP);
    }

    public boolean greedy() { return temperature == 0; }
}
