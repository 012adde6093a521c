package io.jetrt.benchmarks;

/** Options of every forked benchmark JVM: those the runtime's launcher and the test JVMs use. */
final class Jvm {
    private Jvm() {}

    /** SIMD Java for few-row products (VectorGemm); without it Nd4jCpuOps falls back to scalar loops. */
    static final String VECTOR = "--add-modules=jdk.incubator.vector";
    /** ND4J and JavaCPP load natives and use Unsafe; JDK 25 warns about both otherwise. */
    static final String NATIVE = "--enable-native-access=ALL-UNNAMED";
    static final String UNSAFE = "--sun-misc-unsafe-memory-access=allow";
}
