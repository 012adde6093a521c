package io.jetrt.runtime.host;

import io.jetrt.spi.BlockProvider;
import org.apache.felix.framework.FrameworkFactory;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * The embedded Apache Felix framework. The host exports the SPI packages (with the versions the SPI
 * jar's own manifest declares) through the system bundle, so that bundles and runtime share one copy
 * of every SPI class. A bundle that fails to install, resolve or start is logged with its name and
 * left out; the framework stays up.
 */
public final class FelixHost implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FelixHost.class);

    private final Framework framework;
    private final Path storage;

    public FelixHost() {
        try {
            storage = Files.createTempDirectory("jetrt-felix");
            Map<String, Object> cfg = new HashMap<>();
            cfg.put(Constants.FRAMEWORK_STORAGE, storage.toString());
            cfg.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
            cfg.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, spiExports());
            cfg.put("felix.log.logger", new FelixSlf4jLogger());
            framework = new FrameworkFactory().newFramework(cfg);
            framework.init();
            framework.start();
        } catch (IOException | BundleException e) {
            throw new IllegalStateException("cannot start the embedded Felix framework: " + e.getMessage(), e);
        }
        log.info("Felix {} started; host exports {}", framework.getVersion(), spiExports());
    }

    public BundleContext context() { return framework.getBundleContext(); }

    public Framework framework() { return framework; }

    /** Installs and starts every {@code *.jar} in {@code dir}; returns the bundles that started. */
    public List<Bundle> installAll(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("bundles directory " + dir + " does not exist; build the project (./mvnw package) or pass --bundles DIR");
        }
        List<Path> jars;
        try (Stream<Path> s = Files.list(dir)) {
            jars = s.filter(p -> p.toString().endsWith(".jar")).sorted(Comparator.naturalOrder()).toList();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list bundles directory " + dir + ": " + e.getMessage(), e);
        }
        List<Bundle> installed = new ArrayList<>();
        for (Path jar : jars) {
            try {
                installed.add(context().installBundle(jar.toUri().toString()));
            } catch (BundleException | RuntimeException e) {
                log.error("bundle {} not installed: {}", jar.getFileName(), e.getMessage());
            }
        }
        List<Bundle> started = new ArrayList<>();
        for (Bundle b : installed) {
            try {
                b.start();
                started.add(b);
                log.info("bundle {} {} started", b.getSymbolicName(), b.getVersion());
            } catch (BundleException | RuntimeException e) {
                log.error("bundle {} {} ({}) did not start: {}", b.getSymbolicName(), b.getVersion(), b.getLocation(), rootMessage(e));
            }
        }
        return started;
    }

    public List<Bundle> bundles() { return List.of(context().getBundles()); }

    @Override
    public void close() {
        try {
            framework.stop();
            framework.waitForStop(10_000);
        } catch (BundleException | InterruptedException e) {
            log.warn("Felix did not stop cleanly: {}", e.getMessage());
        }
    }

    static String rootMessage(Throwable e) {
        String msg = e.getMessage();
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) msg += " <- " + c;
        return msg;
    }

    /** The Export-Package header of the SPI jar (or classes folder), so versions come from one place. */
    static String spiExports() {
        try {
            Path where = Path.of(BlockProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Manifest mf;
            if (Files.isDirectory(where)) {
                try (InputStream in = Files.newInputStream(where.resolve("META-INF/MANIFEST.MF"))) {
                    mf = new Manifest(in);
                }
            } else {
                try (JarFile jar = new JarFile(where.toFile())) {
                    mf = jar.getManifest();
                }
            }
            String exports = mf == null ? null : mf.getMainAttributes().getValue(Constants.EXPORT_PACKAGE);
            if (exports == null) throw new IllegalStateException("the SPI at " + where + " has no Export-Package header");
            return exports;
        } catch (IOException | java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot read the SPI manifest: " + e.getMessage(), e);
        }
    }
}
