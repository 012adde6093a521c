package io.jetrt.runtime.host;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Watches a directory of bundle jars: a new jar is installed and started, a changed one (size or
 * modification time) updates its bundle, a removed one uninstalls it. Each scan's changes go to the
 * {@link BundleManager} as one batch. Polling rather than a WatchService: it behaves the same on every
 * file system, and a jar still being written is picked up once its size settles.
 */
public final class PluginDirectory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PluginDirectory.class);

    private record Stamp(long size, long modified) {}

    private final Path dir;
    private final BundleManager manager;
    private final Map<Path, Stamp> known = new HashMap<>();
    private final Map<Path, Stamp> settling = new HashMap<>();
    private ScheduledExecutorService timer;

    /** {@code alreadyInstalled}: jars of {@code dir} installed before watching starts, so they are not installed twice. */
    public PluginDirectory(Path dir, BundleManager manager, boolean alreadyInstalled) {
        this.dir = dir;
        this.manager = manager;
        if (alreadyInstalled) known.putAll(stamps());
    }

    /** Scans every {@code periodMillis} on a daemon thread. */
    public synchronized void start(long periodMillis) {
        if (timer != null) return;
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jetrt-plugin-dir");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                scan();
            } catch (RuntimeException e) {
                log.error("scanning {} failed: {}", dir, e.toString());
            }
        }, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
        log.info("watching {} for bundle jars every {} ms", dir, periodMillis);
    }

    /**
     * One scan: applies what changed since the last one; a jar whose stamp changed since the previous scan
     * waits one more scan to settle. Returns the outcome (empty when nothing changed).
     */
    public synchronized BundleManager.Outcome scan() {
        Map<Path, Stamp> now = stamps();
        List<BundleManager.Change> changes = new ArrayList<>();
        for (Map.Entry<Path, Stamp> e : now.entrySet()) {
            Stamp before = known.get(e.getKey());
            if (e.getValue().equals(before)) continue;
            if (!e.getValue().equals(settling.put(e.getKey(), e.getValue()))) continue; // still being written
            settling.remove(e.getKey());
            changes.add(new BundleManager.Change(before == null ? BundleManager.Kind.INSTALL : BundleManager.Kind.UPDATE, e.getKey()));
            known.put(e.getKey(), e.getValue());
        }
        for (Path gone : new ArrayList<>(known.keySet())) {
            if (!now.containsKey(gone)) {
                changes.add(new BundleManager.Change(BundleManager.Kind.UNINSTALL, gone));
                known.remove(gone);
            }
        }
        if (changes.isEmpty()) return new BundleManager.Outcome(List.of(), List.of());
        log.info("{}: {} change(s): {}", dir, changes.size(), changes.stream().map(c -> c.kind() + " " + c.jar().getFileName()).toList());
        return manager.apply(changes);
    }

    private Map<Path, Stamp> stamps() {
        Map<Path, Stamp> out = new HashMap<>();
        if (!Files.isDirectory(dir)) return out;
        for (Path jar : BundleManager.jars(dir)) {
            try {
                out.put(jar, new Stamp(Files.size(jar), Files.getLastModifiedTime(jar).toMillis()));
            } catch (IOException vanished) {
                // removed between listing and reading: the next scan sees it gone
            }
        }
        return out;
    }

    @Override
    public synchronized void close() {
        if (timer != null) timer.shutdownNow();
        timer = null;
    }
}
