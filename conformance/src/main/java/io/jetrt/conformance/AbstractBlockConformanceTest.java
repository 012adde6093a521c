package io.jetrt.conformance;

import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.BlockServices;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The conformance checks as a JUnit 5 test. A plug-in's test extends it and says what to check:
 * <pre>{@code
 * class RetentionConformanceTest extends AbstractBlockConformanceTest {
 *     protected BlockProvider provider() { return new RetentionProvider(); }
 *     protected BlockConfig config() { return new BlockConfig("test", Map.of("hidden_size", 20, ...)); }
 * }
 * }</pre>
 * Every check of {@link BlockConformance} then runs on every backend that can run here, at the
 * {@link #shapes()} ({@code T = 1, 63, 65} × {@code B = 1, 3} unless overridden): T = 1 is a lone decode,
 * 63 and 65 sit either side of the usual chunk size of 64. Keep the config small (tens of channels, a few
 * heads, an odd head dim where the block allows): the reference runs every shape.
 *
 * <p>One instance per class, so the factories of the parameterised tests can ask {@link #provider()}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class AbstractBlockConformanceTest {

    private BlockConformance conformance;

    /** The provider under test, e.g. {@code new RetentionProvider()}. */
    protected abstract BlockProvider provider();

    /** A small config of the block; must set {@code hidden_size}. */
    protected abstract BlockConfig config();

    /** Shapes every per-shape check runs at; default {@code B ∈ {1, 3}} × {@code T ∈ {1, 63, 65}}. */
    protected List<Shape> shapes() {
        List<Shape> out = new ArrayList<>();
        for (int batch : new int[] {1, 3}) {
            for (int steps : new int[] {1, 63, 65}) out.add(Shape.of(batch, steps));
        }
        return out;
    }

    /** Seed of inputs and weight noise. */
    protected long seed() { return 42; }

    /** Whether CUDA blocks can run here; default: the system property {@code jetrt.conformance.cuda} is {@code true}. */
    protected boolean cudaAvailable() { return Boolean.getBoolean("jetrt.conformance.cuda"); }

    /** What blocks get from the runtime; null (the default) for a plain-Java {@link io.jetrt.spi.CpuOps}. */
    protected BlockServices services() { return null; }

    /** The checks for this class's provider and config, built once. */
    protected final synchronized BlockConformance conformance() {
        if (conformance == null) {
            BlockConformance c = new BlockConformance(provider(), config(), seed()).withCudaAvailable(cudaAvailable());
            BlockServices s = services();
            conformance = s == null ? c : c.withServices(s);
        }
        return conformance;
    }

    @Test
    public void weightDeclarationsMatchInitWeights() {
        conformance().checkWeights();
    }

    @Test
    public void stateLayoutIsWellFormed() {
        conformance().checkStateLayout();
    }

    @ParameterizedTest(name = "{0} {1}", allowZeroInvocations = true)
    @MethodSource("backendsAndShapes")
    public void prefillEqualsChunkedPrefillAndDecode(Backend backend, Shape shape) {
        conformance().checkChunking(backend, shape);
    }

    @ParameterizedTest(name = "{0} B=3 T={1}", allowZeroInvocations = true)
    @MethodSource("backendsAndLengths")
    public void batchRowsAreIndependent(Backend backend, int steps) {
        conformance().checkBatchIndependence(backend, steps);
    }

    @ParameterizedTest(name = "{0} {1}", allowZeroInvocations = true)
    @MethodSource("backendsAndShapes")
    public void stateSurvivesCopyIntoFreshState(Backend backend, Shape shape) {
        conformance().checkStateRoundTrip(backend, shape);
    }

    @ParameterizedTest(name = "{0} {1}", allowZeroInvocations = true)
    @MethodSource("backendsAndShapes")
    public void outputsFullyWrittenInputUntouched(Backend backend, Shape shape) {
        conformance().checkOutputs(backend, shape);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapeArguments")
    public void backendsAgree(Shape shape) {
        Assumptions.assumeTrue(conformance().runnableBackends().size() > 1,
                () -> "only " + conformance().runnableBackends() + " runs here: nothing to compare");
        conformance().checkBackendsAgree(shape);
    }

    /** Providers with the training capability: backward against central differences (skipped, saying so, without it). */
    @ParameterizedTest(name = "{0} {1}", allowZeroInvocations = true)
    @MethodSource("backendsAndGradientShapes")
    public void gradientsMatchCentralDifferences(Backend backend, Shape shape) {
        Assumptions.assumeTrue(conformance().trainable(backend),
                () -> provider().type() + " " + provider().version() + " offers no training on " + backend.id() + " (TrainableProvider, SPI 1.3)");
        conformance().checkGradients(backend, shape);
    }

    /** Shapes the gradient check runs at: small, as each weight costs four forwards ({@code B ∈ {1, 2}}, {@code T ∈ {1, 7}}). */
    protected List<Shape> gradientShapes() { return List.of(Shape.of(1, 1), Shape.of(2, 7)); }

    protected Stream<Arguments> backendsAndGradientShapes() {
        List<Arguments> out = new ArrayList<>();
        for (Backend b : conformance().runnableBackends()) {
            for (Shape s : gradientShapes()) out.add(Arguments.of(b, s));
        }
        return out.stream();
    }

    protected Stream<Arguments> backendsAndShapes() {
        List<Arguments> out = new ArrayList<>();
        for (Backend b : conformance().runnableBackends()) {
            for (Shape s : shapes()) out.add(Arguments.of(b, s));
        }
        return out.stream();
    }

    protected Stream<Arguments> backendsAndLengths() {
        Set<Integer> lengths = new LinkedHashSet<>();
        for (Shape s : shapes()) lengths.add(s.steps());
        List<Arguments> out = new ArrayList<>();
        for (Backend b : conformance().runnableBackends()) {
            for (int t : lengths) out.add(Arguments.of(b, t));
        }
        return out.stream();
    }

    protected Stream<Arguments> shapeArguments() {
        return shapes().stream().map(Arguments::of);
    }
}
