#!/usr/bin/env bash
# Installs the Debian 12 packages Fathom needs, idempotently: only what is missing, one
# apt-get update at most. Used by scripts/demo.sh, scripts/test.sh and .ci/run.
#
#   scripts/install-deps.sh build    # what `swift build` needs (C headers of the system-library targets)
#   scripts/install-deps.sh demo     # build + what scripts/demo.sh runs
#   scripts/install-deps.sh test     # build + every tool the test suite starts
#
# FATHOM_NO_APT=1 only reports what is missing (exit 1 if anything is).
set -euo pipefail

build=(libssl-dev librabbitmq-dev pkg-config)
demo=("${build[@]}" openssl curl)
test=("${demo[@]}" iproute2 iputils-tracepath iputils-ping traceroute iperf3 systemd
      python3 python3-venv python3-pip python3-lib2to3 util-linux mount procps sqlite3
      chromium prometheus    # fleet page in headless Chromium; promtool and a real Prometheus for /metrics
      postgresql             # the scale-out store's tests start their own PostgreSQL 15 server
      rabbitmq-server)       # a real broker for the RabbitMQ forwarding tests

case "${1:-test}" in
  build) want=("${build[@]}") ;;
  demo) want=("${demo[@]}") ;;
  test) want=("${test[@]}") ;;
  *) echo "usage: $0 build|demo|test" >&2; exit 2 ;;
esac

need=()
for pkg in "${want[@]}"; do
  # sed reads the whole status (no SIGPIPE under pipefail); "rc" (config-files only) counts as missing.
  [ "$(dpkg -s "$pkg" 2>/dev/null | sed -n 's/^Status: //p')" = "install ok installed" ] || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0

if [ "${FATHOM_NO_APT:-0}" = 1 ]; then
  echo "missing Debian packages: ${need[*]} (apt-get install -y ${need[*]})" >&2
  exit 1
fi
sudo=()
[ "$(id -u)" = 0 ] || sudo=(sudo)
echo "installing: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
