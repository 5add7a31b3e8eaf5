#!/usr/bin/env bash
# Builds the Java runtime of the container images: a jlink'd JDK 17 holding only the modules the
# command-line jar uses, without debug symbols, man pages or headers (about 35 MB instead of the
# JDK's 260). Run in the images' build stage; the runtime stage copies the result.
# The module list is the one bench/gpu-bundle.sh uses, for the same reasons:
#   java.base: everything; java.logging: JOCL logs through java.util.logging; java.xml: Logback
#   parses logback.xml with SAX; java.naming: Logback's JNDI helpers; java.sql: Jackson's
#   java.sql.Date and Timestamp (de)serializers; jdk.unsupported: sun.misc.Unsafe for any library
#   that probes for it; jdk.management: the process CPU time the device-group bench reports
#   (com.sun.management). Left out on purpose: java.desktop (about 14 MB), needed only for Jackson's
#   optional java.beans annotations, which Jackson loads reflectively and skips when absent.
# jdeps checks the jar against the list, so a new dependency that needs another module fails the
# image build instead of the first run.
# Usage: docker/jlink-jre.sh JAR OUTPUT_DIR     (env: JDK=/path/to/jdk, default: the JDK of javac)
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 JAR OUTPUT_DIR" >&2; exit 2; }
jar="$1"
out="$2"
jdk="${JDK:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
modules="java.base,java.logging,java.naming,java.sql,java.xml,jdk.unsupported,jdk.management"

[ -f "$jar" ] || { echo "jlink-jre.sh: no jar at $jar" >&2; exit 1; }
[ -x "$jdk/bin/jlink" ] || { echo "jlink-jre.sh: no jlink at $jdk/bin/jlink (set JDK=...)" >&2; exit 1; }
[ ! -e "$out" ] || { echo "jlink-jre.sh: $out exists; remove it first" >&2; exit 1; }

needed="$("$jdk/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 17 "$jar")"
for m in ${needed//,/ }; do
  case ",$modules,java.desktop," in
    *",$m,"*) ;;
    *) echo "jlink-jre.sh: jdeps reports module $m, which the runtime lacks; add it to the list" >&2; exit 1 ;;
  esac
done

"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --compress=2 --output "$out"
# Debian's libjvm.so keeps its symbol table (about 4 MB); the JVM does not need it.
if command -v strip >/dev/null 2>&1; then
  strip --strip-unneeded "$out/lib/server/libjvm.so"
fi
echo "jlink-jre.sh: $out ($(du -sh "$out" | cut -f1)): $modules" >&2
