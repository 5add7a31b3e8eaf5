#!/usr/bin/env bash
# Installs what softmax-cl needs on Debian/Ubuntu, skipping whatever is already there:
#   - a JDK >= 17 and Maven (to build), the Oclgrind GPU simulator (oclgrind; the tests' simulator
#     checks run the kernels on it; it registers no OpenCL driver, the tests point to it themselves)
#     and procps where a minimal system lacks it (the tests send SIGINT with its kill); all four
#     skipped with --runtime-only,
#   - the OpenCL ICD loader (ocl-icd-libopencl1),
#   - PoCL (pocl-opencl-icd), an OpenCL driver for the CPU, unless an OpenCL driver is already
#     registered or --no-pocl is given (GPU images, where the vendor driver is the platform).
# Used by the ./softmax launcher and by both Dockerfiles, so every path installs the same way.
# Must run as root; prints what it installs.
set -euo pipefail

runtime_only=0
pocl=1
for arg in "$@"; do
  case "$arg" in
    --runtime-only) runtime_only=1 ;;
    --no-pocl) pocl=0 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "install-deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh must run as root (try: sudo $0 $*)" >&2
  exit 1
fi

java_ok() {
  command -v javac >/dev/null 2>&1 || return 1
  local v
  v=$(javac -version 2>&1 | sed -E 's/^javac ([0-9]+).*/\1/')
  [ "${v:-0}" -ge 17 ] 2>/dev/null
}
have_loader() { ldconfig -p 2>/dev/null | grep -q 'libOpenCL\.so\.1'; }
have_driver() { ls /etc/OpenCL/vendors/*.icd >/dev/null 2>&1; }
have_oclgrind() { [ -f /usr/lib/oclgrind/liboclgrind-rt-icd.so ]; }
have_kill() { [ -x /bin/kill ] || [ -x /usr/bin/kill ]; }

packages=()
if [ "$runtime_only" -eq 0 ]; then
  java_ok || packages+=(JDK)
  command -v mvn >/dev/null 2>&1 || packages+=(maven)
  have_oclgrind || packages+=(oclgrind)
  have_kill || packages+=(procps)
fi
have_loader || packages+=(ocl-icd-libopencl1)
if [ "$pocl" -eq 1 ] && ! have_driver; then packages+=(pocl-opencl-icd); fi

if [ ${#packages[@]} -eq 0 ]; then
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
resolved=()
for p in "${packages[@]}"; do
  if [ "$p" = JDK ]; then
    # Debian 12 / Ubuntu 22.04+ have openjdk-17; newer releases only a newer default JDK.
    if apt-cache show openjdk-17-jdk-headless >/dev/null 2>&1; then
      resolved+=(openjdk-17-jdk-headless)
    else
      resolved+=(default-jdk-headless)
    fi
  else
    resolved+=("$p")
  fi
done
# Slim images (debian:*-slim) keep dpkg from unpacking man pages, and the JDK's postinst then fails
# to link its man pages into the missing /usr/share/man/man1 (debuerreotype/debuerreotype#10).
mkdir -p /usr/share/man/man1
echo "softmax-cl: installing ${resolved[*]} with apt-get" >&2
log="$(mktemp)"
if ! apt-get install -y -qq --no-install-recommends "${resolved[@]}" >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "softmax-cl: apt-get install ${resolved[*]} failed (its output is above)" >&2
  exit 1
fi
rm -f "$log"
echo "softmax-cl: installed ${resolved[*]}" >&2
