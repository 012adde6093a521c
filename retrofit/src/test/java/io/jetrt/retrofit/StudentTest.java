package io.jetrt.retrofit;

import io.jetrt.runtime.cpu.CpuOpsFactory;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StudentTest {

    /** The loss's gradient against central differences: the loss is quadratic in y, so they agree to rounding. */
    @Test
    void relativeErrorGradientMatchesCentralDifferences() {
        SplittableRandom r = new SplittableRandom(3);
        float[] y = new float[37], yt = new float[37], dy = new float[37];
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) r.nextGaussian();
            yt[i] = (float) r.nextGaussian();
        }
        double loss = Student.relativeError(y, yt, dy, CpuOpsFactory.create(false));
        double ref = 0, err = 0;
        for (int i = 0; i < y.length; i++) {
            ref += (double) yt[i] * yt[i];
            err += ((double) y[i] - yt[i]) * ((double) y[i] - yt[i]);
        }
        assertEquals(err / ref, loss, 1e-15);
        for (int i = 0; i < y.length; i += 5) {
            float h = 1e-2f, keep = y[i];
            y[i] = keep + h;
            double up = Student.relativeError(y, yt, null, CpuOpsFactory.create(false));
            y[i] = keep - h;
            double down = Student.relativeError(y, yt, null, CpuOpsFactory.create(false));
            y[i] = keep;
            assertEquals((up - down) / (2 * (double) h), dy[i], 1e-6 * Math.abs(dy[i]) + 1e-7, "element " + i);
        }
    }
}
