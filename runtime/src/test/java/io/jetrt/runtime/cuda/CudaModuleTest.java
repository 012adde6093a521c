package io.jetrt.runtime.cuda;

import org.junit.jupiter.api.Test;

import static io.jetrt.runtime.cuda.CudaTestSupport.device;
import static io.jetrt.runtime.cuda.CudaTestSupport.kernels;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Module loading errors name the module and the function. */
class CudaModuleTest {
    @Test
    void unknownFunctionIsNamed() {
        DenseKernels k = kernels();
        CudaException e = assertThrows(CudaException.class, () -> k.module().function("no_such_kernel"));
        assertTrue(e.getMessage().contains(DenseKernels.RESOURCE) && e.getMessage().contains("no_such_kernel"), e.getMessage());
    }

    @Test
    void garbageImageIsNamed() {
        CudaDevice d = device();
        CudaException e = assertThrows(CudaException.class,
                () -> CudaModule.load(d, "garbage.cubin", new byte[] {0x7f, 'E', 'L', 'F', 1, 2, 3}));
        assertTrue(e.getMessage().contains("garbage.cubin"), e.getMessage());
    }

    @Test
    void missingResourceIsNamed() {
        CudaDevice d = device();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CudaModule.fromResource(d, getClass().getClassLoader(), "kernels/none.fatbin"));
        assertTrue(e.getMessage().contains("kernels/none.fatbin"), e.getMessage());
    }
}
