package io.jetrt.loader.tokenizer;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a byte-level BPE tokenizer directory in the layout Hugging Face uses for Qwen2: vocab.json,
 * merges.txt, tokenizer_config.json and chat_template.jinja.
 */
final class TokenizerDirWriter {
    /** Non-ASCII stays raw UTF-8 (Jackson's default), as Hugging Face writes these files. */
    private static final ObjectMapper JSON = new ObjectMapper();
    /** {@code "key": value}, two spaces a level, as Hugging Face's files look. */
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter(new Separators()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER)).withObjectIndenter(new DefaultIndenter("  ", "\n"));

    /**
     * Our ChatML template, same family as Qwen2.5's: a conversation without a system message of its own
     * gets the default one; every message is one {@code <|im_start|>role ... <|im_end|>} block.
     */
    static final String CHAT_TEMPLATE = """
            {#- ChatML prompt format (the Qwen2.5 family, no tool calls). When the conversation does not
                open with a system message, the default system prompt below is put first. -#}
            {%- if messages | length == 0 or messages[0]['role'] != 'system' %}
                {{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}
            {%- endif %}
            {%- for message in messages %}
                {{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\\n' }}
            {%- endif %}
            """;

    private TokenizerDirWriter() {}

    /**
     * @param tokens   id → token text in the byte alphabet (bytes first, then merges)
     * @param merges   merge lines, {@code "left right"}, highest priority first
     * @param specials added tokens, given ids right after {@code tokens}; the first is the eos token
     */
    static void write(Path dir, List<String> tokens, List<String> merges, List<String> specials) throws IOException {
        Files.createDirectories(dir);

        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int id = 0; id < tokens.size(); id++) vocab.put(tokens.get(id), id);
        write(dir.resolve("vocab.json"), JSON.writeValueAsString(vocab) + "\n");

        StringBuilder m = new StringBuilder("#version: 0.2\n");
        for (String line : merges) m.append(line).append('\n');
        write(dir.resolve("merges.txt"), m.toString());

        Map<String, Object> added = new LinkedHashMap<>();
        for (int i = 0; i < specials.size(); i++) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("content", specials.get(i));
            for (String flag : List.of("lstrip", "normalized", "rstrip", "single_word")) t.put(flag, false);
            t.put("special", true);
            added.put(String.valueOf(tokens.size() + i), t);
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("add_bos_token", false);
        config.put("add_prefix_space", false);
        config.put("added_tokens_decoder", added);
        config.put("bos_token", null);
        config.put("clean_up_tokenization_spaces", false);
        config.put("eos_token", specials.getFirst());
        config.put("errors", "replace");
        config.put("pad_token", specials.getFirst());
        config.put("split_special_tokens", false);
        config.put("tokenizer_class", "Qwen2Tokenizer");
        config.put("unk_token", null);
        write(dir.resolve("tokenizer_config.json"), JSON.writer(PRETTY).writeValueAsString(config) + "\n");

        write(dir.resolve("chat_template.jinja"), CHAT_TEMPLATE);
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
