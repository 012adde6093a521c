#!/usr/bin/env bash
# Test of ./jetrt's rebuild rule, run by .ci/run after the build: with a bundle jar deleted (as an interrupted first
# build leaves things), `./jetrt info` must rebuild, say why, and then list every block bundle active.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
fail() { echo "test-launcher: FAILED: $*" >&2; exit 1; }
jar=$(ls blocks-jetblock/target/jetrt-blocks-jetblock-*.jar 2>/dev/null | head -n 1) || true
[ -n "$jar" ] || fail "no blocks-jetblock jar to delete: build first (./mvnw package)"
rm -f "$jar"
out=$(./jetrt info 2>&1) || fail "./jetrt info exited non-zero:
$out"
grep -q "jetrt: building (a jar is missing)" <<<"$out" || fail "no rebuild announced:
$out"
[ -f "$jar" ] || fail "$jar was not rebuilt"
for b in fullattn gdn jetblock mamba2; do
  grep -Eq "io\.jetrt\.blocks\.$b +[0-9.]+ +active" <<<"$out" || fail "bundle io.jetrt.blocks.$b not active after the rebuild:
$out"
done
# a build that did not finish (no stamp) is rebuilt, even with every jar there
rm -f build/.jetrt-built
out=$(./jetrt info 2>&1) || fail "./jetrt info without a build stamp exited non-zero"
grep -q "jetrt: building (no record of a finished build" <<<"$out" || fail "no rebuild without a build stamp:
$out"
# and a source newer than the jars is a reason too
touch blocks-gdn/src/main/java/io/jetrt/blocks/gdn/GatedDeltaNetProvider.java
out=$(./jetrt info 2>&1) || fail "./jetrt info after touching a source exited non-zero"
grep -q "jetrt: building (blocks-gdn/src/main/java/io/jetrt/blocks/gdn/GatedDeltaNetProvider.java is newer than" <<<"$out" \
  || fail "a newer source did not trigger a rebuild:
$out"
out=$(./jetrt info 2>&1) || fail "./jetrt info on an up-to-date tree exited non-zero:
$out"
grep -q "jetrt: building" <<<"$out" && fail "rebuilt although nothing changed"
echo "test-launcher: ok (a missing bundle jar, an unfinished build and a newer source each rebuild; an up-to-date tree does not)"
