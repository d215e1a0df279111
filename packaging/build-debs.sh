#!/usr/bin/env bash
# Builds the Debian packages fathom-receiver and fathom-agent into $OUT_DIR (default dist/).
#
#   bash packaging/build-debs.sh            # release build + .debs + lintian
#
# 1. Release binaries with the Swift standard library linked in statically, in a scratch path of
#    their own (.build-release-static) so they never collide with debug/test builds.
# 2. A debian/ tree generated from packaging/debian-templates/ into a temporary directory
#    (units, sysusers and example configs taken from systemd/), man pages made from --help with
#    help2man, then dpkg-buildpackage (debhelper, compat 13, dh-sequence-installsysusers).
# 3. lintian on both .debs; any error or warning fails the script.
#
# Environment: OUT_DIR, FATHOM_VERSION (default: FathomVersion.string), FATHOM_MAINTAINER,
# FATHOM_SYSTEMD_DIR (units/configs, default systemd/), SKIP_SWIFT_BUILD=1 (reuse the binaries already in .build-release-static), SKIP_LINTIAN=1,
# FATHOM_NO_APT=1 (do not apt-get install missing packaging tools).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT_DIR=${OUT_DIR:-dist}
SCRATCH=.build-release-static
TEMPLATES=$ROOT/packaging/debian-templates
SD=${FATHOM_SYSTEMD_DIR:-systemd}
export PATH=/opt/swift/usr/bin:$PATH

say() { printf '== %s\n' "$*"; }
die() { printf 'build-debs: %s\n' "$*" >&2; exit 1; }

# --- tools -----------------------------------------------------------------------------------
need=()
command -v dpkg-buildpackage >/dev/null || need+=(dpkg-dev)
command -v dh >/dev/null || need+=(debhelper)
command -v fakeroot >/dev/null || need+=(fakeroot)
command -v help2man >/dev/null || need+=(help2man)
[ -n "${SKIP_LINTIAN:-}" ] || command -v lintian >/dev/null || need+=(lintian)
pkg-config --exists librabbitmq 2>/dev/null || need+=(librabbitmq-dev pkg-config)
pkg-config --exists openssl 2>/dev/null || need+=(libssl-dev pkg-config)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && [ -z "${FATHOM_NO_APT:-}" ]; then
        say "installing ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q "${need[@]}" >/dev/null || { apt-get update -q && apt-get install -y -q "${need[@]}"; }
    else
        die "missing packaging tools: ${need[*]} (apt-get install them)"
    fi
fi

# --- inputs from systemd/ (written alongside the daemons) -------------------------------------
for f in "$SD/fathom-receiver.service" "$SD/fathom-agent.service" "$SD/fathom-export-tree.service" "$SD/receiver.toml" \
    "$SD/agent.toml"; do
    [ -f "$f" ] || die "$f is missing"
done

VERSION=${FATHOM_VERSION:-$(sed -n 's/.*string = "\([^"]*\)".*/\1/p' Shared/FathomVersion.swift)}
[ -n "$VERSION" ] || die "cannot read the version from Shared/FathomVersion.swift"
MAINTAINER=${FATHOM_MAINTAINER:-Fathom maintainers <fathom@example.org>}
ARCH=$(dpkg --print-architecture)

# --- release binaries ------------------------------------------------------------------------
# --disable-local-rpath: no RUNPATH $ORIGIN (the static-stdlib binaries load nothing from their own
# folder, and the dynamic loader would otherwise look for libc and libm in /usr/bin first).
SWIFT_FLAGS=(-c release --static-swift-stdlib --disable-local-rpath --scratch-path "$SCRATCH"
    -Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now)
if [ -z "${SKIP_SWIFT_BUILD:-}" ]; then
    for product in fathom-receiver fathom-agent; do
        say "swift build --product $product (release, static stdlib)"
        start=$SECONDS
        swift build "${SWIFT_FLAGS[@]}" --product "$product"
        say "$product built in $((SECONDS - start)) s"
    done
fi
BIN=${FATHOM_BIN_DIR:-$(swift build "${SWIFT_FLAGS[@]}" --show-bin-path)}
for product in fathom-receiver fathom-agent; do
    [ -x "$BIN/$product" ] || die "$BIN/$product was not built"
done

# --- debian/ tree in a temporary directory ------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fathom-debs.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
SRC=$WORK/fathom-$VERSION
mkdir -p "$SRC/staging/man"
cp -r "$TEMPLATES" "$SRC/debian"

# The service group: the first user or group that $SD/fathom.sysusers.conf declares.
GROUP=fathom
if [ -f "$SD/fathom.sysusers.conf" ]; then
    GROUP=$(awk '$1 == "u" || $1 == "g" { print $2; exit }' "$SD/fathom.sysusers.conf")
    GROUP=${GROUP:-fathom}
fi
DATE=$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")
for f in "$SRC"/debian/control "$SRC"/debian/changelog "$SRC"/debian/*.postinst "$SRC"/debian/*.postrm; do
    sed -i -e "s|@VERSION@|$VERSION|g" -e "s|@MAINTAINER@|$MAINTAINER|g" -e "s|@ARCH@|$ARCH|g" \
        -e "s|@DATE@|$DATE|g" -e "s|@SERVICE_GROUP@|$GROUP|g" "$f"
done

for pkg in fathom-receiver fathom-agent; do
    cp "$SD/$pkg.service" "$SRC/debian/$pkg.service"
    # A package ships the sysusers.d entry when its unit runs as a static user (not DynamicUser=).
    if [ -f "$SD/fathom.sysusers.conf" ] && grep -qE '^[[:space:]]*User=' "$SD/$pkg.service" \
        && ! grep -qE '^[[:space:]]*DynamicUser=(yes|true|1)' "$SD/$pkg.service"; then
        cp "$SD/fathom.sysusers.conf" "$SRC/debian/$pkg.sysusers"
    fi
    install -m 0755 "$BIN/$pkg" "$SRC/staging/$pkg"
done
# The receiver's second unit (export-tree --follow, PostgreSQL store), named for dh_installsystemd --name.
cp "$SD/fathom-export-tree.service" "$SRC/debian/fathom-receiver.fathom-export-tree.service"
cp "$SD/receiver.toml" "$SD/agent.toml" "$SRC/staging/"

# --- man pages from --help ---------------------------------------------------------------------
# The agent has subcommands; their --help goes into the page as its own section.
{
    echo "[COMMANDS]"
    for sub in run once sample sysinfo; do
        echo ".SS \"fathom-agent $sub\""
        echo ".nf"
        "$BIN/fathom-agent" "$sub" --help 2>&1 | sed -e 's/\\/\\e/g' -e 's/^\./\\\&./'
        echo ".fi"
    done
    printf '[FILES]\n/etc/fathom/agent.toml, /var/lib/fathom/spool\n'
    printf '[SEE ALSO]\nfathom-receiver(1)\n'
} >"$WORK/agent.h2m"
{
    printf '[FILES]\n/etc/fathom/receiver.toml, /etc/fathom/credentials, /var/lib/fathom/data\n'
    printf '[SIGNALS]\nSIGHUP re-reads the credentials file (systemctl reload fathom-receiver).\n'
    printf '[SEE ALSO]\nfathom-agent(1)\n'
} >"$WORK/receiver.h2m"
help2man --no-info --section=1 --version-string="$VERSION" --include="$WORK/receiver.h2m" \
    --name="receive job samples from Fathom agents over HTTPS and store them durably" \
    --output="$SRC/staging/man/fathom-receiver.1" "$BIN/fathom-receiver"
help2man --no-info --section=1 --version-string="$VERSION" --include="$WORK/agent.h2m" \
    --name="sample jobs and processes on a node and deliver them to a Fathom receiver" \
    --output="$SRC/staging/man/fathom-agent.1" "$BIN/fathom-agent"

# --- build ---------------------------------------------------------------------------------------
say "dpkg-buildpackage (fathom $VERSION, $ARCH)"
start=$SECONDS
(cd "$SRC" && dpkg-buildpackage -b -us -uc --no-sign >"$WORK/dpkg-buildpackage.log" 2>&1) || {
    tail -n 60 "$WORK/dpkg-buildpackage.log" >&2; die "dpkg-buildpackage failed"; }
say "packaged in $((SECONDS - start)) s"
mkdir -p "$OUT_DIR"
DEBS=()
for pkg in fathom-receiver fathom-agent; do
    deb=${pkg}_${VERSION}_${ARCH}.deb
    mv -f "$WORK/$deb" "$OUT_DIR/$deb"
    DEBS+=("$OUT_DIR/$deb")
done
ls -l "${DEBS[@]}"

if [ -z "${SKIP_LINTIAN:-}" ]; then
    say "lintian"
    lintian --fail-on error,warning --tag-display-limit 0 "${DEBS[@]}" || die "lintian reported errors or warnings"
    say "lintian: no errors or warnings"
fi
