package io.jetrt.retrofit;

import io.jetrt.runtime.model.Model;
import io.jetrt.runtime.model.ModelState;
import io.jetrt.spi.FloatTensor;

/** A forward pass over whole sequences from an empty state, which is closed at once (on the GPU it is device memory). */
final class FromEmptyState {
    private FromEmptyState() {}

    /** {@code tokens [B, T]} through {@code model}; the logits of every row or of each sequence's last. */
    static FloatTensor forward(Model model, int[] tokens, int batch, boolean allLogits, Model.LayerObserver observer) {
        try (ModelState state = model.newState(batch, tokens.length / batch)) {
            return model.forward(tokens, batch, state, allLogits, observer);
        }
    }
}
