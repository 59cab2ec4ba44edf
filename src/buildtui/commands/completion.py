"""`buildtui completion bash|zsh|tcsh`: a shell completion script, made from the parser."""

from __future__ import annotations

import argparse
from typing import Any

from buildtui.settings import Settings

SHELLS = ("bash", "zsh", "tcsh")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "completion",
        help="print a shell completion script for every command and option",
        description="Print a completion script made from buildtui's own options. Install it "
        "for bash with: buildtui completion bash > "
        "~/.local/share/bash-completion/completions/buildtui (zsh: put the zsh output as "
        "_buildtui in a directory of your $fpath).",
    )
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    import shtab

    from buildtui.cli import build_parser

    print(shtab.complete(build_parser(), shell=args.shell))
    return 0
