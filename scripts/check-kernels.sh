#!/usr/bin/env bash
# After a build: on a machine that has nvcc, every module with CUDA sources must have built its kernels. A
# <name>.fatbin.missing (written when the build found no nvcc) or a module without its .fatbin fails, so CI never
# passes with a CUDA backend that would report "kernels missing" on a GPU machine. Without nvcc it says so and passes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
nvcc=""
for c in "${JETRT_NVCC:-}" "$(command -v nvcc || true)" "${CUDA_HOME:+$CUDA_HOME/bin/nvcc}" /usr/local/cuda/bin/nvcc; do
  if [ -n "$c" ] && [ -x "$c" ]; then nvcc="$c"; break; fi
done
if [ -z "$nvcc" ]; then
  echo "check-kernels: no nvcc on this machine; kernels not required"
  exit 0
fi
bad=0
while IFS= read -r f; do
  echo "check-kernels: ${f#$root/}: $(cat "$f")" >&2
  bad=1
done < <(find "$root" -path "$root/.git" -prune -o -name '*.fatbin.missing' -print)
for cuda in "$root"/*/src/main/cuda "$root"/examples/*/src/main/cuda; do
  [ -d "$cuda" ] || continue
  module="${cuda%/src/main/cuda}"
  if [ -z "$(find "$module/target/classes" -name '*.fatbin' -print -quit 2>/dev/null)" ]; then
    echo "check-kernels: ${module#$root/} has CUDA sources but no .fatbin in target/classes" >&2
    bad=1
  fi
done
if [ "$bad" = 1 ]; then
  echo "check-kernels: FAILED: $nvcc is here, so every kernel must build (see above)" >&2
  exit 1
fi
echo "check-kernels: every module's kernels built with $nvcc"
