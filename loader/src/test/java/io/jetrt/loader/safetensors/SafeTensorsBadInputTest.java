package io.jetrt.loader.safetensors;

import io.jetrt.spi.DType;
import io.jetrt.spi.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each defect gives a CheckpointException that names the file and, where one tensor is at fault, the tensor. */
class SafeTensorsBadInputTest {

    @TempDir Path tmp;

    private static final String OK_ENTRY = "\"ok\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    /** Opens {@code file}, reads all tensors, and returns the message of the CheckpointException that must come. */
    private static String rejected(Path file, String... mustContain) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> {
            try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
                for (String n : st.names()) st.segment(n);
            }
        });
        String m = e.getMessage();
        assertTrue(m.contains(file.getFileName().toString()), "message must name the file: " + m);
        for (String s : mustContain) assertTrue(m.contains(s), "message must contain '" + s + "': " + m);
        return m;
    }

    private Path header(String name, String json, int dataBytes) throws IOException {
        return TestFiles.raw(tmp.resolve(name), json, dataBytes);
    }

    @Test
    void fileShorterThanLengthField() throws IOException {
        Path f = Files.write(tmp.resolve("short.safetensors"), new byte[] {1, 0, 0, 0, 0});
        rejected(f, "at least 8 bytes", "got 5");
        rejected(Files.write(tmp.resolve("empty.safetensors"), new byte[0]), "got 0");
    }

    @Test
    void dataCutShort() throws IOException {
        Path f = tmp.resolve("cut.safetensors");
        new SafeTensorsWriter().add("first", FloatTensor.zeros(4), DType.F32).add("last", FloatTensor.zeros(4), DType.F32).write(f);
        byte[] b = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(b, b.length - 4));
        rejected(f, "'last'", "data section");
    }

    @Test
    void headerLengthPastEndOfFile() throws IOException {
        byte[] h = ("{" + OK_ENTRY + "}").getBytes(StandardCharsets.UTF_8);
        Path f = Files.write(tmp.resolve("len.safetensors"), TestFiles.bytes(h.length + 9, h, new byte[8]));
        rejected(f, "header length", "got " + (h.length + 9));
        Path huge = Files.write(tmp.resolve("huge.safetensors"), TestFiles.bytes(-1L, h, new byte[8]));
        rejected(huge, "100 MiB", "18446744073709551615");
        Path big = Files.write(tmp.resolve("big.safetensors"), TestFiles.bytes((100L << 20) + 1, h, new byte[8]));
        rejected(big, "100 MiB");
    }

    @Test
    void invalidJson() throws IOException {
        rejected(header("json1.safetensors", "{" + OK_ENTRY, 8), "valid JSON", "offset");
        rejected(header("json2.safetensors", "[1, 2]", 0), "valid JSON");
        rejected(header("json3.safetensors", "", 0), "valid JSON");
        rejected(header("json4.safetensors", "{" + OK_ENTRY + "}\0\0", 8), "valid JSON");
    }

    @Test
    void nonUtf8Header() throws IOException {
        byte[] h = ("{\"bad\u00e9\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}").getBytes(StandardCharsets.ISO_8859_1);
        Path f = Files.write(tmp.resolve("latin1.safetensors"), TestFiles.bytes(h.length, h, new byte[8]));
        rejected(f, "UTF-8", "offset 13");
    }

    @Test
    void unknownDtype() throws IOException {
        rejected(header("dt.safetensors", "{\"w\":{\"dtype\":\"F8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2), "'w'", "dtype", "\"F8\"");
        rejected(header("dt2.safetensors", "{\"w\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "'w'", "\"f32\"");
        rejected(header("dt3.safetensors", "{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "'w'", "dtype");
    }

    @Test
    void shapeTimesDtypeDiffersFromByteRange() throws IOException {
        rejected(header("size.safetensors", "{\"q_proj.weight\":{\"dtype\":\"F32\",\"shape\":[4,8],\"data_offsets\":[0,64]}}", 64),
                "tensor 'q_proj.weight': data_offsets [0, 64] hold 64 bytes but F32 [4, 8] needs 128");
        rejected(header("overflow.safetensors",
                "{\"o\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}", 0), "'o'", "2^63");
    }

    @Test
    void offsetsOutsideTheFile() throws IOException {
        rejected(header("oob.safetensors", "{\"far\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 12),
                "'far'", "12-byte data section", "[8, 16]");
        rejected(header("rev.safetensors", "{\"rev\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8),
                "'rev'", "begin <= end");
        rejected(header("neg.safetensors", "{\"neg\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 8), "'neg'");
        rejected(header("three.safetensors", "{\"three\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8), "'three'");
    }

    @Test
    void overlappingOffsets() throws IOException {
        rejected(header("ovl.safetensors", "{" + OK_ENTRY + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12),
                "'b'", "'ok'", "overlap");
        // Same range twice is an overlap too; zero-length tensors inside a range are fine.
        rejected(header("same.safetensors", "{" + OK_ENTRY + ",\"c\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8),
                "overlap");
        Path fine = header("zero.safetensors", "{" + OK_ENTRY + ",\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}", 8);
        try (SafeTensorsFile st = SafeTensorsFile.open(fine)) {
            assertTrue(st.readFloats("z").size() == 0);
        }
    }

    @Test
    void duplicateTensorNames() throws IOException {
        rejected(header("dup.safetensors", "{" + OK_ENTRY + "," + OK_ENTRY + "}", 8), "duplicate tensor name", "'ok'");
        rejected(header("dupfield.safetensors", "{\"x\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8),
                "'dtype'", "twice");
        rejected(header("dupmeta.safetensors", "{\"__metadata__\":{},\"__metadata__\":{}}", 0), "__metadata__");
    }

    @Test
    void badShapeEntries() throws IOException {
        rejected(header("negshape.safetensors", "{\"n\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8),
                "tensor 'n': shape must be an array of non-negative integers; got [-2]");
        rejected(header("frac.safetensors", "{\"fr\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,10]}}", 10),
                "'fr'", "non-negative integers", "2.5");
        rejected(header("float.safetensors", "{\"fl\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8), "'fl'");
        rejected(header("exp.safetensors", "{\"ex\":{\"dtype\":\"F32\",\"shape\":[2e0],\"data_offsets\":[0,8]}}", 8), "'ex'");
        rejected(header("str.safetensors", "{\"st\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", 8), "'st'");
        rejected(header("missing.safetensors", "{\"mi\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8), "'mi'", "'shape'");
        rejected(header("extra.safetensors", "{\"xf\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", 8),
                "'xf'", "only dtype");
        rejected(header("notobj.safetensors", "{\"no\":[1,2]}", 0), "'no'", "an array");
    }

    @Test
    void metadataMustMapStringsToStrings() throws IOException {
        rejected(header("meta1.safetensors", "{\"__metadata__\":{\"seed\":1}," + OK_ENTRY + "}", 8),
                "__metadata__ must be an object of string to string; got a number for key 'seed'");
        rejected(header("meta2.safetensors", "{\"__metadata__\":[\"a\"]," + OK_ENTRY + "}", 8), "__metadata__", "an array");
        rejected(header("meta3.safetensors", "{\"__metadata__\":{\"a\":{\"b\":\"c\"}}}", 0), "'a'", "an object");
    }

    @Test
    void readingErrorsNameTheTensor() throws IOException {
        Path f = tmp.resolve("kinds.safetensors");
        new SafeTensorsWriter().add("f", FloatTensor.zeros(2), DType.F32).addLongs("ids", new long[] {1, 2}, 2).write(f);
        try (SafeTensorsFile st = SafeTensorsFile.open(f)) {
            String m = assertThrows(CheckpointException.class, () -> st.readFloats("ids")).getMessage();
            assertTrue(m.contains("kinds.safetensors") && m.contains("'ids'") && m.contains("I64"), m);
            m = assertThrows(CheckpointException.class, () -> st.readLongs("f")).getMessage();
            assertTrue(m.contains("kinds.safetensors") && m.contains("'f'") && m.contains("F32"), m);
            m = assertThrows(CheckpointException.class, () -> st.info("nope")).getMessage();
            assertTrue(m.contains("kinds.safetensors") && m.contains("'nope'") && m.contains("2 tensors"), m);
        }
        assertThrows(IllegalStateException.class, () -> {
            SafeTensorsFile st = SafeTensorsFile.open(f);
            st.close();
            st.readFloats("f");
        });
        rejected(tmp.resolve("absent.safetensors"), "regular file");
    }
}
