package io.jetrt.runtime.cuda;

import jcuda.driver.JCudaDriver;

import static jcuda.driver.CUresult.CUDA_SUCCESS;

/**
 * Whether CUDA can run here, found once per process: loads JCuda's driver natives, calls {@code cuInit} and
 * counts devices. Never throws: on a machine without a driver (CI) the natives fail to link against
 * {@code libcuda.so.1}, and that becomes {@link Status#reason()}.
 */
public final class CudaDriver {
    /**
     * @param available     a driver and at least one device
     * @param reason        why not, starting "no CUDA driver: " or "no CUDA device: "; empty when available
     * @param devices       devices the driver sees
     * @param driverVersion e.g. 13000 for CUDA 13.0; 0 when unknown
     */
    public record Status(boolean available, String reason, int devices, int driverVersion) {}

    private static Status status;

    private CudaDriver() {}

    public static synchronized Status status() {
        if (status == null) status = probe();
        return status;
    }

    /** Throws {@link CudaUnavailableException} with the reason unless CUDA is available. */
    public static void require() {
        Status s = status();
        if (!s.available()) throw new CudaUnavailableException(s.reason());
    }

    private static Status probe() {
        try {
            // JCuda returns codes; keep its exceptions off so every failure is checked and named here
            JCudaDriver.setExceptionsEnabled(false);
            int r = JCudaDriver.cuInit(0);
            if (r != CUDA_SUCCESS) {
                String kind = r == jcuda.driver.CUresult.CUDA_ERROR_NO_DEVICE ? "no CUDA device" : "no CUDA driver";
                return new Status(false, kind + ": cuInit failed with " + CudaException.name(r), 0, 0);
            }
            int[] version = {0}, count = {0};
            JCudaDriver.cuDriverGetVersion(version);
            r = JCudaDriver.cuDeviceGetCount(count);
            if (r != CUDA_SUCCESS || count[0] == 0) {
                return new Status(false, "no CUDA device: the driver (version " + version[0] + ") sees "
                        + (r != CUDA_SUCCESS ? "none (" + CudaException.name(r) + ")" : "0 devices"), 0, version[0]);
            }
            return new Status(true, "", count[0], version[0]);
        } catch (LinkageError e) { // UnsatisfiedLinkError, or NoClassDefFoundError once JCuda's init failed
            return new Status(false, "no CUDA driver: JCuda's driver library did not load: " + cause(e), 0, 0);
        }
    }

    /** JCuda's message is a page of nested traces; the line naming the missing library says it all. */
    private static String cause(Throwable e) {
        String m = String.valueOf(e.getMessage());
        String found = null;
        for (String line : m.split("\n")) {
            if (line.contains("cannot open shared object") || line.contains("undefined symbol")) found = line;
        }
        if (found == null) return m.lines().findFirst().orElse(e.toString());
        int colon = found.indexOf(": ", found.indexOf("UnsatisfiedLinkError") + 1);
        return (colon > 0 && found.startsWith("java.lang.UnsatisfiedLinkError") ? found.substring(colon + 2) : found).trim();
    }
}
