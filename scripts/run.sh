#!/usr/bin/env bash
# Install buildtui into .venv (first time only) and start it; arguments go to `buildtui`.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bash "$here/scripts/bootstrap-venv.sh"
exec "$here/.venv/bin/buildtui" "$@"
