#!/usr/bin/env bash
# The whole GPU suite in one command, on a GPU machine, from the image of scripts/gpu-image.sh --tests:
#   1. every GPU test class (runtime cuda/gpu packages, every *Cuda*Test, the GPU model tests) and the comparison
#      tests, through the JUnit console launcher;
#   2. `jetrt verify --backend cuda` of every block fixture, of the tiny model, and of the gradient fixtures of the
#      blocks that train on cuda;
#   3. a short bench of the 2B-shaped demo model (batch 1 and 64 at 4096 tokens);
# then a one-screen summary. Logs go to $OUT (the device tool's output folder) or ./gpu-check-logs.
#
#   scripts/gpu-image.sh --tests                        # here
#   run(carry=["build/gpu"], command="tar xJf build/gpu/jetrt-gpu.tar.xz -C /tmp && scripts/gpu-check.sh /tmp/jetrt-gpu")
#
# Exit 0 only when every test and every verify passed (the bench is reported, not judged).
set -uo pipefail
image="$(cd "${1:-/tmp/jetrt-gpu}" 2>/dev/null && pwd || echo "${1:-/tmp/jetrt-gpu}")"
logs="${OUT:-$PWD/gpu-check-logs}"
mkdir -p "$logs"
run="$image/run.sh"
[ -x "$run" ] || { echo "gpu-check: no $run (unpack build/gpu/jetrt-gpu.tar.xz from scripts/gpu-image.sh --tests)" >&2; exit 2; }
status=0
start=$(date +%s)

echo "gpu-check: tests ..." >&2
# from tests/, as under Maven: some tests read the checkout's files by relative path (../README.md)
cd "$(dirname "${BASH_SOURCE[0]}")/../tests"
"$run" test --scan-classpath --fail-if-no-tests \
  --include-classname '^io\.jetrt\.runtime\.(cuda|gpu)\..*Test$' \
  --include-classname '^.*Cuda.*Test$' \
  --include-classname '^io\.jetrt\.tests\.(Gpu.*|Compare.*)Test$' \
  > "$logs/tests.log" 2>&1 || status=1
tests=$(grep -E "tests (successful|failed|skipped|aborted|found)" "$logs/tests.log" | tr -s ' ' | paste -sd';' -)
failed_tests=$(grep -E "✘|\[X\]" "$logs/tests.log" | head -n 20)
# a test class the scan could not load (a missing jar: NoClassDefFoundError) is dropped without a failure: every
# GPU test class in the image must show up in the run
expected=$(cd "$image/test" && find . -name '*.class' ! -name '*$*' | sed 's:^\./[^/]*/::; s:\.class$::; s:/:.:g' \
  | grep -E '^io\.jetrt\.runtime\.(cuda|gpu)\..*Test$|Cuda.*Test$|^io\.jetrt\.tests\.(Gpu.*|Compare.*)Test$' | sort -u)
not_run=""
for c in $expected; do
  grep -q "${c##*.}" "$logs/tests.log" || not_run="$not_run ${c##*.}"
done
if [ -n "$not_run" ]; then status=1; fi

echo "gpu-check: verify ..." >&2
verify_lines=()
# every gradient fixture: every block trains on cuda
for f in "$image"/fixtures/blocks/*.safetensors "$image"/fixtures/model/tiny-jet "$image"/fixtures/grad/gated_deltanet.safetensors "$image"/fixtures/grad/jetblock.safetensors "$image"/fixtures/grad/attention.safetensors "$image"/fixtures/grad/swa_attention.safetensors "$image"/fixtures/grad/mamba2.safetensors; do
  name=$(basename "$(dirname "$f")")/$(basename "$f")
  log="$logs/verify-${name//\//-}.log"
  if "$run" jetrt verify "$f" --backend cuda > "$log" 2>&1; then r=PASS; else r=FAIL; status=1; fi
  worst=$(grep -Eo "rel [0-9.eE+-]+" "$log" | awk '{ n++; if ($2 + 0 > m) m = $2 + 0 } END { if (n) printf "%.2g", m; else printf "n/a" }')
  verify_lines+=("$(printf '  %-38s %s  worst rel %s' "$name" "$r" "$worst")")
done

echo "gpu-check: bench ..." >&2
"$run" jetrt demo --out /tmp/jetrt-2b --shape 2b > "$logs/demo.log" 2>&1
"$run" jetrt bench --model /tmp/jetrt-2b --batch 1,64 --prompt-len 4096 --gen 32 --json "$logs/bench.json" > "$logs/bench.log" 2>&1 || true

echo
echo "== gpu-check summary ($(( $(date +%s) - start )) s; logs in $logs) =="
echo "tests:   ${tests:-no summary (see tests.log)}"
[ -n "$failed_tests" ] && echo "$failed_tests"
[ -n "$not_run" ] && echo "test classes in the image that did not run:$not_run"
echo "test classes run: $(echo "$expected" | grep -c .)"
echo "verify (--backend cuda):"
printf '%s\n' "${verify_lines[@]}"
echo "bench (2B shape, random bf16 weights):"
grep -E "^machine|^batch" "$logs/bench.log" || tail -n 3 "$logs/bench.log"
echo "result: $([ "$status" = 0 ] && echo PASS || echo FAIL)"
exit "$status"
