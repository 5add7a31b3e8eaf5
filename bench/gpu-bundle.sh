#!/usr/bin/env bash
# Builds the self-contained bundle that bench/gpu-run.sh needs on any NVIDIA machine, even one with
# the driver and nothing else (no Java, no network, maybe no OpenCL ICD loader). Run it on this
# machine (Debian/Ubuntu with JDK 17, Maven and apt-get). It writes, under .device/ at the
# repository root (git-ignored, never committed):
#   .device/jre/              a jlink'd Java 17 runtime with only the modules the CLI jar uses
#   .device/softmax-cl.jar    the shaded CLI jar (cli/target/softmax-cl.jar, rebuilt if stale)
#   .device/lib/libOpenCL.so.1  the ocl-icd loader, extracted from Debian's ocl-icd-libopencl1 .deb
#   .device/lib/fallback/     libz, libstdc++, libgcc_s from this machine, used by gpu-run.sh only
#                             if the GPU machine lacks them
#   .device/MANIFEST.txt      what went in, with versions and checksums
# Every file is a plain file (no symlinks), so the bundle survives any copy. The bundle is kept
# small so it is quick to copy to the NVIDIA machine; the script prints its size and fails above
# 60 MiB. The jlink'd JRE and the loader need glibc >= 2.34 on the NVIDIA machine (Debian 12 build).
# Usage: bench/gpu-bundle.sh            (env: JDK=/path/to/jdk17, MODULES=comma,list, NO_SMOKE=1)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
jdk="${JDK:-/usr/lib/jvm/java-17-openjdk-amd64}"
dev="$here/.device"
jar="$here/cli/target/softmax-cl.jar"
# java.base: everything; java.logging: JOCL logs through java.util.logging; java.xml: Logback parses
# logback.xml with SAX; java.naming: Logback's JNDI helpers; java.sql: Jackson's java.sql.Date and
# Timestamp (de)serializers; jdk.unsupported: sun.misc.Unsafe for any library that probes for it.
# Left out on purpose: java.desktop (about 14 MiB), needed only for Jackson's optional
# java.beans annotations, which Jackson loads reflectively and skips when absent.
modules="${MODULES:-java.base,java.logging,java.naming,java.sql,java.xml,jdk.unsupported}"
max_mib=60

say() { printf '== %s\n' "$*" >&2; }

git -C "$here" check-ignore -q .device/MANIFEST.txt || { echo ".device/ is not git-ignored; refusing to write binaries there" >&2; exit 1; }
[ -x "$jdk/bin/jlink" ] || { echo "no jlink at $jdk/bin/jlink (set JDK=...)" >&2; exit 1; }

# 1. The shaded jar, rebuilt when missing or older than the sources (same rule as ./softmax).
if [ ! -f "$jar" ] || [ -n "$(find "$here/library/src/main" "$here/cli/src/main" "$here/kernels" "$here/pom.xml" "$here/library/pom.xml" "$here/cli/pom.xml" -newer "$jar" -print -quit)" ]; then
  say "building $jar"
  mvn -q -B -o -pl cli -am -DskipTests package >&2 || mvn -q -B -pl cli -am -DskipTests package >&2
fi

# Modules the jar needs according to jdeps, so a new dependency cannot silently go missing.
needed="$("$jdk/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 17 "$jar" 2>/dev/null || true)"
say "jdeps says the jar uses: ${needed:-?} (bundling: $modules)"
for m in ${needed//,/ }; do
  case ",$modules,java.desktop," in
    *",$m,"*) ;;
    *) echo "jdeps reports module $m, which is not in MODULES=$modules; add it" >&2; exit 1 ;;
  esac
done

rm -rf "$dev/jre" "$dev/lib" "$dev/softmax-cl.jar" "$dev/MANIFEST.txt" "$dev/run"   # run/: gpu-run.sh scratch
mkdir -p "$dev/lib/fallback"

# 2. The runtime.
say "jlink $modules"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --compress=2 --output "$dev/jre"
# Debian's libjvm.so keeps its symbol table (about 4 MiB); the JVM does not need it.
if command -v strip >/dev/null 2>&1; then
  strip --strip-unneeded "$dev/jre/lib/server/libjvm.so"
fi
# jlink links the per-module legal files to java.base's; make them plain files.
find "$dev/jre" -type l | while read -r l; do
  t="$(readlink -f "$l")"; rm "$l"; cp "$t" "$l"
done

# 3. The jar.
cp "$jar" "$dev/softmax-cl.jar"

# 4. The ICD loader, from the .deb (not from this machine's /lib, so the version is the package's).
work="$(mktemp -d /tmp/gpu-bundle.XXXXXX)"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"; chown _apt "$work" 2>/dev/null || true   # apt-get download runs as _apt
say "apt-get download ocl-icd-libopencl1"
if ! (cd "$work" && apt-get download ocl-icd-libopencl1 >&2); then
  say "apt-get download failed; running apt-get update and retrying"
  apt-get update -qq >&2
  (cd "$work" && apt-get download ocl-icd-libopencl1 >&2)
fi
deb="$(ls "$work"/ocl-icd-libopencl1_*.deb)"
dpkg-deb -x "$deb" "$work/x"
found=0
for f in "$work"/x/usr/lib/x86_64-linux-gnu/libOpenCL.so.1*; do
  [ -e "$f" ] || continue
  cp -L "$f" "$dev/lib/$(basename "$f")"
  found=1
done
[ "$found" = 1 ] && [ -f "$dev/lib/libOpenCL.so.1" ] || { echo "no libOpenCL.so.1 in $deb" >&2; exit 1; }
# Keep only the soname the JVM loads (the versioned file is an identical copy).
find "$dev/lib" -maxdepth 1 -name 'libOpenCL.so.1.*' -delete

# 5. Fallback copies of the JVM's and JOCL's non-glibc dependencies, for a minimal image.
for so in libz.so.1 libstdc++.so.6 libgcc_s.so.1; do
  p="$(ldconfig -p | awk -v n="$so" '$1 == n && /x86-64/ {print $NF; exit}')"
  if [ -n "$p" ]; then cp -L "$p" "$dev/lib/fallback/$so"; else say "warning: $so not found here"; fi
done

# 6. Manifest.
{
  echo "softmax-cl GPU bundle, made $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n)"
  echo "git: $(git -C "$here" rev-parse --short HEAD)$(git -C "$here" diff --quiet HEAD -- library cli kernels pom.xml || echo ' (+ uncommitted source changes)')"
  echo "jre: $("$dev/jre/bin/java" -version 2>&1 | head -1), modules: $modules"
  echo "loader: $(basename "$deb")"
  echo "host glibc: $(getconf GNU_LIBC_VERSION); the bundle needs glibc >= 2.34 on the NVIDIA machine"
  echo "sha256:"
  (cd "$dev" && sha256sum softmax-cl.jar lib/libOpenCL.so.1 lib/fallback/* | sed 's/^/  /')
} > "$dev/MANIFEST.txt"

# 7. A smoke test with the bundled runtime and loader (on this machine's OpenCL device, e.g. PoCL).
if [ -z "${NO_SMOKE:-}" ]; then
  say "smoke test: .device/jre/bin/java -jar .device/softmax-cl.jar devices"
  LD_LIBRARY_PATH="$dev/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    "$dev/jre/bin/java" -jar "$dev/softmax-cl.jar" devices >&2 || say "warning: devices failed here (no OpenCL device on this machine?)"
fi

if [ -n "$(find "$dev" -type l -print -quit)" ]; then echo "symlinks left in $dev" >&2; exit 1; fi
mib() { du -sb "$@" | awk '{s += $1} END {printf "%.1f", s / 1048576}'; }
total="$(mib "$dev")"
echo "bundle $dev: ${total} MiB in all (jre $(mib "$dev/jre") MiB, jar $(mib "$dev/softmax-cl.jar") MiB, lib $(mib "$dev/lib") MiB)"
awk -v t="$total" -v m="$max_mib" 'BEGIN {exit !(t > m)}' && { echo "bundle is over ${max_mib} MiB" >&2; exit 1; }
echo "next: copy .device/ into the repository root of a checkout on any NVIDIA machine and run 'bash bench/gpu-run.sh' there"
