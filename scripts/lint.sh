#!/usr/bin/env bash
# Lints the workflow and the container files (run by `make test` through tests/workflow.rs):
#  - hadolint on containers/Dockerfile*;
#  - spython parse + project rules on containers/*.def;
#  - reftrace lint of workflows/ with the project rules (workflows/lint/reftrace_rules.py);
#  - every hiclstm-* command line in workflows/ run through that binary's argument parser.
# usage: scripts/lint.sh BIN_DIR   (the directory with the built hiclstm-* binaries)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN_DIR=$(cd "${1:?usage: scripts/lint.sh BIN_DIR}" && pwd)
LVENV="${HICLSTM_LINT_VENV:-.lint-venv}"
[ -x "$LVENV/bin/reftrace" ] || scripts/setup.sh --lint >&2
LVENV=$(cd "$LVENV" && pwd)
status=0
echo "== hadolint containers/Dockerfile containers/Dockerfile.cuda"
"$LVENV/bin/hadolint" containers/Dockerfile containers/Dockerfile.cuda && echo "hadolint: clean" || status=1
echo "== spython containers/*.def"
"$LVENV/bin/python" containers/lint_defs.py containers/*.def || status=1
echo "== reftrace lint workflows/"
(cd workflows && "$LVENV/bin/reftrace" lint -r lint/reftrace_rules.py -d .) || status=1
echo "== command lines of workflows/ against the binaries' parsers"
python3 workflows/lint/check_args.py "$BIN_DIR" workflows || status=1
exit $status
