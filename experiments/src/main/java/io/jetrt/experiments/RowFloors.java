package io.jetrt.experiments;

import io.jetrt.runtime.engine.Floors;
import io.jetrt.runtime.engine.MachineRates;
import io.jetrt.runtime.model.Layer;
import io.jetrt.runtime.model.Model;
import io.jetrt.spi.StateSlot;

/**
 * A row's floors, from the variant's own layers and the machine's measured rates.
 *
 * <p>Prefill: {@link Floors#prefillTokensPerSecond} (2 FLOPs per weight per token over the GEMM rate; attention
 * scores are left out, so the floor is an upper bound that is loosest for attention at long contexts).
 *
 * <p>Decode: the longer of two times. Bytes: one step reads every weight once and, per sequence, reads and writes each recurrent state slot in full
 * and reads each cache to the context reached while writing one row of it; those bytes over the copy bandwidth (which
 * counts read plus written). A slot is a cache when it grows with the capacity asked for; a window-capped cache
 * (sliding-window attention) stops growing at its window, and one row of it is written per step all the same. The
 * context is the mean over the row's decode steps. On the CPU the bandwidth is that of a copy of the step's own working set
 * when that is faster ({@link WorkingSetBandwidth}: a small model's weights stay in cache). FLOPs: 2 per weight per
 * sequence over the GEMM rate, which bounds a step at large batches.
 */
final class RowFloors {
    private RowFloors() {}

    static double prefill(Model model, Workload w, int batch, MachineRates rates) {
        return w.synthetic() ? Double.NaN : Floors.prefillTokensPerSecond(model, batch, w.prompt(), rates);
    }

    static double decode(Model model, Workload w, int batch, MachineRates rates) {
        if (w.gen() < 2) return Double.NaN;
        double stepBytes = model.weightBytes() + (double) batch * stateTraffic(model, w.prompt() + w.gen() / 2);
        double bandwidth = rates.bandwidth();
        // on the CPU a small model's step stays in cache: its floor is cache-speed (the GPU's models dwarf its L2)
        if (!model.backend().equals("cuda")) bandwidth = Math.max(bandwidth, WorkingSetBandwidth.of((long) stepBytes));
        // a step also multiplies every weight once per sequence: at large batches that, not the bytes, is the bound
        double seconds = Math.max(stepBytes / bandwidth, 2.0 * model.parameterCount() * batch / rates.gemmFlops());
        return batch / seconds;
    }

    /** Bytes one decode step reads plus writes of one sequence's state at {@code context} tokens (float32, as held). */
    static long stateTraffic(Model model, int context) {
        long bytes = 0;
        for (Layer l : model.layers()) {
            var one = l.stateLayout(1);
            var two = l.stateLayout(2);
            var now = l.stateLayout(context);
            for (int i = 0; i < now.size(); i++) {
                long row = two.get(i).elements() - one.get(i).elements();
                StateSlot s = now.get(i);
                bytes += Float.BYTES * (row > 0 ? s.elements() + row : 2 * s.elements());
            }
        }
        return bytes;
    }
}
