package io.jetrt.experiments;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.jetrt.loader.config.ModelConfig;
import io.jetrt.loader.json.Json;
import io.jetrt.demo.DemoModel;
import io.jetrt.runtime.host.BlockRegistry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The base model's directory, and a fingerprint that changes when the model does. A checkpoint is used
 * where it lies, fingerprinted by its JSON files, file names, sizes and modification times and safetensors headers (not the
 * gigabytes of data). A random model (demo or config + seed) is written once into the output directory,
 * named after its fingerprint, and reused by later runs.
 *
 * @param dir         the Hugging Face directory every variant composes from (in JSON as the path, not a URI)
 * @param fingerprint SHA-256, hex
 */
record BaseModel(@JsonSerialize(using = ToStringSerializer.class) Path dir, String fingerprint) {
    private static final String COMPLETE = ".complete";

    /** The model's config, read without writing a random model first (so a bad variant fails fast). */
    static ModelConfig config(ModelSpec spec) {
        if (spec.kind().equals("checkpoint")) return ModelConfig.load(spec.path().resolve("config.json"));
        if (spec.kind().equals("config")) return ModelConfig.load(spec.path());
        return ModelConfig.parse("demo model '" + spec.shape() + "'", Json.parseObject(DemoModel.config(shape(spec))));
    }

    private static DemoModel.Shape shape(ModelSpec spec) {
        return spec.shape().equals("2b") ? DemoModel.Shape.JET_2B : DemoModel.Shape.TINY;
    }

    static BaseModel prepare(ModelSpec spec, Path output, BlockRegistry registry) {
        if (spec.kind().equals("checkpoint")) return new BaseModel(spec.path(), fingerprintOf(spec.path()));
        String configText = spec.kind().equals("config") ? readString(spec.path()) : null;
        MessageDigest md = WeightDigest.messageDigest();
        // block weights are drawn by the bundles' initWeights: their versions are part of what the model is
        String identity = spec.kind() + "\n" + (configText != null ? configText : spec.shape()) + "\n" + spec.seed() + "\n"
                + registry.all().stream().map(b -> b.provider().type() + " " + b.provider().version() + " " + b.bundleName()).sorted().toList();
        md.update(identity.getBytes(StandardCharsets.UTF_8));
        String fp = HexFormat.of().formatHex(md.digest());
        Path dir = output.resolve("base-model-" + fp.substring(0, 12));
        // shards started together on one machine share the model: one writes it while the others wait
        try (FileChannel lock = FileChannel.open(output.resolve(".base-model.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = lock.lock()) {
            if (!Files.exists(dir.resolve(COMPLETE))) {
                deleteTree(dir); // a run killed while writing leaves a partial model
                if (configText != null) DemoModel.write(dir, registry, spec.seed(), configText);
                else DemoModel.write(dir, registry, spec.seed(), shape(spec));
                touch(dir.resolve(COMPLETE));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + output.resolve(".base-model.lock") + " to write the base model", e);
        }
        return new BaseModel(dir, fp);
    }

    static String fingerprintOf(Path dir) {
        MessageDigest md = WeightDigest.messageDigest();
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.filter(Files::isRegularFile).sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
            for (Path f : files) {
                String name = f.getFileName().toString();
                // the modification time catches a checkpoint overwritten with new weights of the same layout
                md.update((name + "\n" + Files.size(f) + "\n" + Files.getLastModifiedTime(f).toMillis() + "\n").getBytes(StandardCharsets.UTF_8));
                if (name.endsWith(".json")) md.update(Files.readAllBytes(f));
                else if (name.endsWith(".safetensors")) md.update(header(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fingerprint the checkpoint in " + dir, e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The 8-byte header length and the JSON header: names, dtypes, shapes and offsets of every tensor. */
    private static byte[] header(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            byte[] len = in.readNBytes(8);
            if (len.length < 8) return len;
            long n = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
            byte[] h = in.readNBytes((int) Math.min(Math.max(n, 0), 100L << 20));
            return ByteBuffer.allocate(8 + h.length).put(len).put(h).array();
        }
    }

    private static String readString(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }

    private static void touch(Path p) {
        try {
            Files.writeString(p, "");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + p, e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear the partial model in " + dir, e);
        }
    }
}
