package io.jetrt.runtime.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs everywhere: without a GPU the layer must say why, not crash. */
class CudaAvailabilityTest {
    @Test
    void statusNamesWhatIsMissing() {
        CudaDriver.Status s = CudaDriver.status();
        if (s.available()) {
            assertTrue(s.devices() >= 1);
            assertEquals("", s.reason());
        } else {
            assertTrue(s.reason().startsWith("no CUDA driver: ") || s.reason().startsWith("no CUDA device: "), s.reason());
            CudaUnavailableException e = assertThrows(CudaUnavailableException.class, () -> CudaDevice.open(0));
            assertEquals(s.reason(), e.getMessage());
        }
    }

    @Test
    void kernelsPresentOrExplained() {
        String missing = DenseKernels.missing();
        boolean built = DenseKernels.class.getClassLoader().getResource(DenseKernels.RESOURCE) != null;
        if (built) assertNull(missing);
        else assertTrue(missing.startsWith("kernels missing: "), missing);
    }

    @Test
    void missingResourceIsNull() {
        assertNull(CudaModule.readResource(getClass().getClassLoader(), "io/jetrt/runtime/cuda/no-such.fatbin"));
    }
}
