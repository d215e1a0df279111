#!/usr/bin/env bash
# The test command: builds everything (executables included, end-to-end tests run them) and
# runs the whole suite.
#
# Each test target runs in a process of its own: the end-to-end tests start and stop real servers
# and tools, and on a two-core machine those waits would otherwise starve the unit tests' timers
# of the two cooperative threads they share. Arguments (e.g. --filter X) run one process instead.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
bash scripts/install-deps.sh test
swift build --build-tests
if [ $# -gt 0 ]; then
  exec swift test --skip-build "$@"
fi
status=0
for target in SharedTests AgentTests ReceiverTests EndToEndTests; do
  echo "== $target"
  swift test --skip-build --filter "^$target\." || status=1
done
exit $status
