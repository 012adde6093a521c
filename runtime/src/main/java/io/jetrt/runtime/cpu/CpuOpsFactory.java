package io.jetrt.runtime.cpu;

import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.spi.CpuOps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses ND4J's BLAS when its natives load here, else plain Java loops; says which and why. */
public final class CpuOpsFactory {
    private static final Logger log = LoggerFactory.getLogger(CpuOpsFactory.class);

    private CpuOpsFactory() {}

    public static CpuOps create(boolean preferBlas) {
        if (!preferBlas) {
            log.info("CPU ops: plain Java loops (BLAS switched off)");
            return new PlainCpuOps();
        }
        try {
            Nd4jCpuOps ops = new Nd4jCpuOps();
            float[] probe = {1f, 2f};
            float[] out = new float[1];
            ops.linear(probe, 0, probe, 0, out, 0, 1, 1, 2);
            if (out[0] != 5f) throw new IllegalStateException("ND4J gemm probe gave " + out[0] + ", expected 5");
            log.info("CPU ops: ND4J/OpenBLAS sgemm, {} for few-row products, {} worker threads",
                    Nd4jCpuOps.simdAvailable() ? "SIMD Java mat-vec" : "scalar Java (start the JVM with --add-modules jdk.incubator.vector for SIMD)",
                    ops.threads());
            return ops;
        } catch (Throwable e) { // natives missing or broken: keep running on plain loops
            log.warn("CPU ops: ND4J unavailable ({}); using plain Java loops", e.toString());
            return new PlainCpuOps();
        }
    }
}
