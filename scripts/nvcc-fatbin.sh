#!/usr/bin/env bash
# Compiles one .cu file into a fatbin for the Maven build (the parent pom.xml, profile "nvcc"):
# sm_80 and sm_90 machine code plus compute_90 PTX, which newer GPUs compile at load.
#
#   nvcc-fatbin.sh <source.cu> <output.fatbin>
#
# Headers: the source's own folder, and blocks-common/src/cuda (-I) for kernels block bundles share and for
# common.cuh (reductions, activations), which every .cu includes, the runtime's dense.cu too.
#
# nvcc is $JETRT_NVCC when set (the pom passes -Djetrt.nvcc=/path/to/nvcc), else nvcc on PATH, else
# $CUDA_HOME/bin/nvcc, else /usr/local/cuda/bin/nvcc. Without one the build goes on: the script writes
# <output>.missing with the reason, and the CUDA backend reports "kernels missing: ..." at run time.
# A JETRT_NVCC that is set but not executable fails the build (it was asked for).
set -euo pipefail
src="$1"
out="$2"
mkdir -p "$(dirname "$out")"

nvcc="${JETRT_NVCC:-}"
if [ -n "$nvcc" ] && [ ! -x "$nvcc" ]; then
  echo "[jetrt] jetrt.nvcc=$nvcc is not an executable file" >&2
  exit 1
fi
if [ -z "$nvcc" ]; then
  for c in "$(command -v nvcc || true)" "${CUDA_HOME:+$CUDA_HOME/bin/nvcc}" /usr/local/cuda/bin/nvcc; do
    if [ -n "$c" ] && [ -x "$c" ]; then nvcc="$c"; break; fi
  done
fi
if [ -z "$nvcc" ]; then
  echo "nvcc was not found at build time (looked at -Djetrt.nvcc, PATH, \$CUDA_HOME/bin, /usr/local/cuda/bin)" > "$out.missing"
  rm -f "$out"
  echo "[jetrt] WARNING: $(cat "$out.missing"): $(basename "$out") not built; the CUDA backend will report kernels missing" >&2
  exit 0
fi
rm -f "$out.missing"
# headers shared by block bundles (e.g. the gated delta rule of JetBlock and gated DeltaNet)
shared="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/blocks-common/src/cuda"
# up to date: nvcc takes a while for three targets
fresh=1
for f in "$0" "$src" "$(dirname "$src")"/*.cuh "$shared"/*.cuh; do
  if [ -f "$f" ] && [ ! "$out" -nt "$f" ]; then fresh=0; fi
done
if [ -f "$out" ] && [ "$fresh" = 1 ]; then exit 0; fi
echo "[jetrt] $nvcc: $(basename "$src") -> $out" >&2
"$nvcc" -fatbin -O3 \
  -gencode arch=compute_80,code=sm_80 \
  -gencode arch=compute_90,code=sm_90 \
  -gencode arch=compute_90,code=compute_90 \
  -I "$shared" -o "$out.tmp" "$src"
mv "$out.tmp" "$out"
