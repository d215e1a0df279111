#!/usr/bin/env bash
# The house style (.swift-format at the root) checked over every Swift file, warnings as errors.
# `scripts/lint.sh --fix` rewrites the files in place first (swift-format's own formatter).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
paths=(Package.swift Shared Agent Receiver Tests Benchmarks)
if [ "${1:-}" = --fix ]; then
  swift format format --in-place --recursive --parallel "${paths[@]}"
fi
swift format lint --strict --recursive --parallel "${paths[@]}"
echo "lint: clean"
