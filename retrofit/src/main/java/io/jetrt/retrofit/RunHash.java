package io.jetrt.retrofit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A digest of everything that decides a run's weights: the recipe, the data and tokenizer bytes, the checkpoint's
 * config and safetensors headers (names, types, shapes, offsets; the data is not read: a changed checkpoint changes its
 * files' sizes or headers in practice), and the students' providers and versions. A saved state resumes only into the
 * run that made it.
 */
final class RunHash {
    private RunHash() {}

    static String of(RetrofitOptions o, List<Student> students, io.jetrt.spi.Backend teacherBackend) {
        MessageDigest md = sha256();
        text(md, "recipe " + o.overrides() + " tokens " + o.tokens() + " seq " + o.seqLen() + " batch " + o.batch() + " lr " + o.lr()
                + " min " + o.minLrFraction() + " warmup " + o.warmupFraction() + " wd " + o.weightDecay() + " clip " + o.clipNorm()
                + " seed " + o.seed() + " backend " + o.backend().id() + " heldout " + o.heldOut() + " adam " + AdamW.BETA1 + "," + AdamW.BETA2
                + "," + AdamW.EPS + " kl " + o.klTokens() + " " + o.klLr() + " teacher " + teacherBackend.id());
        for (Student s : students) text(md, s.who());
        file(md, o.data());
        Path tok = o.tokenizer() != null ? o.tokenizer() : o.model();
        if (!o.data().getFileName().toString().endsWith(".ids")) {
            file(md, tok.resolve("vocab.json"));
            file(md, tok.resolve("merges.txt"));
        }
        file(md, o.model().resolve("config.json"));
        try (Stream<Path> files = Files.list(o.model())) {
            for (Path p : files.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList()) {
                text(md, p.getFileName() + " " + Files.size(p));
                try (InputStream in = Files.newInputStream(p)) {
                    byte[] len = in.readNBytes(8);
                    long n = java.nio.ByteBuffer.wrap(len).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
                    md.update(in.readNBytes((int) Math.min(n, 100L << 20)));
                }
            }
        } catch (IOException e) {
            throw new RetrofitException("cannot read the checkpoint in " + o.model() + ": " + e, e);
        }
        return HexFormat.of().formatHex(md.digest()).substring(0, 16);
    }

    private static void text(MessageDigest md, String s) {
        md.update(s.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
    }

    private static void file(MessageDigest md, Path p) {
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        } catch (IOException e) {
            throw new RetrofitException("cannot read " + p + ": " + e, e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
