package io.jetrt.loader.safetensors;

import io.jetrt.spi.DType;
import io.jetrt.spi.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsRoundTripTest {

    @TempDir Path tmp;

    @Test
    void roundTripsF32Bf16F16AndI64WithMetadata() throws Exception {
        float[] w = {1.5f, -2.25f, 3.0e-3f, 65504f, -0.0f, Float.MIN_NORMAL};
        float[] bf = {1f, -2f, 0.5f, 3.140625f};     // exactly representable in bfloat16
        float[] half = {0.5f, -1.25f, 65504f, 6.1035156e-5f}; // exactly representable in float16
        long[] ids = {0, -1, Long.MAX_VALUE, Long.MIN_VALUE, 42, 7};
        Path f = tmp.resolve("rt.safetensors");
        new SafeTensorsWriter()
                .metadata("block", "test")
                .metadata("quote\"d", "line\nbreak\tand \\ é ✓ \u0001")
                .add("w", new FloatTensor(w, new int[] {2, 3}), DType.F32)
                .add("bf", new FloatTensor(bf, new int[] {4}), DType.BF16)
                .add("half", new FloatTensor(half, new int[] {2, 2}), DType.F16)
                .addLongs("ids", ids, 3, 2)
                .add("scalar", new FloatTensor(new float[] {7f}, new int[0]), DType.F32)
                .add("empty", FloatTensor.zeros(0, 5), DType.BF16)
                .write(f);
        try (SafeTensorsFile st = SafeTensorsFile.open(f)) {
            assertEquals(List.of("w", "bf", "half", "ids", "scalar", "empty"), st.names());
            assertEquals(Map.of("block", "test", "quote\"d", "line\nbreak\tand \\ é ✓ \u0001"), st.metadata());
            assertEquals(new FloatTensor(w, new int[] {2, 3}), st.readFloats("w"));
            assertEquals(new FloatTensor(bf, new int[] {4}), st.readFloats("bf"));
            assertEquals(new FloatTensor(half, new int[] {2, 2}), st.readFloats("half"));
            assertArrayEquals(ids, st.readLongs("ids"));
            assertArrayEquals(new long[] {3, 2}, st.info("ids").shape());
            assertEquals(DType.I64, st.info("ids").dtype());
            assertEquals(DType.BF16, st.info("bf").dtype());
            assertEquals(7f, st.readFloats("scalar").data()[0]);
            assertEquals(0, st.readFloats("scalar").rank());
            assertEquals(0, st.readFloats("empty").size());
            assertArrayEquals(new int[] {0, 5}, st.readFloats("empty").shape());
            // Contiguous, in insertion order.
            assertEquals(new TensorInfo("w", DType.F32, new long[] {2, 3}, 0, 24), st.info("w"));
            assertEquals(24, st.info("bf").begin());
            assertEquals(st.info("bf").end(), st.info("half").begin());
            assertEquals(24 + 8 + 8 + 48 + 4, st.info("empty").end());
            assertEquals(8, st.segment("bf").byteSize());
            assertTrue(st.segment("w").isReadOnly());
            assertEquals(1.5f, st.segment("w").get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0));
        }
    }

    @Test
    void f16RoundsToNearestAndReadsBack() throws Exception {
        float[] v = {1e-7f, 0.1f, 70000f, -3.3333333f, Float.NaN};
        Path f = tmp.resolve("h.safetensors");
        new SafeTensorsWriter().add("h", new FloatTensor(v, new int[] {5}), DType.F16).write(f);
        try (SafeTensorsFile st = SafeTensorsFile.open(f)) {
            float[] r = st.readFloats("h").data();
            assertEquals(1.1920929e-7f, r[0]);            // nearest subnormal half
            assertEquals(0.099975586f, r[1]);
            assertEquals(Float.POSITIVE_INFINITY, r[2]);  // beyond 65504
            assertEquals(-3.3339844f, r[3]);
            assertTrue(Float.isNaN(r[4]));
        }
    }

    @Test
    void bf16RoundsToNearestEvenAndKeepsNaN() throws Exception {
        assertEquals((short) 0x3F80, DType.toBf16(1f));
        assertEquals((short) 0x3F80, DType.toBf16(1.00390625f));   // tie between 0x3F80 and 0x3F81 → even
        assertEquals((short) 0x3F82, DType.toBf16(1.01171875f));   // tie between 0x3F81 and 0x3F82 → even
        assertEquals((short) 0x3F81, DType.toBf16(Math.nextUp(1.00390625f))); // just above the tie
        assertEquals((short) 0x8000, DType.toBf16(-0f));
        assertEquals((short) 0x7F80, DType.toBf16(Float.MAX_VALUE)); // rounds up to +Inf
        assertEquals((short) 0xC049, DType.toBf16(-3.14159265f));
        // A NaN whose payload lives only in the low 16 bits must not become Inf.
        assertTrue(Float.isNaN(Float.intBitsToFloat(DType.toBf16(Float.intBitsToFloat(0x7F800001)) << 16)));

        float[] v = {1.00390625f, 1.01171875f, -3.14159265f, Float.MAX_VALUE, Float.NaN, 0.1f};
        Path f = tmp.resolve("bf.safetensors");
        new SafeTensorsWriter().add("x", new FloatTensor(v, new int[] {6}), DType.BF16).write(f);
        try (SafeTensorsFile st = SafeTensorsFile.open(f)) {
            float[] r = st.readFloats("x").data();
            assertEquals(1f, r[0]);
            assertEquals(1.015625f, r[1]);
            assertEquals(-3.140625f, r[2]);
            assertEquals(Float.POSITIVE_INFINITY, r[3]);
            assertTrue(Float.isNaN(r[4]));
            assertEquals(0.10009765625f, r[5]);
        }
    }

    @Test
    void headerIsPaddedSoDataStartsAtAMultipleOf8() throws Exception {
        for (int len = 1; len <= 9; len++) {
            Path f = tmp.resolve("a" + len + ".safetensors");
            new SafeTensorsWriter().metadata("k", "é".repeat(len))
                    .add("t".repeat(len), FloatTensor.filled(2f, 3), DType.F32).write(f);
            byte[] b = Files.readAllBytes(f);
            long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            assertEquals(0, (8 + n) % 8, "data offset for name length " + len);
            assertEquals(8 + n + 12, b.length);
            String header = new String(b, 8, (int) n, StandardCharsets.UTF_8);
            String json = header.stripTrailing();
            assertTrue(json.endsWith("}") && header.substring(json.length()).chars().allMatch(c -> c == ' '), header);
            try (SafeTensorsFile st = SafeTensorsFile.open(f)) {
                assertArrayEquals(new float[] {2f, 2f, 2f}, st.readFloats("t".repeat(len)).data());
            }
        }
    }

    @Test
    void readsOtherIntegerAndFloatDtypes() throws Exception {
        // Built by hand: the writer only emits F32/F16/BF16/I64.
        String json = "{\"i32\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"u8\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[8,10]},"
                + "\"i16\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[10,12]},"
                + "\"u32\":{\"dtype\":\"U32\",\"shape\":[1],\"data_offsets\":[12,16]},"
                + "\"f64\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[16,24]},"
                + "\"u64\":{\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[24,32]}}";
        ByteBuffer d = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        d.putInt(-5).putInt(70000).put((byte) 200).put((byte) 1).putShort((short) -300).putInt(-1).putDouble(0.1).putLong(-1);
        byte[] h = json.getBytes();
        Path f = tmp.resolve("ints.safetensors");
        Files.write(f, TestFiles.bytes(h.length, h, d.array()));
        try (SafeTensorsFile st = SafeTensorsFile.open(f)) {
            assertArrayEquals(new long[] {-5, 70000}, st.readLongs("i32"));
            assertArrayEquals(new long[] {200, 1}, st.readLongs("u8"));
            assertArrayEquals(new long[] {-300}, st.readLongs("i16"));
            assertArrayEquals(new long[] {4294967295L}, st.readLongs("u32"));
            assertEquals(0.1f, st.readFloats("f64").data()[0]);
            CheckpointException e = assertThrows(CheckpointException.class, () -> st.readLongs("u64"));
            assertTrue(e.getMessage().contains("'u64'") && e.getMessage().contains("18446744073709551615"), e.getMessage());
        }
    }

    @Test
    void writerRefusesBadInput() {
        SafeTensorsWriter w = new SafeTensorsWriter().add("a", FloatTensor.zeros(2), DType.F32);
        assertThrows(IllegalArgumentException.class, () -> w.add("a", FloatTensor.zeros(2), DType.F32));
        assertThrows(IllegalArgumentException.class, () -> w.add("b", FloatTensor.zeros(2), DType.I32));
        assertThrows(IllegalArgumentException.class, () -> w.add("__metadata__", FloatTensor.zeros(2), DType.F32));
        assertThrows(IllegalArgumentException.class, () -> w.addLongs("c", new long[3], 2, 2));
        assertThrows(IllegalArgumentException.class, () -> w.metadata("k", "bad \uD800 surrogate"));
    }
}
