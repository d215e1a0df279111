#!/usr/bin/env bash
# Proof that the Debian packages work under a real systemd: boots a throw-away Debian 12 with
# systemd as PID 1 (systemd-nspawn --boot --volatile=overlay over a cached debootstrap tree),
# installs dist/fathom-receiver_*.deb and dist/fathom-agent_*.deb with apt inside, and checks:
#
#   units active + StatusText, /ping over HTTPS with the generated certificate, an agent sample in
#   the receiver's data files, `systemctl reload` re-reads credentials with no failed upload, the
#   watchdog kills and restarts a frozen (SIGSTOPped) daemon, journald priorities, and that
#   remove + purge leave no unit enabled and (after purge) no state.
#
# Prints PASS/FAIL per check and exits 1 on any failure. Prints one "SKIP: ..." line and exits 0
# when it cannot run here: not root, systemd-nspawn/debootstrap not installable, namespaces not
# permitted, or no Debian mirror reachable for the first debootstrap. With FATHOM_REQUIRE_ALL=1
# (set by .ci/run) each of those exits 1 instead: in CI a proof that did not run is a failure.
#
#   bash packaging/build-debs.sh && bash packaging/test-in-systemd.sh
#
# Cost: the first run debootstraps bookworm (~1 min, ~270 MB, network) into
# $FATHOM_NSPAWN_CACHE (default /var/tmp/fathom-nspawn); later runs reuse it read-only and take
# about 30 s. The mirror comes from this machine's apt sources. .ci/run runs build-debs.sh and this
# script after the Swift tests when root (~10 min extra, mostly the release build); set
# FATHOM_SYSTEMD_PROOF=0 there to leave both out.
#
# Environment: OUT_DIR (where the .debs are, default dist/), FATHOM_NSPAWN_CACHE, MIRROR
# (override the mirror), FATHOM_NO_APT=1 (never apt-get install the tools), KEEP_LOGS=DIR, FATHOM_REQUIRE_ALL=1 (a SKIP exits 1).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT_DIR=${OUT_DIR:-dist}
CACHE=${FATHOM_NSPAWN_CACHE:-/var/tmp/fathom-nspawn}
BASE=$CACHE/bookworm
BASE_STAMP=$BASE/.fathom-base-v1
INCLUDE=systemd-sysv,dbus,curl,ca-certificates,openssl,procps,libsystemd0

skip() {
    if [ "${FATHOM_REQUIRE_ALL:-0}" = 1 ]; then
        echo "FAIL: systemd proof not run (FATHOM_REQUIRE_ALL=1 forbids skipping it): $*"
        exit 1
    fi
    echo "SKIP: systemd proof not run: $*"
    exit 0
}
note() { printf '   %s\n' "$*"; }
FAILED=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILED=1; }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }

# --- can it run here? ---------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || skip "needs root (systemd-nspawn, debootstrap)"
need=()
command -v systemd-nspawn >/dev/null || need+=(systemd-container)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v nsenter >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
    [ -z "${FATHOM_NO_APT:-}" ] || skip "missing ${need[*]} and FATHOM_NO_APT is set"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get install -y -q "${need[@]}" || { apt-get update -q && apt-get install -y -q "${need[@]}"; }; } >/dev/null 2>&1 \
        || skip "cannot install ${need[*]} with apt"
fi
unshare --pid --mount --uts --ipc --net --fork true 2>/dev/null || skip "namespaces are not permitted here (unshare failed)"

RECEIVER_DEB=$(ls -t "$OUT_DIR"/fathom-receiver_*.deb 2>/dev/null | head -n 1)
AGENT_DEB=$(ls -t "$OUT_DIR"/fathom-agent_*.deb 2>/dev/null | head -n 1)
if [ -z "$RECEIVER_DEB" ] || [ -z "$AGENT_DEB" ]; then
    echo "FAIL: no $OUT_DIR/fathom-receiver_*.deb / fathom-agent_*.deb; run packaging/build-debs.sh first"
    exit 1
fi

# The bookworm archive URI of this machine's apt sources (deb822 first, then sources.list).
host_mirror() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk 'BEGIN { RS = ""; FS = "\n" }
             { uri = ""; suites = ""; types = ""
               for (i = 1; i <= NF; i++) {
                 if ($i ~ /^URIs:/)    { v = $i; sub(/^URIs:[ \t]*/, "", v); split(v, a, /[ \t]+/); uri = a[1] }
                 if ($i ~ /^Suites:/)  suites = $i " "
                 if ($i ~ /^Types:/)   types = $i " "
                 if ($i ~ /^Enabled:[ \t]*no/) types = "" }
               if (types ~ /[ \t]deb[ \t]/ && suites ~ /[ \t]bookworm[ \t]/ && uri != "") { print uri; exit } }' "$f"
    done | head -n 1
    awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                       if ($(i + 1) == "bookworm") { print $i; exit } }' /etc/apt/sources.list 2>/dev/null
}

# --- the base tree (cached) -----------------------------------------------------------------------
if [ ! -f "$BASE_STAMP" ]; then
    MIRROR=${MIRROR:-$(host_mirror | head -n 1)}
    [ -n "$MIRROR" ] || skip "no bookworm mirror in this machine's apt sources (set MIRROR=)"
    echo "== debootstrap bookworm from $MIRROR into $BASE (once)"
    mkdir -p "$CACHE"
    rm -rf "$BASE.tmp"
    start=$SECONDS
    if ! debootstrap --variant=minbase --include="$INCLUDE" bookworm "$BASE.tmp" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1; then
        tail -n 5 "$CACHE/debootstrap.log"
        rm -rf "$BASE.tmp"
        skip "debootstrap from $MIRROR failed (no network?), see $CACHE/debootstrap.log"
    fi
    # Same archive sources as the host (deb822 and/or sources.list), so apt inside resolves the
    # packages' Depends exactly as on a real node.
    if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
        rm -f "$BASE.tmp/etc/apt/sources.list"
        cp /etc/apt/sources.list.d/*.sources "$BASE.tmp/etc/apt/sources.list.d/"
    fi
    [ -s /etc/apt/sources.list ] && cp /etc/apt/sources.list "$BASE.tmp/etc/apt/sources.list"
    cp /etc/resolv.conf "$BASE.tmp/etc/resolv.conf" 2>/dev/null || true
    chroot "$BASE.tmp" apt-get update -q >>"$CACHE/debootstrap.log" 2>&1 || true
    chroot "$BASE.tmp" apt-get clean
    echo "fathom-proof" >"$BASE.tmp/etc/hostname"
    # debootstrap writes no /etc/hosts (the installer does); without it "localhost" does not resolve.
    printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$BASE.tmp/etc/hosts"
    touch "$BASE.tmp/.fathom-base-v1"
    rm -rf "$BASE"
    mv "$BASE.tmp" "$BASE"
    echo "== base tree ready in $((SECONDS - start)) s"
fi

RUN=$(mktemp -d /var/tmp/fathom-proof.XXXXXX)
cp "$RECEIVER_DEB" "$RUN/fathom-receiver.deb"
cp "$AGENT_DEB" "$RUN/fathom-agent.deb"

# --- dependencies the base tree lacks, fetched into a host-side apt cache ---------------------------
# The test container has no network (--private-network), so whatever the packages' Depends pull
# in beyond the base tree is downloaded first by a one-shot container that shares the host network;
# its overlay is thrown away, only $ARCHIVES (bound in) keeps the .debs.
ARCHIVES=$CACHE/archives
mkdir -p "$ARCHIVES/partial"
fetch_deps() {
    systemd-nspawn -q -D "$BASE" --volatile=overlay --register=no --keep-unit --pipe \
        --bind="$ARCHIVES:/var/cache/apt/archives" --bind-ro="$RUN:/opt/fathom-debs" \
        apt-get install -y -q --download-only --no-install-recommends \
        /opt/fathom-debs/fathom-receiver.deb /opt/fathom-debs/fathom-agent.deb </dev/null >"$RUN/fetch.log" 2>&1
}
if ! fetch_deps; then
    echo "== refreshing the base tree's package lists"
    chroot "$BASE" apt-get update -q >>"$RUN/fetch.log" 2>&1 || true
    if ! fetch_deps; then
        tail -n 15 "$RUN/fetch.log"
        # Unsatisfiable Depends are the packages' fault; anything else (no network) means it cannot run here.
        if grep -qE 'unmet dependencies|Unable to locate|Unable to correct problems|held broken' "$RUN/fetch.log"; then
            echo "FAIL: the packages' dependencies cannot be satisfied in Debian 12 (see above)"; rm -rf "$RUN"; exit 1
        fi
        rm -rf "$RUN"; skip "cannot download the packages' dependencies (no network?)"
    fi
fi
grep -E '^(Need to get|Download complete|The following NEW)' "$RUN/fetch.log" | sed 's/^/   /'

# --- boot --------------------------------------------------------------------------------------
LOG=$RUN/nspawn.log
# --volatile=overlay: the base tree stays read-only under a tmpfs overlay (every run starts clean);
# --private-network: only loopback, so the receiver's port cannot clash with the host;
# --keep-unit --register=no: no host systemd/machined needed.
start_all=$SECONDS
setsid systemd-nspawn -q -D "$BASE" --volatile=overlay --private-network --register=no --keep-unit \
    --machine=fathom-proof --bind-ro="$RUN:/opt/fathom-debs" --bind="$ARCHIVES:/var/cache/apt/archives" \
    --boot >"$LOG" 2>&1 &
NSPAWN=$!
cleanup() {
    if [ -n "${LEADER:-}" ]; then nsenter -t "$LEADER" -a systemctl poweroff >/dev/null 2>&1 || true; fi
    for _ in $(seq 50); do kill -0 "$NSPAWN" 2>/dev/null || break; sleep 0.2; done
    kill -TERM "$NSPAWN" 2>/dev/null || true
    wait "$NSPAWN" 2>/dev/null || true
    if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS" && cp -r "$RUN"/. "$KEEP_LOGS"/; fi
    rm -rf "$RUN"
}
trap cleanup EXIT

LEADER=
for _ in $(seq 150); do
    LEADER=$(pgrep -P "$NSPAWN" -x systemd || true)
    [ -n "$LEADER" ] && break
    kill -0 "$NSPAWN" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$LEADER" ]; then
    tail -n 20 "$LOG"
    if grep -qiE 'operation not permitted|permission denied' "$LOG"; then
        skip "systemd-nspawn cannot boot a container here (see above)"
    fi
    echo "FAIL: container did not boot"; exit 1
fi
# Run a command inside the container (stdin from /dev/null: nothing here may wait on a terminal).
ct() { nsenter -t "$LEADER" -a "$@" </dev/null; }
ct_in() { nsenter -t "$LEADER" -a "$@"; }
state=
for _ in $(seq 150); do
    state=$(ct systemctl is-system-running 2>/dev/null || true)
    case "$state" in running | degraded) break ;; esac
    sleep 0.2
done
echo "== container booted ($state) in $((SECONDS - start_all)) s; systemd $(ct systemctl --version | awk 'NR==1{print $2}')"

# Value of a top-level string key of a TOML file inside the container.
toml_top() { ct sed -n -e '/^[[:space:]]*\[/q' -e "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p" "$1" | head -n 1; }
prop() { ct systemctl show "$1" -p "$2" --value; }
wait_for() { # seconds, command...
    local limit=$1; shift
    local end=$((SECONDS + limit))
    while [ $SECONDS -lt $end ]; do "$@" && return 0; sleep 0.5; done
    return 1
}

# A base tree cached before /etc/hosts was written: add it in the overlay.
ct sh -c 'grep -qw localhost /etc/hosts 2>/dev/null || printf "127.0.0.1\tlocalhost\n::1\t\tlocalhost\n" >>/etc/hosts'

# --- install -------------------------------------------------------------------------------------
echo "== apt-get install both packages"
if ct env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    /opt/fathom-debs/fathom-receiver.deb /opt/fathom-debs/fathom-agent.deb >"$RUN/install.log" 2>&1; then
    pass "apt-get install fathom-receiver fathom-agent"
else
    fail "apt-get install fathom-receiver fathom-agent"; tail -n 30 "$RUN/install.log"; exit 1
fi
grep -E '^fathom-|^  ' "$RUN/install.log" | sed 's/^/   | /'

RCONF=/etc/fathom/receiver.toml
LISTEN=$(toml_top $RCONF listen); PORT=${LISTEN##*:}
DATA=$(toml_top $RCONF data_dir)
CREDS=$(toml_top $RCONF credentials)
CERT=$(toml_top $RCONF tls_cert)
note "receiver: listen=$LISTEN data_dir=$DATA credentials=$CREDS tls_cert=$CERT"
check "postinst generated a self-signed certificate ($CERT)" ct test -s "$CERT"
check "postinst said it generated the certificate" grep -q 'self-signed' "$RUN/install.log"
check "postinst created the credentials file ($CREDS, mode 0640)" \
    test "$(ct stat -c %a "$CREDS" 2>/dev/null)" = 640

# --- configure a cluster for the agent inside the container ----------------------------------------
ct sh -c "printf 'proofcluster:first-password\n' >>'$CREDS'"
# The measurement archive (esmond API) with one agent token; enabling it needs a restart.
ct sh -c "printf 'proofagent:proof-archive-token\n' >/etc/fathom/archive-keys; chown root:fathom /etc/fathom/archive-keys; chmod 0640 /etc/fathom/archive-keys"
ct sh -c "printf 'archive_db = \"/var/lib/fathom/archive.sqlite\"\napi_keys = \"/etc/fathom/archive-keys\"\n' >>$RCONF"
ct systemctl restart fathom-receiver
ct sh -c "printf 'first-password\n' >/etc/fathom/agent-password; chown root:fathom /etc/fathom/agent-password; chmod 0640 /etc/fathom/agent-password"
ct sh -c "printf 'proof-archive-token\n' >/etc/fathom/archive-token; chown root:fathom /etc/fathom/archive-token; chmod 0640 /etc/fathom/archive-token"
ct_in sh -c "cat >/etc/fathom/agent.toml" <<EOF
[receiver]
url = "https://localhost:$PORT"
cluster = "proofcluster"
password_file = "/etc/fathom/agent-password"
ca_file = "$CERT"
send_window = 1

[spool]
dir = "/var/lib/fathom/spool"
max_mb = 64

[sample]
interval = 5
rollup = false

[archive]
token_file = "/etc/fathom/archive-token"

[[test]]
name = "trace-self"
type = "trace"
dest = "127.0.0.1"
repeat = 5
slip = 2
hops = 4
queries = 1
wait = 1
# ICMP echo needs the unit's CAP_NET_RAW.
probe_type = "icmp"
EOF
ct systemctl reset-failed fathom-agent >/dev/null 2>&1 || true
ct systemctl restart fathom-agent

# --- both active, StatusText ----------------------------------------------------------------------
for unit in fathom-receiver fathom-agent; do
    if wait_for 20 test "$(ct systemctl is-active $unit)" = active; then pass "$unit active"; else
        fail "$unit active ($(ct systemctl is-active $unit))"; ct journalctl -u $unit --no-pager -n 20 | sed 's/^/   | /'; fi
    check "$unit enabled" test "$(ct systemctl is-enabled $unit 2>&1)" = enabled
    status=$(prop $unit StatusText)
    note "$unit: Type=$(prop $unit Type) WatchdogUSec=$(prop $unit WatchdogUSec) StatusText=\"$status\""
    check "$unit StatusText set" test -n "$status"
done

# --- /ping over HTTPS with the generated certificate ---------------------------------------------
pong=$(ct curl -sS --max-time 5 --cacert "$CERT" "https://localhost:$PORT/ping" 2>&1)
note "curl --cacert $CERT https://localhost:$PORT/ping -> $pong"
check "/ping answers over HTTPS (certificate verified)" test -n "$pong" -a "$(ct curl -s -o /dev/null -w '%{http_code}' --cacert "$CERT" "https://localhost:$PORT/ping")" = 200

# --- a scheduled trace reaches the receiver's esmond archive -------------------------------------
traces() { ct curl -s --max-time 5 --cacert "$CERT" "https://localhost:$PORT/esmond/perfsonar/archive/?event-type=packet-trace"; }
has_trace() { traces | grep -q '"tool-name":"pscheduler/traceroute"'; }
if wait_for 40 has_trace; then
    pass "scheduled ICMP trace archived (packet-trace, tool pscheduler/traceroute) with the agent's token"
else
    fail "scheduled ICMP trace archived"; traces | head -c 600; echo
    ct journalctl -u fathom-agent --no-pager -n 20 | sed 's/^/   | /'
fi

# --- the agent's sample reaches the receiver's files -----------------------------------------------
csv_lines() { ct sh -c "cat '$DATA'/proofcluster/*/*/*/*.csv 2>/dev/null | wc -l"; }
has_lines() { [ "$(csv_lines)" -gt 0 ]; }
if wait_for 40 has_lines; then
    pass "agent sample stored in $DATA/proofcluster/YYYY/MM/DD/<host>.csv ($(csv_lines) lines)"
    ct sh -c "ls $DATA/proofcluster/*/*/*/*.csv; head -n 2 $DATA/proofcluster/*/*/*/*.csv | cut -c 1-160" | sed 's/^/   | /'
else
    fail "agent sample stored in $DATA/proofcluster"; ct journalctl -u fathom-agent --no-pager -n 20 | sed 's/^/   | /'
fi

# --- reinstall (= upgrade path of postinst) keeps the operator's files ---------------------------------
KEY=$(toml_top $RCONF tls_key)
sums() { ct sha256sum "$CREDS" "$CERT" "$KEY" /etc/fathom/agent.toml /etc/fathom/agent-password; }
sums_before=$(sums)
if ct env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall \
    /opt/fathom-debs/fathom-receiver.deb /opt/fathom-debs/fathom-agent.deb >"$RUN/reinstall.log" 2>&1; then
    check "reinstall leaves credentials, certificate, key and agent config untouched" test "$(sums)" = "$sums_before"
    check "reinstall generates no certificate" sh -c "! grep -q 'self-signed' '$RUN/reinstall.log'"
else
    fail "apt-get install --reinstall"; tail -n 20 "$RUN/reinstall.log"
fi
wait_for 20 sh -c "[ \"\$(nsenter -t $LEADER -a systemctl is-active fathom-receiver fathom-agent | sort -u)\" = active ]" \
    || fail "both units active again after the reinstall"

# --- reload re-reads credentials, no failed upload ----------------------------------------------------
# journalctl --since takes whole seconds: a second later than the units' restart by the reinstall,
# so an upload refused while the receiver was still starting (then retried) is not counted.
sleep 1.1
since=$(ct date '+%Y-%m-%d %H:%M:%S')
before=$(csv_lines)
ct sh -c "printf 'rotated:second-password clusters=proofcluster\n' >>'$CREDS'"
ct sh -c "umask 077; printf 'second-password\n' >/root/rotated-password"
if ct systemctl reload fathom-receiver; then pass "systemctl reload fathom-receiver"; else fail "systemctl reload fathom-receiver"; fi
note "after reload: StatusText=\"$(prop fathom-receiver StatusText)\" MainPID unchanged: $(prop fathom-receiver MainPID)"
check "reload logged by the receiver" wait_for 5 sh -c "nsenter -t $LEADER -a journalctl -u fathom-receiver --since '$since' --no-pager | grep -q 'credentials reloaded'"
# A user that exists only since the reload uploads through the real client.
if ct fathom-agent once --config /etc/fathom/agent.toml --user rotated --password-file /root/rotated-password \
    --spool-dir /root/once-spool --send-window 0 >"$RUN/once.log" 2>&1; then
    pass "upload with a credential added before the reload is accepted ($(tail -n 1 "$RUN/once.log"))"
else
    fail "upload with a credential added before the reload"; sed 's/^/   | /' "$RUN/once.log"
fi
grows() { [ "$(csv_lines)" -gt "$before" ]; }
check "the running agent keeps delivering across the reload" wait_for 30 grows
sleep 6
failed_uploads=$(ct journalctl -u fathom-agent --since "$since" --no-pager -o cat | grep -cE 'upload failed|delivery paused' || true)
rejected=$(ct journalctl -u fathom-receiver --since "$since" --no-pager -o cat | grep -c 'upload rejected' || true)
check "no failed upload since the reload (agent: $failed_uploads, receiver rejections: $rejected)" \
    test "$failed_uploads" = 0 -a "$rejected" = 0
if [ "$failed_uploads" != 0 ] || [ "$rejected" != 0 ]; then
    ct journalctl -u fathom-agent -u fathom-receiver --since "$since" --no-pager -o short-precise | tail -n 30 \
        | sed 's/^/   | /'
fi

# --- journald priorities ------------------------------------------------------------------------------
ct curl -s -o /dev/null --cacert "$CERT" -u proofcluster:wrong-password -X POST --data-binary 'x' \
    "https://localhost:$PORT/sonar-freecsv?cluster=proofcluster" || true
sleep 1
journal_priority() { # unit, message pattern -> PRIORITY of the last match
    ct journalctl -u "$1" -o json --no-pager | grep -F "$2" | tail -n 1 | sed -n 's/.*"PRIORITY":"\([0-9]\)".*/\1/p'
}
prio_warn=$(journal_priority fathom-receiver 'upload rejected')
prio_notice=$(journal_priority fathom-receiver 'credentials reloaded')
note "journalctl -o json: 'upload rejected' PRIORITY=$prio_warn, 'credentials reloaded' PRIORITY=$prio_notice"
check "journald PRIORITY=4 for a warning line" test "$prio_warn" = 4
check "journald PRIORITY=5 for a notice line" test "$prio_notice" = 5
check "no raw <N> prefixes in the journal" sh -c "! nsenter -t $LEADER -a journalctl -u fathom-receiver -u fathom-agent -o cat --no-pager | grep -qE '^<[0-7]>'"

# --- watchdog: a frozen process is killed and restarted --------------------------------------------------
# A runtime drop-in shortens WatchdogSec= so the check takes seconds, not the unit's full timeout.
for unit in fathom-receiver fathom-agent; do
    ct mkdir -p /run/systemd/system/$unit.service.d
    ct sh -c "printf '[Service]\nWatchdogSec=4s\nRestartSec=1s\n' >/run/systemd/system/$unit.service.d/zz-proof-watchdog.conf"
done
ct systemctl daemon-reload
ct systemctl restart fathom-receiver fathom-agent
wait_for 20 sh -c "[ \"\$(nsenter -t $LEADER -a systemctl is-active fathom-receiver fathom-agent | sort -u)\" = active ]"
declare -A PID0 RESTARTS0
for unit in fathom-receiver fathom-agent; do
    PID0[$unit]=$(prop $unit MainPID); RESTARTS0[$unit]=$(prop $unit NRestarts)
    ct kill -STOP "${PID0[$unit]}"
    note "$unit: kill -STOP ${PID0[$unit]} (NRestarts=${RESTARTS0[$unit]}, WatchdogUSec=$(prop $unit WatchdogUSec))"
done
for unit in fathom-receiver fathom-agent; do
    restarted() { local p; p=$(prop $1 MainPID); [ "$(prop $1 NRestarts)" -gt "${RESTARTS0[$1]}" ] && [ "$p" != 0 ] && [ "$p" != "${PID0[$1]}" ] && [ "$(ct systemctl is-active $1)" = active ]; }
    if wait_for 30 restarted $unit; then
        pass "$unit frozen -> watchdog kill -> restarted (NRestarts=$(prop $unit NRestarts), new MainPID $(prop $unit MainPID))"
        ct journalctl -u $unit --no-pager -o cat | grep -E 'Watchdog timeout|watchdog|Scheduled restart' | tail -n 3 | sed 's/^/   | /'
    else
        fail "$unit frozen -> watchdog restart (NRestarts=$(prop $unit NRestarts) active=$(ct systemctl is-active $unit))"
    fi
done
pong=$(ct curl -s --max-time 5 --cacert "$CERT" "https://localhost:$PORT/ping")
check "/ping answers after the watchdog restart" test -n "$pong"
for unit in fathom-receiver fathom-agent; do ct rm -rf /run/systemd/system/$unit.service.d; done
ct systemctl daemon-reload

# --- remove, then purge ----------------------------------------------------------------------------------
ct env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q fathom-receiver fathom-agent >"$RUN/remove.log" 2>&1 \
    || { fail "apt-get remove"; tail -n 20 "$RUN/remove.log"; }
for unit in fathom-receiver fathom-agent; do
    check "after remove: $unit inactive" test "$(ct systemctl is-active $unit)" != active
    check "after remove: $unit not enabled" sh -c "! nsenter -t $LEADER -a systemctl is-enabled -q $unit 2>/dev/null"
done
check "after remove: config kept ($RCONF, /etc/fathom/agent.toml)" ct test -f $RCONF -a -f /etc/fathom/agent.toml
check "after remove: credentials and certificate kept" ct test -f "$CREDS" -a -f "$CERT"
check "after remove: received data kept" has_lines
check "after remove: packages in state rc" \
    test "$(ct dpkg-query -W -f='${db:Status-Abbrev}\n' fathom-receiver fathom-agent | tr -d ' ' | sort -u)" = rc

ct env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q fathom-receiver fathom-agent >"$RUN/purge.log" 2>&1 \
    || { fail "apt-get purge"; tail -n 20 "$RUN/purge.log"; }
check "after purge: no fathom unit enabled or known" \
    sh -c "! nsenter -t $LEADER -a sh -c 'ls /etc/systemd/system/*.wants/ | grep -q fathom; systemctl list-unit-files \"fathom*\" --no-legend | grep -q fathom'"
check "after purge: no /var/lib/fathom" sh -c "! nsenter -t $LEADER -a test -e /var/lib/fathom"
check "after purge: no /var/lib/private/fathom*" sh -c "! nsenter -t $LEADER -a sh -c 'ls -d /var/lib/private/fathom* 2>/dev/null | grep -q .'"
leftover=$(ct sh -c 'ls -A /etc/fathom 2>/dev/null')
check "after purge: /etc/fathom holds only what the test wrote (${leftover:-nothing})" \
    test -z "$(echo "$leftover" | grep -vxE 'agent-password|archive-keys|archive-token')"
check "after purge: packages unknown to dpkg" sh -c "! nsenter -t $LEADER -a dpkg-query -W fathom-receiver fathom-agent >/dev/null 2>&1"

echo "== done in $((SECONDS - start_all)) s"
if [ "$FAILED" != 0 ]; then echo "RESULT: FAIL"; exit 1; fi
echo "RESULT: PASS"
