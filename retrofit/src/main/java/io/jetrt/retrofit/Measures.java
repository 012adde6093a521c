package io.jetrt.retrofit;

import java.util.Arrays;

/**
 * Held-out measures at one point of a run: each student layer's relative MSE (in the students' order) and the KL
 * divergence of the student model from the teacher, per token, in nats.
 */
record Measures(double[] mse, double kl) {

    /** For the state file's metadata; doubles round-trip exactly through their shortest decimal form. */
    String encode() {
        StringBuilder s = new StringBuilder(Double.toString(kl));
        for (double m : mse) s.append(' ').append(m);
        return s.toString();
    }

    static Measures decode(String text) {
        double[] all = Arrays.stream(text.strip().split(" ")).mapToDouble(Double::parseDouble).toArray();
        return new Measures(Arrays.copyOfRange(all, 1, all.length), all[0]);
    }
}
