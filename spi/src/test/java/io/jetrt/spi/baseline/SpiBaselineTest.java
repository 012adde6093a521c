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
 * SPI with planted changes, and show which changes it refuses without a bump and which bump it asks for.
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

    @Test
    void aRemovedMethodNeedsAMajorBump() throws Exception {
        PlantedSpi spi = new PlantedSpi(dir).plant("Weights", "    boolean has(String name);\n", "");
        assertRefused(baseline(spi.jar(), PUBLISHED), "2.0.0");
        assertRefused(baseline(spi.version("1.3.0").jar(), PUBLISHED), "2.0.0");
        assertAccepted(baseline(spi.version("2.0.0").jar(), PUBLISHED));
    }

    @Test
    void anAbstractMethodOnAConsumerTypeNeedsAMajorBump() throws Exception {
        // DeviceBlock is implemented in every CUDA block bundle: an old bundle would not have the method
        PlantedSpi spi = new PlantedSpi(dir).plant("DeviceBlock", "public interface DeviceBlock {\n",
                "public interface DeviceBlock {\n\n    void reset(DeviceState state);\n");
        assertRefused(baseline(spi.jar(), PUBLISHED), "2.0.0");
        assertRefused(baseline(spi.version("1.3.0").jar(), PUBLISHED), "2.0.0");
        assertAccepted(baseline(spi.version("2.0.0").jar(), PUBLISHED));
    }

    @Test
    void anAbstractMethodOnAConsumerTypeWithDefaultMethodsIsCaughtByTheConsumerTypeRule() throws Exception {
        // BlockProvider has a default method (aliases): bnd 7.2.3 then calls a new abstract method minor
        PlantedSpi spi = new PlantedSpi(dir).plant("BlockProvider", "    String version();\n", "    String version();\n\n    String vendor();\n");
        Path jar = spi.version("1.3.0").jar();
        assertAccepted(baseline(jar, PUBLISHED)); // the hole in bnd: without the rule 1.3.0 would pass
        assertEquals(List.of("io.jetrt.spi.BlockProvider.vendor()"), ConsumerTypeRule.newAbstractMethodsOfConsumerTypes(jar, PUBLISHED));
        assertEquals(List.of(), ConsumerTypeRule.newAbstractMethodsOfConsumerTypes(PUBLISHED, PUBLISHED));
    }

    @Test
    void theRuleLeavesProviderTypesAndDefaultMethodsAlone() throws Exception {
        Path jar = new PlantedSpi(dir).plant("GpuOps", "    int multiprocessors();\n", "    int multiprocessors();\n\n    int warpSize();\n")
                .plant("Block", "public interface Block {\n", "public interface Block {\n\n    default int planted() { return 0; }\n")
                .version("1.3.0").jar();
        assertEquals(List.of(), ConsumerTypeRule.newAbstractMethodsOfConsumerTypes(jar, PUBLISHED));
    }

    @Test
    void aDefaultMethodOnAConsumerTypeNeedsAMinorBump() throws Exception {
        PlantedSpi spi = new PlantedSpi(dir).plant("BlockProvider", "    String version();\n",
                "    String version();\n\n    default String vendor() { return \"\"; }\n");
        assertRefused(baseline(spi.jar(), PUBLISHED), "1.3.0");
        assertAccepted(baseline(spi.version("1.3.0").jar(), PUBLISHED));
    }

    @Test
    void anAbstractMethodOnAProviderTypeNeedsAMinorBump() throws Exception {
        // what happened with GpuOps.matrixType after 1.1.0: only the runtime implements GpuOps
        PlantedSpi spi = new PlantedSpi(dir).plant("GpuOps", "    int multiprocessors();\n", "    int multiprocessors();\n\n    int warpSize();\n");
        assertRefused(baseline(spi.jar(), PUBLISHED), "1.3.0");
        assertAccepted(baseline(spi.version("1.3.0").jar(), PUBLISHED));
    }

    @Test
    void aChangedRecordComponentNeedsAMajorBump() throws Exception {
        // a record's components are its constructor and accessors: a new one removes the old constructor
        PlantedSpi spi = new PlantedSpi(dir).plant("WeightDecl", "record WeightDecl(String name, int[] shape)",
                "record WeightDecl(String name, int[] shape, DType dtype)").plant("WeightDecl", "new WeightDecl(name, shape)",
                "new WeightDecl(name, shape, DType.F32)");
        assertRefused(baseline(spi.jar(), PUBLISHED), "2.0.0");
    }

    @Test
    void spi120WasTheBumpForWhatChangedAfter110() throws Exception {
        // 1.1.0 rebuilt from commit 676fb54; GpuOps.matrixType came after it, so 1.1.x would be refused
        Baseline.Info i = baseline(published("1.2.0"), published("1.1.0"));
        assertAccepted(i);
        assertEquals(Version.parseVersion("1.2.0"), i.suggestedVersion);
    }
}
