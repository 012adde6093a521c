package io.jetrt.loader.safetensors;

import io.jetrt.loader.json.Json;
import io.jetrt.loader.json.JsonException;
import io.jetrt.spi.FloatTensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The tensors of one model, from one safetensors file or several shards, addressed by name.
 * Every file is opened (and validated) once up front; a name lives in exactly one file.
 */
public final class Checkpoint implements AutoCloseable {

    static final String INDEX = "model.safetensors.index.json";
    static final String SINGLE = "model.safetensors";
    /** Golden outputs sit beside the weights in fixtures; they are not weights. */
    static final String EXPECTED = "expected.safetensors";

    private final String where;
    private final List<SafeTensorsFile> files;
    private final Map<String, SafeTensorsFile> owner;
    private final List<String> names;

    private Checkpoint(String where, List<SafeTensorsFile> files, Map<String, SafeTensorsFile> owner) {
        this.where = where;
        this.files = List.copyOf(files);
        this.owner = owner;
        this.names = List.copyOf(owner.keySet());
    }

    /**
     * Opens the checkpoint in {@code dir}: the shards of {@code model.safetensors.index.json} when present,
     * else {@code model.safetensors}, else every {@code *.safetensors} except {@code expected.safetensors}.
     */
    public static Checkpoint open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir + ": checkpoint must be a directory (use Checkpoint.ofFile for one file)");
        }
        Path index = dir.resolve(INDEX);
        // absolute: shard paths are checked to stay inside the directory, which fails for a relative "."
        if (Files.exists(index)) return sharded(dir.toAbsolutePath().normalize(), index);
        Path single = dir.resolve(SINGLE);
        if (Files.exists(single)) return ofFile(single);
        List<Path> found;
        try (Stream<Path> s = Files.list(dir)) {
            found = s.filter(p -> {
                String f = p.getFileName().toString();
                return f.endsWith(".safetensors") && !f.equals(EXPECTED) && Files.isRegularFile(p);
            }).sorted().toList();
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot list directory: " + e, e);
        }
        if (found.isEmpty()) {
            throw new CheckpointException(dir + ": directory must hold " + INDEX + ", " + SINGLE + " or *.safetensors files; got none");
        }
        List<SafeTensorsFile> files = new ArrayList<>();
        try {
            Map<String, SafeTensorsFile> owner = new LinkedHashMap<>();
            for (Path p : found) {
                SafeTensorsFile f = SafeTensorsFile.open(p);
                files.add(f);
                for (String n : f.names()) {
                    SafeTensorsFile prev = owner.putIfAbsent(n, f);
                    if (prev != null) {
                        throw new CheckpointException(dir + ": tensor " + Header.quote(n) + " must be in one file only; got it in "
                                + prev.path().getFileName() + " and " + p.getFileName());
                    }
                }
            }
            return new Checkpoint(dir.toString(), files, owner);
        } catch (RuntimeException e) {
            closeAll(files, e);
            throw e;
        }
    }

    /** A checkpoint of exactly one safetensors file. */
    public static Checkpoint ofFile(Path file) {
        SafeTensorsFile f = SafeTensorsFile.open(file);
        Map<String, SafeTensorsFile> owner = new LinkedHashMap<>();
        for (String n : f.names()) owner.put(n, f);
        return new Checkpoint(file.toString(), List.of(f), owner);
    }

    private static Checkpoint sharded(Path dir, Path index) {
        Map<String, String> weightMap = weightMap(index);
        String at = index + ": ";
        if (weightMap.isEmpty()) throw new CheckpointException(at + "weight_map must list at least one tensor; got none");
        // Shards open in file-name order so that "model-00001-of-..." is the first (its metadata wins).
        Map<String, SafeTensorsFile> shards = new TreeMap<>();
        List<SafeTensorsFile> files = new ArrayList<>();
        try {
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                String shard = e.getValue();
                Path p;
                try {
                    p = dir.resolve(shard).normalize();
                } catch (InvalidPathException bad) {
                    throw new CheckpointException(at + "shard must be a valid file name; got " + Header.quote(shard)
                            + " for tensor " + Header.quote(e.getKey()), bad);
                }
                if (!p.startsWith(dir.normalize()) || p.equals(dir.normalize())) {
                    throw new CheckpointException(at + "shard must be a file inside " + dir + "; got " + Header.quote(shard)
                            + " for tensor " + Header.quote(e.getKey()));
                }
                if (!Files.isRegularFile(p)) {
                    throw new CheckpointException(at + "shard " + Header.quote(shard) + " (for tensor " + Header.quote(e.getKey())
                            + ") must exist; got no file " + p);
                }
                shards.putIfAbsent(shard, null);
            }
            for (Map.Entry<String, SafeTensorsFile> e : shards.entrySet()) {
                SafeTensorsFile f = SafeTensorsFile.open(dir.resolve(e.getKey()));
                files.add(f);
                e.setValue(f);
            }
            Map<String, SafeTensorsFile> holder = new LinkedHashMap<>();
            for (SafeTensorsFile f : files) {
                for (String n : f.names()) {
                    SafeTensorsFile prev = holder.putIfAbsent(n, f);
                    if (prev != null) {
                        throw new CheckpointException(at + "tensor " + Header.quote(n) + " must be in one shard only; got it in "
                                + prev.path().getFileName() + " and " + f.path().getFileName());
                    }
                }
            }
            Map<String, SafeTensorsFile> owner = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                SafeTensorsFile f = shards.get(e.getValue());
                if (!f.has(e.getKey())) {
                    throw new CheckpointException(at + "tensor " + Header.quote(e.getKey()) + " must be in shard "
                            + Header.quote(e.getValue()) + " as weight_map says; got no such tensor there");
                }
                owner.put(e.getKey(), f);
            }
            return new Checkpoint(index.toString(), files, owner);
        } catch (RuntimeException e) {
            closeAll(files, e);
            throw e;
        }
    }

    private static Map<String, String> weightMap(Path index) {
        String at = index + ": ";
        Map<String, Object> root;
        try {
            if (Files.size(index) > SafeTensorsFile.MAX_HEADER) {
                throw new CheckpointException(at + "index must be at most 100 MiB; got " + Files.size(index) + " bytes");
            }
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(index))).toString();
            root = Json.parseObject(text);
        } catch (CharacterCodingException e) {
            throw new CheckpointException(at + "index must be valid UTF-8", e);
        } catch (IOException e) {
            throw new CheckpointException(at + "cannot read: " + e, e);
        } catch (JsonException e) {
            throw new CheckpointException(at + "index must be a valid JSON object; got " + e.getMessage(), e);
        }
        if (!(root.get("weight_map") instanceof Map<?, ?> wm)) {
            throw new CheckpointException(at + "weight_map must be an object of tensor name to shard file; got " + Json.kind(root.get("weight_map")));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : wm.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new CheckpointException(at + "weight_map must map tensor names to shard file names; got " + Json.kind(e.getValue())
                        + " for tensor " + Header.quote((String) e.getKey()));
            }
            out.put((String) e.getKey(), s);
        }
        return out;
    }

    private static void closeAll(List<SafeTensorsFile> files, Throwable cause) {
        for (SafeTensorsFile f : files) {
            try {
                f.close();
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    }

    /** Tensor names: weight_map order for a sharded checkpoint, else file order then header order. */
    public List<String> names() { return names; }

    public boolean has(String name) { return owner.containsKey(name); }

    public TensorInfo info(String name) { return file(name).info(name); }

    /** See {@link SafeTensorsFile#readFloats}. */
    public FloatTensor readFloats(String name) { return file(name).readFloats(name); }

    /** See {@link SafeTensorsFile#readLongs}. */
    public long[] readLongs(String name) { return file(name).readLongs(name); }

    /** The file that holds {@code name}. */
    public Path fileOf(String name) { return file(name).path(); }

    /** The {@code __metadata__} of the first (or only) file. */
    public Map<String, String> metadata() { return files.getFirst().metadata(); }

    /** The opened files, in open order. */
    public List<SafeTensorsFile> files() { return files; }

    private SafeTensorsFile file(String name) {
        SafeTensorsFile f = owner.get(name);
        if (f == null) {
            throw new CheckpointException(where + ": tensor " + Header.quote(name) + " must be in the checkpoint; got none of that name among "
                    + owner.size() + " tensors");
        }
        return f;
    }

    /** Closes every file. Idempotent. */
    @Override public void close() {
        RuntimeException first = null;
        for (SafeTensorsFile f : files) {
            try {
                f.close();
            } catch (RuntimeException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }

    @Override public String toString() { return "Checkpoint[" + where + ", " + files.size() + " files, " + names.size() + " tensors]"; }
}
