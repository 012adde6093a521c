package io.jetrt.runtime.compare;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The experiment's identity: SHA-256 of its normalized JSON (defaults filled in; name and output directory
 * left out), the base model's fingerprint and the evaluation text. Finished rows are reused only under the
 * same hash, so changing anything that decides a number reruns the rows.
 */
final class ConfigHash {
    private ConfigHash() {}

    static String of(Experiment e, String modelFingerprint) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> experiment = e.toJson();
        experiment.remove("name"); // a name decides no number: renaming keeps the finished rows
        m.put("experiment", experiment);
        m.put("model_fingerprint", modelFingerprint);
        if (e.evaluation() != null) m.put("evaluation_text", EvalText.read(e.evaluation()));
        MessageDigest md = WeightDigest.messageDigest();
        md.update(JsonOut.line(m).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(md.digest());
    }

    /** The first 12 hex digits, as printed. */
    static String shortForm(String hash) { return hash.substring(0, 12); }
}
