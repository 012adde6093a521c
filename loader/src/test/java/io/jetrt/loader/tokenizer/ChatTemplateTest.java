package io.jetrt.loader.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChatTemplateTest {
    private static final ChatTemplate.Message USER = new ChatTemplate.Message("user", "hi");

    @Test
    void addsTheDefaultSystemPromptWhenNoneIsGiven() {
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n",
                new ChatTemplate().render(List.of(USER), false));
    }

    @Test
    void keepsAGivenSystemMessageAndAddsTheGenerationPrompt() {
        String s = new ChatTemplate().render(List.of(new ChatTemplate.Message("system", "Be brief."), USER,
                new ChatTemplate.Message("assistant", "hello")), true);
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n"
                + "<|im_start|>assistant\nhello<|im_end|>\n<|im_start|>assistant\n", s);
    }

    @Test
    void loadsTheQwenTemplateAndItsDefaultPrompt() throws IOException {
        assertEquals("You are a helpful assistant.", ChatTemplate.load(Fixtures.qwenDir()).defaultSystemPrompt());
    }

    @Test
    void readsAnotherDefaultPromptFromTheTemplate(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("chat_template.jinja"), TokenizerDirWriter.CHAT_TEMPLATE
                .replace("You are a helpful assistant.", "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."));
        ChatTemplate t = ChatTemplate.load(dir);
        assertEquals("You are Qwen, created by Alibaba Cloud. You are a helpful assistant.", t.defaultSystemPrompt());
        assertTrue(t.render(List.of(USER), true).startsWith("<|im_start|>system\nYou are Qwen,"));
    }

    @Test
    void fallsBackToTokenizerConfig(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"chat_template\": \"{% for m in messages %}<|im_start|>{{ m.role }}{% endfor %}"
                        + "{% if add_generation_prompt %}<|im_start|>assistant\\n{% endif %}\"}");
        assertEquals(ChatTemplate.DEFAULT_SYSTEM_PROMPT, ChatTemplate.load(dir).defaultSystemPrompt());
    }

    @Test
    void rejectsOtherTemplateFamilies(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("chat_template.jinja"),
                "{{ bos_token }}{% for m in messages %}[INST] {{ m.content }} [/INST]{% endfor %}");
        TokenizerFileException e = assertThrows(TokenizerFileException.class, () -> ChatTemplate.load(dir));
        assertTrue(e.getMessage().contains("chat_template.jinja"), e.getMessage());
        assertTrue(e.getMessage().contains("Qwen2.5/ChatML"), e.getMessage());
    }

    @Test
    void saysWhenThereIsNoTemplate(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{}");
        TokenizerFileException e = assertThrows(TokenizerFileException.class, () -> ChatTemplate.load(dir));
        assertTrue(e.getMessage().contains("tokenizer_config.json"), e.getMessage());
    }
}
