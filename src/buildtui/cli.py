"""`buildtui`: start the UI, or run a pane's command-line twin."""

from __future__ import annotations

import argparse
import gc
import sys
import traceback
from collections.abc import Callable, Sequence

from buildtui import __version__
from buildtui.commands import command_modules
from buildtui.commands.output import human_output
from buildtui.i18n import _, language_from_locale, set_language
from buildtui.settings import Settings, SettingsError, load_settings
from buildtui.terminal import (
    EXIT_BROKEN_PIPE,
    EXIT_CODES_HELP,
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    needs_terminal_message,
    silence_stdout,
)

GLOBAL_VALUES = ("--registry", "--registry-container", "--context", "--host")
"""The global options that take a value (the command comes after them)."""


def command_named(argv: Sequence[str]) -> str | None:
    """The subcommand `argv` runs (None: none, or the top-level help is asked)."""
    words = iter(argv)
    for word in words:
        if word in ("-h", "--help"):
            return None
        if word in GLOBAL_VALUES:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; for `argv` naming a command, with that command's module only."""
    parser = argparse.ArgumentParser(
        prog="buildtui",
        description="A terminal UI for Docker buildx labs: builders, builds, registry, clean-up.",
        epilog=EXIT_CODES_HELP,
    )
    parser.add_argument("--version", action="version", version=f"buildtui {__version__}")
    parser.add_argument(
        "--registry",
        dest="registry_url",
        metavar="URL",
        help="lab registry URL (default http://localhost:5000)",
    )
    parser.add_argument(
        "--registry-container",
        metavar="NAME",
        help="name of the registry:2 container (default registry7)",
    )
    parser.add_argument("--context", dest="docker_context", metavar="NAME", help="Docker context")
    parser.add_argument("--host", dest="docker_host", metavar="URL", help="Docker daemon socket")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="write what buildtui runs and asks (docker commands, HTTP requests, timings) "
        "to the debug log (`buildtui doctor` shows where); also BUILDTUI_LOG=debug",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in command_modules(command_named(argv) if argv is not None else None):
        module.register(subparsers)
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    flags = {
        "registry_url": args.registry_url,
        "registry_container": args.registry_container,
        "docker_context": args.docker_context,
        "docker_host": args.docker_host,
        "log": "debug" if args.debug else None,
    }
    return load_settings(flags)


def main(argv: Sequence[str] | None = None) -> int:
    # Everything the twins (and argparse) print goes through `VisibleControls`: a
    # registry's, a build's or docker's words never send a control code to the terminal.
    with human_output():
        set_language(language_from_locale())
        words = sys.argv[1:] if argv is None else list(argv)
        parser = build_parser(words)
        args = parser.parse_args(words)
        try:
            settings = settings_from_args(args)
        except SettingsError as error:
            print(f"buildtui: {error}", file=sys.stderr)
            return EXIT_USAGE
        # `--json` is data: its values (sizes, states, notes) are always English. A
        # command's `--lang` (lab, class) speaks for the whole command.
        given = getattr(args, "lang", None)
        set_language("en" if getattr(args, "json", False) else given or settings.ui_language)
        if settings.log != "off":
            from buildtui import logs

            logs.configure(settings.log)
            logs.LOGGER.info(
                "buildtui %s: %s",
                __version__,
                " ".join(logs.masked_argv(sys.argv[1:] if argv is None else argv)),
            )
        handler = getattr(args, "handler", None)
        if handler is not None:
            return run_command(handler, args, settings)
        why_not = needs_terminal_message()
        if why_not is not None:
            print(f"buildtui: {why_not}", file=sys.stderr)
            return EXIT_USAGE
    # No automatic collection while Textual and the app are imported: nearly all
    # they allocate lives as long as the app. The app resumes it once started.
    gc.disable()
    from buildtui.app.app import run_app

    return run_app(settings)


def run_command(
    handler: Callable[[argparse.Namespace, Settings], int],
    args: argparse.Namespace,
    settings: Settings,
) -> int:
    """A twin's handler; its exit code. An error no handler expected is one line on the
    terminal, and its traceback goes to the log file."""
    try:
        code = int(handler(args, settings))
        sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        print("buildtui: " + _("interrupted"), file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`buildtui ... | head`): stop quietly, as docker does.
        silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception:
        from buildtui import logs

        details = traceback.format_exc()
        print(logs.crash_message(details, logs.record_crash(details)), file=sys.stderr)
        return EXIT_FAILURE
