package io.jetrt.retrofit;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class BatchOrderTest {

    @Test
    void everyEpochTakesEverySequenceOnceAndAStepDependsOnlyOnSeedAndStep() {
        BatchOrder o = new BatchOrder(5, 7, 3);
        int[] seen = new int[7 * 3];
        for (int s = 0; s < 7; s++) System.arraycopy(o.at(s), 0, seen, s * 3, 3); // 21 picks = 3 epochs of 7
        for (int e = 0; e < 3; e++) {
            int[] epoch = Arrays.copyOfRange(seen, e * 7, e * 7 + 7);
            Arrays.sort(epoch);
            assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6}, epoch, "epoch " + e);
        }
        BatchOrder fresh = new BatchOrder(5, 7, 3);
        assertArrayEquals(o.at(4), fresh.at(4), "a resumed run (a new order) takes the same batch at step 4");
        assertFalse(Arrays.equals(Arrays.copyOf(seen, 7), Arrays.copyOfRange(seen, 7, 14)), "epochs are shuffled anew");
        int[] other = new int[21];
        BatchOrder o2 = new BatchOrder(6, 7, 3);
        for (int s = 0; s < 7; s++) System.arraycopy(o2.at(s), 0, other, s * 3, 3);
        assertFalse(Arrays.equals(seen, other), "another seed, another order");
    }
}
