package io.jetrt.conformance;

/**
 * A run's size: {@code batch} sequences of {@code steps} tokens each, i.e. {@code x [B, T, D]}.
 *
 * @param batch B, at least 1
 * @param steps T, at least 1
 */
public record Shape(int batch, int steps) {

    public Shape {
        if (batch < 1) throw new IllegalArgumentException("Shape: batch must be >= 1; got " + batch);
        if (steps < 1) throw new IllegalArgumentException("Shape: steps must be >= 1; got " + steps);
    }

    public static Shape of(int batch, int steps) { return new Shape(batch, steps); }

    @Override public String toString() { return "B=" + batch + " T=" + steps; }
}
