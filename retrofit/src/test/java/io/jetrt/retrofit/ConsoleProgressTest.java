package io.jetrt.retrofit;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The progress line: the run's tokens/s always, the last step's own from the second step on. */
class ConsoleProgressTest {
    @Test
    void theLastStepsRateFollowsFromTheSecondStep() throws InterruptedException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress progress = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
        progress.stepped(1, 10, 1024, 500, 1e-3, false, new double[] {1.0, 0.5});
        String first = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(first.contains("step 1/10  1,024 tokens  500 tok/s"), first);
        assertFalse(first.contains("last step"), first);

        Thread.sleep(20); // a step takes time: the rate is finite
        progress.stepped(2, 10, 2048, 600, 1e-3, false, new double[] {1.0, 0.5});
        String second = bytes.toString(StandardCharsets.UTF_8).substring(first.length());
        Matcher m = Pattern.compile("step 2/10  2,048 tokens  600 tok/s \\(last step ([0-9,]+)\\)").matcher(second);
        assertTrue(m.find(), second);
        double rate = Double.parseDouble(m.group(1).replace(",", ""));
        assertTrue(rate > 0 && rate <= 1024 / 0.020, "1,024 tokens in at least 20 ms: " + rate);
    }
}
