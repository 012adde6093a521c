package io.jetrt.blocks.fullattn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * attention_decode_kernel3's key splits (AttentionCuda.splitsFillingWaves) at the 2B shape on an H200: 132
 * multiprocessors of 3 resident blocks (396 slots), 2 KV heads of one block each, so a split is 2 blocks per sequence.
 */
class AttentionSplitsTest {
    private static final int SLOTS = 3 * 132;

    @Test
    void oneSequenceFillsExactlyOneWave() {
        assertEquals(198, AttentionCuda.splitsFillingWaves(2, SLOTS, 256), "batch 1 at 64K: 396 blocks");
    }

    @Test
    void largeBatchesTakeTheFewestSplitsThatFillTheirLastWave() {
        // 3 x 256 = 768 blocks: 1.94 waves (97%); 2 splits would leave the second wave 29% full
        assertEquals(3, AttentionCuda.splitsFillingWaves(2 * 128, SLOTS, 256), "batch 128");
        // 3 x 128 = 384 blocks is 97% of one wave but less than a wave; 6 x 128 = 768 is 97% of two
        assertEquals(6, AttentionCuda.splitsFillingWaves(2 * 64, SLOTS, 256), "batch 64");
    }

    @Test
    void aShortCacheCapsTheSplitsAtItsKeyTiles() {
        // 4160 cache rows + the new key: 66 tiles of 64; no count fills a wave, so the best filled, the most
        assertEquals(66, AttentionCuda.splitsFillingWaves(2, SLOTS, 66));
        assertEquals(1, AttentionCuda.splitsFillingWaves(2, SLOTS, 1));
    }
}
