#!/usr/bin/env bash
# The lab engine's provisioning script ships with the package (`buildtui lab engine` runs
# it); this runs the same file from a source tree.
exec bash "$(dirname "$0")/../src/buildtui/engine/provision-engine.sh" "$@"
