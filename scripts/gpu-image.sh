#!/usr/bin/env bash
# Packs jetrt for a machine with a GPU and no Java or Maven (the lent GPU machine, ../shared/gpu/README.md):
# one tarball build/gpu/jetrt-gpu.tar.xz holding
#   jetrt-gpu/jre/       a jlink'd Temurin 25 with the modules jdeps finds (plus the few loaded reflectively)
#   jetrt-gpu/lib/       the CLI jar and its class path (cli/target/lib: runtime, experiments, ...) without ND4J and what only
#                        it pulls in (the CPU ops then use plain Java loops), JCuda's natives cut to the
#                        driver binding (the PTX compiler, NVRTC and runtime bindings are unused)
#   jetrt-gpu/bundles/   the block bundles
#   jetrt-gpu/test/      with --tests: the test classes of runtime, tests and the block bundles, the conformance
#                        kit, the JUnit console launcher; jetrt-gpu/fixtures/ the golden files they read
#   jetrt-gpu/run.sh     the entry point (below)
#
#   scripts/gpu-image.sh [--tests] [--nd4j] [--build]
#     --tests          add the runtime's test classes and junit-platform-console-standalone (from ~/.m2 or
#                      Maven Central through ./mvnw dependency:copy)
#     --nd4j           keep ND4J, OpenBLAS and their natives (about 130 MB more: over the device tool's 64 MiB limit)
#     --build          run ./mvnw package -DskipTests first (else the jars must already be built)
#
# Then, with the device tool (build/ is git-ignored, so it travels only when carried):
#   run(carry=["build/gpu"], command="tar xJf build/gpu/jetrt-gpu.tar.xz -C /tmp &&
#       /tmp/jetrt-gpu/run.sh test --select-package io.jetrt.runtime.cuda 2>&1 | tee $OUT/tests.log;
#       /tmp/jetrt-gpu/run.sh main io.jetrt.runtime.cuda.CudaBench 2>&1 | tee $OUT/bench.log")
# run.sh:  run.sh jetrt <cli args>        the CLI with the packed bundles
#          run.sh test <launcher args>    JUnit console launcher over lib + test classes (--tests images)
#          run.sh main <class> <args>     any main class on that class path
# It puts the CUDA 13 libraries (cuBLAS) on LD_LIBRARY_PATH; -Djetrt.cublas=... in JETRT_JAVA_OPTS overrides.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tests=0 natives=0 build=0
for a in "$@"; do
  case "$a" in
    --tests) tests=1 ;;
    --nd4j) natives=1 ;;
    --build) build=1 ;;
    *) echo "gpu-image.sh: unknown option $a (see the header)" >&2; exit 2 ;;
  esac
done
. "$root/bin/find-java.sh" # sets JAVA_HOME to a JDK 25
if [ "$build" = 1 ]; then "$root/mvnw" -q -B package -DskipTests; fi
jar=$(ls "$root"/cli/target/jetrt-cli-*.jar 2>/dev/null | head -n 1 || true)
if [ -z "$jar" ] || [ ! -d "$root/cli/target/lib" ]; then
  echo "gpu-image.sh: cli/target/jetrt-cli-*.jar or cli/target/lib missing; build first (./mvnw package -DskipTests) or pass --build" >&2
  exit 1
fi

stage="$root/build/gpu-stage/jetrt-gpu"
out="$root/build/gpu"
rm -rf "$root/build/gpu-stage" "$out"
mkdir -p "$stage/lib" "$stage/bundles" "$out"

cp "$jar" "$stage/lib/"
# ND4J's jars: every artifact of the runtime's dependency tree under a top-level org.nd4j/org.bytedeco node
skip=""
if [ "$natives" = 0 ]; then
  (cd "$root" && ./mvnw -q -B -o -N install && ./mvnw -q -B -o -pl cli -am dependency:tree -DoutputFile="$root/build/gpu-stage/tree.txt" -DappendOutput=true) >&2
  skip=$(awk '/^[+\\]- / { top = $2 }
    top ~ /^(org\.nd4j|org\.bytedeco):/ { l = $0; sub(/^[-|+\\ ]*/, "", l); n = split(l, c, ":");
      if (n == 5) print c[2] "-" c[4] ".jar"; else if (n == 6) print c[2] "-" c[5] "-" c[4] ".jar" }' "$root/build/gpu-stage/tree.txt")
fi
for f in "$root"/cli/target/lib/*.jar; do
  grep -qxF "$(basename "$f")" <<<"$skip" || cp "$f" "$stage/lib/"
done
if command -v zip >/dev/null; then
  zip -q -d "$stage"/lib/jcuda-natives-*.jar 'lib/libJNvPTXCompiler*' 'lib/libJNvrtc*' 'lib/libJCudaRuntime*' || true
fi
for m in fullattn jetblock gdn mamba2; do
  cp "$root"/blocks-$m/target/jetrt-blocks-$m-*.jar "$stage/bundles/" 2>/dev/null || echo "gpu-image.sh: no bundle for blocks-$m (not built?)" >&2
done
runtime_jar=$(ls "$root"/cli/target/lib/jetrt-runtime-*.jar | head -n 1)
if ! unzip -l "$runtime_jar" | grep -q 'io/jetrt/runtime/cuda/dense.fatbin'; then
  echo "gpu-image.sh: WARNING: $(basename "$runtime_jar") has no dense.fatbin (nvcc absent at build): CUDA kernels will be reported missing" >&2
fi

if [ "$tests" = 1 ]; then
  mkdir -p "$stage/test"
  # test classes of the runtime, the in-framework tests and each block bundle, the conformance kit, and the
  # fixtures the GPU tests read (../shared/fixtures beside the checkout: blocks, gradients and the tiny model)
  cp -r "$root/runtime/target/test-classes" "$stage/test/runtime-classes"
  for m in experiments cli; do
    [ -d "$root/$m/target/test-classes" ] && cp -r "$root/$m/target/test-classes" "$stage/test/$m-classes"
  done
  cp -r "$root/tests/target/test-classes" "$stage/test/tests-classes"
  for m in fullattn jetblock gdn mamba2; do
    [ -d "$root/blocks-$m/target/test-classes" ] && cp -r "$root/blocks-$m/target/test-classes" "$stage/test/blocks-$m-classes"
  done
  cp "$root"/conformance/target/jetrt-conformance-*.jar "$stage/test/"
  cp "$root"/blocks-testkit/target/jetrt-blocks-testkit-*.jar "$stage/test/" # the gated-delta test bases
  fixtures="${JETRT_FIXTURES:-$root/../shared/fixtures}"
  mkdir -p "$stage/fixtures"
  cp -r "$fixtures/blocks" "$fixtures/grad" "$fixtures/model" "$fixtures/README.md" "$stage/fixtures/"
  v=$(sed -n 's:.*<junit.version>5\.\([0-9.]*\)</junit.version>.*:1.\1:p' "$root/pom.xml")
  "$root/mvnw" -q -B dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$v" \
    -DoutputDirectory="$stage/test" >&2
fi

# Modules: what jdeps sees in jetrt's own jars, JCuda, Felix, Guice, SLF4J, plus the README's baseline
# (java.management/jdk.management for OperatingSystemMXBean, java.xml, jdk.zipfs for jar file systems).
deps=$("$JAVA_HOME/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 -q "$jar" \
  "$root"/cli/target/lib/jetrt-*.jar "$root"/cli/target/lib/jcuda-[0-9]*.jar \
  "$root"/cli/target/lib/org.apache.felix.framework-*.jar "$root"/cli/target/lib/guice-*.jar \
  "$root"/cli/target/lib/slf4j-*.jar)
modules=$(echo "$deps,java.base,java.logging,jdk.unsupported,java.management,jdk.management,java.xml,jdk.incubator.vector,jdk.zipfs" | tr , "\n" | sort -u | paste -sd, -)
# no compression inside the image: xz over raw class files packs smaller than xz over zip-compressed ones
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --compress=zip-0 --output "$stage/jre"

cat > "$stage/run.sh" <<'EOF'
#!/usr/bin/env bash
# jetrt on a GPU machine: run.sh jetrt <cli args> | run.sh test <junit console args> | run.sh main <class> <args>
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for d in /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda-13.0/targets/x86_64-linux/lib; do
  [ -d "$d" ] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done
java=("$here/jre/bin/java" -XX:MaxRAMPercentage=70 --enable-native-access=ALL-UNNAMED
      --sun-misc-unsafe-memory-access=allow --add-modules jdk.incubator.vector ${JETRT_JAVA_OPTS:-})
cp="$here/lib/*"
if [ -d "$here/test" ]; then
  for d in "$here"/test/*-classes; do cp="$d:$cp"; done
  cp="$here/test/*:$here/bundles/*:$cp"
fi
what="${1:-}"; shift || true
case "$what" in
  jetrt) exec "${java[@]}" -Djetrt.bundles="${JETRT_BUNDLES:-$here/bundles}" -cp "$here/lib/*" io.jetrt.cli.Main "$@" ;;
  test) exec "${java[@]}" -Djetrt.fixtures="$here/fixtures" -Djetrt.bundles="$here/bundles" -cp "$cp" org.junit.platform.console.ConsoleLauncher execute --disable-banner --disable-ansi-colors --details=tree "$@" ;;
  main) exec "${java[@]}" -cp "$cp" "$@" ;;
  *) echo "usage: run.sh jetrt <cli args> | run.sh test <junit console args> | run.sh main <class> <args>" >&2; exit 2 ;;
esac
EOF
chmod +x "$stage/run.sh"

tar -C "$root/build/gpu-stage" -cf - jetrt-gpu | xz -T0 -6 > "$out/jetrt-gpu.tar.xz"
rm -rf "$root/build/gpu-stage"
size=$(du -m "$out/jetrt-gpu.tar.xz" | cut -f1)
echo "gpu-image.sh: $out/jetrt-gpu.tar.xz (${size} MB; modules $modules)"
if [ "$size" -gt 60 ]; then echo "gpu-image.sh: WARNING: over the device tool's 64 MiB carry limit with the working tree" >&2; fi
