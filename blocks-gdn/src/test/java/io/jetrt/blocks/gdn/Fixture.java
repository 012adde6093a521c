package io.jetrt.blocks.gdn;

import io.jetrt.loader.json.Json;
import io.jetrt.loader.safetensors.SafeTensorsFile;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.FloatTensor;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A golden block file of {@code shared/fixtures/blocks} (fixtures README): the block's config from
 * {@code __metadata__.config}, its weights (every tensor not named {@code io.*}) and the {@code io.*} tensors.
 */
record Fixture(BlockConfig config, Map<String, FloatTensor> weights, Map<String, FloatTensor> io) {

    static Fixture load(String file) {
        String dir = System.getProperty("jetrt.fixtures");
        if (dir == null) throw new IllegalStateException("system property jetrt.fixtures must name the fixtures folder; it is unset");
        Path path = Path.of(dir, "blocks", file);
        try (SafeTensorsFile f = SafeTensorsFile.open(path)) {
            BlockConfig config = new BlockConfig(path.toString(), Json.parseObject(f.metadata().get("config")));
            Map<String, FloatTensor> weights = new LinkedHashMap<>(), io = new LinkedHashMap<>();
            for (String name : f.names()) (name.startsWith("io.") ? io : weights).put(name, f.readFloats(name));
            return new Fixture(config, weights, io);
        }
    }

    FloatTensor io(String name) {
        FloatTensor t = io.get(name);
        if (t == null) throw new IllegalArgumentException(config.where() + ": tensor " + name + " must be present; it is missing");
        return t;
    }
}
