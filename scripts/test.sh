#!/usr/bin/env bash
# The test command: builds everything (executables included, end-to-end tests run them) and
# runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
bash scripts/install-deps.sh test
swift build --build-tests
swift test --skip-build "$@"
