package io.jetrt.experiments;

/**
 * A deterministic 1/N of an experiment's rows, for running on N GPUs or machines: the plan's units (each workload
 * on one backend, with every variant, so the variants it compares run interleaved on one device; each variant's
 * perplexity on a backend) are dealt out in plan order, unit {@code u} to shard {@code u mod N + 1}.
 *
 * @param index 1-based
 */
public record Shard(int index, int count) {
    public static final Shard ALL = new Shard(1, 1);

    /** "I/N", with 1 <= I <= N; anything else is refused naming what was given. */
    public static Shard parse(String text) {
        String[] parts = text.strip().split("/", -1);
        try {
            if (parts.length == 2) {
                int i = Integer.parseInt(parts[0].strip()), n = Integer.parseInt(parts[1].strip());
                if (n >= 1 && i >= 1 && i <= n) return new Shard(i, n);
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException("--shard must be I/N with 1 <= I <= N (e.g. 1/4 for the first of four shards); got '" + text + "'");
    }

    boolean all() { return count == 1; }

    boolean owns(int unit) { return unit % count == index - 1; }

    /** "1-of-4": the shard's output directory under the experiment's. */
    String dirName() { return index + "-of-" + count; }

    @Override public String toString() { return index + "/" + count; }
}
