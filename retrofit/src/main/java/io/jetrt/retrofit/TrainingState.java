package io.jetrt.retrofit;

import io.jetrt.loader.safetensors.SafeTensorsFile;
import io.jetrt.loader.safetensors.SafeTensorsWriter;
import io.jetrt.spi.DType;
import io.jetrt.spi.FloatTensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A run's state between steps, saved as one safetensors file: every student's master weights and AdamW moments as
 * float32 bits ({@code w.<layer>.<name>}, {@code m.…}, {@code v.…}), the loss curve so far, and in the metadata the run's
 * hash, the steps done, the tokens they took and the before-training measures. Written to a temporary file and moved
 * into place, so a kill mid-write leaves the previous state whole.
 */
final class TrainingState {
    static final String FILE = "state.safetensors";

    private TrainingState() {}

    /** What a resumed run takes back: the steps done, their loss curve and the measures taken before training. */
    record Resumed(int step, long tokens, List<double[]> curve, List<Double> klCurve, Measures before) {}

    /** The steps done by the state in {@code dir}, or -1 when there is none (to set up the stage it is in before loading). */
    static int savedStep(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) return -1;
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            return Integer.parseInt(f.metadata().get("step"));
        } catch (RuntimeException e) {
            throw new RetrofitException(file + ": cannot resume from it (" + e.getMessage() + "); delete " + dir + " to start over", e);
        }
    }

    static void save(Path dir, String runHash, int step, long tokens, List<Student> students, List<double[]> curve, List<Double> klCurve,
                     Measures before) {
        SafeTensorsWriter w = new SafeTensorsWriter();
        w.metadata("run_hash", runHash).metadata("step", Integer.toString(step)).metadata("tokens", Long.toString(tokens));
        w.metadata("before", before.encode());
        for (Student s : students) {
            add(w, "w." + s.layer(), s.weights(), s);
            add(w, "m." + s.layer(), s.optimizer().firstMoments(), s);
            add(w, "v." + s.layer(), s.optimizer().secondMoments(), s);
        }
        float[] c = new float[curve.size() * students.size()];
        for (int i = 0; i < curve.size(); i++) for (int j = 0; j < students.size(); j++) c[i * students.size() + j] = (float) curve.get(i)[j];
        w.add("curve", new FloatTensor(c, new int[] {curve.size(), students.size()}), DType.F32);
        float[] k = new float[klCurve.size()];
        for (int i = 0; i < k.length; i++) k[i] = klCurve.get(i).floatValue();
        w.add("kl_curve", new FloatTensor(k, new int[] {k.length}), DType.F32);
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(FILE + ".tmp");
            w.write(tmp);
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new RetrofitException("cannot save the training state in " + dir + ": " + e, e);
        }
    }

    /** Loads the state in {@code dir} into {@code students}, or returns null when there is none. */
    static Resumed load(Path dir, String runHash, List<Student> students) {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) return null;
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            String hash = f.metadata().get("run_hash");
            if (!runHash.equals(hash)) {
                throw new RetrofitException(file + " holds a run of other settings (run hash " + hash + ", this run " + runHash
                        + "): give another --out, or delete " + dir + " to start over");
            }
            for (Student s : students) {
                read(f, "w." + s.layer(), s.weights());
                read(f, "m." + s.layer(), s.optimizer().firstMoments());
                read(f, "v." + s.layer(), s.optimizer().secondMoments());
            }
            FloatTensor c = f.readFloats("curve");
            List<double[]> curve = new ArrayList<>();
            for (int i = 0; i < c.dim(0); i++) {
                double[] row = new double[students.size()];
                for (int j = 0; j < row.length; j++) row[j] = c.data()[i * row.length + j];
                curve.add(row);
            }
            List<Double> klCurve = new ArrayList<>();
            for (float v : f.readFloats("kl_curve").data()) klCurve.add((double) v);
            return new Resumed(Integer.parseInt(f.metadata().get("step")), Long.parseLong(f.metadata().get("tokens")), curve, klCurve,
                    Measures.decode(f.metadata().get("before")));
        } catch (RuntimeException e) {
            if (e instanceof RetrofitException) throw e;
            throw new RetrofitException(file + ": cannot resume from it (" + e.getMessage() + "); delete " + dir + " to start over", e);
        }
    }

    private static void add(SafeTensorsWriter w, String prefix, Map<String, float[]> tensors, Student s) {
        tensors.forEach((name, data) -> w.add(prefix + "." + name, new FloatTensor(data, s.shapes().get(name)), DType.F32));
    }

    private static void read(SafeTensorsFile f, String prefix, Map<String, float[]> into) {
        into.forEach((name, data) -> {
            float[] got = f.readFloats(prefix + "." + name).data();
            if (got.length != data.length) {
                throw new RetrofitException(String.format(Locale.ROOT, "tensor %s.%s has %d values, the layer's weight %d", prefix, name,
                        got.length, data.length));
            }
            System.arraycopy(got, 0, data, 0, data.length);
        });
    }
}
