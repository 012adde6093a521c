package io.jetrt.spi.baseline;

import aQute.bnd.osgi.Builder;
import aQute.bnd.osgi.Jar;
import org.osgi.annotation.bundle.Export;
import aQute.bnd.version.Version;
import org.osgi.annotation.versioning.ProviderType;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A copy of the SPI's sources with planted edits, compiled and packed by bnd the way the spi module's build
 * packs the real one (the classes folder as the bundle, the package version from {@code @Version}).
 */
final class PlantedSpi {
    static final Path SOURCES = Path.of("src/main/java");
    private final Path root;

    /** Copies {@link #SOURCES} under {@code dir}. */
    PlantedSpi(Path dir) throws IOException {
        root = dir.resolve("src");
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path to = root.resolve(SOURCES.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(to);
                else Files.copy(f, to);
            }
        }
    }

    /** Replaces {@code from} by {@code to} in the SPI type {@code type}; fails when {@code from} is not there. */
    PlantedSpi plant(String type, String from, String to) throws IOException {
        Path f = root.resolve("io/jetrt/spi/" + type + ".java");
        String s = Files.readString(f);
        if (!s.contains(from)) throw new IllegalArgumentException(f + ": nothing to plant, '" + from + "' is not there");
        Files.writeString(f, s.replace(from, to));
        return this;
    }

    /** The package version the SPI's sources carry ({@code @Version} in package-info). */
    static Version sourceVersion() {
        try {
            Matcher m = Pattern.compile("@org\\.osgi\\.annotation\\.versioning\\.Version\\(\"([0-9.]+)\"\\)")
                    .matcher(Files.readString(SOURCES.resolve("io/jetrt/spi/package-info.java")));
            if (!m.find()) throw new IllegalStateException("package-info.java carries no @Version");
            return Version.parseVersion(m.group(1));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Sets the package version in package-info. */
    PlantedSpi version(String v) throws IOException {
        Path f = root.resolve("io/jetrt/spi/package-info.java");
        Files.writeString(f, Files.readString(f).replaceAll("@org\\.osgi\\.annotation\\.versioning\\.Version\\(\"[0-9.]+\"\\)",
                "@org.osgi.annotation.versioning.Version(\"" + v + "\")"));
        return this;
    }

    /** Compiles the copy and returns it as a bundle jar written under the copy's folder. */
    Path jar() throws Exception {
        Path classes = Files.createDirectories(root.resolveSibling("classes"));
        List<String> args = new ArrayList<>(List.of("--release", "25", "-proc:none", "-d", classes.toString(),
                "-cp", jarOf(ProviderType.class) + File.pathSeparator + jarOf(Export.class)));
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(f -> args.add(f.toString()));
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        if (javac.run(null, null, err, args.toArray(String[]::new)) != 0) {
            throw new IllegalStateException("the planted SPI does not compile:\n" + err.toString(StandardCharsets.UTF_8));
        }
        Path out = root.resolveSibling("jetrt-spi-planted.jar");
        try (Builder b = new Builder()) {
            b.setProperty("Bundle-SymbolicName", "jetrt-spi");
            b.setProperty("Bundle-Version", "0.0.0.planted");
            b.setJar(new Jar("jetrt-spi", classes.toFile()));
            Jar jar = b.build();
            if (!b.isOk()) throw new IllegalStateException("bnd: " + b.getErrors());
            jar.write(out.toFile());
        }
        return out;
    }

    private static Path jarOf(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
