package io.jetrt.experiments;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;

/**
 * Peak heap over a stretch of work: a GC first (so earlier garbage does not count), the heap pools' peaks
 * reset, and at the end their peaks summed. The sum bounds the true simultaneous peak from above, since
 * pools peak at different moments; it is the figure JMX can give without sampling.
 */
final class HeapPeak {
    private HeapPeak() {}

    static void start() {
        System.gc();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) p.resetPeakUsage();
    }

    /** The heap pools' usage now (after {@link #start}'s GC: what is live, e.g. the loaded models). */
    static long used() {
        long n = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) n += p.getUsage().getUsed();
        return n;
    }

    static long bytes() {
        long n = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) n += p.getPeakUsage().getUsed();
        }
        return n;
    }
}
