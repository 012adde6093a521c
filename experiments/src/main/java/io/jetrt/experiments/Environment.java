package io.jetrt.experiments;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jetrt.runtime.JetRuntime;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the numbers were taken: hardware, OS, JDK, CPU ops and the installed bundles, for the report
 * (report.json's {@code environment}, snake_case names).
 *
 * @param memoryBytes physical memory, or -1 where the JVM cannot tell
 * @param bundles     symbolic name and version of every installed bundle but the framework
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Environment(String cpuModel, int cores, long memoryBytes, long maxHeapBytes, String os, String jdk, String jvm,
                          String cpuOps, String devices, List<String> bundles) {

    static Environment capture(JetRuntime rt) {
        return new Environment(readCpuModel(), Runtime.getRuntime().availableProcessors(), physicalMemory(), Runtime.getRuntime().maxMemory(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                System.getProperty("java.vendor") + " " + Runtime.version(), System.getProperty("java.vm.name"),
                rt.cpu().getClass().getSimpleName() + ", " + rt.cpu().threads() + " threads",
                "none (CUDA is not built into this runtime)",
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
