package io.jetrt.experiments;

import io.jetrt.loader.config.HfNames;
import io.jetrt.runtime.model.Layer;
import io.jetrt.runtime.model.Model;
import io.jetrt.spi.StateSlot;
import io.jetrt.spi.WeightDecl;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;

/** Builds a {@link VariantProfile} from a composed model; nothing here runs the model. */
final class VariantProfiler {
    private VariantProfiler() {}

    /**
     * @param swappedByAny layers some variant of the experiment swaps: their blocks are left out of the shared digest
     */
    static VariantProfile profile(Model model, Variant variant, Set<Integer> swappedByAny, List<Integer> contexts) {
        List<String> types = new ArrayList<>();
        List<Integer> swapped = new ArrayList<>();
        List<VariantProfile.LayerInfo> infos = new ArrayList<>();
        for (Layer l : model.layers()) {
            types.add(l.type());
            if (swapped(model, l)) swapped.add(l.index());
            infos.add(new VariantProfile.LayerInfo(l.index(), l.type(), l.binding().bundleName(), l.binding().provider().version(),
                    l.weightSource()));
        }
        List<VariantProfile.StateBytes> state = new ArrayList<>();
        for (int ctx : contexts) state.add(new VariantProfile.StateBytes(ctx, stateBytes(model, ctx)));
        SortedMap<String, byte[]> own = WeightDigest.perTensor(checkpointTensors(model));
        SortedMap<String, byte[]> shared = new TreeMap<>(own);
        for (int i : swappedByAny) shared.keySet().removeIf(n -> n.startsWith(HfNames.blockPrefix(i)));
        return new VariantProfile(variant.name(), variant.overrides(), types, swapped, infos, model.parameterCount(), state,
                WeightDigest.of(shared), WeightDigest.of(own));
    }

    /** The composer's rule: a layer whose type differs from the checkpoint's gets seeded weights. */
    static boolean swapped(Model model, Layer l) { return !l.type().equals(model.config().layerTypes().get(l.index())); }

    /**
     * State + KV bytes per sequence at {@code context} tokens: every layer's declared slots, float32 as the
     * runtime holds them.
     */
    static long stateBytes(Model model, int context) {
        long n = 0;
        for (Layer l : model.layers()) for (StateSlot s : l.stateLayout(context)) n += s.elements() * Float.BYTES;
        return n;
    }

    /**
     * Every tensor the model computes with that came from the checkpoint, by checkpoint name, as float32, each read
     * when hashed (a model on the GPU keeps no host copy, and one tensor at a time is all the heap needs).
     */
    static SortedMap<String, Supplier<float[]>> checkpointTensors(Model model) {
        SortedMap<String, Supplier<float[]>> out = new TreeMap<>(model.denseWeights());
        for (Layer l : model.layers()) {
            if (swapped(model, l)) continue;
            for (WeightDecl d : l.binding().provider().weights(l.config())) {
                out.put(HfNames.blockPrefix(l.index()) + d.name(), () -> l.weights().get(d.name()).data());
            }
        }
        return out;
    }
}
