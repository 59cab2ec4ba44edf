#!/usr/bin/env bash
# The whole test suite: provision the lab engine if needed, install, lint, type-check, test.
#
# As root on Debian with no Docker engine answering, it runs the packaged provisioning
# script, the one `buildtui lab engine` runs (Docker 26 + containerd image store, buildx,
# qemu, registry:2, a multi-arch base image).
# With CI=true the integration tests fail, never skip, when the engine is missing.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)

engine_answers() { command -v docker >/dev/null && timeout 10 docker info >/dev/null 2>&1; }
lab_ready() {
  engine_answers && docker buildx version >/dev/null 2>&1 \
    && docker image inspect registry:2 buildtui-lab/busybox:amd64 buildtui-lab/busybox:arm64 >/dev/null 2>&1
}

if ! lab_ready; then
  if [ "$(id -u)" = 0 ] && [ -r /etc/debian_version ]; then
    echo "== provisioning the lab engine"
    p0=$(date +%s)
    bash src/buildtui/engine/provision-engine.sh
    echo "== provisioning took $(( $(date +%s) - p0 ))s"
  else
    echo "== no lab engine and not root on Debian: integration tests will skip (fail with CI=true)"
  fi
fi

# Tools some tests run besides the engine: msgfmt (the Polish catalogue's check), openssl
# (a test CA for the TLS registry), chromium and pdftotext (the lab report printed to PDF
# by a real browser, its text read back). Install what is missing.
if ! command -v msgfmt >/dev/null || ! command -v openssl >/dev/null \
    || ! command -v chromium >/dev/null || ! command -v pdftotext >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing gettext, openssl, chromium and poppler-utils"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends gettext openssl chromium poppler-utils fonts-dejavu-core >/dev/null
  fi
fi

echo "== installing buildtui[test] into .venv"
bash scripts/bootstrap-venv.sh "[test]"

echo "== ruff"
.venv/bin/ruff format --check src tests bench scripts
.venv/bin/ruff check src tests bench scripts
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
.venv/bin/pytest "$@"
echo "== whole suite took $(( $(date +%s) - t0 ))s"
