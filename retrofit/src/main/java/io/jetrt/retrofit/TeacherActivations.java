package io.jetrt.retrofit;

import io.jetrt.runtime.model.Model;
import io.jetrt.spi.FloatTensor;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The teacher's block inputs and outputs {@code [B, T, D]} at the student layers, for one batch of sequences: what
 * each student learns to reproduce, from the teacher's own input.
 */
final class TeacherActivations implements Model.LayerObserver {
    private final Set<Integer> layers;
    private final Map<Integer, FloatTensor> inputs = new HashMap<>(), outputs = new HashMap<>();

    private TeacherActivations(Set<Integer> layers) { this.layers = layers; }

    /** Runs {@code tokens [B, T]} through the teacher and keeps what the layers in {@code layers} saw and gave. */
    static TeacherActivations of(Model teacher, int[] tokens, int batch, Set<Integer> layers) {
        TeacherActivations a = new TeacherActivations(layers);
        FromEmptyState.forward(teacher, tokens, batch, false, a);
        return a;
    }

    FloatTensor input(int layer) { return inputs.get(layer); }

    FloatTensor output(int layer) { return outputs.get(layer); }

    @Override public void after(int layer, FloatTensor hidden) {}

    @Override public boolean wantsBlocks() { return true; }

    @Override
    public void block(int layer, FloatTensor x, FloatTensor y) {
        if (!layers.contains(layer)) return;
        inputs.put(layer, x);
        outputs.put(layer, y);
    }
}
