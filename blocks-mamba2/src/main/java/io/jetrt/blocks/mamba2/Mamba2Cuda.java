package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.HostBridgedBlock;
import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceState;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.GpuKernel;
import io.jetrt.spi.GpuOps;

import java.util.Arrays;

/**
 * The Mamba2 mixer on the GPU (kernels: {@code src/main/cuda/mamba2.cu}), equal to {@link Mamba2Cpu} within
 * bf16 GEMM error. One call over {@code x [B, T, D]} runs, in order on the runtime's stream:
 * <ol>
 *   <li>in_proj: {@code zx [B·T, R] = x · in_projᵀ} (bf16 weight, fp32 out), plus its bias if any;</li>
 *   <li>the causal conv + silu into {@code xbc [B·T, conv_dim]}, and the conv state update
 *       ({@code mamba2_conv_kernel1} then {@code mamba2_conv_state_kernel1}; one fused
 *       {@code mamba2_conv_decode_kernel1} when T = 1);</li>
 *   <li>the scan over T per (sequence, head, state row) into {@code ys [B·T, d_inner]}: {@code mamba2_scan_kernel1}
 *       for decode, {@code mamba2_scan_kernel2} (the same maths with tokens staged in shared memory) below
 *       {@link #CHUNKED_FROM} tokens, and from there the chunked form on tensor cores, version 3 (SSD: chunk states,
 *       the pass across chunks, chunk outputs);</li>
 *   <li>gate and group RMSNorm in place on ys ({@code mamba2_gate_norm_kernel1}), then out_proj into y. A decode of at
 *       most {@link #MAX_FUSED_DECODE_BATCH} sequences does the scan step, gate and norm in one launch instead
 *       ({@code mamba2_scan_norm_kernel1}).</li>
 * </ol>
 * Positions are not used (Mamba2 has none); the launches depend only on B, T and the config, so decode can
 * be captured into a CUDA graph. The state is read and written in the CPU layout
 * ({@link Mamba2Provider#stateLayout}).
 */
final class Mamba2Cuda extends HostBridgedBlock {
    /** Channels per block of the conv kernels and threads per block of the elementwise ones. */
    private static final int THREADS = 256;
    /** Warps per block of the scan kernels: one state row each; at most SCAN_MAX_WARPS (4) of mamba2.cu for kernel 2. */
    private static final int SCAN_WARPS = 4;
    /** Largest state size the scan kernels hold in registers (32 lanes × SCAN_MAX_J in mamba2.cu). */
    static final int MAX_STATE_SIZE = 32 * 8;
    /**
     * Chunks of at least this many tokens use scan kernel 2 (tokens staged in shared memory); shorter ones,
     * decode above all, kernel 1, which has no barriers. At the 2B shape, T = 4096, B = 1 on an H100 the scan
     * took 5.06 ms with kernel 1 and 3.15 ms with kernel 2 (README).
     */
    private static final int SCAN2_FROM = 2;
    /**
     * Prefills of at least this many tokens use the chunked scan, version 3 (three kernels over chunks of 64 tokens). At the
     * 2B shape, B 1, T 4096 on an H200 (mamba2_ssd_test.cu): 0.70 ms against kernel 2's 3.15 ms.
     */
    static final int CHUNKED_FROM = 64;
    private static final int CHUNK = 64;
    /** Dynamic shared memory of the chunked kernels: MAMBA2_SSD_SMEM_FLOATS (a 64 x 68 tile, tile64's ring of 3 x 3 x 16 x 72). */
    /**
     * Decode batches up to this size run mamba2_scan_norm_kernel1 (its tickets are one int per (sequence, norm group),
     * allocated once); larger ones the scan kernel and the gate + norm kernel. {@code -Djetrt.mamba2.fusedDecode=false}
     * selects the separate kernels always.
     */
    static final int MAX_FUSED_DECODE_BATCH = 8;
    private static final boolean FUSED_DECODE = Boolean.parseBoolean(System.getProperty("jetrt.mamba2.fusedDecode", "true"));
    private static final int CHUNK_THREADS = 256; // TILE64_THREADS: the chunk kernels' tile products need exactly this
    private static final int SSD_SHARED_BYTES = Float.BYTES * (64 * 68 + 3 * 3 * 16 * 72);

    private final Mamba2Config c;
    private final DeviceTensor inW, inB, convW, convB, dtBias, a, d, normW, outW, outB;
    private final GpuKernel addBias, conv, convState, convDecode, scan1, scan2, chunkState3, statePass3, chunkOut3, gateNorm, scanNorm;
    /** mamba2_scan_norm_kernel1's tickets [MAX_FUSED_DECODE_BATCH, G]: zero between launches (each launch's last blocks reset theirs). */
    private final DeviceTensor tickets;
    private final int scanVersion;   // 0: by T; 1, 2 or 3 forces a scan version (tests)

    Mamba2Cuda(Mamba2Config c, Mamba2Params w, GpuOps gpu, byte[] image) { this(c, w, gpu, image, 0, gpu.matrixType()); }

    Mamba2Cuda(Mamba2Config c, Mamba2Params w, GpuOps gpu, byte[] image, int scanVersion) {
        this(c, w, gpu, image, scanVersion, gpu.matrixType());
    }

    /**
     * {@code projections}: the type in_proj and out_proj are uploaded as, BF16 in production; tests use F32
     * to check the kernels against the CPU path without bf16 GEMM error.
     */
    Mamba2Cuda(Mamba2Config c, Mamba2Params w, GpuOps gpu, byte[] image, int scanVersion, DType projections) {
        super(gpu);
        this.scanVersion = scanVersion;
        if (c.stateSize() > MAX_STATE_SIZE) {
            throw new IllegalArgumentException(c.where() + ": state_size must be <= " + MAX_STATE_SIZE
                    + " on the cuda backend (the scan keeps a state row in registers); got " + c.stateSize());
        }
        this.c = c;
        int di = c.dInner(), cd = c.convDim(), kw = c.convKernel(), h = c.heads();
        inW = gpu.upload(tensor(w.inW(), c.inProjRows(), c.hidden()), projections);
        inB = w.inB() == null ? null : gpu.upload(tensor(w.inB(), c.inProjRows()), DType.F32);
        convW = gpu.upload(tensor(w.convW(), cd, kw), DType.F32);
        // no conv bias: zeros, so the conv kernel always adds one (x + 0 = x)
        convB = gpu.upload(w.convB() == null ? FloatTensor.zeros(cd) : tensor(w.convB(), cd), DType.F32);
        dtBias = gpu.upload(tensor(w.dtBias(), h), DType.F32);
        a = gpu.upload(tensor(w.a(), h), DType.F32);
        d = gpu.upload(tensor(w.d(), di), DType.F32);
        // rmsnorm off: the kernel gets a flag and never reads the weight; D stands in for the pointer
        normW = w.normW() == null ? d : gpu.upload(tensor(w.normW(), di), DType.F32);
        outW = gpu.upload(tensor(w.outW(), c.hidden(), di), projections);
        outB = w.outB() == null ? null : gpu.upload(tensor(w.outB(), c.hidden()), DType.F32);
        addBias = gpu.kernel(image, "mamba2_add_bias_kernel1");
        conv = gpu.kernel(image, "mamba2_conv_kernel1");
        convState = gpu.kernel(image, "mamba2_conv_state_kernel1");
        convDecode = gpu.kernel(image, "mamba2_conv_decode_kernel1");
        scan1 = gpu.kernel(image, "mamba2_scan_kernel1");
        scan2 = gpu.kernel(image, "mamba2_scan_kernel2");
        chunkState3 = gpu.kernel(image, "mamba2_chunk_state_kernel3");
        statePass3 = gpu.kernel(image, "mamba2_state_pass_kernel3");
        chunkOut3 = gpu.kernel(image, "mamba2_chunk_out_kernel3");
        gateNorm = gpu.kernel(image, "mamba2_gate_norm_kernel1");
        scanNorm = gpu.kernel(image, "mamba2_scan_norm_kernel1");
        tickets = gpu.allocate(DType.I32, MAX_FUSED_DECODE_BATCH * c.groups());
    }

    @Override
    public void prefill(DeviceTensor x, DeviceTensor positions, int[] hostPositions, DeviceState state, DeviceTensor y) {
        forward(x, state, y);
    }

    @Override
    public void decode(DeviceTensor x, DeviceTensor positions, DeviceState state, DeviceTensor y) {
        if (x.dim(1) != 1) throw new IllegalArgumentException(c.where() + ": decode x must be [B, 1, D]; got " + Arrays.toString(x.shape()));
        forward(x, state, y);
    }

    /** {@code x, y [B, T, D]}; the state {@code [B, ...]} updated in place. */
    private void forward(DeviceTensor x, DeviceState state, DeviceTensor y) {
        int batch = state.batch();
        if (x.rank() != 3 || x.dim(0) != batch || x.dim(2) != c.hidden() || !y.sameShape(x.shape())) {
            throw new IllegalArgumentException(c.where() + ": x must be [" + batch + ", T, " + c.hidden() + "] and y the same; got x "
                    + Arrays.toString(x.shape()) + ", y " + Arrays.toString(y.shape()));
        }
        int t = x.dim(1), m = batch * t;
        int di = c.dInner(), cd = c.convDim(), rows = c.inProjRows(), kw = c.convKernel();
        DeviceTensor conv1 = state.get(Mamba2Provider.CONV_STATE), ssm = state.get(Mamba2Provider.SSM_STATE);

        DeviceTensor zx = gpu.scratch(DType.F32, m, rows);
        gpu.linear(x.reshape(m, c.hidden()), inW, zx);
        if (inB != null) bias(zx, inB, m, rows);

        DeviceTensor xbc = gpu.scratch(DType.F32, m, cd);
        int channelBlocks = (cd + THREADS - 1) / THREADS;
        if (t == 1) {
            gpu.launch(convDecode, channelBlocks, batch, 1, THREADS, 1, 0, xbc, conv1, zx, convW, convB, cd, kw, rows, di);
        } else {
            gpu.launch(conv, m, channelBlocks, 1, THREADS, 1, 0, xbc, zx, conv1, convW, convB, t, cd, kw, rows, di);
            gpu.launch(convState, channelBlocks, batch, 1, THREADS, 1, 0, conv1, zx, t, cd, kw, rows, di);
        }

        DeviceTensor ys = gpu.scratch(DType.F32, m, di);
        if (t == 1 && scanVersion == 0 && FUSED_DECODE && batch <= MAX_FUSED_DECODE_BATCH) {
            decodeScanNorm(ssm, ys, zx, xbc, batch);
        } else {
            int version = scanVersion != 0 ? scanVersion : t >= CHUNKED_FROM ? 3 : t >= SCAN2_FROM ? 2 : 1;
            if (version == 3) {
                chunkedScan(ssm, ys, zx, xbc, batch, t);
            } else {
                gpu.launch(version == 2 ? scan2 : scan1, (c.headDim() + SCAN_WARPS - 1) / SCAN_WARPS, c.heads(), batch, 32 * SCAN_WARPS, 1, 0,
                        ssm, ys, zx, xbc, dtBias, a, d, t, c.heads(), c.headDim(), c.stateSize(), c.groups(), di, cd, rows);
            }
            gpu.launch(gateNorm, m, c.groups(), 1, THREADS, 1, 0, ys, zx, normW, di, rows, c.normGroupSize(),
                    c.rmsnorm() ? 1 : 0, (float) c.normEps());
        }

        gpu.linear(ys, outW, y.reshape(m, c.hidden()));
        if (outB != null) bias(y, outB, m, c.hidden());
    }

    /** One token per sequence: the scan step, gate and norm in one launch (the scan kernel 1's grid). */
    private void decodeScanNorm(DeviceTensor ssm, DeviceTensor ys, DeviceTensor zx, DeviceTensor xbc, int batch) {
        int gx = (c.headDim() + SCAN_WARPS - 1) / SCAN_WARPS, g = c.groups();
        DeviceTensor ssPart = gpu.scratch(DType.F32, batch * g, (c.heads() / g) * gx);
        gpu.launch(scanNorm, gx, c.heads(), batch, 32 * SCAN_WARPS, 1, 0, ssm, ys, zx, xbc, dtBias, a, d, normW, ssPart, tickets,
                c.heads(), c.headDim(), c.stateSize(), g, c.dInner(), c.convDim(), c.inProjRows(), c.rmsnorm() ? 1 : 0, (float) c.normEps());
    }

    /**
     * Scan version 3: each chunk's own state {@code [B, H, NC, P, N]} and decay, then the pass across chunks (which leaves
     * each chunk's entering state in place of its own, and the final one in {@code ssm}), then the chunks' outputs.
     */
    private void chunkedScan(DeviceTensor ssm, DeviceTensor ys, DeviceTensor zx, DeviceTensor xbc, int batch, int t) {
        int h = c.heads(), p = c.headDim(), n = c.stateSize(), nc = (t + CHUNK - 1) / CHUNK;
        int di = c.dInner(), cd = c.convDim(), rows = c.inProjRows();
        DeviceTensor states = gpu.scratch(DType.F32, batch * h * nc, p * n), dec = gpu.scratch(DType.F32, batch * h * nc);
        gpu.launch(chunkState3, nc, h, batch, CHUNK_THREADS, 1, SSD_SHARED_BYTES, states, dec, zx, xbc, dtBias, a, t, h, p, n, c.groups(), di, cd, rows);
        gpu.launch(statePass3, (p * n + THREADS - 1) / THREADS, h, batch, THREADS, 1, 0, ssm, states, dec, nc, h, p * n);
        gpu.launch(chunkOut3, nc, h, batch, CHUNK_THREADS, 1, SSD_SHARED_BYTES, ys, states, zx, xbc, dtBias, a, d, t, h, p, n, c.groups(), di, cd, rows);
    }

    private static FloatTensor tensor(float[] data, int... shape) { return new FloatTensor(data, shape); }

    /** {@code t[r, j] += b[j]} over {@code [rows, n]}. */
    private void bias(DeviceTensor t, DeviceTensor b, int rows, int n) {
        long total = (long) rows * n;
        int blocks = (int) Math.min((total + THREADS - 1) / THREADS, 4096);
        gpu.launch(addBias, blocks, 1, 1, THREADS, 1, 0, t, b, (long) rows, n);
    }
}
