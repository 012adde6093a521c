package io.jetrt.experiments;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.jetrt.retrofit.ConsoleProgress;
import io.jetrt.retrofit.Retrofit;
import io.jetrt.retrofit.RetrofitOptions;
import io.jetrt.retrofit.RetrofitResult;
import io.jetrt.runtime.JetRuntime;
import io.jetrt.spi.Backend;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trained model of a variant with {@code "retrofit"}: made once by {@link Retrofit} into
 * {@code <output>/retrofits/<variant>-<key>}, where the key hashes everything that decides the weights (the base
 * model's fingerprint, the overrides, the init seed, the recipe and the data's bytes); later runs and the other
 * backends reuse it. Every variant with the same recipe gets the same data, budget and schedule by construction.
 */
final class VariantRetrofit {
    static final String RESULT = "result.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private VariantRetrofit() {}

    /** The directory of {@code v}'s retrofitted model, training it first when no finished one is there. */
    static Path prepare(JetRuntime rt, Experiment e, BaseModel base, Variant v, PrintStream err) {
        Path dir = dir(e, base, v);
        if (Files.exists(dir.resolve(Retrofit.STATE_DIR).resolve(RESULT))) return dir;
        RetrofitSpec s = v.retrofit();
        int layers = BaseModel.config(e.model()).numLayers();
        RetrofitOptions o = new RetrofitOptions(base.dir(), s.tokenizer(), v.rules(layers), s.data(), s.tokens(), dir, s.seqLen(), s.batch(),
                s.lr(), 0.1, 0.05, 0.01, 1.0, s.seed(), Backend.CPU, 0, 25, s.klTokens(), s.klLr());
        err.println("compare: retrofitting variant " + v.name() + " (" + v.overrides() + ") on " + s.tokens() + " tokens of " + s.data()
                + " into " + dir);
        RetrofitResult r = new Retrofit(rt, o, new ConsoleProgress(err, Progress.onTerminal())).run();
        RetrofitPage.write(r, dir.resolve(Retrofit.STATE_DIR).resolve("report.html"));
        Map<String, Object> j = new LinkedHashMap<>(r.json());
        j.put("tokens_per_step", r.tokensPerStep());
        j.put("curve", meanCurve(r));
        try {
            JSON.writeValue(dir.resolve(Retrofit.STATE_DIR).resolve(RESULT).toFile(), j);
        } catch (IOException x) {
            throw new UncheckedIOException("cannot write " + dir.resolve(Retrofit.STATE_DIR).resolve(RESULT), x);
        }
        return dir;
    }

    /** The results of the experiment's retrofitted variants that have one, by variant name. */
    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> results(Experiment e, BaseModel base) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        if (base == null) return out;
        for (Variant v : e.variants()) {
            if (v.retrofit() == null) continue;
            Path f = dir(e, base, v).resolve(Retrofit.STATE_DIR).resolve(RESULT);
            if (!Files.exists(f)) continue;
            try {
                out.put(v.name(), JSON.readValue(f.toFile(), Map.class));
            } catch (IOException x) {
                throw new UncheckedIOException("cannot read " + f, x);
            }
        }
        return out;
    }

    static Path dir(Experiment e, BaseModel base, Variant v) {
        MessageDigest md = WeightDigest.messageDigest();
        md.update((base.fingerprint() + "\n" + v.overrides() + "\n" + e.initSeed() + "\n" + v.retrofit().identity()).getBytes(StandardCharsets.UTF_8));
        return e.output().resolve("retrofits").resolve(v.name() + "-" + HexFormat.of().formatHex(md.digest()).substring(0, 12));
    }

    /** [tokens, mean loss over the layers] per step, averaged over windows to at most {@link RetrofitPage#MAX_POINTS} points. */
    private static List<double[]> meanCurve(RetrofitResult r) {
        List<double[]> out = new ArrayList<>();
        int steps = r.curve().size(), window = Math.max(1, (steps + RetrofitPage.MAX_POINTS - 1) / RetrofitPage.MAX_POINTS);
        for (int from = 0; from < steps; from += window) {
            int to = Math.min(steps, from + window);
            double sum = 0;
            for (int s = from; s < to; s++) for (double l : r.curve().get(s)) sum += l / r.curve().get(s).length;
            out.add(new double[] {(double) to * r.tokensPerStep(), sum / (to - from)});
        }
        return out;
    }
}
