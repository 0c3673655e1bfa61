#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine (only what is
# missing), then configures and builds the given CMake presets (default:
# release), saying what it does at each step.
#
#   tools/setup.sh [preset...]
#   tools/setup.sh --packages-only                                   (no build)
#   SEQ_SETUP_TARGETS="echo_server seq_load" tools/setup.sh release   (only those targets)
#
# apt waits up to SEQ_APT_LOCK_WAIT seconds (default 600) for its lock: on a
# machine that just booted, unattended upgrades often hold it for minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build pkg-config git
          libuv1-dev libboost-context-dev libgtest-dev libgmock-dev libbenchmark-dev
          libssl-dev ca-certificates libre2-dev zlib1g-dev libzstd-dev libcurl4-openssl-dev
          clang-format golang-go
          clang-14 libclang-rt-14-dev)  # clang and libFuzzer for the fuzz preset (tools/fuzz.sh)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  wait_s=${SEQ_APT_LOCK_WAIT:-600}
  # DPkg::Lock::Timeout makes install wait for dpkg's lock; update takes the
  # package lists' lock, which that option does not cover, so it is retried.
  apt=($SUDO env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout="$wait_s")
  # run_apt PATTERN ARGS...: apt-get ARGS, showing only the lines matching
  # PATTERN (its errors start with E:), with apt-get's exit status.
  run_apt() {
    local keep=$1 rc
    shift
    set +e +o pipefail
    "${apt[@]}" "$@" 2>&1 | grep --line-buffered -E "$keep"
    rc=${PIPESTATUS[0]}
    set -e -o pipefail
    return "$rc"
  }
  echo "setup: ${#missing[@]} packages missing: ${missing[*]}"
  echo "setup: apt-get update (retried for up to $wait_s s while apt's lock is held)"
  deadline=$((SECONDS + wait_s))
  until run_apt '^(Err:|E:|W:)' update; do
    ((SECONDS < deadline)) || { echo "setup: apt-get update kept failing"; exit 1; }
    echo "setup: apt-get update failed (another apt holding the lock?); retrying in 10 s"
    sleep 10
  done
  echo "setup: apt-get install (waits up to $wait_s s for apt's lock; one line per package set up)"
  run_apt '^(Setting up|E:|W:)' install -y --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#packages[@]} packages present"
fi

[ "${1:-}" = --packages-only ] && exit 0
presets=("$@")
((${#presets[@]})) || presets=(release)
targets=()
[ -n "${SEQ_SETUP_TARGETS:-}" ] && read -r -a targets <<<"$SEQ_SETUP_TARGETS"
for preset in "${presets[@]}"; do
  echo "setup: configuring preset $preset (build/$preset)"
  cmake --preset "$preset" >/dev/null
  if ((${#targets[@]})); then
    echo "setup: building $preset: ${targets[*]}"
    cmake --build --preset "$preset" --target "${targets[@]}"
  else
    echo "setup: building $preset (library, tests, tools)"
    cmake --build --preset "$preset"
  fi
done
