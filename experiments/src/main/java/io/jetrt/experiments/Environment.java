package io.jetrt.experiments;

import io.jetrt.runtime.JetRuntime;
import org.osgi.framework.Bundle;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Where the numbers were taken: hardware, OS, JDK, CPU ops and the installed bundles, for the report. */
final class Environment {
    private Environment() {}

    static Map<String, Object> capture(JetRuntime rt) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu_model", cpuModel());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("memory_bytes", physicalMemory());
        m.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("jdk", System.getProperty("java.vendor") + " " + Runtime.version());
        m.put("jvm", System.getProperty("java.vm.name"));
        m.put("cpu_ops", rt.cpu().getClass().getSimpleName() + ", " + rt.cpu().threads() + " threads");
        m.put("devices", "none (CUDA is not built into this runtime)");
        List<Object> bundles = new ArrayList<>();
        for (Bundle b : rt.host().bundles()) {
            if (b.getBundleId() == 0) continue; // the framework itself
            bundles.add(b.getSymbolicName() + " " + b.getVersion());
        }
        m.put("bundles", bundles);
        return m;
    }

    /** "model name" from /proc/cpuinfo where there is one, else the architecture. */
    static String cpuModel() {
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
