"""The `buildtui …` commands that the collection's messages propose carry the user's flags
(`settings.cli_prefix`): on a registry other than the default, pasted as they stand, they
reach that registry and its container, in English and in Polish."""

from __future__ import annotations

import shlex
from dataclasses import replace

from buildtui.cleanup.container import _busy_reason
from buildtui.cleanup.docker_output import parse_gc_output
from buildtui.cleanup.gc import GcResult, minus_m_refusal
from buildtui.cleanup.present_collection import gc_result_lines
from buildtui.i18n import speaking
from buildtui.settings import Settings, cli_prefix
from tests.unit.cleanup.test_present import info

SETTINGS = Settings(registry_url="http://localhost:5391", registry_container="class-registry")
CLI = "buildtui --registry http://localhost:5391 --registry-container class-registry"


def commands(message: str) -> list[list[str]]:
    """The commands between backticks, as a shell would split them."""
    return [shlex.split(part) for part in message.split("`")[1::2]]


def test_the_prefix_names_a_registry_and_container_that_are_not_the_default() -> None:
    assert cli_prefix(SETTINGS) == CLI
    assert cli_prefix(Settings()) == "buildtui"


def test_a_repository_kept_by_gc_proposes_commands_for_this_registry() -> None:
    for line in ("busy 2 0 v1 v2", "busy 0 3"):
        for language in ("en", "pl"):
            with speaking(language):
                reason = _busy_reason(line, "lab", CLI)
            proposed = commands(reason)
            assert proposed and proposed[-1] == [*shlex.split(CLI), "rm", "--untagged", "lab"]
            assert all(argv[:5] == shlex.split(CLI) for argv in proposed)


def test_the_minus_m_refusal_proposes_commands_for_this_registry() -> None:
    for language in ("en", "pl"):
        with speaking(language):
            refusal = minus_m_refusal(SETTINGS)
        assert [argv[5:] for argv in commands(refusal)][-2:] == [
            ["rm", "--untagged", "REPO"],
            ["gc"],
        ]
        assert all(argv[:5] == shlex.split(CLI) for argv in commands(refusal)[-2:])


def test_a_registry_left_stopped_proposes_docker_start_and_gc_for_this_registry() -> None:
    output = parse_gc_output("21 blobs marked, 4 blobs and 0 manifests eligible for deletion\n")
    result = GcResult(
        replace(info(), name="class-registry"), False, output, 10, 5, (), left_stopped=True
    )
    for language in ("en", "pl"):
        with speaking(language):
            last = gc_result_lines(result, cli=CLI)[-1]
        assert commands(last) == [
            ["docker", "start", "class-registry"],
            [*shlex.split(CLI), "gc", "--start"],
        ]
