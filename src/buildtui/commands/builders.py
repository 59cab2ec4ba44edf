"""`buildtui builders ...`: the Builders pane on the command line.

list [--json] | create | use | bootstrap | stop | rm | inspect | du [--json] | prune.
Same validation and messages as the pane; rm and prune ask first (or take --yes).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from buildtui.buildx.commands import (
    bootstrap_args,
    prune_args,
    remove_args,
    render_command,
    split_list,
    use_args,
)
from buildtui.buildx.errors import BuildxError, ContextBuilderRemoval
from buildtui.buildx.models import DRIVERS, CreateOptions, CreateRequest, PruneOptions
from buildtui.buildx.presentation import COLUMNS, builder_json, builder_rows
from buildtui.buildx.presentation_actions import (
    RECORD_COLUMNS,
    inspection_lines,
    not_running_warning,
    preview_lines,
    removal_plan,
    usage_json,
)
from buildtui.commands.confirm import add_yes_flag, confirm
from buildtui.commands.output import print_json
from buildtui.i18n import _, ngettext
from buildtui.l10n import decimal_mark
from buildtui.settings import Settings

if TYPE_CHECKING:
    from buildtui.buildx.builders import BuildersBackend

ServiceFactory = Callable[[Settings], "BuildersBackend"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "builders",
        help="list, create, use, bootstrap, stop and remove buildx builders; du and prune",
        description="Manage buildx builders as the Builders pane does.",
    )
    sub = parser.add_subparsers(dest="builders_command", metavar="ACTION", required=True)

    listing = sub.add_parser("list", help="builders, their nodes, and the one in use")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=run_list)

    create = sub.add_parser("create", help="create a builder (or add/remove a node)")
    create.add_argument(
        "endpoint", nargs="?", default="", help="Docker context/host, or remote address"
    )
    create.add_argument("--name", default="", help="builder name (buildx picks one if empty)")
    create.add_argument("--driver", default="docker-container", help=f"one of {', '.join(DRIVERS)}")
    create.add_argument("--driver-opt", action="append", default=[], metavar="KEY=VALUE")
    create.add_argument("--buildkitd-flags", default="", metavar="FLAGS")
    create.add_argument("--buildkitd-config", default="", metavar="FILE")
    create.add_argument(
        "--platform", action="append", default=[], help="e.g. linux/amd64,linux/arm64"
    )
    create.add_argument("--node", default="", help="node name (with --append or --leave)")
    mode = create.add_mutually_exclusive_group()
    mode.add_argument("--append", action="store_true", help="add a node to the builder")
    mode.add_argument("--leave", action="store_true", help="remove a node from the builder")
    create.add_argument("--use", action="store_true", help="make it the builder in use")
    create.add_argument("--bootstrap", action="store_true", help="start it right away")
    create.add_argument(
        "--host-network",
        action="store_true",
        help="preset: push to a registry on this host (--driver-opt network=host)",
    )
    create.add_argument(
        "--plain-http",
        action="append",
        default=[],
        metavar="HOST:PORT",
        help="preset: reach this registry over plain HTTP (writes a buildkitd.toml)",
    )
    create.add_argument("--dry-run", action="store_true", help="print the command, run nothing")
    create.set_defaults(handler=run_create)

    use = sub.add_parser(
        "use",
        help="make a builder the one in use (refused for one that is not running, unless -f)",
    )
    use.add_argument("name")
    use.add_argument(
        "-f",
        "--force",
        action="store_true",
        help="make it the builder in use even though it is not running",
    )
    use.set_defaults(handler=run_use)

    bootstrap = sub.add_parser(
        "bootstrap", help="start a builder, with its progress (Ctrl-C stops)"
    )
    bootstrap.add_argument("name")
    bootstrap.set_defaults(handler=run_bootstrap)

    stop = sub.add_parser("stop", help="stop a builder's BuildKit")
    stop.add_argument("name")
    stop.set_defaults(handler=run_stop)

    rm = sub.add_parser("rm", help="remove a builder")
    rm.add_argument("name")
    rm.add_argument("--keep-state", action="store_true", help="keep its build cache volume")
    rm.add_argument("--keep-daemon", action="store_true", help="keep its BuildKit running")
    add_yes_flag(rm, "removing")
    rm.set_defaults(handler=run_rm)

    inspect = sub.add_parser("inspect", help="everything buildx inspect shows")
    inspect.add_argument("name")
    inspect.set_defaults(handler=run_inspect)

    du = sub.add_parser("du", help="build cache records and totals of a builder")
    du.add_argument("name", nargs="?", help="builder (default: the one in use)")
    du.add_argument("--json", action="store_true", help="print JSON")
    du.set_defaults(handler=run_du)

    prune = sub.add_parser("prune", help="remove build cache (shows what goes first)")
    prune.add_argument("name", nargs="?", help="builder (default: the one in use)")
    prune.add_argument("-a", "--all", action="store_true", help="also internal/frontend/shared")
    prune.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE")
    prune.add_argument("--keep-storage", default="", metavar="SIZE", help="keep this much cache")
    add_yes_flag(prune, "pruning")
    prune.set_defaults(handler=run_prune)


def _service(settings: Settings) -> BuildersBackend:
    from buildtui.buildx.builders import BuildersService  # python-on-whales: only when used

    return BuildersService(settings)


def fail(error: BuildxError | str, err: TextIO | None = None) -> int:
    message = error.message if isinstance(error, BuildxError) else error
    print(f"buildtui builders: {message}", file=err or sys.stderr)
    return 1


def run_list(
    args: argparse.Namespace, settings: Settings, factory: ServiceFactory = _service
) -> int:
    try:
        listing = factory(settings).list()
    except BuildxError as error:
        return fail(error)
    if args.json:
        print_json({"builders": [builder_json(b) for b in listing.builders]})
    else:
        rows = [tuple(_(c) for c in COLUMNS), *(row.cells for row in builder_rows(listing))]
        widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
        for row in rows:
            print(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
        if listing.current:
            print(
                "\n"
                + _("In use: {name} (from {source})").format(
                    name=listing.current, source=listing.current_source
                )
            )
    if listing.warning:
        print(f"buildtui builders: {listing.warning}", file=sys.stderr)
    return 0


def run_create(
    args: argparse.Namespace, settings: Settings, factory: ServiceFactory = _service
) -> int:
    platforms = tuple(p for item in args.platform for p in split_list(item))
    options = CreateOptions(
        name=args.name,
        driver=args.driver,
        endpoint=args.endpoint,
        driver_options=tuple(args.driver_opt),
        buildkitd_flags=args.buildkitd_flags,
        buildkitd_config=args.buildkitd_config,
        platforms=platforms,
        use=args.use,
        bootstrap=args.bootstrap,
        mode="append" if args.append else "leave" if args.leave else "new",
        node=args.node,
    )
    request = CreateRequest(
        options,
        host_network=args.host_network,
        plain_http_hosts=tuple(h for item in args.plain_http for h in split_list(item)),
    )
    service = factory(settings)
    try:
        plan = service.plan_create(request)
        command = render_command(service.command_prefix, plan.args)
        if args.dry_run:
            if plan.config_path is not None:
                print(
                    "# "
                    + _("writes {path}:").format(path=plan.config_path)
                    + "\n# "
                    + (plan.config_text or "").rstrip().replace("\n", "\n# ")
                )
            print(command)
            return 0
        print(f"$ {command}", file=sys.stderr)
        name = service.create(plan)
    except BuildxError as error:
        return fail(error)
    if plan.options.mode == "leave":
        print(_("node {node} removed from {name}").format(node=plan.options.node, name=name))
    elif plan.options.mode == "append":
        print(_("node added to {name}").format(name=name))
    elif plan.options.use:
        print(_("created {name} (in use)").format(name=name))
    else:
        print(_("created {name}").format(name=name))
    return 0


def run_use(
    args: argparse.Namespace, settings: Settings, factory: ServiceFactory = _service
) -> int:
    """Switch builders; one that is not running is refused with the commands that start it
    first (a build on it would fail if it cannot start), unless `--force`."""
    from buildtui.settings import cli_prefix

    service = factory(settings)
    name = args.name
    try:
        listing = service.list()
        builder = listing.get(name) or listing.get(name.lower())
        warning = not_running_warning(builder) if builder is not None else None
        if warning is not None and not args.force:
            prefix = service.command_prefix
            lines = (
                f"buildtui builders: {warning}",
                _("Start it first, then make it the builder in use:"),
                f"  {render_command(prefix, bootstrap_args(name))}",
                f"  {render_command(prefix, use_args(name))}",
                _("or make it the builder in use now all the same: {command}").format(
                    command=f"{cli_prefix(settings)} builders use -f {shlex.quote(name)}"
                ),
            )
            print("\n".join(lines), file=sys.stderr)
            return 1
        service.use(name)
    except BuildxError as error:
        return fail(error)
    if warning is not None:
        print(
            "buildtui builders: " + _("warning: {warning}").format(warning=warning),
            file=sys.stderr,
        )
    print(_("{name} is the builder in use").format(name=name))
    return 0


def run_bootstrap(
    args: argparse.Namespace, settings: Settings, factory: ServiceFactory = _service
) -> int:
    try:
        run = factory(settings).start_bootstrap(args.name)
        print(f"$ {run.command}", file=sys.stderr)
        try:
            for line in run.lines():
                print(line, file=sys.stderr, flush=True)
        except KeyboardInterrupt:
            run.cancel()
        inspection = run.wait()
    except BuildxError as error:
        return fail(error)
    statuses = ", ".join(f"{n.name}: {n.get('Status')}" for n in inspection.nodes)
    print(_("{name} is up ({statuses})").format(name=args.name, statuses=statuses))
    return 0


def run_stop(
    args: argparse.Namespace, settings: Settings, factory: ServiceFactory = _service
) -> int:
    try:
        factory(settings).stop(args.name)
    except BuildxError as error:
        return fail(error)
    print(_("{name} stopped").format(name=args.name))
    return 0


def run_rm(args: argparse.Namespace, settings: Settings, factory: ServiceFactory = _service) -> int:
    service = factory(settings)
    try:
        builder = service.list().get(args.name)
        if builder is None:
            # Let buildx say it (it knows builders of other contexts too).
            service.remove(args.name, keep_state=args.keep_state, keep_daemon=args.keep_daemon)
            print(_("{name} removed").format(name=args.name))
            return 0
        if builder.is_context_builder:
            raise ContextBuilderRemoval(args.name)
        plan = removal_plan(builder, keep_state=args.keep_state, keep_daemon=args.keep_daemon)
        command = render_command(
            service.command_prefix,
            remove_args(args.name, keep_state=args.keep_state, keep_daemon=args.keep_daemon),
        )
        if not args.yes:
            print(f"$ {command}")
            print(_("This removes:"))
            print("".join(f"  - {item}\n" for item in plan.lost), end="")
            if plan.kept:
                print(_("It keeps:"))
                print("".join(f"  - {item}\n" for item in plan.kept), end="")
            if not confirm(_("Remove builder {name}?").format(name=args.name)):
                return fail(_("not removed: answer y, or pass --yes (-y) to remove without asking"))
        service.remove(args.name, keep_state=args.keep_state, keep_daemon=args.keep_daemon)
    except BuildxError as error:
        return fail(error)
    print(_("{name} removed").format(name=args.name))
    return 0


def run_inspect(
    args: argparse.Namespace, settings: Settings, factory: ServiceFactory = _service
) -> int:
    try:
        inspection = factory(settings).inspect(args.name)
    except BuildxError as error:
        return fail(error)
    for key, value in inspection_lines(inspection):
        print(f"{key}: {value}" if key and value else key)
    return 0


def run_du(args: argparse.Namespace, settings: Settings, factory: ServiceFactory = _service) -> int:
    try:
        usage = factory(settings).disk_usage(args.name)
    except BuildxError as error:
        return fail(error)
    if args.json:
        print_json(usage_json(usage))
        return 0
    headings = [_(c) for c in RECORD_COLUMNS]
    print(f"{headings[0]:<27} {headings[1]:<11} {headings[2]:>9}  {headings[3]:<20} {headings[5]}")
    for r in usage.records:
        mark = "*" if r.mutable else " "
        size = decimal_mark(r.size) + ("*" if r.shared else " ")
        print(
            f"{r.id + mark:<27} {str(r.reclaimable).lower():<11} {size:>10} "
            f"{r.last_accessed:<20} {r.description or r.record_type}"
        )
    totals = [(_("Shared:"), usage.shared), (_("Private:"), usage.private)]
    totals = totals if usage.shared is not None else []
    totals += [(_("Reclaimable:"), usage.reclaimable), (_("Total:"), usage.total)]
    width = max(len(label) for label, _value in totals) + 1
    for label, value in totals:
        print(f"{label:<{width}}{decimal_mark(value or '')}")
    return 0


def run_prune(
    args: argparse.Namespace, settings: Settings, factory: ServiceFactory = _service
) -> int:
    options = PruneOptions(all=args.all, filters=tuple(args.filter), keep_storage=args.keep_storage)
    service = factory(settings)
    try:
        preview = service.prune_preview(args.name, options)
        if not args.yes:
            print(f"$ {render_command(service.command_prefix, prune_args(args.name, options))}")
            print(_("This removes:"))
            for line in preview_lines(preview):
                print(f"  {line}")
            if not preview.records and not preview.estimate:
                print(_("Nothing to prune."))
                return 0
            if not confirm(_("Prune this build cache?")):
                return fail(
                    _("nothing pruned: answer y, or pass --yes (-y) to prune without asking")
                )
        result = service.prune(args.name, options)
    except BuildxError as error:
        return fail(error)
    count = len(result.records)
    print(
        ngettext("pruned {count} record, {size}", "pruned {count} records, {size}", count).format(
            count=count, size=decimal_mark(result.total)
        )
    )
    return 0
