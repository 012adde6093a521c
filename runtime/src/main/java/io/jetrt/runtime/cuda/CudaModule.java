package io.jetrt.runtime.cuda;

import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

import static jcuda.driver.CUresult.CUDA_SUCCESS;

/**
 * A kernel image (fatbin, cubin or PTX) loaded into a device's context. Bundles pass their own resource
 * bytes (read through their own class loader) so their kernels live in the runtime's shared context.
 */
public final class CudaModule implements AutoCloseable {
    private final CudaDevice device;
    private final String name;
    private final CUmodule module = new CUmodule();
    private boolean closed;

    private CudaModule(CudaDevice device, String name, byte[] image) {
        this.device = device;
        this.name = name;
        device.makeCurrent();
        // PTX is read as a C string: make sure it ends; a trailing zero is harmless for binary images
        byte[] data = image.length > 0 && image[image.length - 1] == 0 ? image : Arrays.copyOf(image, image.length + 1);
        int r = JCudaDriver.cuModuleLoadData(module, data);
        if (r != CUDA_SUCCESS) {
            throw new CudaException("cannot load CUDA module '" + name + "' (" + image.length + " bytes) on " + device
                    + ": " + CudaException.name(r) + (r == jcuda.driver.CUresult.CUDA_ERROR_NO_BINARY_FOR_GPU
                    ? "; the image has no code for sm_" + device.computeCapability() : ""));
        }
    }

    /** Loads {@code image}; {@code name} appears in errors (the resource path, say). */
    public static CudaModule load(CudaDevice device, String name, byte[] image) { return new CudaModule(device, name, image); }

    /** Loads resource {@code path} of {@code loader} (a bundle's class loader, say). */
    public static CudaModule fromResource(CudaDevice device, ClassLoader loader, String path) {
        byte[] image = readResource(loader, path);
        if (image == null) throw new IllegalArgumentException("CUDA module resource '" + path + "' not found by " + loader);
        return load(device, path, image);
    }

    /** The bytes of resource {@code path}, or null when {@code loader} has none. */
    public static byte[] readResource(ClassLoader loader, String path) {
        try (InputStream in = loader.getResourceAsStream(path)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading CUDA module resource '" + path + "'", e);
        }
    }

    /** The kernel {@code function} (its {@code extern "C"} name). */
    public CudaFunction function(String function) {
        device.makeCurrent();
        CUfunction f = new CUfunction();
        int r = JCudaDriver.cuModuleGetFunction(f, module, function);
        if (r != CUDA_SUCCESS) {
            throw new CudaException("CUDA module '" + name + "' has no function '" + function + "': " + CudaException.name(r));
        }
        return new CudaFunction(this, function, f);
    }

    public CudaDevice device() { return device; }

    public String name() { return name; }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        device.makeCurrent();
        CudaException.check(JCudaDriver.cuModuleUnload(module), "cuModuleUnload of '" + name + "'");
    }
}
