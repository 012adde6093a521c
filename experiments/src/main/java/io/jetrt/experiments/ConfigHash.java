package io.jetrt.experiments;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The experiment's identity: SHA-256 of its normalized JSON (defaults filled in; name and output directory
 * left out), the base model's fingerprint, the evaluation text and the block bundles installed (symbolic
 * name and version). Finished rows are reused only under the same hash, so changing anything that decides a
 * number — a block bundle included — reruns the rows.
 */
final class ConfigHash {
    private ConfigHash() {}

    static String of(Experiment e, String modelFingerprint, List<String> bundles) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> experiment = e.toJson();
        experiment.remove("name"); // a name decides no number: renaming keeps the finished rows
        m.put("experiment", experiment);
        m.put("model_fingerprint", modelFingerprint);
        if (e.evaluation() != null) m.put("evaluation_text", EvalText.read(e.evaluation()));
        m.put("bundles", bundles);
        MessageDigest md = WeightDigest.messageDigest();
        // the bytes must not change, or finished rows would run again (ReportFormatsTest holds them)
        md.update(Mappers.line(m).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(md.digest());
    }

    /** Symbolic name and version of every installed bundle, sorted: the code the numbers come from. */
    static List<String> bundles(io.jetrt.runtime.JetRuntime rt) {
        return rt.host().bundles().stream().filter(b -> b.getBundleId() != 0)
                .map(b -> b.getSymbolicName() + " " + b.getVersion()).sorted().toList();
    }

    /** The first 12 hex digits, as printed. */
    static String shortForm(String hash) { return hash.substring(0, 12); }
}
