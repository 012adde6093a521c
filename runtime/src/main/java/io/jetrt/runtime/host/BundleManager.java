package io.jetrt.runtime.host;

import io.jetrt.runtime.model.StepGate;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.FrameworkWiring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Installs, updates and uninstalls block bundles in the running framework, in batches: all changes of a
 * batch are made, then one wiring refresh, then the bundles are started. The batch holds the
 * {@link StepGate} exclusively, so model steps in flight finish first and later steps see the new
 * providers. A jar's content is copied in (its location is its path), so the file may change afterwards.
 * A bundle that fails — bad jar, unresolvable imports (an SPI version mismatch is named as such), a throwing
 * activator — is logged with its name and reported; the framework stays up.
 */
public final class BundleManager {
    private static final Logger log = LoggerFactory.getLogger(BundleManager.class);
    private static final long REFRESH_TIMEOUT_S = 60;

    /** One change to make. */
    public record Change(Kind kind, Path jar) {}

    public enum Kind { INSTALL, UPDATE, UNINSTALL }

    /** What a batch did: bundles now active, and one message per failure naming the bundle or jar. */
    public record Outcome(List<Bundle> started, List<String> failures) {
        public boolean ok() { return failures.isEmpty(); }
    }

    private final FelixHost host;
    private final StepGate gate;

    public BundleManager(FelixHost host, StepGate gate) {
        this.host = host;
        this.gate = gate;
    }

    /** Installs and starts every {@code *.jar} in {@code dir}. */
    public Outcome installAll(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("bundles directory " + dir + " does not exist; build the project (./mvnw install) or pass --bundles DIR");
        }
        return apply(jars(dir).stream().map(j -> new Change(Kind.INSTALL, j)).toList());
    }

    public Outcome install(Path jar) { return apply(List.of(new Change(Kind.INSTALL, jar))); }

    public Outcome update(Path jar) { return apply(List.of(new Change(Kind.UPDATE, jar))); }

    public Outcome uninstall(Path jar) { return apply(List.of(new Change(Kind.UNINSTALL, jar))); }

    /** The bundle installed from {@code jar}, if any. */
    public Optional<Bundle> bundleOf(Path jar) {
        String location = location(jar);
        for (Bundle b : host.context().getBundles()) if (location.equals(b.getLocation())) return Optional.of(b);
        return Optional.empty();
    }

    public Outcome apply(List<Change> changes) {
        List<String> failures = new ArrayList<>();
        Set<Bundle> touched = new LinkedHashSet<>(), toStart = new LinkedHashSet<>();
        gate.beginChange();
        try {
            for (Change c : changes) {
                try {
                    switch (c.kind()) {
                        case INSTALL -> {
                            Optional<Bundle> existing = bundleOf(c.jar());
                            Bundle b = existing.isPresent() ? existing.get() : installFrom(c.jar());
                            if (existing.isPresent()) update(b, c.jar());
                            touched.add(b);
                            toStart.add(b);
                        }
                        case UPDATE -> {
                            Bundle b = bundleOf(c.jar()).orElseThrow(() -> new BundleException("no bundle was installed from " + c.jar()));
                            update(b, c.jar());
                            touched.add(b);
                            toStart.add(b);
                        }
                        case UNINSTALL -> {
                            Bundle b = bundleOf(c.jar()).orElseThrow(() -> new BundleException("no bundle was installed from " + c.jar()));
                            log.info("uninstalling bundle {} {}", b.getSymbolicName(), b.getVersion());
                            b.uninstall();
                            touched.add(b);
                        }
                    }
                } catch (BundleException | IOException | RuntimeException e) {
                    String msg = c.kind().name().toLowerCase() + " of " + c.jar().getFileName() + " failed: " + FelixHost.rootMessage(e);
                    log.error(msg);
                    failures.add(msg);
                }
            }
            if (!refresh(touched)) {
                failures.add("the wiring refresh did not finish within " + REFRESH_TIMEOUT_S + " s; bundles may still be restarting");
            }
            List<Bundle> started = new ArrayList<>();
            for (Bundle b : toStart) {
                if (b.getState() == Bundle.UNINSTALLED) continue;
                try {
                    b.start();
                    started.add(b);
                    log.info("bundle {} {} active", b.getSymbolicName(), b.getVersion());
                } catch (BundleException | RuntimeException e) {
                    String why = SpiCompatibility.mismatch(b, FelixHost.spiExports()).orElse(FelixHost.rootMessage(e));
                    String msg = "bundle " + b.getSymbolicName() + " " + b.getVersion() + " (" + b.getLocation() + ") did not start: " + why;
                    log.error(msg);
                    failures.add(msg);
                }
            }
            return new Outcome(started, failures);
        } finally {
            gate.endChange();
        }
    }

    private Bundle installFrom(Path jar) throws IOException, BundleException {
        try (InputStream in = Files.newInputStream(jar)) {
            Bundle b = host.context().installBundle(location(jar), in);
            log.info("installed bundle {} {} from {}", b.getSymbolicName(), b.getVersion(), jar.getFileName());
            return b;
        }
    }

    private static void update(Bundle b, Path jar) throws IOException, BundleException {
        try (InputStream in = Files.newInputStream(jar)) {
            String before = b.getVersion().toString();
            b.update(in);
            log.info("updated bundle {} {} -> {} from {}", b.getSymbolicName(), before, b.getVersion(), jar.getFileName());
        }
    }

    /** Re-wires the touched bundles and their dependents, and waits: old class loaders are released here. False on timeout. */
    private boolean refresh(Set<Bundle> touched) {
        if (touched.isEmpty()) return true;
        CountDownLatch done = new CountDownLatch(1);
        FrameworkWiring wiring = host.framework().adapt(FrameworkWiring.class);
        wiring.refreshBundles(touched, event -> {
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED || event.getType() == FrameworkEvent.ERROR) done.countDown();
        });
        try {
            return done.await(REFRESH_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static String location(Path jar) { return jar.toAbsolutePath().normalize().toUri().toString(); }

    static List<Path> jars(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".jar")).sorted(Comparator.naturalOrder()).toList();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list bundles directory " + dir + ": " + e.getMessage(), e);
        }
    }
}
