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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The embedded Apache Felix framework. The host exports the SPI packages (with the versions the SPI
 * jar's own manifest declares) through the system bundle, so that bundles and runtime share one copy
 * of every SPI class. Bundles are installed, updated and removed through {@link BundleManager}.
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

    public List<Bundle> bundles() { return List.of(context().getBundles()); }

    @Override
    public void close() {
        try {
            framework.stop();
            framework.waitForStop(10_000);
        } catch (BundleException | InterruptedException e) {
            log.warn("Felix did not stop cleanly: {}", e.getMessage());
        }
        Trees.deleteQuietly(storage); // the framework's copies of the bundle jars
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
