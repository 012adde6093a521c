package io.jetrt.spi.baseline;

import aQute.bnd.differ.Baseline;
import aQute.bnd.differ.DiffPluginImpl;
import aQute.bnd.osgi.Jar;
import aQute.bnd.osgi.Processor;
import aQute.bnd.version.Version;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The spi build's baseline check (bnd-baseline-maven-plugin in spi/pom.xml) is bnd's {@link Baseline} of the built
 * jar against the last published SPI jar in spi/baseline. These tests run that same comparison on copies of the
 * SPI with planted changes, and show which changes it refuses without a bump and which bump it asks for. Planted
 * changes are measured against the sources as they are (the next minor and major versions after theirs), so the
 * tests hold whatever the published baseline is.
 */
class SpiBaselineTest {
    private static final String PACKAGE = "io.jetrt.spi";
    private static final Path PUBLISHED = Path.of(System.getProperty("jetrt.spi.baseline.jar"));

    @TempDir Path dir;

    /** bnd's verdict on {@link #PACKAGE} in {@code newer} against {@code older}. */
    private static Baseline.Info baseline(Path newer, Path older) throws Exception {
        try (Jar n = new Jar(newer.toFile()); Jar o = new Jar(older.toFile()); Processor reporter = new Processor()) {
            Set<Baseline.Info> infos = new Baseline(reporter, new DiffPluginImpl()).baseline(n, o, null);
            assertTrue(reporter.isOk(), reporter.getErrors().toString());
            assertEquals(1, infos.size(), "the SPI exports one package; got " + infos.size());
            Baseline.Info info = infos.iterator().next();
            assertEquals(PACKAGE, info.packageName);
            return info;
        }
    }

    private static Path published(String version) {
        return Path.of("baseline/io/jetrt/baseline/jetrt-spi/" + version + "/jetrt-spi-" + version + ".jar");
    }

    private static void assertRefused(Baseline.Info i, String suggested) {
        assertTrue(i.mismatch, PACKAGE + " " + i.newerVersion + " should be refused against " + i.olderVersion + ": " + i.packageDiff);
        assertEquals(Version.parseVersion(suggested), i.suggestedVersion, "the bump bnd asks for");
    }

    private static void assertAccepted(Baseline.Info i) {
        assertFalse(i.mismatch, PACKAGE + " " + i.newerVersion + " against " + i.olderVersion + " should pass, bnd suggests "
                + i.suggestedVersion + ": " + i.packageDiff);
    }

    /**
     * The gate beside the plugin, run in the test phase: the SPI this build compiled (target/classes, with the
     * manifest bnd wrote) against the last published one, by bnd's baseline and by {@link ConsumerTypeRule}.
     */
    @Test
    void theBuiltSpiHasTheVersionItsChangesNeed() throws Exception {
        Path built = Path.of("target/classes");
        Baseline.Info i = baseline(built, PUBLISHED);
        assertAccepted(i);
        List<String> added = ConsumerTypeRule.newAbstractMethodsOfConsumerTypes(built, PUBLISHED);
        assertTrue(added.isEmpty() || i.newerVersion.getMajor() > i.olderVersion.getMajor(), PACKAGE + " " + i.newerVersion
                + ": " + added + " are new abstract methods of @ConsumerType interfaces, which block bundles implement; the package"
                + " needs " + (i.olderVersion.getMajor() + 1) + ".0.0 against the published " + i.olderVersion);
    }

    @Test
    void anUnchangedCopyPassesAsItIs() throws Exception {
        Baseline.Info i = baseline(new PlantedSpi(dir).jar(), PUBLISHED);
        assertAccepted(i);
        assertEquals(i.suggestedVersion, i.newerVersion);
    }

    /** The SPI as the sources have it now, packed like a planted copy: what planted changes are measured against. */
    private Path current() throws Exception { return new PlantedSpi(dir.resolve("current")).jar(); }

    /** The next minor and major versions after the sources' own, e.g. 1.4.0 and 2.0.0 after 1.3.0. */
    private static String minor() { Version v = PlantedSpi.sourceVersion(); return v.getMajor() + "." + (v.getMinor() + 1) + ".0"; }

    private static String major() { return (PlantedSpi.sourceVersion().getMajor() + 1) + ".0.0"; }

    private PlantedSpi planted() throws Exception { return new PlantedSpi(dir.resolve("planted")); }

    @Test
    void aRemovedMethodNeedsAMajorBump() throws Exception {
        Path base = current();
        PlantedSpi spi = planted().plant("Weights", "    boolean has(String name);\n", "");
        assertRefused(baseline(spi.jar(), base), major());
        assertRefused(baseline(spi.version(minor()).jar(), base), major());
        assertAccepted(baseline(spi.version(major()).jar(), base));
    }

    @Test
    void anAbstractMethodOnAConsumerTypeNeedsAMajorBump() throws Exception {
        // DeviceBlock is implemented in every CUDA block bundle: an old bundle would not have the method
        Path base = current();
        PlantedSpi spi = planted().plant("DeviceBlock", "public interface DeviceBlock {\n",
                "public interface DeviceBlock {\n\n    void reset(DeviceState state);\n");
        assertRefused(baseline(spi.jar(), base), major());
        assertRefused(baseline(spi.version(minor()).jar(), base), major());
        assertAccepted(baseline(spi.version(major()).jar(), base));
    }

    @Test
    void anAbstractMethodOnAConsumerTypeWithDefaultMethodsIsCaughtByTheConsumerTypeRule() throws Exception {
        // BlockProvider has a default method (aliases): bnd 7.2.3 then calls a new abstract method minor
        Path base = current();
        PlantedSpi spi = planted().plant("BlockProvider", "    String version();\n", "    String version();\n\n    String vendor();\n");
        Path jar = spi.version(minor()).jar();
        assertAccepted(baseline(jar, base)); // the hole in bnd: without the rule the minor bump would pass
        assertEquals(List.of("io.jetrt.spi.BlockProvider.vendor()"), ConsumerTypeRule.newAbstractMethodsOfConsumerTypes(jar, base));
        assertEquals(List.of(), ConsumerTypeRule.newAbstractMethodsOfConsumerTypes(base, base));
    }

    @Test
    void theRuleLeavesProviderTypesDefaultMethodsAndNewInterfacesAlone() throws Exception {
        Path base = current();
        Path jar = planted().plant("GpuOps", "    int multiprocessors();\n", "    int multiprocessors();\n\n    int warpSize();\n")
                .plant("Block", "public interface Block {\n", "public interface Block {\n\n    default int planted() { return 0; }\n")
                .version(minor()).jar();
        assertEquals(List.of(), ConsumerTypeRule.newAbstractMethodsOfConsumerTypes(jar, base));
        // TrainableProvider came in 1.3 with abstract methods: a new interface breaks no bundle
        assertEquals(List.of(), ConsumerTypeRule.newAbstractMethodsOfConsumerTypes(base, published("1.2.0")));
    }

    @Test
    void aDefaultMethodOnAConsumerTypeNeedsAMinorBump() throws Exception {
        Path base = current();
        PlantedSpi spi = planted().plant("BlockProvider", "    String version();\n",
                "    String version();\n\n    default String vendor() { return \"\"; }\n");
        assertRefused(baseline(spi.jar(), base), minor());
        assertAccepted(baseline(spi.version(minor()).jar(), base));
    }

    @Test
    void anAbstractMethodOnAProviderTypeNeedsAMinorBump() throws Exception {
        // what happened with GpuOps.matrixType after 1.1.0: only the runtime implements GpuOps
        Path base = current();
        PlantedSpi spi = planted().plant("GpuOps", "    int multiprocessors();\n", "    int multiprocessors();\n\n    int warpSize();\n");
        assertRefused(baseline(spi.jar(), base), minor());
        assertAccepted(baseline(spi.version(minor()).jar(), base));
    }

    @Test
    void aChangedRecordComponentNeedsAMajorBump() throws Exception {
        // a record's components are its constructor and accessors: a new one removes the old constructor
        Path base = current();
        PlantedSpi spi = planted().plant("WeightDecl", "record WeightDecl(String name, int[] shape)",
                "record WeightDecl(String name, int[] shape, DType dtype)").plant("WeightDecl", "new WeightDecl(name, shape)",
                "new WeightDecl(name, shape, DType.F32)");
        assertRefused(baseline(spi.jar(), base), major());
    }

    @Test
    void spi130WasTheBumpForTraining() throws Exception {
        // TrainableProvider and Gradients are new types: a minor bump over the published 1.2.0
        Baseline.Info i = baseline(published("1.3.0"), published("1.2.0"));
        assertAccepted(i);
        assertEquals(Version.parseVersion("1.3.0"), i.suggestedVersion);
    }

    @Test
    void spi140IsTheBumpForDeviceTraining() throws Exception {
        // GpuOps.matmul (a new method of a @ProviderType interface) and the device training types: a minor bump over 1.3.0
        Baseline.Info i = baseline(Path.of("target/classes"), published("1.3.0"));
        assertAccepted(i);
        assertEquals(Version.parseVersion("1.4.0"), i.suggestedVersion);
    }

    @Test
    void spi120WasTheBumpForWhatChangedAfter110() throws Exception {
        // 1.1.0 rebuilt from commit 676fb54; GpuOps.matrixType came after it, so 1.1.x would be refused
        Baseline.Info i = baseline(published("1.2.0"), published("1.1.0"));
        assertAccepted(i);
        assertEquals(Version.parseVersion("1.2.0"), i.suggestedVersion);
    }
}
