/**
 * The block conformance kit: the properties every {@link io.jetrt.spi.BlockProvider} and its blocks must
 * have before the runtime can compose, chunk, batch and hand over their state. {@link
 * io.jetrt.conformance.BlockConformance} holds the checks as plain methods (any test framework can call
 * them; a failure is a {@link io.jetrt.conformance.ConformanceFailure}, an {@link java.lang.AssertionError}
 * naming the check); {@link io.jetrt.conformance.AbstractBlockConformanceTest} runs them all under JUnit 5
 * at {@code T = 1, 63, 65} and {@code B = 1, 3}.
 *
 * <p>Shapes are written {@code [B, T, D]} as in the SPI; {@code D} is the config's {@code hidden_size}.
 */
package io.jetrt.conformance;
