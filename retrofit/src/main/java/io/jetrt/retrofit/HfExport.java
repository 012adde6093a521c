package io.jetrt.retrofit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.jetrt.loader.config.HfNames;
import io.jetrt.loader.safetensors.Checkpoint;
import io.jetrt.loader.safetensors.SafeTensorsWriter;
import io.jetrt.spi.DType;
import io.jetrt.spi.FloatTensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the retrofitted model as a Hugging Face directory every other command loads: config.json with the new
 * {@code layer_types} (and an {@code efficient_attention_config} section for a swapped-in type that had none, holding
 * the sizes it was trained at), model.safetensors with the checkpoint's tensors in their own types and each student's
 * weights as float32 under the usual key names, and the tokenizer and generation files copied.
 */
final class HfExport {
    static final List<String> COPIED = List.of("vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "chat_template.jinja", "generation_config.json");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HfExport() {}

    static void write(Path out, Path model, Path tokenizer, Checkpoint ckpt, List<String> layerTypes, List<Student> students) {
        try {
            Files.createDirectories(out);
            writeConfig(out, model, layerTypes, students);
            writeWeights(out, ckpt, students);
            for (String name : COPIED) {
                Path from = (name.equals("generation_config.json") ? model : tokenizer).resolve(name);
                if (Files.exists(from) && !from.toAbsolutePath().normalize().equals(out.resolve(name).toAbsolutePath().normalize())) {
                    Files.copy(from, out.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new RetrofitException("cannot write the retrofitted model to " + out + ": " + e, e);
        }
    }

    @SuppressWarnings("unchecked")
    private static void writeConfig(Path out, Path model, List<String> layerTypes, List<Student> students) throws IOException {
        Map<String, Object> cfg = JSON.readValue(model.resolve("config.json").toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
        cfg.put("layer_types", layerTypes);
        Map<String, Object> sections = cfg.get("efficient_attention_config") instanceof Map<?, ?> m
                ? (Map<String, Object>) m : new LinkedHashMap<>();
        for (Student s : students) {
            if (s.to().equals("attn") || s.to().equals("swa") || sections.containsKey(s.to())) continue;
            Map<String, Object> section = new LinkedHashMap<>(s.config().params());
            section.remove("hidden_size"); // the model's, always
            sections.put(s.to(), section);
        }
        cfg.put("efficient_attention_config", sections);
        Path tmp = out.resolve("config.json.tmp");
        JSON.writeValue(tmp.toFile(), cfg);
        Files.move(tmp, out.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writeWeights(Path out, Checkpoint ckpt, List<Student> students) throws IOException {
        SafeTensorsWriter w = new SafeTensorsWriter();
        for (String name : ckpt.names()) {
            if (students.stream().anyMatch(s -> name.startsWith(HfNames.blockPrefix(s.layer())))) continue; // replaced
            DType t = ckpt.info(name).dtype();
            w.add(name, ckpt.readFloats(name), t == DType.BF16 || t == DType.F16 ? t : DType.F32);
        }
        for (Student s : students) {
            s.weights().forEach((name, data) -> w.add(HfNames.blockPrefix(s.layer()) + name, new FloatTensor(data.clone(), s.shapes().get(name)), DType.F32));
        }
        w.metadata("format", "pt");
        Path tmp = out.resolve("model.safetensors.tmp");
        w.write(tmp);
        Files.move(tmp, out.resolve("model.safetensors"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
