"""`buildtui rm` and `buildtui gc` with the service built on the in-memory registry."""

from __future__ import annotations

import json

import pytest

from buildtui.cleanup.service import CleanupService
from buildtui.cli import main
from buildtui.settings import Settings
from tests.fakes.cleanup import (
    V3_VERSION,
    FakeContainer,
    WritableFakeRegistry,
    fake_cleanup_service,
    lab_fake_registry,
)


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> WritableFakeRegistry:
    """The lab registry in memory; the CLI's service is built on it."""
    fake = lab_fake_registry()
    container = FakeContainer(fake)

    def make(settings: Settings) -> CleanupService:
        return fake_cleanup_service(fake, container)

    monkeypatch.setattr("buildtui.cleanup.service.CleanupService", make)
    return fake


def test_rm_dry_run_prints_the_plan_and_changes_nothing(
    registry: WritableFakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rm", "--dry-run", "cachedata1:latest"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Plan for localhost:5000: cachedata1:latest")
    assert "curl -X DELETE http://localhost:5000/v2/cachedata1/manifests/sha256:" in out
    assert "latest" in registry.tags["cachedata1"]
    assert not [r for r in registry.requests if r.method in ("PUT", "DELETE")]


def test_rm_without_a_terminal_asks_for_yes(
    registry: WritableFakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rm", "cachedata1:latest"]) == 1
    captured = capsys.readouterr()
    assert "add --yes" in captured.err
    assert "Nothing was changed." in captured.out
    assert "latest" in registry.tags["cachedata1"]


def test_rm_yes_json_deletes_and_verifies(
    registry: WritableFakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rm", "-y", "--json", "lab:stable"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["schema_version"] == 1
    assert document["plan"]["steps"][0]["action"] == "untag"
    assert document["result"]["complete"] is True
    assert document["verification"]["ok"] is True
    assert "stable" not in registry.tags["lab"] and "v2" in registry.tags["lab"]


def test_rm_refused_plan_exits_1_and_says_why(
    registry: WritableFakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = registry.tags["lab"]["v2"]
    assert main(["rm", "-y", f"lab@{digest}"]) == 1
    out = capsys.readouterr().out
    assert "REFUSED (nothing will be sent):" in out
    assert "lab:stable" in out
    assert main(["rm", "-y", "--with-tags", f"lab@{digest}"]) == 0
    assert "v2" not in registry.tags["lab"] and "stable" not in registry.tags["lab"]


def test_rm_of_another_registry_is_refused(
    registry: WritableFakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["rm", "--dry-run", "other.example:5000/lab:v1"]) == 2
    )  # bad input, as a malformed reference
    assert "is on other.example:5000" in capsys.readouterr().err


def test_gc_minus_m_is_refused_on_distribution_2_8_with_the_reason(
    registry: WritableFakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {name: dict(m) for name, m in registry.manifests.items()}
    assert main(["gc", "-m", "-y"]) == 2
    err = capsys.readouterr().err
    assert "platform manifests of tagged multi-arch indexes" in err
    assert "buildtui rm --untagged" in err
    assert "this registry is distribution 2.8.2 (registry --version in registry7)" in err
    assert registry.manifests == before


def test_gc_minus_m_runs_on_distribution_3_and_keeps_tagged_indexes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = lab_fake_registry()
    fake.push_index("lab", "old")  # then moved: its index and platforms become untagged
    old = fake.tags["lab"].pop("old")
    container = FakeContainer(fake, version_text=V3_VERSION)
    monkeypatch.setattr(
        "buildtui.cleanup.service.CleanupService",
        lambda settings: fake_cleanup_service(fake, container),
    )
    assert main(["gc", "-m", "-y", "--json"]) == 0
    captured = capsys.readouterr()
    assert "distribution 3.0.0 (registry --version in registry7" in captured.err
    document = json.loads(captured.out)
    assert document["verification"]["ok"] is True
    assert old not in fake.manifests["lab"]
    assert document["gc"]["manifests_deleted"] >= 1
    assert any("--delete-untagged" in c for c in document["gc"]["commands"])


def test_gc_yes_json_collects_and_verifies(
    registry: WritableFakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rm", "-y", "cachedata1:latest"]) == 0
    capsys.readouterr()
    assert main(["gc", "-y", "--json"]) == 0
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["schema_version"] == 1
    assert document["gc"]["blobs_deleted"] == 3
    assert document["verification"]["ok"] is True
    assert "… collecting garbage" in captured.err


def test_rm_and_gc_dry_run_json_are_one_object_each(
    registry: WritableFakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rm", "--dry-run", "--json", "cachedata1:latest"]) == 0
    planned = json.loads(capsys.readouterr().out)
    assert planned["schema_version"] == 1 and planned["plan"]["ok"] is True
    assert main(["gc", "--dry-run", "--json"]) == 0
    previewed = json.loads(capsys.readouterr().out)
    assert previewed["schema_version"] == 1 and previewed["ok"] is True
    assert previewed["dry_run"]["commands"]


def test_gc_dry_run_shows_the_commands(
    registry: WritableFakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["gc", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Dry run: " in out
    assert "docker stop -t 10 registry7" in out


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["rm", "Lab:::bad"], "is not a repository name"),
        (["rm", "-y", "other.test:5000/lab:v1"], "is on other.test:5000"),
        (["rm", "--untagged", "BAD"], "the part 'BAD' is not allowed"),
        (["gc", "--dry-run", "--remove-empty-repo", "BAD"], "the part 'BAD' is not allowed"),
    ],
)
def test_bad_input_exits_2_as_in_inspect_and_changes_nothing(
    registry: WritableFakeRegistry,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    said: str,
) -> None:
    before = {name: dict(tags) for name, tags in registry.tags.items()}
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err
    assert registry.tags == before
    assert main(["inspect", "Lab:::bad"]) == 2  # the same rule in the registry's twin


GC_DRY_RUN_JSON = """\
{
  "schema_version": 1,
  "ok": true,
  "dry_run": {
    "summary": "32 blobs marked, 3 blobs and 0 manifests eligible for deletion",
    "blobs": [
      "sha256:9a60495600fe5ec51564d82726e2a77f2daaf515745f4d7bda7a890748a89a0a",
      "sha256:d56e3acc0fb8b974ddfb14a8584a6b950adeb1028f6386505ba578d1ea0f98bf",
      "sha256:dd9babb92d94e521befaf5a2802678d435b759876cbbd12655a7fcf252a82f59"
    ],
    "kb": 22,
    "commands": [
      "docker stop -t 10 registry7",
      "docker run --rm --volumes-from registry7 --entrypoint /bin/registry registry:2 \
garbage-collect /etc/docker/registry/config.yml",
      "docker start registry7"
    ],
    "warnings": [],
    "repositories": [
      {
        "name": "cachedata1",
        "removable": true,
        "reason": ""
      },
      {
        "name": "nosuch",
        "removable": false,
        "reason": "there is no such repository in storage"
      }
    ]
  }
}
"""


def test_gc_dry_run_json_keeps_its_shape_byte_for_byte(
    registry: WritableFakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rm", "-y", "cachedata1:latest"]) == 0
    capsys.readouterr()
    argv = ["gc", "--dry-run", "--json"]
    assert main([*argv, "--remove-empty-repo", "cachedata1", "--remove-empty-repo", "nosuch"]) == 0
    assert capsys.readouterr().out == GC_DRY_RUN_JSON
