package io.jetrt.experiments;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.engine.MachineRates;
import io.jetrt.runtime.gpu.GpuContext;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where the numbers were taken: hardware, OS, JDK, CPU ops and the installed bundles, for the report
 * (report.json's {@code environment}, snake_case names).
 *
 * @param memoryBytes physical memory, or -1 where the JVM cannot tell
 * @param devices     one line: the GPU the run used, or why there is none
 * @param gpu         the GPU in full, or null when no row ran on one
 * @param rates       the measured GEMM rate and bandwidth of each backend rows ran on: the floors' denominators
 * @param bundles     symbolic name and version of every installed bundle but the framework
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Environment(String cpuModel, int cores, long memoryBytes, long maxHeapBytes, String os, String jdk, String jvm,
                          String cpuOps, String devices, @JsonInclude(JsonInclude.Include.NON_NULL) Gpu gpu, List<Rates> rates,
                          List<String> bundles) {

    /**
     * The GPU a run used, as its driver reports it.
     *
     * @param computeCapability e.g. "9.0" for Hopper
     * @param driver            the NVIDIA driver's version (e.g. 570.86.15), or the driver API's where that is unknown
     * @param cuda              the CUDA version the driver supports (e.g. 12.8)
     * @param cublas            cuBLAS's version (e.g. 12.8.4)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Gpu(String name, String computeCapability, int multiprocessors, long memoryBytes, String driver, String cuda, String cublas) {}

    /** One backend's measured rates ({@link io.jetrt.runtime.engine.MachineRates}): FLOP/s, bytes/s read + written, and how. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Rates(String backend, double gemmFlops, double bandwidth, String how) {}

    /** This machine, with the GPU when a row ran on one, and the rates measured for each backend rows ran on. */
    static Environment capture(JetRuntime rt, Map<String, MachineRates> measured) {
        Gpu gpu = null;
        String devices = GpuContext.available() ? "not used by this run" : "none (" + GpuContext.missing() + ")";
        if (measured.containsKey("cuda") && GpuContext.available()) {
            GpuContext.Info i = GpuContext.get().info();
            gpu = new Gpu(i.name(), i.computeCapability(), i.multiprocessors(), i.totalMemory(), i.driver(), i.cuda(), i.cublas());
            devices = i.name() + " (compute capability " + i.computeCapability() + ", " + Format.bytes(i.totalMemory()) + ")";
        }
        List<Rates> rates = measured.entrySet().stream()
                .map(m -> new Rates(m.getKey(), m.getValue().gemmFlops(), m.getValue().bandwidth(), m.getValue().how())).toList();
        return new Environment(readCpuModel(), Runtime.getRuntime().availableProcessors(), physicalMemory(), Runtime.getRuntime().maxMemory(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                System.getProperty("java.vendor") + " " + Runtime.version(), System.getProperty("java.vm.name"),
                rt.cpu().getClass().getSimpleName() + ", " + rt.cpu().threads() + " threads", devices, gpu, rates,
                rt.host().bundles().stream().filter(b -> b.getBundleId() != 0) // 0: the framework itself
                        .map(b -> b.getSymbolicName() + " " + b.getVersion()).toList());
    }

    /** "model name" from /proc/cpuinfo where there is one, else the architecture. */
    private static String readCpuModel() {
        Path info = Path.of("/proc/cpuinfo");
        if (Files.isReadable(info)) {
            try {
                for (String line : Files.readAllLines(info)) {
                    if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).strip();
                }
            } catch (IOException e) {
                // fall through to the architecture
            }
        }
        return System.getProperty("os.arch");
    }

    private static long physicalMemory() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getTotalMemorySize() : -1;
    }
}
