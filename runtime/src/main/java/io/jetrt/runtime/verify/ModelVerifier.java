package io.jetrt.runtime.verify;

import io.jetrt.loader.config.ModelConfig;
import io.jetrt.loader.safetensors.Checkpoint;
import io.jetrt.loader.safetensors.SafeTensorsFile;
import io.jetrt.runtime.engine.Sampler;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.Composer;
import io.jetrt.runtime.model.Model;
import io.jetrt.runtime.model.ModelState;
import io.jetrt.spi.Backend;
import io.jetrt.spi.FloatTensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a whole model directory against its {@code expected.safetensors}: full-prompt logits, the
 * residual stream after each layer when present, and the greedy continuation (ids exact, each decode
 * step's logits within tolerance), through the runtime's real path (bundles, loader, composer).
 */
public final class ModelVerifier {
    private final Composer composer;

    public ModelVerifier(Composer composer) { this.composer = composer; }

    public VerifyReport verify(Path dir, ComposeOptions options) {
        Path expectedFile = dir.resolve("expected.safetensors");
        if (!Files.exists(expectedFile)) throw new IllegalArgumentException(dir + ": no expected.safetensors to verify against");
        ModelConfig cfg = ModelConfig.load(dir.resolve("config.json"));
        try (Checkpoint ckpt = Checkpoint.open(dir); SafeTensorsFile expected = SafeTensorsFile.open(expectedFile);
             Model model = composer.compose(cfg, ckpt, options); ModelState state = model.newState(batchOf(expected), lengthNeeded(expected))) {
            Backend backend = options.backend() == null ? model.layers().getFirst().backend() : options.backend();
            String tag = options.backend() == null ? "auto" : backend.id();
            double tol = Tolerances.of(backend);
            long[] ids = expected.readLongs("input_ids");
            long[] shape = expected.info("input_ids").shape();
            int batch = (int) shape[0], len = (int) shape[1], vocab = cfg.vocabSize(), d = cfg.hiddenSize();
            long[] wantGen = expected.readLongs("generated_ids");
            int steps = (int) expected.info("generated_ids").shape()[1];
            List<Check> checks = new ArrayList<>();

            int[] tokens = new int[ids.length];
            for (int i = 0; i < ids.length; i++) tokens[i] = Math.toIntExact(ids[i]);
            float[] layerOut = new float[cfg.numLayers() * batch * len * d];
            FloatTensor logits = model.forward(tokens, batch, state, true,
                    (layer, h) -> System.arraycopy(h.data(), 0, layerOut, layer * batch * len * d, batch * len * d));
            checks.add(Check.of("logits", tag, logits.data(), expected.readFloats("logits").data(), tol));
            if (expected.has("debug.layer_outputs")) {
                checks.add(Check.of("debug.layer_outputs", tag, layerOut, expected.readFloats("debug.layer_outputs").data(), tol));
            }
            // greedy choices are ours; the tokens fed are the reference's, so one early flip cannot hide later steps
            long[] gen = new long[batch * steps];
            float[] decodeLogits = new float[batch * steps * vocab];
            for (int b = 0; b < batch; b++) gen[b * steps] = Sampler.argmax(logits.data(), ((b * len) + len - 1) * vocab, vocab);
            for (int s = 0; s < steps; s++) {
                int[] feed = new int[batch];
                for (int b = 0; b < batch; b++) feed[b] = Math.toIntExact(wantGen[b * steps + s]);
                FloatTensor step = model.forward(feed, batch, state, false, null);
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(step.data(), b * vocab, decodeLogits, (b * steps + s) * vocab, vocab);
                    if (s + 1 < steps) gen[b * steps + s + 1] = Sampler.argmax(step.data(), b * vocab, vocab);
                }
            }
            checks.add(Check.ids("generated_ids", tag, gen, wantGen));
            checks.add(Check.of("decode_logits", tag, decodeLogits, expected.readFloats("decode_logits").data(), tol));
            return new VerifyReport(dir.toString(), checks);
        }
    }

    private static int batchOf(SafeTensorsFile expected) { return (int) expected.info("input_ids").shape()[0]; }

    /** The prompt plus the generated tokens fed back. */
    private static int lengthNeeded(SafeTensorsFile expected) {
        return (int) (expected.info("input_ids").shape()[1] + expected.info("generated_ids").shape()[1]);
    }
}
