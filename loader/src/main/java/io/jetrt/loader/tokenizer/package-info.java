/**
 * Byte-level BPE tokenisation as the Hugging Face Qwen2 tokenizer does it, the ChatML (Qwen2.5) chat
 * template, and a small BPE trainer for the embedded demo model.
 *
 * <p>Entry points: {@link io.jetrt.loader.tokenizer.Qwen2Tokenizer#load(java.nio.file.Path)},
 * {@link io.jetrt.loader.tokenizer.StreamingDecoder} for printing tokens as they are generated,
 * {@link io.jetrt.loader.tokenizer.ChatTemplate#load(java.nio.file.Path)} and
 * {@link io.jetrt.loader.tokenizer.BpeTrainer#train(String, int, java.nio.file.Path)}.
 *
 * <p>Problems with the files on disk are reported as {@link io.jetrt.loader.tokenizer.TokenizerFileException},
 * whose message starts with the file's path.
 */
package io.jetrt.loader.tokenizer;
