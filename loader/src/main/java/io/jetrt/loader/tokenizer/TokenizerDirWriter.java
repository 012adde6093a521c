package io.jetrt.loader.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a byte-level BPE tokenizer directory in the layout Hugging Face uses for Qwen2: vocab.json,
 * merges.txt, tokenizer_config.json and chat_template.jinja.
 */
final class TokenizerDirWriter {
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

        StringBuilder vocab = new StringBuilder("{");
        for (int id = 0; id < tokens.size(); id++) {
            if (id > 0) vocab.append(',');
            quote(vocab, tokens.get(id)).append(':').append(id);
        }
        write(dir.resolve("vocab.json"), vocab.append("}\n").toString());

        StringBuilder m = new StringBuilder("#version: 0.2\n");
        for (String line : merges) m.append(line).append('\n');
        write(dir.resolve("merges.txt"), m.toString());

        StringBuilder c = new StringBuilder("{\n  \"add_bos_token\": false,\n  \"add_prefix_space\": false,\n");
        c.append("  \"added_tokens_decoder\": {");
        for (int i = 0; i < specials.size(); i++) {
            c.append(i == 0 ? "\n" : ",\n").append("    \"").append(tokens.size() + i).append("\": {\"content\": ");
            quote(c, specials.get(i)).append(", \"lstrip\": false, \"normalized\": false, \"rstrip\": false,"
                    + " \"single_word\": false, \"special\": true}");
        }
        c.append("\n  },\n  \"bos_token\": null,\n  \"clean_up_tokenization_spaces\": false,\n  \"eos_token\": ");
        quote(c, specials.getFirst()).append(",\n  \"errors\": \"replace\",\n  \"pad_token\": ");
        quote(c, specials.getFirst()).append(",\n  \"split_special_tokens\": false,\n")
                .append("  \"tokenizer_class\": \"Qwen2Tokenizer\",\n  \"unk_token\": null\n}\n");
        write(dir.resolve("tokenizer_config.json"), c.toString());

        write(dir.resolve("chat_template.jinja"), CHAT_TEMPLATE);
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** Appends {@code s} as a JSON string; non-ASCII stays raw UTF-8, as Hugging Face writes it. */
    private static StringBuilder quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '"' || ch == '\\') out.append('\\').append(ch);
            else if (ch < 0x20) out.append(String.format("\\u%04x", (int) ch));
            else out.append(ch);
        }
        return out.append('"');
    }
}
