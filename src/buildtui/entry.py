"""The `buildtui` entry point: Ctrl+C during start-up (imports included) exits 130 quietly."""

from __future__ import annotations

import sys


def main() -> int:
    try:
        from buildtui.cli import main as cli_main

        return cli_main()
    except KeyboardInterrupt:
        print("buildtui: interrupted", file=sys.stderr)
        return 130
