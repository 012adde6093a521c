package io.jetrt.tests;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Makes bundle jars for tests: re-versioned copies of built bundles, and bundles packed from test classes. */
final class BundleJars {
    private BundleJars() {}

    /** A copy of {@code src} whose manifest says {@code Bundle-Version: version}; the classes are the same. */
    static Path withVersion(Path src, String version, Path dst) throws IOException {
        try (JarInputStream in = new JarInputStream(Files.newInputStream(src))) {
            Manifest mf = new Manifest(in.getManifest());
            mf.getMainAttributes().putValue("Bundle-Version", version);
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(dst), mf)) {
                for (JarEntry e; (e = in.getNextJarEntry()) != null; ) {
                    out.putNextEntry(new JarEntry(e.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        return dst;
    }

    /** A bundle of every class of {@code pkg} in the test classes, with the given manifest headers. */
    static Path fromTestPackage(Package pkg, Map<String, String> headers, Path dst) throws IOException {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        headers.forEach(a::putValue);
        String dir = pkg.getName().replace('.', '/');
        Path classes;
        try {
            classes = Path.of(BundleJars.class.getProtectionDomain().getCodeSource().getLocation().toURI()).resolve(dir);
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
        try (OutputStream os = Files.newOutputStream(dst); JarOutputStream out = new JarOutputStream(os, mf);
             DirectoryStream<Path> files = Files.newDirectoryStream(classes, "*.class")) {
            for (Path f : files) {
                out.putNextEntry(new JarEntry(dir + "/" + f.getFileName()));
                try (InputStream in = Files.newInputStream(f)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
        return dst;
    }

    /** The built bundle jar of a block module, e.g. {@code fullattn}, from the bundles directory. */
    static Path built(String module) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(Fixtures.settings().bundles(), "jetrt-blocks-" + module + "-*.jar")) {
            for (Path p : s) return p;
        }
        throw new IllegalStateException("no built bundle for " + module + " in " + Fixtures.settings().bundles());
    }
}
