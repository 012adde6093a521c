package io.jetrt.loader.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Raw safetensors bytes for tests that need files no writer would produce. */
final class TestFiles {
    private TestFiles() {}

    /** 8-byte little-endian {@code length}, then {@code header}, then {@code data}. */
    static byte[] bytes(long length, byte[] header, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        return b.putLong(length).put(header).put(data).array();
    }

    /** A file with a consistent length field, header text {@code json} and {@code dataBytes} zero bytes. */
    static Path raw(Path file, String json, int dataBytes) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        Files.write(file, bytes(h.length, h, new byte[dataBytes]));
        return file;
    }

    /** The fixtures directory from -Djetrt.fixtures; fails (never skips) when it is missing. */
    static Path fixtures() {
        String dir = System.getProperty("jetrt.fixtures");
        assertNotNull(dir, "system property jetrt.fixtures must name the golden fixtures directory (Maven sets it)");
        Path p = Path.of(dir);
        assertTrue(Files.isDirectory(p), "jetrt.fixtures must be a directory; got " + p.toAbsolutePath());
        return p;
    }
}
