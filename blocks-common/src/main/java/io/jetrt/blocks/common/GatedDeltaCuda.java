package io.jetrt.blocks.common;

import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.GpuKernel;
import io.jetrt.spi.GpuOps;

/**
 * What the CUDA launchers of the gated-delta family share: the bundle's kernel image, the rule's launchers
 * ({@link GatedDeltaRuleCuda}), the causal conv kernels of {@code causal_conv.cuh}, the per-head weights on the
 * device (A_log, dt_bias, o_norm in float32) and o_proj in the runtime's matrix type, and the block's tail:
 * the gated output norm, then o_proj.
 *
 * @param <C> the block's config
 */
public abstract class GatedDeltaCuda<C extends GatedDeltaConfig> extends HostBridgedBlock {
    protected static final int THREADS = 256;

    protected final C c;
    /** D, H, H·Dk, H·Dv and the conv width W. */
    protected final int d, h, kd, vd, cw;
    protected final GatedDeltaRuleCuda rule;
    protected final DeviceTensor aLog, dtBias;
    protected final GpuKernel convState, convStep;
    protected final ShortConvCuda convs;
    private final byte[] image;
    private final DeviceTensor wO, oNorm;

    protected GatedDeltaCuda(C c, GatedDeltaWeights w, GpuOps gpu, KernelImage kernels) {
        super(gpu);
        this.c = c;
        d = c.hiddenSize();
        h = c.numHeads();
        kd = c.keyDim();
        vd = c.valueDim();
        cw = c.convSize();
        image = kernels.bytes();
        rule = new GatedDeltaRuleCuda(gpu, image, h, c.dk(), c.dv(), c.where());
        wO = gpu.upload(tensor(w.o(), d, vd), gpu.matrixType());
        aLog = gpu.upload(tensor(w.aLog(), h), DType.F32);
        dtBias = gpu.upload(tensor(w.dtBias(), h), DType.F32);
        oNorm = gpu.upload(tensor(w.oNorm(), c.dv()), DType.F32);
        convs = new ShortConvCuda(gpu, image);
        convState = kernel("causal_conv_state_kernel1");
        convStep = kernel("causal_conv_step_kernel1");
    }

    /** A kernel of this bundle's image. */
    protected final GpuKernel kernel(String name) { return gpu.kernel(image, name); }

    /** {@code o [rows, H·Dv]} through the gated output norm ({@code gate} rows {@code gateStride} apart), then {@code y = Wo o}. */
    protected final void output(DeviceTensor o, DeviceTensor gate, int gateStride, int rows, DeviceTensor y) {
        rule.outNorm(o, gate, gateStride, oNorm, rows, c.normEps());
        gpu.linear(o, wO, y.reshape(rows, d));
    }

    /**
     * A decode step's rule, gated output norm (and, with {@code conv} and {@code gates}, JetBlock's conv step of v and
     * its a, b projections) in one launch
     * ({@link GatedDeltaRuleCuda#decodeNormed}), then {@code y = Wo o}: the tail of {@code decode} where
     * {@link GatedDeltaRuleCuda#fusesDecode}. Arguments as {@link GatedDeltaRuleCuda#decode}; {@code o [B, H·Dv]} scratch.
     */
    protected final void decodeNormedOutput(DeviceTensor recurrent, DeviceTensor o, DeviceTensor q, int qStride, DeviceTensor k, int kStride,
                                            DeviceTensor v, int vStride, DeviceTensor a, DeviceTensor b, int abStride, int batch,
                                            boolean siluQk, float betaScale, GatedDeltaRuleCuda.ConvStep conv,
                                            GatedDeltaRuleCuda.Gates gates, DeviceTensor gate, int gateStride, DeviceTensor y) {
        rule.decodeNormed(recurrent, o, q, qStride, k, kStride, v, vStride, a, b, abStride, aLog, dtBias, batch, siluQk, betaScale,
                conv, gates, gate, gateStride, oNorm, c.normEps());
        gpu.linear(o, wO, y.reshape(batch, d));
    }

    protected static FloatTensor tensor(float[] data, int... shape) { return new FloatTensor(data, shape); }

    /** Row-major matrices of one column count stacked by rows. */
    public static float[] stack(float[]... parts) {
        int n = 0;
        for (float[] p : parts) n += p.length;
        float[] all = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
