/**
 * Backward passes of the math the gated-delta blocks share (JetBlock, gated DeltaNet), in float64, for the
 * training capability (SPI 1.3): each class is one piece of the forward of {@code io.jetrt.blocks.common} with its
 * vector-Jacobian product. Reference code: per token, plain loops, correctness before speed. Arrays are flat and
 * row-major, activations {@code [B, T, C]} with row {@code b·T + t}; weights {@code [out, in]} as in HF. Each method
 * says whether it writes or adds an output gradient: a weight shared across rows (a conv kernel, a norm weight) and
 * an input read by several projections are added to ({@code +=}) in arrays the caller zeroes.
 */
package io.jetrt.blocks.common.grad;
