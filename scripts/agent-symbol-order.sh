#!/bin/bash
# Writes Agent/link/agent-symbol-order.txt: the functions a one-shot `fathom-agent` command runs,
# which the agent's link places first and together (lld --symbol-ordering-file), so a command
# touches a few hundred KB of code rather than pages spread over the whole 8 MB text.
#
# Usage: scripts/agent-symbol-order.sh [AGENT] [TRACE_DEST]
#   AGENT       a release build of the agent (default .build-release-static/release/fathom-agent)
#   TRACE_DEST  where the traces go (default 127.0.0.1); a path with routers exercises the
#               time-exceeded answers too, e.g. run the script inside `ip netns exec NS`.
# Needs valgrind (callgrind). Names are mangled symbols; ones the code no longer has are ignored
# by the link (--no-warn-symbol-ordering), so a stale file costs speed, never a build. Run it
# again after changes to the trace, rtt or command-line code.
set -euo pipefail
cd "$(dirname "$0")/.."
agent=${1:-.build-release-static/release/fathom-agent}
dest=${2:-127.0.0.1}
command -v valgrind > /dev/null || { echo "valgrind is needed (apt-get install -y valgrind)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# valgrind cannot read the DWARF 5 the toolchain writes; the symbol table is enough.
cp "$agent" "$work/agent"
strip --strip-debug "$work/agent"

# Most important first: a function keeps its place from the first command that runs it.
commands=(
    "trace $dest --no-hostnames --no-as --max-hops 8"
    "trace $dest --no-hostnames --no-as --max-hops 8 --queries 1 --json"
    "trace $dest --no-hostnames --max-hops 8"
    "rtt $dest --count 3 --interval 0.01"
    "rtt $dest --count 3 --interval 0.01 --json"
    "--version"
    "--help"
    "trace --help"
    "sample"
    "sysinfo"
)
n=0
for command in "${commands[@]}"; do
    n=$((n + 1))
    # shellcheck disable=SC2086 # the command is words on purpose
    valgrind --tool=callgrind --demangle=no --compress-strings=no --dump-line=no \
        --callgrind-out-file="$work/$n.out" "$work/agent" $command > /dev/null 2>&1 || true
done
python3 - "$work" "$n" > Agent/link/agent-symbol-order.txt << 'EOF'
import sys
work, runs = sys.argv[1], int(sys.argv[2])
seen, order = set(), []
for run in range(1, runs + 1):
    try:
        lines = open(f"{work}/{run}.out").read().splitlines()
    except FileNotFoundError:
        continue
    obj = None
    for line in lines:
        if line.startswith("ob="):
            obj = line[3:]
        elif line.startswith("fn=") and obj and obj.endswith("/agent"):
            # callgrind marks a function's recursion depth with 'N; the symbol is what precedes it.
            name = line[3:].split("'")[0]
            if name not in seen:
                seen.add(name)
                order.append(name)
print("\n".join(order))
EOF
echo "Agent/link/agent-symbol-order.txt: $(wc -l < Agent/link/agent-symbol-order.txt) functions from $n commands"
