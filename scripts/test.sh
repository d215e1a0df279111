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
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The load suites (32 uploaders killing receivers and restarting PostgreSQL; a broker held down while
# a backlog forwards) run on their own after the other end-to-end suites: beside them, on two cores,
# the suites that time a tool against its deadline measured the load instead.
load='EndToEndTests\.(PostgresStoreFaultTests|ForwardRabbitMQTests)'
for group in SharedTests AgentTests ReceiverTests EndToEndTests EndToEndLoad; do
  echo "== $group"
  case $group in
    EndToEndTests) selection=(--filter '^EndToEndTests\.' --skip "$load") ;;
    EndToEndLoad) selection=(--filter "$load") ;;
    *) selection=(--filter "^$group\.") ;;
  esac
  swift test --skip-build "${selection[@]}" 2>&1 | tee "$log" || status=1
  # Swift Testing's closing line: "Test run with N tests in M suites passed|failed ... [with K issues]".
  n=$(sed -n 's/.*Test run with \([0-9]*\) tests\{0,1\} in .*/\1/p' "$log" | tail -n 1)
  if grep -q 'Test run with .* failed' "$log" || [ -z "$n" ]; then
    status=1
    failed=$((failed + $(grep -c '^✘ Test .* failed after' "$log" || true)))
    passed=$((passed + ${n:-0} - $(grep -c '^✘ Test .* failed after' "$log" || true)))
  else
    passed=$((passed + n))
  fi
done
echo "$passed passed, $failed failed"
exit $status
