package io.jetrt.blocks.fullattn;

import io.jetrt.blocks.common.HostBridgedBlock;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceState;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.GpuKernel;
import io.jetrt.spi.GpuOps;
import io.jetrt.spi.Weights;

import java.util.Arrays;
import java.util.Map;

/**
 * GQA attention with RoPE on the GPU (kernels: {@code src/main/cuda/attention.cu}), equal to
 * {@link AttentionCpu} within bf16 GEMM error. One call over {@code x [B, T, D]} runs, in order on the
 * runtime's stream:
 * <ol>
 *   <li>{@code qkv [B·T, (H + 2 Hkv)·Dh] = x · [Wq; Wk; Wv]ᵀ} (one bf16 GEMM over the stacked weights);</li>
 *   <li>bias and RoPE into {@code q [B·T, H, Dh]}, {@code kn, vn [B·T, Hkv, Dh]} ({@code attention_rope_kernel2});</li>
 *   <li>for a sliding window, a copy of the cache (the window shift below reads the old rows from it);</li>
 *   <li>attention over the cache's past rows then the call's own keys: {@code attention_prefill_kernel2} (tensor cores; kernel1, fp32, kept as its reference),
 *       or in decode {@code attention_decode_kernel3} (keys split over blocks, tensor cores; kernel2 where Dh > 128,
 *       kernel1 where Dh % 4 != 0, and as their reference) and {@code attention_combine_kernel1};</li>
 *   <li>the cache update in the {@link KvCache} layout ({@code attention_append_kernel1} for full attention,
 *       {@code attention_window_kernel1} for a window);</li>
 *   <li>{@code y = o · Woᵀ}.</li>
 * </ol>
 * Decode reads positions on the device only; its launches depend on B, the config and the cache length,
 * so it can be captured into a CUDA graph.
 */
final class AttentionCuda extends HostBridgedBlock {
    /** Largest head dim: each lane of attention.cu holds MAXC = 8 channels of 32. */
    static final int MAX_HEAD_DIM = 256;
    /** Queries per warp in attention.cu (NQ). */
    private static final int NQ = 4;
    /** Most key splits of one decode query. */
    private static final int MAX_SPLITS = 256;
    /**
     * The prefill kernel: 2 (tensor cores, fp16 q/k/v/p with fp32 accumulation and softmax; about 1e-3 of the
     * output's scale from the fp32 kernel, see AttentionCudaTest.prefillKernel2EqualsKernel1) or 1 (fp32 throughout).
     */
    static final int PREFILL_VERSION = 2;
    /** attention_prefill_kernel2: key tile and warps (16 queries each); Dh <= 128, else the _wide variant (32 keys). */
    private static final int KT2 = 64, KT2_WIDE = 32, WARPS2 = 4;
    /**
     * The decode kernel where Dh allows it: 3 (tensor cores, fp16 q/k/v/p with fp32 accumulation and softmax, as the
     * prefill's kernel2; Dh <= 128, Dh % 4 == 0), 2 (fp32, 16-byte key rows per lane, all query heads of a group per
     * load; Dh % 4 == 0) or 1 (fp32, tiles in shared memory; any Dh); see AttentionCudaTest.decodeKernel2EqualsKernel1
     * and decodeKernel3EqualsKernel1.
     */
    static final int DECODE_VERSION = 3;
    /** attention_decode_kernel2: query heads per block (DQ), and the fewest keys a split is given. */
    private static final int DQ2 = 8, MIN_SPLIT_KEYS2 = 32;
    /**
     * attention_decode_kernel3: query heads per block (the 16 rows of an mma tile), keys per tile (the fewest a split
     * is given), and blocks resident per multiprocessor (its __launch_bounds__: 168 registers a thread, 35 KiB of
     * shared memory).
     */
    private static final int DQ3 = 16, KT3 = 64, RESIDENT3 = 3;

    private final AttentionConfig cfg;
    private final DeviceTensor wqkv, bqkv, wo;
    /** Rope.java's inverse frequencies {@code [Dh/2]} as float64, stored as int pairs (the kernel reads doubles). */
    private final DeviceTensor invFreq;
    private final GpuKernel rope, prefill, prefill2, decode, decode2, decode3, combine, append, window;
    /** fp32 kernels only (prefill kernel1, decode kernel2 or 1): tests holding the kernels to the CPU within 1e-3. */
    private final boolean fp32Only;
    /** Key tile and warps per block of the attention kernels: 32 keys and 4 warps, or 16 and 2 when Dh > 128. */
    private final int keyTile, warps;
    private final float scale;

    AttentionCuda(AttentionConfig cfg, Weights weights, GpuOps gpu, byte[] image) {
        this(cfg, weights, gpu, image, gpu.matrixType());
    }

    /**
     * {@code projections}: the type the q/k/v/o matrices are uploaded as, BF16 in production; tests use F32 to
     * hold the kernels to float32 agreement with the CPU, apart from bf16 rounding.
     */
    AttentionCuda(AttentionConfig cfg, Weights weights, GpuOps gpu, byte[] image, DType projections) {
        this(cfg, weights, gpu, image, projections, false);
    }

    /** {@code fp32Only}: no fp16 tensor-core kernel (prefill kernel1, decode kernel2 or 1), for exactness tests. */
    AttentionCuda(AttentionConfig cfg, Weights weights, GpuOps gpu, byte[] image, DType projections, boolean fp32Only) {
        super(gpu);
        this.fp32Only = fp32Only;
        if (cfg.headDim() > MAX_HEAD_DIM) {
            throw new IllegalArgumentException("attention (cuda): head_dim must be <= " + MAX_HEAD_DIM
                    + " (attention.cu keeps 8 channels per lane); got " + cfg.headDim());
        }
        this.cfg = cfg;
        AttentionWeights w = new AttentionWeights(cfg, weights);
        int d = cfg.hidden(), qd = cfg.qDim(), kvd = cfg.kvDim(), rows = qd + 2 * kvd;
        float[] stacked = new float[rows * d];
        System.arraycopy(w.q(), 0, stacked, 0, qd * d);
        System.arraycopy(w.k(), 0, stacked, qd * d, kvd * d);
        System.arraycopy(w.v(), 0, stacked, (qd + kvd) * d, kvd * d);
        // no bias: zeros, so the rope kernel always adds one (x + 0 = x)
        float[] bias = new float[rows];
        if (cfg.qkvBias()) {
            System.arraycopy(w.qBias(), 0, bias, 0, qd);
            System.arraycopy(w.kBias(), 0, bias, qd, kvd);
            System.arraycopy(w.vBias(), 0, bias, qd + kvd, kvd);
        }
        wqkv = gpu.upload(new FloatTensor(stacked, new int[] {rows, d}), projections);
        bqkv = gpu.upload(new FloatTensor(bias, new int[] {rows}), DType.F32);
        wo = gpu.upload(new FloatTensor(w.o(), new int[] {d, qd}), projections);
        double[] inv = new Rope(cfg.headDim(), cfg.ropeTheta()).invFreq();
        int[] bits = new int[2 * inv.length];
        for (int i = 0; i < inv.length; i++) {
            long v = Double.doubleToRawLongBits(inv[i]);
            bits[2 * i] = (int) v;             // little-endian: low word first
            bits[2 * i + 1] = (int) (v >>> 32);
        }
        invFreq = gpu.upload(bits);
        rope = gpu.kernel(image, "attention_rope_kernel2");
        prefill = gpu.kernel(image, "attention_prefill_kernel1");
        prefill2 = gpu.kernel(image, cfg.headDim() <= 128 ? "attention_prefill_kernel2" : "attention_prefill_kernel2_wide");
        decode = gpu.kernel(image, "attention_decode_kernel1");
        decode2 = cfg.headDim() % 4 == 0 ? gpu.kernel(image, cfg.headDim() <= 128 ? "attention_decode_kernel2" : "attention_decode_kernel2_wide") : null;
        decode3 = cfg.headDim() % 4 == 0 && cfg.headDim() <= 128 ? gpu.kernel(image, "attention_decode_kernel3") : null;
        combine = gpu.kernel(image, "attention_combine_kernel1");
        append = gpu.kernel(image, "attention_append_kernel1");
        window = gpu.kernel(image, "attention_window_kernel1");
        keyTile = cfg.headDim() > 128 ? 16 : 32;
        warps = cfg.headDim() > 128 ? 2 : 4;
        scale = (float) (1.0 / Math.sqrt(cfg.headDim()));
    }

    /** Queries per block of the attention kernels (QT). */
    private int queryTile() { return warps * NQ; }

    /** Dynamic shared memory of the attention kernels: Q [QT, Dh], K [KT, Dh+1], V [KT, Dh]. */
    private int sharedBytes() {
        int dh = cfg.headDim();
        return 4 * (queryTile() * dh + keyTile * (dh + 1) + keyTile * dh);
    }

    /** attention_prefill_kernel2's dynamic shared memory: K and V [KT2][DP+8] in halves, DP = Dh rounded up to 16. */
    private int sharedBytes2() {
        int dp = (cfg.headDim() + 15) / 16 * 16, kt = keyTile2();
        return 2 * 2 * kt * (dp + 8);
    }

    private int keyTile2() { return cfg.headDim() <= 128 ? KT2 : KT2_WIDE; }

    /**
     * {@code o [B·T, H, Dh]} = attention of {@code q [B·T, H, Dh]} over the virtual key sequence (cache rows then
     * {@code kn, vn [B·T, Hkv, Dh]}) with the prefill kernel {@code version} (1 or 2). Package-private for the tests.
     */
    void attend(int version, DeviceTensor o, DeviceTensor q, DeviceTensor kc, DeviceTensor vc, DeviceTensor kn, DeviceTensor vn,
                DeviceTensor positions, int batch, int steps) {
        int dh = cfg.headDim(), h = cfg.heads(), hkv = cfg.kvHeads(), len = kc.dim(2), win = cfg.window();
        if (version == 2) {
            int qt = 16 * WARPS2, tiles = (steps + qt - 1) / qt;
            gpu.launch(prefill2, tiles, h, batch, 32 * WARPS2, 1, sharedBytes2(), o, q, kc, vc, kn, vn, positions,
                    steps, h, hkv, dh, len, win, keyTile2(), scale);
        } else {
            int tiles = (steps + queryTile() - 1) / queryTile();
            gpu.launch(prefill, tiles, h, batch, 32 * warps, 1, sharedBytes(), o, q, kc, vc, kn, vn, positions,
                    steps, h, hkv, dh, len, win, keyTile, scale);
        }
    }

    /** The decode kernel version this block runs: DECODE_VERSION where Dh allows it, else the highest that does (fp32 ones only for fp32Only). */
    int decodeVersion() { return decode3 != null && !fp32Only ? DECODE_VERSION : decode2 != null ? 2 : 1; }

    /**
     * Decode attention with kernel {@code version} (1, 2 or 3) then the combine: {@code o [B, H, Dh]} of the one query
     * per sequence {@code q [B, H, Dh]} over the cache rows then {@code kn, vn [B, Hkv, Dh]}. Package-private for the
     * tests and the bench; launches depend on B, the config and the cache length only.
     */
    void attendDecode(int version, DeviceTensor o, DeviceTensor q, DeviceTensor kc, DeviceTensor vc, DeviceTensor kn, DeviceTensor vn,
                      DeviceTensor positions, int batch) {
        int len = kc.dim(2);
        int splits = version == 3 ? splits3(batch, len) : version == 2 ? splits2(batch, len) : splits(batch, len);
        attendDecode(version, splits, o, q, kc, vc, kn, vn, positions, batch);
    }

    /** {@link #attendDecode(int, DeviceTensor, DeviceTensor, DeviceTensor, DeviceTensor, DeviceTensor, DeviceTensor, DeviceTensor, int)} over {@code splits} key splits (tests: one split walks many tiles). */
    void attendDecode(int version, int splits, DeviceTensor o, DeviceTensor q, DeviceTensor kc, DeviceTensor vc, DeviceTensor kn, DeviceTensor vn,
                      DeviceTensor positions, int batch) {
        int dh = cfg.headDim(), h = cfg.heads(), hkv = cfg.kvHeads(), len = kc.dim(2), win = cfg.window();
        if (version == 2 && decode2 == null) throw new IllegalArgumentException("attention_decode_kernel2 needs Dh % 4 == 0; got " + dh);
        if (version == 3 && decode3 == null) throw new IllegalArgumentException("attention_decode_kernel3 needs Dh % 4 == 0 and Dh <= 128; got " + dh);
        if (splits < 1 || splits > MAX_SPLITS) throw new IllegalArgumentException("decode key splits must be in [1, " + MAX_SPLITS + "]; got " + splits);
        DeviceTensor opart = gpu.scratch(DType.F32, batch, h, splits, dh);
        DeviceTensor mpart = gpu.scratch(DType.F32, batch, h, splits);
        DeviceTensor lpart = gpu.scratch(DType.F32, batch, h, splits);
        if (version == 3) {
            int chunks = (cfg.group() + DQ3 - 1) / DQ3;
            gpu.launch(decode3, splits, hkv * chunks, batch, 128, 1, 0, opart, mpart, lpart, q, kc, vc, kn, vn, positions,
                    h, hkv, dh, len, win, scale, splits);
        } else if (version == 2) {
            int chunks = (cfg.group() + DQ2 - 1) / DQ2;
            gpu.launch(decode2, splits, hkv * chunks, batch, 128, 1, 0, opart, mpart, lpart, q, kc, vc, kn, vn, positions,
                    h, hkv, dh, len, win, scale, splits);
        } else {
            int chunks = (cfg.group() + queryTile() - 1) / queryTile();
            gpu.launch(decode, splits, hkv * chunks, batch, 32 * warps, 1, sharedBytes(), opart, mpart, lpart, q, kc, vc, kn, vn, positions,
                    h, hkv, dh, len, win, keyTile, scale, splits);
        }
        gpu.launch(combine, h, batch, 1, 128, 1, 0, o, opart, mpart, lpart, h, dh, splits);
    }

    /**
     * Key splits of attention_decode_kernel2: about 8 blocks per multiprocessor over the grid (its 161 registers a
     * thread leave 3 blocks resident on each, so close to 3 even waves), no split shorter than MIN_SPLIT_KEYS2
     * keys of the cache length. Depends on B, the config and the cache length only.
     */
    int splits2(int batch, int cacheLength) {
        int perSplit = batch * cfg.kvHeads() * ((cfg.group() + DQ2 - 1) / DQ2);
        int want = (8 * gpu.multiprocessors() + perSplit - 1) / perSplit;
        int most = (cacheLength + 1 + MIN_SPLIT_KEYS2 - 1) / MIN_SPLIT_KEYS2;
        return Math.max(1, Math.min(Math.min(want, most), MAX_SPLITS));
    }

    /**
     * Key splits of attention_decode_kernel3: the fewest whose grid fills its last wave of RESIDENT3 blocks per
     * multiprocessor to at least 95% (a split is one block's serial walk over its keys, so a ragged last wave idles
     * multiprocessors for a whole split), else the best filled; no split shorter than a key tile of the cache length.
     * Depends on B, the config and the cache length only.
     */
    int splits3(int batch, int cacheLength) {
        int perSplit = batch * cfg.kvHeads() * ((cfg.group() + DQ3 - 1) / DQ3);
        int most = Math.min(MAX_SPLITS, Math.max(1, (cacheLength + 1 + KT3 - 1) / KT3));
        return splitsFillingWaves(perSplit, RESIDENT3 * gpu.multiprocessors(), most);
    }

    /**
     * The fewest splits s <= {@code most} whose {@code s · perSplit} blocks make at least one wave of {@code slots} and
     * fill the last to 95%; else the s that fills it best.
     */
    static int splitsFillingWaves(int perSplit, int slots, int most) {
        int best = 1;
        double bestFill = 0;
        for (int s = 1; s <= most; s++) {
            long blocks = (long) s * perSplit;
            double fill = (double) blocks / ((blocks + slots - 1) / slots * slots);
            if (blocks >= slots && fill >= 0.95) return s;
            if (fill > bestFill + 1e-9) {
                best = s;
                bestFill = fill;
            }
        }
        return best;
    }

    @Override
    public void prefill(DeviceTensor x, DeviceTensor positions, int[] hostPositions, DeviceState state, DeviceTensor y) {
        int batch = x.dim(0), steps = x.dim(1);
        DeviceTensor kc = state.get(KvCache.KEYS);
        int len = kc.dim(2);
        if (!cfg.sliding()) {
            for (int b = 0; b < batch; b++) {
                if (hostPositions[b] + steps > len) {
                    throw new IllegalStateException("attention: sequence " + b + " reached position " + (hostPositions[b] + steps - 1)
                            + " but the KV cache holds " + len + " tokens (the capacity asked for)");
                }
            }
        }
        forward(x, positions, state, y, false);
    }

    @Override
    public void decode(DeviceTensor x, DeviceTensor positions, DeviceState state, DeviceTensor y) {
        if (x.dim(1) != 1) throw new IllegalArgumentException("attention (cuda): decode x must be [B, 1, D]; got " + Arrays.toString(x.shape()));
        forward(x, positions, state, y, true);
    }

    private void forward(DeviceTensor x, DeviceTensor positions, DeviceState state, DeviceTensor y, boolean oneStep) {
        int batch = x.dim(0), steps = x.dim(1), rows = batch * steps, d = cfg.hidden(), dh = cfg.headDim();
        int h = cfg.heads(), hkv = cfg.kvHeads();
        DeviceTensor kc = state.get(KvCache.KEYS), vc = state.get(KvCache.VALUES);
        int len = kc.dim(2), win = cfg.window();

        DeviceTensor qkv = gpu.scratch(DType.F32, rows, cfg.qDim() + 2 * cfg.kvDim());
        gpu.linear(x.reshape(rows, d), wqkv, qkv);
        DeviceTensor q = gpu.scratch(DType.F32, rows, cfg.qDim());
        DeviceTensor kn = gpu.scratch(DType.F32, rows, cfg.kvDim());
        DeviceTensor vn = gpu.scratch(DType.F32, rows, cfg.kvDim());
        int ropeThreads = Math.min(1024, Math.max(32, ((h + hkv) * (dh / 2) + 31) / 32 * 32));
        gpu.launch(rope, rows, 1, 1, ropeThreads, 1, 0, q, kn, vn, qkv, bqkv, positions, invFreq, steps, h, hkv, dh);

        DeviceTensor ko = null, vo = null;
        if (cfg.sliding()) {
            ko = gpu.scratch(DType.F32, kc.shape());
            vo = gpu.scratch(DType.F32, vc.shape());
            gpu.copy(kc, ko);
            gpu.copy(vc, vo);
        }

        DeviceTensor o = gpu.scratch(DType.F32, rows, cfg.qDim());
        if (oneStep) {
            attendDecode(decodeVersion(), o, q, kc, vc, kn, vn, positions, batch);
        } else {
            attend(fp32Only ? 1 : PREFILL_VERSION, o, q, kc, vc, kn, vn, positions, batch, steps);
        }

        int copyThreads = Math.min(128, (dh + 31) / 32 * 32);
        if (cfg.sliding()) {
            gpu.launch(window, win, hkv, batch, copyThreads, 1, 0, kc, vc, ko, vo, kn, vn, positions, steps, hkv, dh, win);
        } else {
            gpu.launch(append, steps, hkv, batch, copyThreads, 1, 0, kc, vc, kn, vn, positions, steps, hkv, dh, len);
        }
        gpu.linear(o, wo, y.reshape(rows, d));
    }

    /**
     * Key splits of a decode query: enough blocks for two waves over the multiprocessors at this batch, no
     * more than the key tiles the cache can hold. Depends on B, the config and the cache length only.
     */
    int splits(int batch, int cacheLength) {
        int chunks = (cfg.group() + queryTile() - 1) / queryTile();
        int perSplit = batch * cfg.kvHeads() * chunks;
        int want = (2 * gpu.multiprocessors() + perSplit - 1) / perSplit;
        int tiles = (cacheLength + 1 + keyTile - 1) / keyTile;
        return Math.max(1, Math.min(Math.min(want, tiles), MAX_SPLITS));
    }

    @Override
    public Map<String, FloatTensor> exportState(BlockState state, int seen) {
        return AttentionState.export(cfg, state, seen);
    }
}
