#!/bin/sh
# Builds @telltale/mcp with tsc (strict) and runs its tests with node's test runner.
# Exits non-zero when the build or any test fails.
#   TELLTALE_BIN     telltale binary for the end-to-end tests (default: <repo>/.build/debug/telltale)
#   TELLTALE_PYTHON  a Python with the official `mcp` package, to drive the stdio example (default: <repo>/.venv/bin/python)
set -eu
cd "$(dirname "$0")"
rm -rf dist
tsc -p tsconfig.json
exec node --test --test-concurrency=1 --test-reporter=tap dist/test/*.test.js
