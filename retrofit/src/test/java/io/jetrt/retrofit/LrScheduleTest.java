package io.jetrt.retrofit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LrScheduleTest {

    @Test
    void warmsUpLinearlyThenDecaysByCosineToTheFloor() {
        LrSchedule s = new LrSchedule(1e-2, 4, 20, 0.1);
        assertEquals(0.25e-2, s.at(0), 1e-15);
        assertEquals(1e-2, s.at(3), 1e-15);
        assertEquals(1e-2, s.at(4), 1e-15, "the first step after warm-up is at the peak");
        assertEquals(1e-3, s.at(19), 1e-15, "the last step is at the floor");
        for (int k = 0; k < 16; k++) {
            assertEquals(s.at(4 + k) - 1e-3, 1e-2 - s.at(19 - k), 1e-15, "a cosine falls as symmetrically as it started, step " + (4 + k));
        }
        for (int i = 4; i < 19; i++) assertTrue(s.at(i + 1) < s.at(i), "decreasing after warm-up at " + i);
    }

    @Test
    void noWarmupAndOneStepRunAtThePeakThenTheFloor() {
        assertEquals(3e-3, new LrSchedule(3e-3, 0, 1, 0.1).at(0), 1e-18);
        LrSchedule two = new LrSchedule(3e-3, 0, 2, 0.1);
        assertEquals(3e-3, two.at(0), 1e-18);
        assertEquals(3e-4, two.at(1), 1e-18);
    }
}
