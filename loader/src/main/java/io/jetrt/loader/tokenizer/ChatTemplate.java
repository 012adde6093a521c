package io.jetrt.loader.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders conversations in the ChatML format of the Qwen2.5 chat templates, without tool calls. This is
 * not a Jinja engine: {@link #load} only checks that a model's template belongs to this family and reads
 * its default system prompt; the format itself is fixed here:
 * <pre>
 * &lt;|im_start|&gt;system
 * You are a helpful assistant.&lt;|im_end|&gt;      (only when the first message is not a system message)
 * &lt;|im_start|&gt;{role}
 * {content}&lt;|im_end|&gt;                          (each message)
 * &lt;|im_start|&gt;assistant                         (the generation prompt, when asked for)
 * </pre>
 */
public final class ChatTemplate {
    /** The system prompt Qwen2.5 templates fall back to. */
    public static final String DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant.";

    private static final String START = "<|im_start|>";
    private static final String END = "<|im_end|>";
    /**
     * The fallback system message as a template writes it: {@code <|im_start|>system\n…<|im_end|>} inside
     * one string literal (so no quotes, braces or backslashes in the prompt itself).
     */
    private static final Pattern DEFAULT_PROMPT = Pattern.compile("<\\|im_start\\|>system\\\\n([^'\"{}\\\\<]+)<\\|im_end\\|>");

    /** One turn of a conversation; {@code role} is typically system, user or assistant. */
    public record Message(String role, String content) {
        public Message {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(content, "content");
        }
    }

    private final String defaultSystemPrompt;

    /** The Qwen2.5 template with its usual default system prompt. */
    public ChatTemplate() { this(DEFAULT_SYSTEM_PROMPT); }

    /** The Qwen2.5 template with {@code defaultSystemPrompt} for conversations that bring none. */
    public ChatTemplate(String defaultSystemPrompt) {
        this.defaultSystemPrompt = Objects.requireNonNull(defaultSystemPrompt, "defaultSystemPrompt");
    }

    /**
     * Reads {@code chat_template.jinja} in {@code dir}, or else tokenizer_config.json's
     * {@code chat_template}, checks that it is a ChatML template of the Qwen2.5 family and takes its default
     * system prompt (falling back to {@value #DEFAULT_SYSTEM_PROMPT} when none can be read off simply).
     *
     * @throws TokenizerFileException when there is no template, or it is of another family
     */
    public static ChatTemplate load(Path dir) throws IOException {
        Path file = dir.resolve("chat_template.jinja");
        String template;
        if (Files.exists(file)) {
            template = TokenizerFiles.readText(file);
        } else {
            file = dir.resolve("tokenizer_config.json");
            Map<String, Object> config = TokenizerFiles.readJsonObject(file);
            if (!(config.get("chat_template") instanceof String s))
                throw new TokenizerFileException(file, "no chat template: neither chat_template.jinja nor a string"
                        + " \"chat_template\" here");
            template = s;
        }
        if (!template.contains(START) || !template.contains("add_generation_prompt"))
            throw new TokenizerFileException(file, "unsupported chat template: only the Qwen2.5/ChatML family"
                    + " (with '<|im_start|>' and 'add_generation_prompt') is supported");
        Matcher m = DEFAULT_PROMPT.matcher(template);
        return new ChatTemplate(m.find() ? m.group(1) : DEFAULT_SYSTEM_PROMPT);
    }

    /** The system prompt used when the first message is not a system message. */
    public String defaultSystemPrompt() { return defaultSystemPrompt; }

    /**
     * The prompt text for {@code messages}; with {@code addGenerationPrompt} it ends with the opening of an
     * assistant turn, ready for the model to continue.
     */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder();
        if (messages.isEmpty() || !messages.getFirst().role().equals("system"))
            turn(out, "system", defaultSystemPrompt);
        for (Message m : messages) turn(out, m.role(), m.content());
        if (addGenerationPrompt) out.append(START).append("assistant\n");
        return out.toString();
    }

    private static void turn(StringBuilder out, String role, String content) {
        out.append(START).append(role).append('\n').append(content).append(END).append('\n');
    }
}
