package io.jetrt.blocks.common;

/**
 * Launch shape of the gated delta rule's chunk-local kernels on tensor cores, {@code gdr_chunk_kernel3} (the forward's
 * chunk products) and {@code gdr_grad_chunk_kernel2} (the backward's): one block of {@link #THREADS} per (chunk, head,
 * sequence), with {@code GDR_CHUNK_SMEM_FLOATS} floats of dynamic shared memory ({@code gated_delta_rule.cuh}): T and a
 * scratch tile [64, 68], then {@code tile64_mma}'s ring of three 16-deep slices of A and up to two Bs [16, 72]
 * ({@code tile64.cuh}). The kernels trap when given less.
 */
final class TensorCoreChunk {
    static final int THREADS = 256;
    static final int SHARED_BYTES = Float.BYTES * (2 * 64 * 68 + 3 * 3 * 16 * 72);

    private TensorCoreChunk() {}
}
