package io.jetrt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.jetrt.experiments.RetrofitPage;
import io.jetrt.retrofit.ConsoleProgress;
import io.jetrt.retrofit.Retrofit;
import io.jetrt.retrofit.RetrofitOptions;
import io.jetrt.retrofit.RetrofitResult;
import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.RuntimeSettings;
import io.jetrt.runtime.model.LayerRules;
import io.jetrt.spi.Backend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** {@code jetrt retrofit}: trains swapped-in blocks by blockwise distillation from the checkpoint's own layers. */
@Command(name = "retrofit", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains the blocks an --override swaps into a checkpoint to reproduce the checkpoint's own layers"
                + " (blockwise distillation, relative MSE, everything else frozen) and writes the result as a model directory.",
                "Resumes from <out>/retrofit/ when a run of the same settings was interrupted; writes <out>/retrofit/report.html."})
final class RetrofitCommand implements JetrtCommand {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "the teacher: a Hugging Face checkpoint directory")
    Path model;

    @Option(names = "--override", required = true, paramLabel = "RULES", converter = ComposeMixin.RulesConverter.class,
            description = "the layers to swap and train, comma-separated <layers>:<type> (jet:gdn, 0-13:mamba2)")
    LayerRules overrides;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "training text (encoded with the model's tokenizer, or --tokenizer's), or token ids in a .ids file")
    Path data;

    @Option(names = "--tokens", required = true, paramLabel = "N", description = "tokens to train on (steps = N / (batch · seq-len), rounded up)")
    long tokens;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "where the retrofitted model directory goes")
    Path out;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "where vocab.json and merges.txt are (default: --model)")
    Path tokenizer;

    @Option(names = "--seq-len", paramLabel = "L", defaultValue = "" + RetrofitOptions.DEFAULT_SEQ_LEN, description = "tokens per sequence (default: ${DEFAULT-VALUE})")
    int seqLen;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "" + RetrofitOptions.DEFAULT_BATCH, description = "sequences per step (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "" + RetrofitOptions.DEFAULT_LR,
            description = "peak learning rate of AdamW, after a linear warm-up over the first 5% of steps and before a cosine decay to a tenth (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "seed of the students' upstream initialisation (as --init-seed elsewhere) and of the data order (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--backend", paramLabel = "BACKEND", converter = ComposeMixin.BackendConverter.class, defaultValue = "cpu",
            description = "where the students train: cpu, reference, or cuda (in device memory for blocks that train there: every shipped one) (default: ${DEFAULT-VALUE})")
    Backend backend;

    @Option(names = "--teacher-backend", paramLabel = "BACKEND", converter = ComposeMixin.BackendConverter.class, defaultValue = "cpu",
            description = "where the teacher's forward passes run: cpu or cuda (default: ${DEFAULT-VALUE})")
    Backend teacherBackend;

    @Option(names = "--held-out", paramLabel = "N", defaultValue = "0",
            description = "sequences kept out of training for the before/after measures (default: a tenth of the data, 1 to 8)")
    int heldOut;

    @Option(names = "--checkpoint-every", paramLabel = "STEPS", defaultValue = "25", description = "steps between saved states (default: ${DEFAULT-VALUE})")
    int checkpointEvery;

    @Option(names = "--kl-tokens", paramLabel = "N", defaultValue = "0",
            description = "then train the students through the whole model on N more tokens to minimise KL(teacher || student) on next-token distributions (default: ${DEFAULT-VALUE}, no such stage)")
    long klTokens;

    @Option(names = "--kl-lr", paramLabel = "LR", defaultValue = "" + RetrofitOptions.DEFAULT_KL_LR,
            description = "peak learning rate of the KL stage (a fresh AdamW; default: ${DEFAULT-VALUE})")
    double klLr;

    @Option(names = "--profile", description = "print the device time per kernel of one training step (--backend cuda)")
    boolean profile;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the result as JSON")
    Path json;

    @Mixin BundlesMixin bundles;

    @Override public RuntimeSettings settings() { return bundles.settings(); }

    @Override public int run(JetRuntime rt, Streams io) throws IOException {
        RetrofitOptions o = new RetrofitOptions(model, tokenizer, overrides, data, tokens, out, seqLen, batch, lr, 0.1, 0.05, 0.01, 1.0,
                seed, backend, heldOut, checkpointEvery, klTokens, klLr);
        RetrofitResult r = new Retrofit(rt, o, new ConsoleProgress(io.err(), System.console() != null && System.console().isTerminal(), profile),
                teacherBackend).run();
        Path page = RetrofitPage.write(r, out.resolve(Retrofit.STATE_DIR).resolve("report.html"));
        String rate = Double.isFinite(r.tokensPerSecond()) ? String.format(Locale.ROOT, "%,.0f tokens/s", r.tokensPerSecond())
                : "every step was done by an earlier run";
        io.out().printf(Locale.ROOT, "retrofitted %d layer%s on %,d tokens (%s); KL to the teacher %.4g -> %.4g nats/token%n",
                r.layers().size(), r.layers().size() == 1 ? "" : "s", r.tokens(), rate, r.klBefore(), r.klAfter());
        for (RetrofitResult.LayerResult l : r.layers()) {
            io.out().printf(Locale.ROOT, "  layer %d %s -> %s: relative MSE %.4g -> %.4g (%.3f of before)%n", l.index(), l.from(), l.to(),
                    l.mseBefore(), l.mseAfter(), l.mseAfter() / l.mseBefore());
        }
        io.out().println("model: " + out + "   report: " + page);
        if (json != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), r.json());
            io.out().println("json: " + json);
        }
        return 0;
    }
}
