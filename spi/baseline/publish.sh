#!/usr/bin/env bash
# Publishes the SPI jar just built (spi/target) as the baseline that later builds are checked against:
# spi/baseline/io/jetrt/baseline/jetrt-spi/<v>/jetrt-spi-<v>.jar, <v> being the jar's io.jetrt.spi package version.
# Run after `./mvnw -q -o package -pl spi` on the released commit, then set jetrt.spi.baseline in spi/pom.xml to <v>.
set -euo pipefail
spi="$(cd "$(dirname "$0")/.." && pwd)"
jar=$(ls "$spi"/target/jetrt-spi-*.jar | grep -v -e sources -e tests)
v=$(unzip -p "$jar" META-INF/MANIFEST.MF | tr -d '\r' | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n //g' \
    | sed -n 's/^Export-Package: .*io\.jetrt\.spi;version="\([0-9.]*\)".*/\1/p')
[ -n "$v" ] || { echo "publish.sh: $jar exports no versioned io.jetrt.spi" >&2; exit 1; }
dir="$spi/baseline/io/jetrt/baseline/jetrt-spi/$v"
[ ! -e "$dir" ] || { echo "publish.sh: SPI $v is already published ($dir); a published baseline never changes" >&2; exit 1; }
mkdir -p "$dir"
cp "$jar" "$dir/jetrt-spi-$v.jar"
cat > "$dir/jetrt-spi-$v.pom" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.jetrt.baseline</groupId>
  <artifactId>jetrt-spi</artifactId>
  <version>$v</version>
  <description>The jetrt SPI as published at package version $v, kept for bnd's baseline check.</description>
</project>
POM
echo "published SPI $v: $dir; now set <jetrt.spi.baseline>$v</jetrt.spi.baseline> in spi/pom.xml"
