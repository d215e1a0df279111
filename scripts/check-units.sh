#!/usr/bin/env bash
# Checks the systemd units in systemd/ without a running systemd:
#   * `systemd-analyze verify` must print nothing (it exits 0 on unknown keys and bad values);
#   * `systemd-analyze security --offline=yes` exposure must be at most 2.0 for each unit;
#   * the sysusers.d file must parse.
# verify wants the ExecStart/ExecReload binaries to exist, so the units are checked inside a
# scratch root: the host's unit tree, /usr/bin/kill, and stub fathom-* executables.
# Exit status: 0 all good, 1 a check failed, 77 systemd-analyze is not installed (skip; 1 under
# FATHOM_REQUIRE_ALL=1, as .ci/run sets).
set -euo pipefail
cd "$(dirname "$0")/.."
units=(fathom-receiver.service fathom-agent.service fathom-export-tree.service)
max_exposure=2.0

if ! command -v systemd-analyze >/dev/null; then
    # Under FATHOM_REQUIRE_ALL=1 (.ci/run) a check that cannot run is a failure, not a skip.
    if [ "${FATHOM_REQUIRE_ALL:-0}" = 1 ]; then
        echo "FAIL: systemd-analyze not installed (apt-get install systemd) and FATHOM_REQUIRE_ALL=1 is set"
        exit 1
    fi
    echo "skip: systemd-analyze not installed (apt-get install systemd)"
    exit 77
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
root=$scratch/root
mkdir -p "$root/usr/lib/systemd/system" "$root/usr/bin" "$root/etc/systemd/system"
ln -s usr/bin "$root/bin"   # merged /usr, as on bookworm: ExecReload=/bin/kill
cp -a /usr/lib/systemd/system/. "$root/usr/lib/systemd/system/"
cp "$(type -P kill)" "$root/usr/bin/kill"   # procps; the builtin would not do
for exe in fathom-receiver fathom-agent; do
    printf '#!/bin/sh\nexit 0\n' >"$root/usr/bin/$exe"
    chmod +x "$root/usr/bin/$exe"
done
cp "${units[@]/#/systemd/}" "$root/usr/lib/systemd/system/"

failed=0
out=$(systemd-analyze verify --man=no --root="$root" "${units[@]}" 2>&1) || failed=1
if [ -n "$out" ] || [ $failed -ne 0 ]; then
    echo "FAIL: systemd-analyze verify:"
    echo "$out"
    failed=1
else
    echo "ok: systemd-analyze verify ${units[*]}"
fi

for unit in "${units[@]}"; do
    report=$(systemd-analyze security --offline=yes --no-pager --root="$root" "$unit" 2>&1) || true
    exposure=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$report")
    if [ -z "$exposure" ]; then
        echo "FAIL: no exposure level for $unit:"
        echo "$report"
        failed=1
    elif awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e > m) }'; then
        echo "FAIL: $unit exposure $exposure > $max_exposure"
        grep '✗' <<<"$report" || true
        failed=1
    else
        echo "ok: $unit exposure $exposure"
    fi
done

if out=$(systemd-sysusers --root="$root" --dry-run "$PWD/systemd/fathom.sysusers.conf" 2>&1); then
    echo "ok: systemd/fathom.sysusers.conf"
else
    echo "FAIL: systemd-sysusers:"
    echo "$out"
    failed=1
fi
exit $failed
