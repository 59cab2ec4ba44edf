"""`buildtui rm REF...` and `buildtui gc`: the Clean-up pane's twins.

`rm` prints the plan (what goes, what stays and why, the space GC will free and the
exact HTTP requests), asks, then checks the registry is still as planned and sends
the requests. `gc` shows the collector's dry run and the exact docker commands,
asks, runs `registry garbage-collect` (never -m) with the registry stopped, starts
it again and checks every tag still has all its manifests and blobs. That sequence
runs in a detached process that outlives this one (see `buildtui.cleanup.worker`);
`gc --resume` finishes one whose own process died. `rm` and `gc` hold the registry
container's lock: while one runs, the other is refused with who holds it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from buildtui.cleanup.distribution import minus_m_allowed
from buildtui.cleanup.errors import (
    BadInput,
    CleanupError,
    GcRefused,
)
from buildtui.cleanup.execute import ExecutionFailed
from buildtui.cleanup.gc import MINUS_M_REFUSAL, minus_m_refusal
from buildtui.cleanup.plan import Selection
from buildtui.cleanup.present import (
    execution_json,
    plan_json,
    plan_lines,
)
from buildtui.cleanup.present_collection import (
    gc_json,
    gc_preview_json,
    gc_preview_lines,
    gc_result_lines,
    resume_json,
    resume_lines,
    verify_json,
    verify_lines,
)
from buildtui.cleanup.present_space import retention_json, retention_lines
from buildtui.cleanup.retention import RetentionRules, RuleError, parse_duration
from buildtui.commands.confirm import add_yes_flag, confirm_async
from buildtui.commands.output import print_json
from buildtui.commands.progress import progress_for
from buildtui.commands.running import run_then_close
from buildtui.i18n import _, ngettext
from buildtui.registry.present import format_size
from buildtui.registry.reference import repository_problem
from buildtui.registry.rows import progress_text
from buildtui.settings import Settings, cli_prefix
from buildtui.terminal import EXIT_USAGE

if TYPE_CHECKING:
    from buildtui.cleanup.graph import RegistryGraph
    from buildtui.cleanup.service import CleanupService


def register(subparsers: Any) -> None:
    rm = subparsers.add_parser(
        "rm",
        help="delete tags, images or cache images from the lab registry (plan first)",
        description="Delete REFs (repo:tag, repo@digest, cache refs) from the lab registry. "
        "A tag other tags share is removed alone (throw-away manifest trick); an index goes "
        "with its platform and attestation manifests unless another tag needs them. The "
        "space comes back with `buildtui gc`.",
    )
    rm.add_argument("refs", nargs="+", metavar="REF", help="e.g. cachedata1:latest, lab:v1")
    rm.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    rm.add_argument("--json", action="store_true", help="print the plan and result as JSON")
    add_yes_flag(rm, "deleting")
    rm.add_argument(
        "--tag-only", action="store_true", help="remove the tags only, keep their manifests"
    )
    rm.add_argument(
        "--with-tags",
        action="store_true",
        help="allow deleting a digest that tags you did not name point at (they go too)",
    )
    rm.add_argument(
        "--untagged",
        action="store_true",
        help="REFs are repositories: delete their untagged manifests (what GC -m would, safely)",
    )
    rm.add_argument(
        "--keep-last",
        type=_count,
        metavar="N",
        help="REFs are repositories: keep the N newest images (every tag on them), delete "
        "the older ones",
    )
    rm.add_argument(
        "--older-than",
        type=_duration,
        metavar="DURATION",
        help="REFs are repositories: delete images older than DURATION (30d, 12h, 2w), from "
        "their config's created, else their push time; with --keep-last, only beyond the N "
        "newest",
    )
    rm.add_argument(
        "--with-referrers",
        action="store_true",
        help="also delete the referrers (signatures, SBOMs) of what goes, instead of leaving "
        "them orphaned",
    )
    rm.set_defaults(handler=run_rm)

    gc = subparsers.add_parser(
        "gc",
        help="reclaim space: registry garbage-collect in the registry container (never -m)",
        description="Run `registry garbage-collect` on the registry container "
        "(--registry-container, default registry7): it is stopped meanwhile and started "
        "again (which also clears its blob descriptor cache); then every tag is verified. "
        "That runs in a process of its own, so the registry comes back even if this command "
        "is killed or its terminal closed; `--resume` finishes a collection whose own "
        "process died. One collection or deletion per registry container at a time.",
    )
    gc.add_argument("--dry-run", action="store_true", help="only report what would be deleted")
    gc.add_argument("--json", action="store_true", help="print the result as JSON")
    add_yes_flag(gc, "stopping the registry")
    gc.add_argument(
        "-m",
        "--delete-untagged",
        action="store_true",
        help="also delete untagged manifests: only on distribution 3 (`registry --version` in "
        "the container); refused on registry:2 (2.8), where it deletes the platform manifests "
        "of multi-arch images",
    )
    gc.add_argument(
        "--remove-empty-repo",
        action="append",
        default=[],
        metavar="REPO",
        help="also remove REPO's directory from storage while the registry is stopped, if "
        "it holds no tag and no manifest then (registry:2 has no API for it; repeatable)",
    )
    gc.add_argument(
        "--start",
        action="store_true",
        help="a stopped registry container: start it after the collection and verify",
    )
    gc.add_argument(
        "--resume",
        action="store_true",
        help="finish an interrupted collection: start the registry again and verify every tag",
    )
    gc.set_defaults(handler=run_gc)


def _say(text: str, as_json: bool) -> None:
    print(text, file=sys.stderr if as_json else sys.stdout)


async def _confirm(question: str, yes: bool) -> bool:
    return yes or await confirm_async(question)


def _run(
    settings: Settings,
    work: Callable[[CleanupService], Awaitable[int]],
    *,
    as_json: bool = False,
) -> int:
    from buildtui.cleanup.service import CleanupService  # httpx: only when a command needs it

    try:
        return run_then_close(CleanupService(settings), work)
    except CleanupError as error:  # ExecutionFailed too: its text says what was done
        print(f"buildtui: {error}", file=sys.stderr)
        if as_json and not isinstance(error, ExecutionFailed):
            print_json({"ok": False, "error": str(error)})
        return EXIT_USAGE if isinstance(error, BadInput) else 1


async def read_registry(service: CleanupService, as_json: bool) -> RegistryGraph:
    """The registry's graph, saying how far the reading is on a watched terminal."""
    progress = progress_for(as_json)
    try:
        return await service.load(lambda now: progress.show(progress_text(now)))
    finally:
        progress.clear()


def run_rm(args: argparse.Namespace, settings: Settings) -> int:
    async def work(service: CleanupService) -> int:
        # From reading the registry to verifying it, the registry container's lock: no
        # garbage collection stops the registry meanwhile, and none runs now (the
        # deletion and its verification, `delete_and_verify`, keep it).
        if args.dry_run:
            service.collector.check_idle()
            return await plan_and_delete(service)
        async with service.exclusive("deletion"):
            return await plan_and_delete(service)

    async def plan_and_delete(service: CleanupService) -> int:
        rules = _rules(args)
        graph = await read_registry(service, args.json)
        document: dict[str, Any] = {}
        selections: list[Selection] = []
        if rules is not None:
            choices = []
            for name in args.refs:
                try:
                    choice = await service.retention(graph, _repository(name), rules)
                except RuleError as error:
                    raise BadInput(str(error)) from None
                choices.append(choice)
                selections += choice.selections
            document["retention"] = [retention_json(c) for c in choices]
            if not args.json:
                for choice in choices:
                    print("\n".join(retention_lines(choice)) + "\n")
            if not selections:
                if args.json:
                    print_json(document)
                else:
                    print(_("Nothing to delete: the rules keep every image."))
                return 0
        elif args.untagged:
            selections = [Selection(_repository(name), untagged=True) for name in args.refs]
        else:
            selections = [service.parse(ref) for ref in args.refs]
            if args.tag_only:
                selections = [
                    Selection(s.repository, tag=s.tag, untag_only=True) if s.tag else s
                    for s in selections
                ]
        plan = service.plan(graph, selections, allow_tag_loss=args.with_tags)
        for _round in range(3):  # a referrer of a referrer: one more round
            if not (args.with_referrers and plan.orphans):
                break
            selections = [*selections, *plan.referrer_selections]
            plan = service.plan(graph, selections, allow_tag_loss=args.with_tags)
        document["plan"] = plan_json(plan)
        if not args.json:
            print("\n".join(plan_lines(plan)))
        if not plan.ok:
            if args.json:
                print_json(document)
            return 1
        if args.dry_run:
            if args.json:
                print_json(document)
            return 0
        question = ngettext(
            "Send this {count} request to {registry}?",
            "Send these {count} requests to {registry}?",
            len(plan.requests),
        ).format(count=len(plan.requests), registry=plan.registry)
        if plan.collateral_tags:
            collateral = len(plan.collateral_tags)
            question = (
                ngettext(
                    "This removes {count} tag you did not name.",
                    "This removes {count} tags you did not name.",
                    collateral,
                ).format(count=collateral)
                + " "
                + question
            )
        if not await _confirm(question, args.yes):
            _say(_("Nothing was changed."), args.json)
            return 1
        try:
            result = await service.delete_and_verify(plan, graph)
        except ExecutionFailed as error:
            if args.json:
                document["result"] = execution_json(error.report)
                print_json(document)
            raise
        report = result.report
        document["result"] = execution_json(report)
        if result.verify_error is not None:
            raise result.verify_error
        verification = result.verification
        assert verification is not None  # verified against the graph the plan was made from
        document["verification"] = verify_json(verification)
        if args.json:
            print_json(document)
        else:
            print("\n" + report.summary())
            print("\n".join(verify_lines(verification)))
            print(
                _("Next: {follow_ups}  (about {size} to reclaim)").format(
                    follow_ups=" && ".join(plan.follow_ups), size=format_size(plan.freed_bytes)
                )
            )
        return 0 if verification.ok else 1

    return _run(settings, work)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            _("{text!r} is not a number of images (0 or more)").format(text=text)
        )
    return value


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except RuleError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _rules(args: argparse.Namespace) -> RetentionRules | None:
    """The retention rules asked for, or None when REFs are references (or --untagged alone)."""
    if args.keep_last is None and args.older_than is None:
        return None
    if args.tag_only or args.with_tags:
        raise BadInput(
            _("--keep-last and --older-than decide by image: drop --tag-only/--with-tags")
        )
    return RetentionRules(args.keep_last, args.older_than, args.untagged)


def _repository(name: str) -> str:
    """A repository name typed by the user, checked against the distribution grammar."""
    name = name.strip("/")
    problem = repository_problem(name)
    if problem is not None:
        raise BadInput(problem)
    return name


def run_gc(args: argparse.Namespace, settings: Settings) -> int:
    if args.delete_untagged and args.resume:
        print(
            _("buildtui: --resume finishes the collection as it was asked; drop -m"),
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.resume:
        return _run(settings, lambda service: _resume(service, args), as_json=args.json)
    try:
        repositories = list(dict.fromkeys(_repository(name) for name in args.remove_empty_repo))
    except BadInput as error:
        print(f"buildtui: {error}", file=sys.stderr)
        return EXIT_USAGE

    async def work(service: CleanupService) -> int:
        info, _unused = await asyncio.to_thread(service.collector.resolve_container)
        if args.delete_untagged:
            version = await service.registry_version()
            problem = minus_m_allowed(version)
            if problem is not None:  # as a usage error: the flag does not apply here
                refusal = minus_m_refusal(service.settings)
                print(f"buildtui: {GcRefused(f'{refusal} ({problem})')}", file=sys.stderr)
                if args.json:
                    english = MINUS_M_REFUSAL.format(cli=cli_prefix(service.settings))
                    print_json({"ok": False, "error": f"{english} ({problem})"})
                return EXIT_USAGE
            _say(
                _("{describe}: --delete-untagged is safe there").format(
                    describe=version.describe()
                ),
                args.json,
            )
        preview = await asyncio.to_thread(
            lambda: service.collector.preview_gc(
                repositories, start_stopped=args.start, delete_untagged=args.delete_untagged
            )
        )
        if not args.json:
            print("\n".join(gc_preview_lines(preview)))
        if args.dry_run:
            if args.json:
                print_json({"ok": True, "dry_run": gc_preview_json(preview)})
            return 0
        question = (
            _("Stop {name} and collect garbage?")
            if info.running
            else _("Collect in the stopped {name} and collect garbage?")
        ).format(name=preview.info.name)
        if not await _confirm(question, args.yes):
            _say(_("Nothing was changed."), args.json)
            return 1
        result = await service.collector.collect_garbage(
            lambda step: _say(f"… {step}", args.json),
            remove_repositories=repositories,
            start_stopped=args.start,
            delete_untagged=args.delete_untagged,
        )
        verification = result.verification
        kept = [r for r in result.repositories if not r.removed]
        ok = (verification is None or verification.ok) and not kept
        if args.json:
            document: dict[str, Any] = {"ok": ok, "gc": gc_json(result)}
            document["gc"]["warnings"] = [*preview.warnings, *result.warnings]
            document["verification"] = verify_json(verification) if verification else None
            print_json(document)
        else:
            print("\n".join(gc_result_lines(result, cli=cli_prefix(service.settings))))
            if verification is not None:
                print("\n".join(verify_lines(verification)))
        return 0 if ok else 1

    try:
        return _run(settings, work, as_json=args.json)
    except KeyboardInterrupt:
        print(
            _(
                "buildtui: interrupted; a garbage collection that had begun goes on in "
                "the background and starts the registry again (`buildtui doctor` shows "
                "when it is done)"
            ),
            file=sys.stderr,
        )
        return 130


async def _resume(service: CleanupService, args: argparse.Namespace) -> int:
    result = await service.collector.resume_gc(lambda step: _say(f"… {step}", args.json))
    verification = result.verification
    ok = verification is None or verification.ok
    if args.json:
        print_json({"ok": ok, "resume": resume_json(result)})
    else:
        print("\n".join(resume_lines(result)))
        if verification is not None:
            print("\n".join(verify_lines(verification)))
    return 0 if ok else 1
