package io.jetrt.cli;

import io.jetrt.loader.json.Json;
import io.jetrt.loader.json.JsonException;
import io.jetrt.loader.tokenizer.ChatTemplate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A conversation from a JSON file: {@code [{"role": "system"|"user"|"assistant", "content": "..."}, ...]}. */
final class ChatMessages {
    private static final Set<String> ROLES = Set.of("system", "user", "assistant");

    private ChatMessages() {}

    static List<ChatTemplate.Message> read(Path file) {
        Object parsed;
        try {
            parsed = Json.parse(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage());
        } catch (JsonException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getMessage());
        }
        if (!(parsed instanceof List<?> list) || list.isEmpty()) {
            throw new IllegalArgumentException(file + ": must hold a non-empty array of {role, content} objects");
        }
        List<ChatTemplate.Message> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> m) || !(m.get("role") instanceof String role) || !(m.get("content") instanceof String content)) {
                throw new IllegalArgumentException(file + ": [" + i + "] must be an object with string fields role and content");
            }
            if (!ROLES.contains(role)) throw new IllegalArgumentException(file + ": [" + i + "].role must be one of " + ROLES + "; got '" + role + "'");
            out.add(new ChatTemplate.Message(role, content));
        }
        return out;
    }
}
