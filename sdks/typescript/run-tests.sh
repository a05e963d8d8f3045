#!/bin/sh
# Builds @telltale/mcp with tsc (strict) and runs its tests with node's test runner.
# Exits non-zero when the build or any test fails.
#   TELLTALE_BIN     telltale binary for the end-to-end tests (default: <repo>/.build/debug/telltale)
#   TELLTALE_PYTHON  a Python with the official `mcp` package, to drive the stdio example (default: <repo>/.venv/bin/python)
# The default spool root ($XDG_DATA_HOME/telltale/spool) is a fresh temporary folder: tests never read or
# leave spool files of the user's own processes.
set -eu
cd "$(dirname "$0")"
rm -rf dist
tsc -p tsconfig.json
XDG_DATA_HOME="$(mktemp -d "${TMPDIR:-/tmp}/telltale-ts-tests-XXXXXX")"
export XDG_DATA_HOME
trap 'rm -rf "$XDG_DATA_HOME"' EXIT
node --test --test-concurrency=1 --test-reporter=tap dist/test/*.test.js
