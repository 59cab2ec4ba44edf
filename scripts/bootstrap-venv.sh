#!/usr/bin/env bash
# Create .venv (if missing) and install buildtui into it, with EXTRAS (e.g. "[test]").
# Re-installs only when pyproject.toml changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."
extras=${1:-}
python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "buildtui needs Python 3.11 or newer ($python is $("$python" --version 2>&1))" >&2; exit 1; }
[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=.venv/.buildtui-installed$extras
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".$extras"
  # Bytecode for the sources, as a regular install compiles it: an editable install
  # leaves it to the first import, which keeps none where PYTHONDONTWRITEBYTECODE is
  # set, so each start compiled the app anew (~50-150 ms; bench/startup.py).
  .venv/bin/python -m compileall -q src/buildtui >/dev/null
  touch "$stamp"
fi
