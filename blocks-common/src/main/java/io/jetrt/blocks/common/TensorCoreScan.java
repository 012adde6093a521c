package io.jetrt.blocks.common;

/**
 * Launch shapes of version 3 of the gated delta rule's scans across chunks ({@code gated_delta_scan3.cuh}: the products
 * on tensor cores, the chunk tiles streamed through dynamic shared memory): the inference prefill
 * ({@code gdr_prefill_kernel3}) and the training forward ({@code gdr_grad_forward_kernel3}), {@link #COLUMNS} state
 * columns per block; the state gradient's scan ({@code gdr_grad_state_kernel3}), {@link #STATE_GRAD_COLUMNS}. They take
 * {@code Dk <= }{@link #MAX_DK}; wider keys, and every launch when the system property {@code jetrt.gdr.scan} is 2,
 * run version 2, the reference they are tested against ({@code jetrt.gdr.stateScan} 2: the state gradient's alone).
 */
final class TensorCoreScan {
    /** {@code GDR3_MAX_DK}; {@code GDR3_BV} and its threads; the state gradient kernel's columns and threads. */
    static final int MAX_DK = 128, COLUMNS = 32, THREADS = 256, STATE_GRAD_COLUMNS = 64, STATE_GRAD_THREADS = 512;

    private TensorCoreScan() {}

    /** Whether a block of key dim {@code dk} runs version 3 (read per call site's construction, so tests may switch). */
    static boolean applies(int dk) { return dk <= MAX_DK && !"2".equals(System.getProperty("jetrt.gdr.scan")); }

    /** Whether the state gradient's scan runs version 3: as {@link #applies}, unless {@code jetrt.gdr.stateScan} is 2. */
    static boolean appliesToStateGradient(int dk) { return applies(dk) && !"2".equals(System.getProperty("jetrt.gdr.stateScan")); }

    /** {@code gdr3_smem_bytes(dk)}: W^T, Qd^T, Kd^T [DKP, 64], Aqk^T [64, 64], the state [DKP, 32], u [64, 32]. */
    static int sharedBytes(int dk) {
        int dkp = paddedDk(dk);
        return Float.BYTES * (3 * dkp * 64 + 64 * 64 + dkp * COLUMNS + 64 * COLUMNS);
    }

    /** {@code gdr3_state_smem_bytes(dk, 64)}: Aqk^T [64, 64], Kd^T, Qd^T, W^T [DKP, 64], dH [DKP, 64], -du and two dO [64, 64]. */
    static int stateGradSharedBytes(int dk) {
        int dkp = paddedDk(dk);
        return Float.BYTES * (64 * 64 + 3 * dkp * 64 + dkp * STATE_GRAD_COLUMNS + 3 * 64 * STATE_GRAD_COLUMNS);
    }

    /** {@code gdr3_dkp}: Dk in whole 16-row tiles. */
    private static int paddedDk(int dk) { return (dk + 15) & ~15; }
}
