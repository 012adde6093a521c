package io.jetrt.experiments;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One entry of an experiment's {@code workloads}: every prompt length × generation length × batch size, with
 * the prompt either prefilled or, for {@link Workload#SYNTHETIC}, stood in for by states filled to its length.
 *
 * @param batchSizes {@link Workload#LARGEST} ("max" in the file) for the largest batch that fits
 * @param capBatch   a batch that does not fit runs at the largest that does (else its row is skipped)
 */
public record WorkloadSet(List<Integer> promptLengths, List<Integer> generationLengths, List<Integer> batchSizes, String fill,
                          boolean capBatch) {

    /** Every prompt length × generation length × batch size, in that nesting order. */
    public List<Workload> workloads() {
        List<Workload> out = new ArrayList<>();
        for (int p : promptLengths) for (int g : generationLengths) for (int b : batchSizes) out.add(new Workload(p, g, b, fill, capBatch));
        return out;
    }

    /** As written in the normalized experiment JSON; {@code fill} and {@code cap_batch} only when set, so older files hash as before. */
    Map<String, Object> toJson() {
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("prompt_lengths", promptLengths);
        w.put("generation_lengths", generationLengths);
        w.put("batch_sizes", batchSizes.stream().<Object>map(b -> b == Workload.LARGEST ? "max" : b).toList());
        if (fill.equals(Workload.SYNTHETIC)) w.put("fill", fill);
        if (capBatch) w.put("cap_batch", true);
        return w;
    }
}
