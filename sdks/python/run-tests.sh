#!/usr/bin/env bash
# Runs the Python SDK's tests against the real mcp 2.3.0 and the latest mcp 1.x (1.30.0), each in its own venv
# (created on first use), shipping to a real `telltale serve` ($TELLTALE_BIN, else
# <repo>/.build/debug/telltale). Prints pytest's summary line of each run; exits non-zero if either fails.
set -u
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
status=0

setup() {  # setup VENV MCP_VERSION
  local venv="$1" mcp_version="$2"
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import mcp, pytest, telltale_mcp" 2>/dev/null \
     || [ "$("$venv/bin/python" -c 'from importlib.metadata import version; print(version("mcp"))')" != "$mcp_version" ]; then
    "$PYTHON" -m venv "$venv" || return 1
    "$venv/bin/pip" install -q "mcp==$mcp_version" "pytest==9.2.0" || return 1
    "$venv/bin/pip" install -q -e . || return 1
  fi
}

for pair in ".venv-mcp2:2.3.0" ".venv-mcp1:1.30.0"; do
  venv="${pair%%:*}"; version="${pair##*:}"
  echo "== telltale-mcp with mcp $version ($venv)"
  if ! setup "$venv" "$version"; then
    echo "could not set up $venv with mcp $version" >&2
    status=1
    continue
  fi
  log="$(mktemp)"
  "$venv/bin/python" -m pytest -q -p no:cacheprovider tests "$@" >"$log" 2>&1
  code=$?
  if [ $code -ne 0 ]; then
    cat "$log"  # ends with pytest's summary line
    status=1
  else
    tail -n 1 "$log"
  fi
  rm -f "$log"
done
exit $status
