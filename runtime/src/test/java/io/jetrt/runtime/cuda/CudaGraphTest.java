package io.jetrt.runtime.cuda;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static io.jetrt.runtime.cuda.CudaTestSupport.assertClose;
import static io.jetrt.runtime.cuda.CudaTestSupport.cublas;
import static io.jetrt.runtime.cuda.CudaTestSupport.device;
import static io.jetrt.runtime.cuda.CudaTestSupport.gaussian;
import static io.jetrt.runtime.cuda.CudaTestSupport.kernels;
import static io.jetrt.runtime.cuda.CudaTestSupport.stream;
import static io.jetrt.runtime.cuda.CudaTestSupport.widen;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * A step (rmsNorm, swiglu, residual add, argmax; then one with a cuBLAS GEMM) run 100 times by direct
 * launches and 100 times as replays of one captured graph must leave the same state. The residual add
 * accumulates, so a replay that skipped or repeated work would show.
 */
class CudaGraphTest {
    private static final int ROWS = 3, DIM = 515, INTER = 1031, STEPS = 100;

    @Test
    void replayEqualsDirectLaunches() {
        SplittableRandom rnd = new SplittableRandom(100);
        DenseKernels k = kernels();
        Stream s = stream();
        float[] x = gaussian(rnd, ROWS * DIM, 1), w = gaussian(rnd, DIM, 1), h0 = gaussian(rnd, ROWS * DIM, 1);
        float[] g = gaussian(rnd, ROWS * INTER, 2), u = gaussian(rnd, ROWS * INTER, 2);
        CudaDevice d = device();
        try (DeviceBuffer xb = d.alloc(DType.F32, x.length); DeviceBuffer wb = d.alloc(DType.BF16, DIM);
             DeviceBuffer h = d.alloc(DType.F32, h0.length); DeviceBuffer n = d.alloc(DType.F32, x.length);
             DeviceBuffer gb = d.alloc(DType.F32, g.length); DeviceBuffer ub = d.alloc(DType.F32, u.length);
             DeviceBuffer act = d.alloc(DType.F32, g.length); DeviceBuffer idx = d.alloc(DType.I32, ROWS)) {
            xb.upload(x);
            wb.upload(w);
            gb.upload(g);
            ub.upload(u);
            Runnable step = () -> {
                k.rmsNorm(s, n, xb, wb, ROWS, DIM, 1e-6f);
                k.swiglu(s, act, gb, ub, (long) ROWS * INTER);
                k.residualAdd(s, h, n, (long) ROWS * DIM);
                k.argmax(s, idx, h, ROWS, DIM);
            };
            Runnable poison = () -> { n.fill(Float.NaN); act.fill(Float.NaN); idx.fill(-1); h.upload(h0); };

            poison.run();
            for (int i = 0; i < STEPS; i++) step.run();
            float[] hDirect = h.download(), nDirect = n.download(), actDirect = act.download();
            int[] idxDirect = idx.downloadInts();

            poison.run();
            try (CudaGraph graph = CudaGraph.capture(s, step)) {
                for (int i = 0; i < STEPS; i++) graph.launch(s);
                s.synchronize();
            }
            assertArrayEquals(hDirect, h.download(), "h after " + STEPS + " replays");
            assertArrayEquals(nDirect, n.download(), "rmsNorm output");
            assertArrayEquals(actDirect, act.download(), "swiglu output");
            assertArrayEquals(idxDirect, idx.downloadInts(), "argmax output");
        }
    }

    @Test
    void replayWithCublasEqualsDirect() {
        SplittableRandom rnd = new SplittableRandom(101);
        DenseKernels k = kernels();
        Stream s = stream();
        CudaDevice d = device();
        float[] x = gaussian(rnd, ROWS * DIM, 1), w = gaussian(rnd, INTER * DIM, 0.05), h0 = gaussian(rnd, ROWS * INTER, 1);
        try (Cublas blas = cublas(); DeviceBuffer xb = d.alloc(DType.BF16, x.length); DeviceBuffer wb = d.alloc(DType.BF16, w.length);
             DeviceBuffer y = d.alloc(DType.F32, (long) ROWS * INTER); DeviceBuffer h = d.alloc(DType.F32, h0.length)) {
            xb.upload(x);
            wb.upload(w);
            Runnable step = () -> {
                blas.linear(xb, wb, y, ROWS, INTER, DIM);
                k.residualAdd(s, h, y, (long) ROWS * INTER);
            };
            y.fill(Float.NaN);
            h.upload(h0);
            for (int i = 0; i < STEPS; i++) step.run();
            float[] direct = h.download();

            y.fill(Float.NaN);
            h.upload(h0);
            try (CudaGraph graph = CudaGraph.capture(s, step)) {
                for (int i = 0; i < STEPS; i++) graph.launch(s);
                s.synchronize();
            }
            assertClose("h after " + STEPS + " GEMM+add replays", h.download(), widen(direct), 1e-6);
        }
    }
}
