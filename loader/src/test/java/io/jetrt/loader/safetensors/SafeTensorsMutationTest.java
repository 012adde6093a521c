package io.jetrt.loader.safetensors;

import io.jetrt.spi.DType;
import io.jetrt.spi.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Corrupts a valid file in random ways. A corrupt file must either open and read entirely within its
 * bounds, or be refused with a CheckpointException naming it: never another exception, never a crash.
 */
class SafeTensorsMutationTest {

    private static final long SEED = 20251126L;
    private static final int CASES = 2500;
    private static final String[] NUMBERS = {"0", "1", "7", "9", "00", "-1", "-0", "1.5", "2.0", "1e2", "8e0", "4294967296",
            "9223372036854775807", "9223372036854775808", "18446744073709551616", "1e400", "-9223372036854775808"};
    private static final String[] DTYPES = {"F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8",
            "BOOL", "F8", "f32", "", "F32 "};
    private static final byte[] INTERESTING = " \t\n{}[]\":,-.0123456789eE\\u".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern OFFSETS = Pattern.compile("\"data_offsets\":\\[(\\d{1,18}),(\\d{1,18})\\]");
    private static final Pattern ENTRY = Pattern.compile("\"[^\"]*\":\\{\"dtype\"[^}]*\\}");

    @TempDir Path tmp;

    @Test
    void corruptFilesOpenCleanlyOrFailWithCheckpointException() throws Exception {
        Path basePath = tmp.resolve("base.safetensors");
        new SafeTensorsWriter()
                .metadata("block", "mutation")
                .metadata("seed", "20251126")
                .add("w", new FloatTensor(new float[] {1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12}, new int[] {3, 4}), DType.F32)
                .add("b", new FloatTensor(new float[] {0.5f, 1.5f, -2.5f, 100f, 1e-3f}, new int[] {5}), DType.BF16)
                .add("h", new FloatTensor(new float[] {0.25f, -0.75f, 2f, 4f}, new int[] {2, 2}), DType.F16)
                .addLongs("ids", new long[] {1, 2, 3, 40000, -5, 6}, 2, 3)
                .add("s", new FloatTensor(new float[] {42f}, new int[0]), DType.F32)
                .add("e", FloatTensor.zeros(0, 3), DType.F32)
                .write(basePath);
        byte[] base = Files.readAllBytes(basePath);
        int n = (int) ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        byte[] header = Arrays.copyOfRange(base, 8, 8 + n);
        byte[] data = Arrays.copyOfRange(base, 8 + n, base.length);

        Random seeds = new Random(SEED);
        int opened = 0, refused = 0;
        for (int c = 0; c < CASES; c++) {
            long caseSeed = seeds.nextLong();
            Random r = new Random(caseSeed);
            List<String> ops = new ArrayList<>();
            byte[] file = mutate(r, header, data, ops);
            Path f = tmp.resolve("mut-" + c + ".safetensors");
            Files.write(f, file);
            String what = "case " + c + " (seed " + caseSeed + ", ops " + ops + ")";
            try {
                if (openAndReadAll(f, file.length, what)) opened++;
                else refused++;
            } catch (AssertionFailedError e) {
                throw e;
            } catch (Throwable t) {
                throw new AssertionFailedError(what + ": must open or throw CheckpointException; got " + t, t);
            }
            Files.delete(f);
        }
        System.out.printf("safetensors mutation test: %d cases, %d opened and read, %d refused%n", CASES, opened, refused);
        assertTrue(opened >= 50, "too few mutated files opened (" + opened + "): the test would be vacuous");
        assertTrue(refused >= 500, "too few mutated files refused (" + refused + ")");
    }

    /**
     * True when the file opened and every tensor read; false when it was refused at open or at a read.
     * Bounds are checked for every tensor before any read, so a refused read cannot hide a bad range.
     */
    private static boolean openAndReadAll(Path f, long size, String what) {
        try (SafeTensorsFile st = SafeTensorsFile.open(f)) {
            long n = ByteBuffer.wrap(readHead(f)).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            long dataSize = size - 8 - n;
            for (String name : st.names()) {
                TensorInfo t = st.info(name);
                assertTrue(0 <= t.begin() && t.begin() <= t.end() && t.end() <= dataSize, what + ": " + t + " outside " + dataSize);
                assertEquals(t.end() - t.begin(), t.elements() * t.dtype().bytes(), what + ": " + t);
                assertEquals(t.end() - t.begin(), st.segment(name).byteSize(), what);
            }
            for (String name : st.names()) {
                TensorInfo t = st.info(name);
                if (t.dtype().isFloat()) {
                    mustRefuse(f, what, () -> st.readLongs(name));
                    assertEquals(t.elements(), st.readFloats(name).size(), what);
                } else {
                    mustRefuse(f, what, () -> st.readFloats(name));
                    assertEquals(t.elements(), st.readLongs(name).length, what);
                }
            }
            return true;
        } catch (CheckpointException e) {
            assertTrue(e.getMessage().contains(f.getFileName().toString()), what + ": message must name the file: " + e.getMessage());
            return false;
        }
    }

    private static void mustRefuse(Path f, String what, Runnable read) {
        CheckpointException e = assertThrows(CheckpointException.class, read::run, what);
        assertTrue(e.getMessage().contains(f.getFileName().toString()), what + ": " + e.getMessage());
    }

    private static byte[] readHead(Path f) {
        try (var in = Files.newInputStream(f)) {
            return in.readNBytes(8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** One to three random mutations; the length field follows the header unless a mutation sets it. */
    private static byte[] mutate(Random r, byte[] header0, byte[] data0, List<String> ops) {
        byte[] h = header0.clone();
        byte[] d = data0.clone();
        Long length = null;
        int cut = -1;
        int count = 1 + r.nextInt(3);
        for (int k = 0; k < count; k++) {
            int op = r.nextInt(11);
            int at = r.nextInt(h.length + 1);
            switch (op) {
                case 0 -> { if (h.length > 0) { int b = r.nextInt(8); h[at % h.length] ^= (byte) (1 << b); ops.add("flip@" + at + "." + b); } }
                case 1 -> { if (h.length > 0) { byte v = INTERESTING[r.nextInt(INTERESTING.length)]; h[at % h.length] = v; ops.add("set@" + at + "=" + (char) v); } }
                case 2 -> {
                    long[] choices = {h.length + 1 + r.nextInt(16), h.length - 1 - r.nextInt(16), 0, r.nextLong(), Long.MIN_VALUE,
                            (100L << 20) + 1, r.nextInt(h.length + d.length + 64)};
                    length = choices[r.nextInt(choices.length)];
                    ops.add("length=" + Long.toUnsignedString(length));
                }
                case 3 -> { cut = r.nextInt(8 + h.length + d.length); ops.add("truncate@" + cut); }
                case 4 -> {
                    List<int[]> runs = digitRuns(h);
                    if (runs.isEmpty()) break;
                    int[] run = runs.get(r.nextInt(runs.size()));
                    String num = NUMBERS[r.nextInt(NUMBERS.length)];
                    int mode = r.nextInt(3); // 0 replace, 1 insert before, 2 append
                    int from = mode == 2 ? run[1] : run[0], to = mode == 0 ? run[1] : from;
                    h = splice(h, from, to, num.getBytes(StandardCharsets.US_ASCII));
                    ops.add("number@" + run[0] + (mode == 0 ? "=" : mode == 1 ? "<" : ">") + num);
                }
                case 5 -> {
                    String s = new String(h, StandardCharsets.UTF_8);
                    List<String> entries = new ArrayList<>();
                    for (Matcher m = ENTRY.matcher(s); m.find(); ) entries.add(m.group());
                    if (entries.isEmpty() || !s.startsWith("{")) break;
                    String e = entries.get(r.nextInt(entries.size()));
                    h = splice(h, 1, 1, (e + ",").getBytes(StandardCharsets.UTF_8));
                    ops.add("duplicate " + e.substring(0, e.indexOf(':')));
                }
                case 6 -> {
                    String s = new String(h, StandardCharsets.UTF_8);
                    int i = s.indexOf("\"dtype\":\"", r.nextInt(Math.max(1, s.length())));
                    if (i < 0) i = s.indexOf("\"dtype\":\"");
                    if (i < 0) break;
                    int from = i + 9, to = s.indexOf('"', from);
                    if (to < 0) break;
                    String dt = DTYPES[r.nextInt(DTYPES.length)];
                    h = (s.substring(0, from) + dt + s.substring(to)).getBytes(StandardCharsets.UTF_8);
                    ops.add("dtype@" + from + "=" + dt);
                }
                case 7 -> {
                    byte[][] junk = {{(byte) 0xC3, (byte) 0xA9}, {(byte) 0xC3}, {(byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                            {0}, {' '}, {'\n'}, {'"'}, {'\\'}, "\\u00e9".getBytes(StandardCharsets.US_ASCII), {(byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80}};
                    byte[] j = junk[r.nextInt(junk.length)];
                    h = splice(h, at, at, j);
                    ops.add("insert@" + at + "=" + Arrays.toString(j));
                }
                case 8 -> {
                    int to = Math.min(h.length, at + 1 + r.nextInt(12));
                    h = splice(h, Math.min(at, to), to, new byte[0]);
                    ops.add("delete@" + at + ".." + to);
                }
                case 9 -> { if (d.length > 0) { d[r.nextInt(d.length)] = (byte) r.nextInt(256); ops.add("data"); } }
                default -> {
                    // Move one tensor's range, keeping its length: aliased, overlapping or out-of-file ranges.
                    String s = new String(h, StandardCharsets.UTF_8);
                    List<MatchResult> ranges = new ArrayList<>();
                    for (Matcher m = OFFSETS.matcher(s); m.find(); ) ranges.add(m.toMatchResult());
                    if (ranges.isEmpty()) break;
                    var m = ranges.get(r.nextInt(ranges.size()));
                    long b = Long.parseLong(m.group(1)), e = Long.parseLong(m.group(2));
                    long nb = r.nextBoolean() ? Math.max(0, b + 2 * (r.nextInt(17) - 8))
                            : Long.parseLong(ranges.get(r.nextInt(ranges.size())).group(1));
                    h = (s.substring(0, m.start()) + "\"data_offsets\":[" + nb + "," + (nb + e - b) + "]" + s.substring(m.end()))
                            .getBytes(StandardCharsets.UTF_8);
                    ops.add("move[" + b + "," + e + "]->" + nb);
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(length != null ? length : h.length).array());
        out.writeBytes(h);
        out.writeBytes(d);
        byte[] file = out.toByteArray();
        return cut >= 0 && cut < file.length ? Arrays.copyOf(file, cut) : file;
    }

    private static List<int[]> digitRuns(byte[] h) {
        List<int[]> runs = new ArrayList<>();
        for (int i = 0; i < h.length; i++) {
            if (h[i] < '0' || h[i] > '9') continue;
            int j = i;
            while (j < h.length && h[j] >= '0' && h[j] <= '9') j++;
            runs.add(new int[] {i, j});
            i = j;
        }
        return runs;
    }

    private static byte[] splice(byte[] a, int from, int to, byte[] insert) {
        byte[] out = new byte[a.length - (to - from) + insert.length];
        System.arraycopy(a, 0, out, 0, from);
        System.arraycopy(insert, 0, out, from, insert.length);
        System.arraycopy(a, to, out, from + insert.length, a.length - to);
        return out;
    }
}
