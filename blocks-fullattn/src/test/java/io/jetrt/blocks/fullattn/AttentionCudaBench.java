package io.jetrt.blocks.fullattn;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.runtime.gpu.GpuBlockServices;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceState;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.GpuOps;
import io.jetrt.spi.StateSlot;
import io.jetrt.spi.WeightDecl;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Timings of one Jet-Nemotron-2B attention layer (D 1536, 12 heads over 2 KV heads of 128, window 1152 for
 * swa) on the device path (no host copies): prefill of 4096 tokens, and decode at batch 1 and 4 after a
 * 4096-token context. Wall time over queued calls, synchronised by a download; launch cost included.
 * Run: {@code java ... io.jetrt.blocks.fullattn.AttentionCudaBench} on a GPU machine.
 */
public final class AttentionCudaBench {
    public static void main(String[] args) {
        for (int window : new int[] {0, 1152}) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("hidden_size", 1536);
            p.put("num_attention_heads", 12);
            p.put("num_key_value_heads", 2);
            p.put("rope_theta", 1e6);
            if (window > 0) p.put("sliding_window", window);
            BlockConfig c = new BlockConfig("2B window " + window, p);
            AttentionProvider provider = new AttentionProvider(window > 0, "1.0.0");
            SplittableRandom rng = new SplittableRandom(1);
            Map<String, FloatTensor> w = new LinkedHashMap<>();
            for (WeightDecl d : provider.weights(c)) w.put(d.name(), AttentionPropertiesTest.random(rng, 0.02, d.shape()));
            try (GpuBlockServices s = GpuBlockServices.open("bench")) {
                GpuOps gpu = s.gpu();
                AttentionCuda block = (AttentionCuda) provider.create(c, new MapWeights("bench", w), io.jetrt.spi.Backend.CUDA, s);
                int ctx = 4096;
                kernelTimes(gpu, block, c, window, ctx, rng);
                for (int decodeCtx : new int[] {ctx, 65536}) {
                    for (int batch : new int[] {1, 64, 128}) decodeTimes(gpu, block, c, window, decodeCtx, batch);
                }
                if (args.length > 0 && args[0].equals("decode")) continue;
                for (int batch : new int[] {1, 4}) {
                    DeviceState st = state(gpu, provider, c, batch, ctx + 64);
                    DeviceTensor x = gpu.upload(AttentionPropertiesTest.random(rng, 1.0, batch, ctx, 1536), DType.F32);
                    DeviceTensor y = gpu.allocate(DType.F32, batch, ctx, 1536);
                    DeviceTensor pos0 = gpu.upload(new int[batch]);
                    int reps = batch == 1 ? 5 : 2;
                    block.prefill(x, pos0, new int[batch], st, y);
                    gpu.download(pos0);
                    long t0 = System.nanoTime();
                    for (int r = 0; r < reps; r++) {
                        block.prefill(x, pos0, new int[batch], st, y);
                        gpu.download(pos0);
                    }
                    double pre = (System.nanoTime() - t0) / 1e6 / reps;
                    int[] hp = new int[batch];
                    java.util.Arrays.fill(hp, ctx);
                    DeviceTensor pos = gpu.upload(hp);
                    DeviceTensor x1 = gpu.upload(AttentionPropertiesTest.random(rng, 1.0, batch, 1, 1536), DType.F32);
                    DeviceTensor y1 = gpu.allocate(DType.F32, batch, 1, 1536);
                    for (int r = 0; r < 20; r++) block.decode(x1, pos, st, y1);
                    gpu.download(pos);
                    // a download every 10 steps gives the scratch arena back (it only grows between them)
                    int n = 200;
                    t0 = System.nanoTime();
                    for (int r = 0; r < n; r++) {
                        block.decode(x1, pos, st, y1);
                        if (r % 10 == 9) gpu.download(pos);
                    }
                    double dec = (System.nanoTime() - t0) / 1e3 / n;
                    t0 = System.nanoTime();
                    for (int r = 0; r < 50; r++) {
                        block.decode(x1, pos, st, y1);
                        gpu.download(pos);
                    }
                    double lat = (System.nanoTime() - t0) / 1e3 / 50;
                    System.out.printf(Locale.ROOT, "%s B=%d: prefill(%d) %.2f ms (%.0f tok/s), decode at %d: %.1f us/step queued, %.1f us synced, splits %d%n",
                            c.where(), batch, ctx, pre, batch * ctx / pre * 1e3, ctx, dec, lat, block.splits(batch, window > 0 ? window : ctx + 64));
                }
            }
        }
    }

    /** The prefill attention kernel alone (one layer, batch 1, T tokens from an empty cache): kernel 1 vs kernel 2. */
    private static void kernelTimes(GpuOps gpu, AttentionCuda block, BlockConfig c, int window, int steps, SplittableRandom rng) {
        int h = 12, hkv = 2, dh = 128, len = window > 0 ? window : steps;
        DeviceTensor q = gpu.upload(AttentionPropertiesTest.random(rng, 1.0, steps, h * dh), DType.F32);
        DeviceTensor kn = gpu.upload(AttentionPropertiesTest.random(rng, 1.0, steps, hkv * dh), DType.F32);
        DeviceTensor vn = gpu.upload(AttentionPropertiesTest.random(rng, 1.0, steps, hkv * dh), DType.F32);
        DeviceTensor kc = gpu.allocate(DType.F32, 1, hkv, len, dh), vc = gpu.allocate(DType.F32, 1, hkv, len, dh);
        DeviceTensor o = gpu.allocate(DType.F32, steps, h * dh), pos = gpu.upload(new int[1]);
        for (int version = 1; version <= 2; version++) {
            int reps = version == 1 ? 5 : 50;
            block.attend(version, o, q, kc, vc, kn, vn, pos, 1, steps);
            gpu.download(pos);
            long t0 = System.nanoTime();
            for (int r = 0; r < reps; r++) block.attend(version, o, q, kc, vc, kn, vn, pos, 1, steps);
            gpu.download(pos);
            System.out.printf(Locale.ROOT, "%s: attention_prefill_kernel%d, T %d, 12 heads, Dh 128: %.3f ms%n",
                    c.where(), version, steps, (System.nanoTime() - t0) / 1e6 / reps);
        }
        for (DeviceTensor t : new DeviceTensor[] {q, kn, vn, kc, vc, o, pos}) gpu.free(t);
    }

    /**
     * The decode attention alone (kernel + combine; one layer, 12 heads, Dh 128) at batch B, every sequence at
     * position ctx of a cache of ctx + 64 rows (or the window): kernels 2 and 3 (kernel 1, their fp32 reference, is
     * left out: at 64K x 128 it takes seconds), the K/V bytes each must read, and the median and spread of 7 runs
     * of 20 calls each.
     */
    private static void decodeTimes(GpuOps gpu, AttentionCuda block, BlockConfig c, int window, int ctx, int batch) {
        int h = 12, hkv = 2, dh = 128, len = window > 0 ? window : ctx + 64;
        DeviceTensor q = gpu.allocate(DType.F32, batch, h * dh), kn = gpu.allocate(DType.F32, batch, hkv * dh), vn = gpu.allocate(DType.F32, batch, hkv * dh);
        DeviceTensor kc = gpu.allocate(DType.F32, batch, hkv, len, dh), vc = gpu.allocate(DType.F32, batch, hkv, len, dh);
        DeviceTensor o = gpu.allocate(DType.F32, batch, h * dh);
        for (DeviceTensor t : new DeviceTensor[] {q, kn, vn, kc, vc}) gpu.zero(t);
        int[] hp = new int[batch];
        java.util.Arrays.fill(hp, ctx);
        DeviceTensor pos = gpu.upload(hp);
        double bytes = 2.0 * batch * hkv * (Math.min(ctx, window > 0 ? window : ctx) + 1) * dh * 4;
        for (int version = 2; version <= 3; version++) {
            int reps = 20;
            for (int r = 0; r < 5; r++) block.attendDecode(version, o, q, kc, vc, kn, vn, pos, batch);
            gpu.download(pos);
            double[] runs = new double[7];
            for (int run = 0; run < runs.length; run++) {
                long t0 = System.nanoTime();
                for (int r = 0; r < reps; r++) {
                    block.attendDecode(version, o, q, kc, vc, kn, vn, pos, batch);
                    if (r % 10 == 9) gpu.download(pos);
                }
                gpu.download(pos);
                runs[run] = (System.nanoTime() - t0) / 1e3 / reps;
            }
            java.util.Arrays.sort(runs);
            double us = runs[runs.length / 2];
            System.out.printf(Locale.ROOT, "%s: attention_decode_kernel%d + combine, B %d at %d, 12 heads, Dh 128: %.1f us [%.1f, %.1f] (%.0f GB/s of K/V), splits %d%n",
                    c.where(), version, batch, ctx, us, runs[0], runs[runs.length - 1], bytes / us / 1e3,
                    version == 3 ? block.splits3(batch, len) : block.splits2(batch, len));
        }
        for (DeviceTensor t : new DeviceTensor[] {q, kn, vn, kc, vc, o, pos}) gpu.free(t);
    }

    private static DeviceState state(GpuOps gpu, AttentionProvider provider, BlockConfig c, int batch, int capacity) {
        Map<String, DeviceTensor> t = new LinkedHashMap<>();
        var layout = provider.stateLayout(c, capacity);
        for (StateSlot s : layout) {
            int[] per = s.shape();
            int[] shape = new int[per.length + 1];
            shape[0] = batch;
            System.arraycopy(per, 0, shape, 1, per.length);
            t.put(s.name(), gpu.allocate(DType.F32, shape));
        }
        return new DeviceState(batch, layout, t);
    }
}
