#!/usr/bin/env bash
# Runs the whole suite. Starts what it needs (Xvfb when no display; the smart-card fixtures
# start pcscd) and turns pytest's "no tests collected" into a failure that says so.
set -uo pipefail
cd "$(dirname "$0")/.."
runner=()
if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null 2>&1; then
  runner=(xvfb-run -a -s "-screen 0 1920x1920x24")
fi
"${runner[@]}" .venv/bin/python -m pytest "$@"
rc=$?
[ $rc -eq 5 ] && echo "tests/run.sh: pytest collected no tests" >&2
exit $rc
