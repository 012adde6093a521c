package io.jetrt.runtime.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * libcublas found and bound once per process through Java FFM (JCublas 12.6 would need CUDA 12's
 * library; the GPU machine has cuBLAS 13). Where it looks, in order: system property {@code jetrt.cublas}
 * (a file, or a directory holding the library); {@code libcublas.so.13} then {@code .so.12} by name (the
 * dynamic loader's search: LD_LIBRARY_PATH, ld.so.cache); the same names in each LD_LIBRARY_PATH entry and
 * under {@code /usr/local/cuda*}{@code /targets/x86_64-linux/lib} and {@code /usr/local/cuda*}{@code /lib64}.
 */
@SuppressWarnings("restricted") // native calls into libcublas are the point; the JVM runs with --enable-native-access
final class CublasLibrary {
    static final String PROPERTY = "jetrt.cublas";
    private static final String[] NAMES = {"libcublas.so.13", "libcublas.so.12"};

    final String source;
    final MethodHandle create, destroy, setStream, setWorkspace, getVersion, gemmEx, sgemm;

    private static CublasLibrary loaded;
    private static String failure;

    private CublasLibrary(String source, SymbolLookup lib) {
        this.source = source;
        Linker linker = Linker.nativeLinker();
        create = bind(linker, lib, "cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        destroy = bind(linker, lib, "cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        setStream = bind(linker, lib, "cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        setWorkspace = bind(linker, lib, "cublasSetWorkspace_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        getVersion = bind(linker, lib, "cublasGetVersion_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        // handle, transa, transb, m, n, k, alpha*, A, Atype, lda, B, Btype, ldb, beta*, C, Ctype, ldc, computeType, algo
        gemmEx = bind(linker, lib, "cublasGemmEx", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        // handle, transa, transb, m, n, k, alpha*, A, lda, B, ldb, beta*, C, ldc
        sgemm = bind(linker, lib, "cublasSgemm_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    }

    private static MethodHandle bind(Linker linker, SymbolLookup lib, String symbol, FunctionDescriptor fd) {
        return linker.downcallHandle(lib.find(symbol).orElseThrow(() ->
                new CudaUnavailableException("cuBLAS: symbol " + symbol + " not found in the library")), fd);
    }

    /** The bound library; throws {@link CudaUnavailableException} naming every place tried. */
    static synchronized CublasLibrary get() {
        if (loaded != null) return loaded;
        if (failure != null) throw new CudaUnavailableException(failure);
        List<String> tried = new ArrayList<>();
        for (String candidate : candidates()) {
            try {
                SymbolLookup lib = SymbolLookup.libraryLookup(candidate, Arena.global()); // stays loaded: one per process
                loaded = new CublasLibrary(candidate, lib);
                return loaded;
            } catch (IllegalArgumentException e) {
                tried.add(candidate);
            }
        }
        failure = "cuBLAS not found: tried " + String.join(", ", tried)
                + "; set -D" + PROPERTY + "=/path/to/libcublas.so.13 or add its directory to LD_LIBRARY_PATH";
        throw new CudaUnavailableException(failure);
    }

    private static Set<String> candidates() {
        Set<String> out = new LinkedHashSet<>();
        String given = System.getProperty(PROPERTY);
        if (given != null && !given.isBlank()) {
            Path p = Path.of(given);
            if (Files.isDirectory(p)) for (String n : NAMES) out.add(p.resolve(n).toString());
            else out.add(given);
        }
        out.addAll(List.of(NAMES));
        List<Path> dirs = new ArrayList<>();
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) for (String d : ld.split(":")) if (!d.isBlank()) dirs.add(Path.of(d));
        try (Stream<Path> cudas = Files.list(Path.of("/usr/local"))) {
            cudas.filter(p -> p.getFileName().toString().startsWith("cuda")).sorted(java.util.Comparator.reverseOrder()).forEach(c -> {
                dirs.add(c.resolve("targets/x86_64-linux/lib"));
                dirs.add(c.resolve("lib64"));
            });
        } catch (java.io.IOException | RuntimeException e) {
            // no /usr/local: nothing to add
        }
        for (String n : NAMES) for (Path d : dirs) if (Files.exists(d.resolve(n))) out.add(d.resolve(n).toString());
        return out;
    }
}
