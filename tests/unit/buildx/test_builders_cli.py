"""`buildtui builders ...` with an in-memory service: output, validation, confirmation."""

from __future__ import annotations

import io
import json

import pytest

from buildtui.buildx.builders import BuildersBackend
from buildtui.cli import build_parser
from buildtui.settings import Settings
from tests.fakes.builders import FakeBuildersService


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(fake: FakeBuildersService, *argv: str) -> int:
    args = build_parser().parse_args(["builders", *argv])

    def factory(settings: Settings) -> BuildersBackend:
        return fake

    return int(args.handler(args, Settings(), factory))


@pytest.fixture
def fake() -> FakeBuildersService:
    return FakeBuildersService()


def test_list_json_has_the_promised_fields(
    fake: FakeBuildersService, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(fake, "list", "--json") == 0
    document = json.loads(capsys.readouterr().out)
    assert document["schema_version"] == 1
    data = document["builders"]
    assert [b["name"] for b in data] == ["default", "lab7", "cachebox", "farbox"]
    assert [b["current"] for b in data] == [True, False, False, False]
    lab7 = data[1]
    assert lab7["driver"] == "docker-container"
    node = lab7["nodes"][0]
    assert {"name", "endpoint", "status", "buildkit", "platforms"} <= set(node)
    assert node["platforms"] == ["linux/amd64", "linux/arm64"]
    assert node["platforms_set_by_hand"] == ["linux/amd64", "linux/arm64"]
    assert data[3]["nodes"][0]["error"] == "connection refused"


def test_list_table_marks_current_and_hand_set(
    fake: FakeBuildersService, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(fake, "list") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["NAME/NODE", "DRIVER/ENDPOINT", "STATUS"]
    assert "default*" in out and "linux/amd64*, linux/arm64*" in out
    assert "In use: default (from buildx)" in out


def test_list_warns_about_a_stale_buildx_builder(
    fake: FakeBuildersService, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.env_builder = "gone"
    assert run(fake, "list") == 0
    assert "BUILDX_BUILDER=gone names no builder" in capsys.readouterr().err


def test_create_dry_run_prints_the_exact_command(
    fake: FakeBuildersService, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(
        fake, "create", "--name", "Lab", "--use", "--bootstrap", "--host-network", "--dry-run"
    )
    assert code == 0
    assert capsys.readouterr().out.strip() == (
        "docker buildx create --name lab --driver docker-container --driver-opt network=host "
        "--use --bootstrap"
    )
    assert fake.calls == []


def test_create_with_plain_http_dry_run_shows_the_file(
    fake: FakeBuildersService, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(fake, "create", "--name", "h", "--plain-http", "myhost:5000", "--dry-run") == 0
    out = capsys.readouterr().out
    assert '# [registry."myhost:5000"]\n#   http = true\n' in out
    assert "--buildkitd-config /tmp/buildtui-fake-data/buildkitd/plain-http-" in out


def test_create_runs_and_reports(
    fake: FakeBuildersService, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(fake, "create", "--name", "b1", "--use") == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "created b1 (in use)"
    assert "$ docker buildx create --name b1" in captured.err
    assert fake.list().current == "b1"


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("create", "--name", "bad name"), "not a valid builder or node name"),
        (("create", "--name", "b", "--driver", "remote"), "needs the BuildKit endpoint"),
        (("create", "--name", "lab7"), "already exists"),
        (("create", "--name", "b", "--driver", "docker"), "refuses a second"),
        (("create", "--name", "b", "--bootstrap"), "cannot be pulled"),
        (("use", "nosuch"), 'There is no builder "nosuch"'),
        (("create", "--name", "lab7", "--leave", "--node", "x"), 'has no node "x"'),
    ],
)
def test_errors_are_one_line_with_the_fix(
    fake: FakeBuildersService, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], words: str
) -> None:
    assert run(fake, *argv) == 1
    err = capsys.readouterr().err
    last = err.splitlines()[-1]
    assert last.startswith("buildtui builders: ") and words in last
    assert "Traceback" not in err


def test_use_stop_and_bootstrap(
    fake: FakeBuildersService, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(fake, "use", "cachebox") == 0  # it runs
    assert fake.list().current == "cachebox"
    assert "warning" not in capsys.readouterr().err
    assert run(fake, "stop", "cachebox") == 0
    cachebox = fake.list().get("cachebox")
    assert cachebox is not None
    assert {n.status for n in cachebox.nodes} == {"stopped"}
    assert run(fake, "bootstrap", "farbox") == 0
    assert "farbox is up" in capsys.readouterr().out
    assert run(fake, "bootstrap", "lab7") == 1
    err = capsys.readouterr().err
    assert "#1 pulling image moby/buildkit:buildx-stable-1" in err
    assert "cannot be pulled" in err and "docker load" in err


def test_rm_without_force_and_without_a_terminal_does_nothing(
    fake: FakeBuildersService, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert run(fake, "rm", "lab7") == 1
    captured = capsys.readouterr()
    assert "volume buildx_buildkit_lab70_state: all of its build cache" in captured.out
    assert "pass --yes" in captured.err
    assert "lab7" in fake.list().names


def test_rm_asks_and_removes_on_yes(
    fake: FakeBuildersService, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", Tty("y\n"))
    assert run(fake, "rm", "lab7", "--keep-state") == 0
    out = capsys.readouterr().out
    assert "$ docker buildx rm --keep-state lab7" in out
    assert "It keeps:" in out and "buildx_buildkit_lab70_state" in out
    assert "lab7" not in fake.list().names
    assert ("remove", "lab7", "keep_state=True", "keep_daemon=False") in fake.calls


def test_rm_no_answer_keeps_it(fake: FakeBuildersService, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", Tty("n\n"))
    assert run(fake, "rm", "lab7") == 1
    assert "lab7" in fake.list().names


def test_rm_force_and_context_builder(
    fake: FakeBuildersService, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(fake, "rm", "-f", "cachebox") == 0
    assert "cachebox" not in fake.list().names
    assert run(fake, "rm", "-f", "default") == 1
    assert "`docker context rm default`" in capsys.readouterr().err
    assert "default" in fake.list().names


def test_du_json(fake: FakeBuildersService, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(fake, "du", "default", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema_version"] == 1
    assert data["total"] == "1.102MB" and data["shared"] == "1.065MB"
    assert data["records"][0]["id"] == "l305tv0cx7geu9bxk3dkdiv07"
    assert data["records"][0]["size_bytes"] == 1_065_000


def test_du_table(fake: FakeBuildersService, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(fake, "du") == 0
    out = capsys.readouterr().out
    assert "sm17l1x7e4ciju1prhsgotdpm*" in out and "1.065MB*" in out
    assert out.rstrip().endswith("Total:       1.102MB")


def test_prune_shows_what_goes_and_asks(
    fake: FakeBuildersService, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", Tty("yes\n"))
    assert run(fake, "prune", "default", "--filter", "until=24h") == 0
    out = capsys.readouterr().out
    assert "$ docker buildx prune --force --verbose --builder default --filter until=24h" in out
    assert "1 record, about 24.58kB from builder default" in out
    assert "pruned 1 record, 24.58kB" in out
    assert ("prune", "default", "until=24h") in fake.calls


def test_prune_refuses_bad_filters(
    fake: FakeBuildersService, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(fake, "prune", "--filter", "until=soon", "-f") == 1
    assert "not a duration" in capsys.readouterr().err
    assert not [c for c in fake.calls if c[0] == "prune"]


def test_unavailable_engine_is_one_message(
    fake: FakeBuildersService, capsys: pytest.CaptureFixture[str]
) -> None:
    from buildtui.buildx.errors import EngineUnavailable

    fake.fail["list"] = EngineUnavailable("Cannot connect to the Docker daemon")
    assert run(fake, "list") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Start the Docker daemon" in err


def test_use_of_a_builder_that_is_not_running_is_refused_unless_forced(
    fake: FakeBuildersService, capsys: pytest.CaptureFixture[str]
) -> None:
    """lab7 is inactive: a build on it would start it first, and fail if it cannot."""
    assert run(fake, "use", "lab7") == 1
    err = capsys.readouterr().err
    assert err.startswith("buildtui builders: lab7 is not running (inactive).")
    assert "moby/buildkit:buildx-stable-1" in err
    assert "  docker buildx inspect --bootstrap lab7\n  docker buildx use lab7\n" in err
    assert "buildtui builders use -f lab7" in err
    assert fake.list().current == "default"
    assert ("use", "lab7") not in fake.calls
    assert run(fake, "use", "-f", "lab7") == 0
    captured = capsys.readouterr()
    assert "warning: lab7 is not running" in captured.err
    assert captured.out.strip() == "lab7 is the builder in use"
    assert fake.list().current == "lab7"
    # A remote builder whose node does not answer is not running either.
    assert run(fake, "use", "farbox") == 1
    assert "farbox is not running (error: connection refused)" in capsys.readouterr().err
