# Sourced by ./mvnw and ./jetrt: sets JAVA_HOME to a JDK 25 or newer, or stops saying how to get one.
# Order: $JAVA_HOME, /usr/lib/jvm/*25* (and newer), the java on PATH.
java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n 1
}
jetrt_find_java() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/*-25* /usr/lib/jvm/*25* /usr/lib/jvm/*-2[6-9]* \
           "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    local v; v=$(java_major "$c")
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then export JAVA_HOME="$c"; return 0; fi
  done
  cat >&2 <<MSG
jetrt needs a JDK 25 or newer and found none (looked at \$JAVA_HOME, /usr/lib/jvm/*25*, and java on PATH).
Install one, e.g. Temurin 25 (apt: temurin-25-jdk from the Adoptium repository, or a tarball from adoptium.net),
then run again, or point JAVA_HOME at it: JAVA_HOME=/path/to/jdk-25 $0 ...
MSG
  exit 1
}
jetrt_find_java
