package io.jetrt.blocks.common;

import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.GpuKernel;
import io.jetrt.spi.GpuOps;

/**
 * Java launchers of the gated delta rule kernels JetBlock and gated DeltaNet share
 * ({@code blocks-common/src/cuda/gated_delta_rule.cuh}, included by each bundle's .cu, whose header says what
 * each kernel computes and how it was measured): the q/k prep, the prefill scan (chunked from
 * {@link #CHUNKED_FROM} tokens on, {@code gdr_chunk_kernel3}'s tensor-core chunk products then the scan across chunks,
 * {@code gdr_prefill_kernel3} on tensor cores ({@link TensorCoreScan}) or version 2; the per-token scan below that and
 * as its reference), the decode step and the gated output norm. Heads {@code H}, key dim {@code Dk} and value dim
 * {@code Dv} are fixed per block.
 */
public final class GatedDeltaRuleCuda {
    /** The kernels keep at most this many state rows per (batch, head) in registers. */
    public static final int MAX_DK = 256;
    /** Chunk length of the chunked form, and the prefill length from which it is used. */
    static final int CHUNK = 64, CHUNKED_FROM = 64;
    private static final int COLS = 32, ROWS = 8, NORM_WARPS = 8, PREP_WARPS = 4, CHUNK_THREADS = 256;
    /** Column threads per block of gdr_decode_kernel2 (fastest at batch 1, 64 and 128 on an H100). */
    private static final int DECODE2_TX = 8;
    /**
     * {@code -Djetrt.gdr.decode=1} or {@code =2}: the decode step as kernel 1 (its reference) or 2, each followed by the
     * output norm and, for JetBlock, after the conv step's own kernel; by default kernel 3 fuses them ({@link #fusesDecode}).
     */
    private static final String DECODE_VERSION = System.getProperty("jetrt.gdr.decode", "3");
    private static final boolean DECODE1 = "1".equals(DECODE_VERSION);
    /**
     * Sequences gdr_decode_kernel3 takes at most (its tickets are one int per (sequence, head), allocated once). Above it
     * the separate kernels win: each block of kernel 3 waits for its ticket (a fence and an atomic) before it leaves, and
     * JetBlock's a, b dot products re-read x and their weight rows per block. H200, 2B head, gdr_test's decode step
     * (conv step, rule, norm): B 1 8.3 us fused against 11.6 separate, B 8 16.3 against 16.2, B 64 88 against 66.
     */
    public static final int MAX_FUSED_DECODE_BATCH = 8;

    private final GpuOps gpu;
    private final int h, dk, dv;
    private final GpuKernel prep, scan, chunk3, scan2, scan2Wide, scan3, step, step2, step3, outNorm;
    /** gdr_decode_kernel3's tickets [MAX_FUSED_DECODE_BATCH, H]: zero between launches (each launch's last blocks reset theirs). */
    private final DeviceTensor tickets;
    private final boolean tensorCoreScan;

    /** {@code image}: the bundle's fatbin (it includes the header); {@code where} names the block in errors. */
    public GatedDeltaRuleCuda(GpuOps gpu, byte[] image, int heads, int dk, int dv, String where) {
        if (dk > MAX_DK) throw new IllegalArgumentException(where + ": head_dim must be <= " + MAX_DK + " for the cuda backend; got " + dk);
        this.gpu = gpu;
        this.h = heads;
        this.dk = dk;
        this.dv = dv;
        prep = gpu.kernel(image, "gdr_prep_kernel1");
        scan = gpu.kernel(image, "gdr_prefill_kernel1");
        chunk3 = gpu.kernel(image, "gdr_chunk_kernel3");
        scan2 = gpu.kernel(image, "gdr_prefill_kernel2");
        scan2Wide = gpu.kernel(image, "gdr_prefill_wide_kernel2");
        scan3 = gpu.kernel(image, "gdr_prefill_kernel3");
        tensorCoreScan = TensorCoreScan.applies(dk);
        step = gpu.kernel(image, "gdr_decode_kernel1");
        step2 = gpu.kernel(image, "gdr_decode_kernel2");
        step3 = gpu.kernel(image, "gdr_decode_kernel3");
        tickets = gpu.allocate(DType.I32, MAX_FUSED_DECODE_BATCH * heads);
        outNorm = gpu.kernel(image, "gdr_out_norm_kernel2");
    }

    /**
     * q and k L2-normalised (silu first when {@code siluQk}) into {@code qn, kn [rows, H·Dk]}; {@code gbq [rows, H, 3]}
     * = (g, beta, qn·kn). Inputs are (pointer, row stride) pairs, so they may be column ranges of one projection.
     */
    public void prep(DeviceTensor qn, DeviceTensor kn, DeviceTensor gbq, DeviceTensor q, int qStride, DeviceTensor k, int kStride,
                     DeviceTensor a, DeviceTensor b, int abStride, DeviceTensor aLog, DeviceTensor dtBias, int rows, boolean siluQk,
                     float betaScale) {
        gpu.launch(prep, DeviceTensors.ceilDiv((long) rows * h, PREP_WARPS), 1, 1, 32 * PREP_WARPS, 1, 0,
                qn, kn, gbq, q, qStride, k, kStride, a, b, abStride, aLog, dtBias, rows, h, dk, siluQk ? 1 : 0, betaScale);
    }

    /** The rule over {@code tokens} per sequence, state {@code [B, H, Dk, Dv]} in place, {@code o [B·T, H·Dv]} before the norm. */
    public void scan(DeviceTensor recurrent, DeviceTensor o, DeviceTensor qn, DeviceTensor kn, DeviceTensor v, int vStride,
                     DeviceTensor gbq, int batch, int tokens) {
        if (tokens >= CHUNKED_FROM) {
            int nc = DeviceTensors.ceilDiv(tokens, CHUNK);
            DeviceTensor work = gpu.scratch(DType.F32, batch * h * nc, CHUNK * (3 * dk + dv) + CHUNK * CHUNK + 1);
            gpu.launch(chunk3, nc, h, batch, TensorCoreChunk.THREADS, 1, TensorCoreChunk.SHARED_BYTES, work, qn, kn, v, vStride, gbq, tokens, h, dk, dv);
            if (tensorCoreScan) {
                gpu.launch(scan3, DeviceTensors.ceilDiv(dv, TensorCoreScan.COLUMNS), h, batch, TensorCoreScan.THREADS, 1,
                        TensorCoreScan.sharedBytes(dk), recurrent, o, work, tokens, h, dk, dv);
                return;
            }
            int cols = dk <= 128 ? 32 : 16; // GDR2_BV(dk): state columns per gdr_prefill_kernel2 block
            int slices = DeviceTensors.ceilDiv(dv, cols);
            // more blocks than SMs: the kernel capped at two blocks per SM (its header says when each wins)
            GpuKernel scanner = (long) slices * h * batch > gpu.multiprocessors() ? scan2Wide : scan2;
            gpu.launch(scanner, slices, h, batch, CHUNK_THREADS, 1, 0, recurrent, o, work, tokens, h, dk, dv);
        } else {
            gpu.launch(scan, DeviceTensors.ceilDiv(dv, COLS), h, batch, COLS, ROWS, 0, recurrent, o, qn, kn, v, vStride, gbq, tokens, h, dk, dv);
        }
    }

    /**
     * One token per sequence, everything in one pass (q/k norms, gates, the state read and written once):
     * gdr_decode_kernel2, {@link #DECODE2_TX} column threads by ceil(Dk/4) row groups rounded up to whole warps;
     * kernel 1 with {@code -Djetrt.gdr.decode=1}. The launch shape depends on the batch and the config only.
     */
    public void decode(DeviceTensor recurrent, DeviceTensor o, DeviceTensor q, int qStride, DeviceTensor k, int kStride,
                       DeviceTensor v, int vStride, DeviceTensor a, DeviceTensor b, int abStride, DeviceTensor aLog, DeviceTensor dtBias,
                       int batch, boolean siluQk, float betaScale) {
        Object[] args = {recurrent, o, q, qStride, k, kStride, v, vStride, a, b, abStride, aLog, dtBias, h, dk, dv, siluQk ? 1 : 0, betaScale};
        if (DECODE1) {
            gpu.launch(step, DeviceTensors.ceilDiv(dv, COLS), h, batch, COLS, ROWS, 0, args);
            return;
        }
        int tx = DECODE2_TX, group = 32 / tx, ty = DeviceTensors.ceilDiv(DeviceTensors.ceilDiv(dk, 4), group) * group;
        gpu.launch(step2, DeviceTensors.ceilDiv(dv, 4 * tx), h, batch, tx, ty, 0, args);
    }

    /** Whether {@link #decodeNormed} takes a batch of this size (else: the conv step, {@link #decode}, {@link #outNorm}). */
    public boolean fusesDecode(int batch) { return "3".equals(DECODE_VERSION) && batch <= MAX_FUSED_DECODE_BATCH; }

    /** JetBlock's dynamic conv step for v: cache [B, H·Dv, W], the taps of row b at kern + b·kernStride (channel c at c·W), plus kbias [H·Dv·W]. */
    public record ConvStep(DeviceTensor cache, DeviceTensor kern, long kernStride, DeviceTensor kbias, int width) {}

    /** a and b as projections of the block input inside the decode kernel: {@code x [B, D]} rows xStride apart, {@code w [2H, D]} f32 (a rows, then b rows). */
    public record Gates(DeviceTensor x, int xStride, DeviceTensor w, int d) {}

    /**
     * {@link #decode} and then {@link #outNorm} of its {@code o} in one launch (gdr_decode_kernel3: the last block of each
     * (sequence, head) normalises the row); with {@code conv} non-null, v is first the dynamic conv step (silu after it)
     * of x = {@code v} ({@code vStride} apart), and the conv cache is shifted as causal_conv_step_kernel1 shifts it;
     * with {@code gates} non-null, a and b are computed in the kernel ({@code a}, {@code b} unused, may be null).
     * Only where {@link #fusesDecode}.
     */
    public void decodeNormed(DeviceTensor recurrent, DeviceTensor o, DeviceTensor q, int qStride, DeviceTensor k, int kStride,
                             DeviceTensor v, int vStride, DeviceTensor a, DeviceTensor b, int abStride, DeviceTensor aLog, DeviceTensor dtBias,
                             int batch, boolean siluQk, float betaScale, ConvStep conv, Gates gates, DeviceTensor gate, int gateStride,
                             DeviceTensor normWeight, float eps) {
        if (!fusesDecode(batch)) throw new IllegalStateException("gdr_decode_kernel3 takes at most " + MAX_FUSED_DECODE_BATCH + " sequences; got " + batch);
        int tx = DECODE2_TX, group = 32 / tx, ty = DeviceTensors.ceilDiv(DeviceTensors.ceilDiv(dk, 4), group) * group;
        int gx = DeviceTensors.ceilDiv(dv, 4 * tx);
        DeviceTensor ssPart = gpu.scratch(DType.F32, batch * h, gx);
        Object none = 0L;   // a null pointer
        gpu.launch(step3, gx, h, batch, tx, ty, 0, recurrent, o, q, qStride, k, kStride, v, vStride,
                a != null ? a : none, b != null ? b : none, abStride, aLog, dtBias, h, dk, dv, siluQk ? 1 : 0, betaScale,
                conv != null ? conv.cache() : none, conv != null ? conv.kern() : none, conv != null ? conv.kernStride() : 0L,
                conv != null ? conv.kbias() : none, conv != null ? conv.width() : 0,
                gates != null ? gates.x() : none, gates != null ? gates.xStride() : 0, gates != null ? gates.w() : none,
                gates != null ? gates.d() : 0, gate, gateStride, normWeight, eps, ssPart, tickets);
    }

    /** In place on {@code o [rows, H·Dv]}: {@code o · rsqrt(mean(o²) + eps) · w · silu(gate)} per head. */
    public void outNorm(DeviceTensor o, DeviceTensor gate, int gateStride, DeviceTensor weight, int rows, float eps) {
        gpu.launch(outNorm, DeviceTensors.ceilDiv((long) rows * h, NORM_WARPS), 1, 1, 32 * NORM_WARPS, 1, 0,
                o, gate, gateStride, weight, rows, h, dv, eps);
    }
}
