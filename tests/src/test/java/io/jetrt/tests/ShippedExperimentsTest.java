package io.jetrt.tests;

import io.jetrt.experiments.Experiment;
import io.jetrt.experiments.ExperimentParser;
import io.jetrt.experiments.Workload;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The experiment files shipped in experiments/ parse, and the throughput one holds the Jet-Nemotron paper's conditions. */
class ShippedExperimentsTest {
    private static final Path DIR = Path.of("../experiments");

    @Test
    void paperThroughputConditions() {
        Experiment e = ExperimentParser.read(DIR.resolve("jet-nemotron-throughput.json"));
        assertEquals(List.of("jetblock", "mamba2", "gdn", "full-attn"), e.variants().stream().map(v -> v.name()).toList());
        Map<Integer, Integer> paperBatch = new LinkedHashMap<>();
        for (Workload w : e.workloads()) {
            assertTrue(w.synthetic() && w.capBatch(), w.id() + ": decode at a synthetic context, the batch capped by what fits");
            if (!w.largest()) paperBatch.put(w.prompt(), w.batch());
        }
        // the paper's contexts and batch sizes, and "max" (the largest batch that fits) at each context
        assertEquals(Map.of(4096, 1024, 8192, 512, 16384, 512, 32768, 256, 65536, 128, 131072, 128, 262144, 64), paperBatch);
        assertEquals(paperBatch.size(), e.workloads().stream().filter(Workload::largest).count());
        assertEquals(List.of("cuda"), e.backends());
    }

    @Test
    void blocksAt2bParses() {
        Experiment e = ExperimentParser.read(DIR.resolve("jet-2b-blocks.json"));
        assertEquals(List.of(1, 8, 32), e.batchSizes());
        assertEquals(List.of(4096, 16384), e.promptLengths());
        assertEquals(4, e.variants().size());
    }
}
