package io.jetrt.cli;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * One {@code jetrt bench} measurement, as printed and written to {@code --json} (snake_case field names). Rates in
 * tokens/s; each next to its floor on this machine ({@link io.jetrt.runtime.engine.Floors}); {@code gemmGflops} and
 * {@code bandwidthGbs} are the machine's measured rates the floors come from. {@code fill}: {@code "prefill"}, or
 * {@code "synthetic"} (a state filled with synthetic values: no prefill was run, {@code prefillTps} is NaN, null in JSON).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
record BenchRow(String model, String backend, long params, int batch, int promptLen, int gen, String fill, int prefillChunk,
                double gemmGflops, double bandwidthGbs, double prefillTps, double prefillFloorTps, double decodeTps,
                double decodeFloorTps, long weightBytes, long stateBytesPerSeq) {}
