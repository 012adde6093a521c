/**
 * The GPU device layer on the JCuda driver API (CUDA 12.6 bindings; they run on the CUDA 13 driver) and
 * cuBLAS through Java FFM. Host-side only: bundles hand kernel images (fatbin/cubin/PTX bytes from their
 * resources) to {@link io.jetrt.runtime.cuda.CudaModule} and launch through
 * {@link io.jetrt.runtime.cuda.Launcher}; no JCuda type needs to cross into a bundle.
 *
 * <p>Start with {@link io.jetrt.runtime.cuda.CudaDriver#status()}: it loads the natives and says, without
 * throwing, whether a driver and a device are there and if not why. Everything else assumes it said yes.
 * Shapes in Javadoc are row-major, {@code [rows, D]}, weights {@code [out, in]} as in HF.
 *
 * <p>Threads: a {@link io.jetrt.runtime.cuda.CudaDevice} makes its (primary) context current on the calling
 * thread as needed, so any thread may use it; one {@link io.jetrt.runtime.cuda.Launcher} or
 * {@link io.jetrt.runtime.cuda.Cublas} handle at a time per thread (they hold reusable argument memory).
 */
package io.jetrt.runtime.cuda;
