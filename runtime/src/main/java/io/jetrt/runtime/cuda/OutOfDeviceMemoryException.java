package io.jetrt.runtime.cuda;

/** An allocation the device could not satisfy; carries what was asked and what was free at that moment. */
public final class OutOfDeviceMemoryException extends CudaException {
    private final long requestedBytes, freeBytes;

    OutOfDeviceMemoryException(String device, String what, long requestedBytes, long freeBytes, long totalBytes) {
        super(device + ": out of device memory allocating " + what + ": asked for " + bytes(requestedBytes)
                + ", " + bytes(freeBytes) + " free of " + bytes(totalBytes));
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
    }

    /** The same failure, its message led by who asked ({@code owner}: a layer, a model's state). */
    public OutOfDeviceMemoryException(String owner, OutOfDeviceMemoryException cause) {
        super(owner + ": " + cause.getMessage(), cause);
        this.requestedBytes = cause.requestedBytes;
        this.freeBytes = cause.freeBytes;
    }

    /** A plan that does not fit before anything is allocated: {@code what} says what needed {@code requestedBytes}. */
    public OutOfDeviceMemoryException(String what, long requestedBytes, long freeBytes) {
        super(what + ": needs " + bytes(requestedBytes) + ", " + bytes(freeBytes) + " available");
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
    }

    public long requestedBytes() { return requestedBytes; }

    public long freeBytes() { return freeBytes; }

    /** {@code 1.50 GiB (1610612736 bytes)}. */
    static String bytes(long b) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = b;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
        return String.format("%.2f %s (%d bytes)", v, units[u], b);
    }
}
