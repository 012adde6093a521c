package io.jetrt.runtime.cuda;

/**
 * Java launchers of the dense kernels in {@code runtime/src/main/cuda/dense.cu} (one method per kernel,
 * named like it; the kernel file's header says what each computes and points at the Java reference).
 * The fatbin is built by nvcc during the Maven build into the resource {@link #RESOURCE}; without nvcc
 * there is none, and {@link #load} says so. Methods are synchronized: each launcher reuses its argument
 * memory. Sizes are checked against the buffers (a wrong size on the device is silent corruption).
 */
public final class DenseKernels implements AutoCloseable {
    public static final String RESOURCE = "io/jetrt/runtime/cuda/dense.fatbin";
    static final int BLOCK = 256;

    /** The x row counts the gemv kernels are compiled for; a launch takes the smallest that holds m. */
    private static final int[] GEMV_ROWS = {1, 2, 4, 8};

    private final CudaDevice device;
    private final Launcher[] gemv = new Launcher[GEMV_ROWS.length], gemvF32 = new Launcher[GEMV_ROWS.length];
    private final CudaModule module;
    private final Launcher noop, embedding, rmsNorm, swiglu, residualAdd, addRmsNorm, advance, feed, embeddingF32, swigluPair, swigluPairBf16, toBf16, argmax;

    private DenseKernels(CudaDevice device, CudaModule module) {
        this.device = device;
        this.module = module;
        noop = new Launcher(module.function("noop_kernel"), 0);
        embedding = new Launcher(module.function("embedding_kernel1"), 6);
        rmsNorm = new Launcher(module.function("rmsnorm_kernel1"), 6);
        swiglu = new Launcher(module.function("swiglu_kernel1"), 4);
        residualAdd = new Launcher(module.function("residual_add_kernel1"), 3);
        addRmsNorm = new Launcher(module.function("add_rmsnorm_kernel1"), 7);
        for (int i = 0; i < GEMV_ROWS.length; i++) {
            gemv[i] = new Launcher(module.function("gemv_bf16_m" + GEMV_ROWS[i] + "_kernel1"), 7);
            gemvF32[i] = new Launcher(module.function("gemv_f32_m" + GEMV_ROWS[i] + "_kernel1"), 7);
        }
        embeddingF32 = new Launcher(module.function("embedding_f32_kernel1"), 6);
        advance = new Launcher(module.function("advance_kernel1"), 5);
        feed = new Launcher(module.function("feed_kernel1"), 4);
        swigluPair = new Launcher(module.function("swiglu_pair_kernel1"), 4);
        swigluPairBf16 = new Launcher(module.function("swiglu_pair_bf16_kernel1"), 5);
        toBf16 = new Launcher(module.function("to_bf16_kernel1"), 3);
        argmax = new Launcher(module.function("argmax_kernel1"), 4);
    }

    /** Loads the runtime's dense kernels on {@code device}; {@link CudaUnavailableException} when not built. */
    public static DenseKernels load(CudaDevice device) {
        ClassLoader loader = DenseKernels.class.getClassLoader();
        byte[] image = CudaModule.readResource(loader, RESOURCE);
        if (image == null) throw new CudaUnavailableException(missingReason(loader));
        CudaModule module = CudaModule.load(device, RESOURCE, image);
        try {
            return new DenseKernels(device, module);
        } catch (RuntimeException | Error e) {
            try {
                module.close();
            } catch (RuntimeException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
    }

    /** Null when the kernels were built, else why not ("kernels missing: nvcc was not found at build time ..."). */
    public static String missing() {
        ClassLoader loader = DenseKernels.class.getClassLoader();
        return loader.getResource(RESOURCE) != null ? null : missingReason(loader);
    }

    private static String missingReason(ClassLoader loader) {
        byte[] why = CudaModule.readResource(loader, RESOURCE + ".missing"); // written by nvcc-fatbin.sh
        String reason = why != null ? new String(why, java.nio.charset.StandardCharsets.UTF_8).trim() : "nvcc was not found at build time";
        return "kernels missing: " + reason + " (no " + RESOURCE + " on the class path); rebuild with nvcc on PATH or -Djetrt.nvcc=/path/to/nvcc";
    }

    /** An empty kernel: what a launch costs by itself. */
    public synchronized void noop(Stream s) { noop.launch(s, 1, 32); }

    /** {@code out[rows, D] (f32) = table[tokens[r], :] (bf16 [V, D])}; {@code tokens} i32 [rows]. */
    public synchronized void embedding(Stream s, DeviceBuffer out, DeviceBuffer table, DeviceBuffer tokens, int rows, int dim, int vocab) {
        need("embedding", out, DType.F32, (long) rows * dim);
        need("embedding", table, DType.BF16, (long) vocab * dim);
        need("embedding", tokens, DType.I32, rows);
        embedding.ptr(0, out).ptr(1, table).ptr(2, tokens).i32(3, rows).i32(4, dim).i32(5, vocab).launch(s, rows, BLOCK);
    }

    /** {@code out[rows, D] = x · rsqrt(mean(x²) + eps) · w}; x, out f32, w bf16 [D]. */
    public synchronized void rmsNorm(Stream s, DeviceBuffer out, DeviceBuffer x, DeviceBuffer w, int rows, int dim, float eps) {
        need("rmsNorm", out, DType.F32, (long) rows * dim);
        need("rmsNorm", x, DType.F32, (long) rows * dim);
        need("rmsNorm", w, DType.BF16, dim);
        rmsNorm.ptr(0, out).ptr(1, x).ptr(2, w).i32(3, rows).i32(4, dim).f32(5, eps).launch(s, rows, BLOCK);
    }

    /** {@code out[i] = silu(gate[i]) · up[i]} for {@code n} f32 elements. */
    public synchronized void swiglu(Stream s, DeviceBuffer out, DeviceBuffer gate, DeviceBuffer up, long n) {
        need("swiglu", out, DType.F32, n);
        need("swiglu", gate, DType.F32, n);
        need("swiglu", up, DType.F32, n);
        swiglu.ptr(0, out).ptr(1, gate).ptr(2, up).i64(3, n).launch(s, elementwiseGrid(n), BLOCK);
    }

    /** {@code h[i] += x[i]} for {@code n} f32 elements. */
    public synchronized void residualAdd(Stream s, DeviceBuffer h, DeviceBuffer x, long n) {
        need("residualAdd", h, DType.F32, n);
        need("residualAdd", x, DType.F32, n);
        residualAdd.ptr(0, h).ptr(1, x).i64(2, n).launch(s, elementwiseGrid(n), BLOCK);
    }

    /** {@code h += y; out = rmsNorm(h) · w} row by row, at raw addresses: h, y, out, w all f32 ({@code [rows, D]}, w {@code [D]}). */
    public synchronized void addRmsNorm(Stream s, long h, long y, long out, long w, int rows, int dim, float eps) {
        addRmsNorm.address(0, h).address(1, y).address(2, out).address(3, w).i32(4, rows).i32(5, dim).f32(6, eps).launch(s, rows, BLOCK);
    }

    /** {@code rmsNorm} at raw addresses. */
    public synchronized void rmsNorm(Stream s, long out, long x, long w, int rows, int dim, float eps) {
        rmsNorm.address(0, out).address(1, x).address(2, w).i32(3, rows).i32(4, dim).f32(5, eps).launch(s, rows, BLOCK);
    }

    /** Rows {@link #gemv} takes. */
    public static final int GEMV_MAX_M = 8;

    /** Whether {@link #gemv} can take these (else use cuBLAS): few rows, k a multiple of 8 (bf16) or 4 (f32), 16-byte aligned rows. */
    public static boolean gemvFits(int m, int k, long x, long w, boolean bf16) {
        return m <= GEMV_MAX_M && k % (bf16 ? 8 : 4) == 0 && x % 16 == 0 && w % 16 == 0;
    }

    /** {@code y[m, n] = x[m, k] · w[n, k]ᵀ} for few rows: bf16 or f32 w, f32 x and y, at raw addresses (see {@link #gemvFits}). */
    public synchronized void gemv(Stream s, long y, long x, long w, int m, int n, int k, boolean bf16) {
        // a warp per 4 rows of w when that gives 4 blocks of 8 warps per multiprocessor, else 8 warps split each group's k;
        // never more warps than it takes to give each lane a 16-byte chunk of the row (k = 384 has 48: 2 warps, not 8, which
        // took 12288 x 384 at m = 1 from 8.4 to 5.4 us on an H100, GemvBench)
        int groups = (n + 3) / 4;
        int wpr = groups >= 4 * 8 * device.multiprocessors() ? 1 : 8;
        int lanes = k / (bf16 ? 8 : 4);
        while (wpr > 1 && 32 * (wpr / 2) >= lanes) wpr /= 2;
        // with several rows of x a warp per group leaves too few loads in flight until n is much larger: 2 warps per group
        // (17920 x 1536 at m = 4: 36.0 -> 30.1 us; 151936 x 1536 stays at 1)
        if (wpr == 1 && m > 1 && groups < 16 * 8 * device.multiprocessors() && lanes > 32) wpr = 2;
        int groupsPerBlock = 8 / wpr;
        int v = 0;
        while (GEMV_ROWS[v] < m) v++;
        (bf16 ? gemv : gemvF32)[v].address(0, y).address(1, x).address(2, w).i32(3, m).i32(4, n).i32(5, k).i32(6, wpr)
                .launch(s, (groups + groupsPerBlock - 1) / groupsPerBlock, BLOCK);
    }

    /** {@code embedding} of an f32 table, at raw addresses. */
    public synchronized void embeddingF32(Stream s, long out, long table, long tokens, int rows, int dim, int vocab) {
        embeddingF32.address(0, out).address(1, table).address(2, tokens).i32(3, rows).i32(4, dim).i32(5, vocab).launch(s, rows, BLOCK);
    }

    /** {@code embedding} at raw addresses. */
    public synchronized void embedding(Stream s, long out, long table, long tokens, int rows, int dim, int vocab) {
        embedding.address(0, out).address(1, table).address(2, tokens).i32(3, rows).i32(4, dim).i32(5, vocab).launch(s, rows, BLOCK);
    }

    /** {@code out[r, i] = silu(gu[r, i]) · gu[r, I + i]}: out f32 [rows, I], gu f32 [rows, 2I]. */
    public synchronized void swigluPair(Stream s, long out, long gu, int rows, int inter) {
        // rows go on the grid's y axis, at most 65535 per launch
        for (int r0 = 0; r0 < rows; r0 += 65535) {
            int n = Math.min(65535, rows - r0);
            swigluPair.address(0, out + 4L * r0 * inter).address(1, gu + 8L * r0 * inter).i32(2, n).i32(3, inter)
                    .launch(s, (inter + BLOCK - 1) / BLOCK, n, 1, BLOCK, 1, 1, 0);
        }
    }

    /** {@link #swigluPair} into a bf16 {@code out}, rounded to nearest even as {@link #toBf16}: the same bits as both. */
    public synchronized void swigluPairBf16(Stream s, long out, long gu, int rows, int inter) {
        int vec4 = inter % 4 == 0 && gu % 16 == 0 && out % 8 == 0 ? 1 : 0; // four columns per thread either way
        int threads = (inter + 3) / 4;
        for (int r0 = 0; r0 < rows; r0 += 65535) {
            int n = Math.min(65535, rows - r0);
            swigluPairBf16.address(0, out + 2L * r0 * inter).address(1, gu + 8L * r0 * inter).i32(2, n).i32(3, inter).i32(4, vec4)
                    .launch(s, (threads + BLOCK - 1) / BLOCK, n, 1, BLOCK, 1, 1, 0);
        }
    }

    /** After an on-device greedy step: {@code history[step·B + b] = tokens[b]; positions[b]++; step++} (i32 addresses). */
    public synchronized void advance(Stream s, long positions, long tokens, long history, long step, int batch) {
        advance.address(0, positions).address(1, tokens).address(2, history).address(3, step).i32(4, batch).launch(s, 1, BLOCK);
    }

    /** Before a teacher-forced step: {@code tokens[b] = forced[step·B + b]} with {@code step} read on the device (i32 addresses). */
    public synchronized void feed(Stream s, long tokens, long forced, long step, int batch) {
        feed.address(0, tokens).address(1, forced).address(2, step).i32(3, batch).launch(s, 1, BLOCK);
    }

    /** {@code argmax} at raw addresses. */
    public synchronized void argmax(Stream s, long out, long logits, int rows, int vocab) {
        argmax.address(0, out).address(1, logits).i32(2, rows).i32(3, vocab).launch(s, rows, BLOCK);
    }

    /** {@code out[i] (bf16) = x[i] (f32)} for {@code n} elements at raw device addresses. */
    public synchronized void toBf16(Stream s, long out, long x, long n) {
        toBf16.address(0, out).address(1, x).i64(2, n).launch(s, elementwiseGrid(n), BLOCK);
    }

    /** {@code out[r] (i32) = argmax logits[r, :] (f32 [rows, V])}, first index on ties. */
    public synchronized void argmax(Stream s, DeviceBuffer out, DeviceBuffer logits, int rows, int vocab) {
        need("argmax", out, DType.I32, rows);
        need("argmax", logits, DType.F32, (long) rows * vocab);
        argmax.ptr(0, out).ptr(1, logits).i32(2, rows).i32(3, vocab).launch(s, rows, BLOCK);
    }

    /** Grid-stride kernels: enough blocks to fill the device, no more than the work needs. */
    private int elementwiseGrid(long n) {
        long blocks = (n + BLOCK - 1) / BLOCK;
        return (int) Math.max(1, Math.min(blocks, 32L * device.multiprocessors()));
    }

    private static void need(String op, DeviceBuffer b, DType t, long elements) {
        if (b.dtype() != t || b.elements() < elements) {
            throw new IllegalArgumentException("DenseKernels." + op + ": needs " + t + "[" + elements + "]; got " + b);
        }
    }

    public CudaModule module() { return module; }

    @Override
    public void close() { module.close(); }
}
