"""`buildtui inspect` and `buildtui registry ls` with the in-memory registry behind them."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from buildtui import cli
from buildtui.registry import service as registry_service
from buildtui.registry.auth import NoCredentials
from buildtui.registry.blobcache import default_path
from buildtui.registry.service import RegistryService
from tests.fakes.registry import FakeRegistry, lab_registry


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeRegistry:
    registry = lab_registry()

    def service(settings: Any, **kwargs: Any) -> RegistryService:
        # `open` (another registry) builds its service through this name too.
        return RegistryService(
            settings, **{"transport": registry.transport, "store": NoCredentials(), **kwargs}
        )

    monkeypatch.setattr(registry_service, "RegistryService", service)
    return registry


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["--registry", "http://registry.test:5000", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_inspect_human(fake: FakeRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "inspect", "lab:cachetest")
    assert code == 0
    assert "Platforms:  linux/amd64 + linux/arm64" in out
    assert f"Digest:     {fake.tags['lab']['cachetest']}" in out
    assert "attestation for linux/arm64" in out
    # A plain-HTTP registry elsewhere than this machine: imagetools would try HTTPS.
    assert "docker manifest inspect --insecure registry.test:5000/lab:cachetest" in out
    assert "imagetools" not in out


def test_inspect_json(fake: FakeRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "inspect", "registry.test:5000/lab:v2", "--json")
    document = json.loads(out)
    assert code == 0
    assert document["schema_version"] == 1
    assert document["digest"] == fake.tags["lab"]["v2"]
    assert [m["platform"] for m in document["manifests"]][:2] == ["linux/amd64", "linux/arm/v7"]


def test_inspect_raw_is_byte_exact(
    fake: FakeRegistry, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    code = cli.main(["--registry", "http://registry.test:5000", "inspect", "lab:single", "--raw"])
    out = capsysbinary.readouterr().out
    assert code == 0
    assert out == fake.manifests["lab"][fake.tags["lab"]["single"]][0]


@pytest.mark.parametrize(
    ("ref", "code", "says"),
    [
        ("lab:nope", 1, "tag lab:nope is not on registry.test:5000"),
        ("Lab", 2, "not a repository name"),
        ("ghost:latest", 1, "repository ghost does not exist"),
    ],
)
def test_inspect_errors_are_one_line(
    fake: FakeRegistry, capsys: pytest.CaptureFixture[str], ref: str, code: int, says: str
) -> None:
    result, out, err = run(capsys, "inspect", ref)
    assert result == code
    assert out == ""
    assert err.startswith("buildtui: ") and says in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_inspect_unreachable(fake: FakeRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    fake.down = True
    code, _, err = run(capsys, "inspect", "lab:v2")
    assert code == 1 and "cannot connect to registry.test:5000" in err


def test_registry_ls(fake: FakeRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "registry", "ls")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["REPOSITORY:TAG", "KIND", "SIZE", "DIGEST", "PLATFORMS"]
    row = next(line for line in lines if line.startswith("lab:cachetest"))
    assert row.split()[1] == "index" and row.endswith("linux/amd64 + linux/arm64")
    assert "9 tags in 5 repositories" in out


def test_registry_ls_json_other_host(
    fake: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "registry", "ls", "registry.test:5000", "--json")
    document = json.loads(out)
    assert code == 0
    assert document["schema_version"] == 1
    assert document["registry"] == "registry.test:5000"
    assert [r["name"] for r in document["repositories"]] == [
        "busybox",
        "cachedata1",
        "cachedata2",
        "lab",
        "sbom",
    ]
    kinds = {t["tag"]: t["kind"] for r in document["repositories"] for t in r["tags"]}
    assert kinds["latest"] in ("index", "cache")
    assert kinds["v1"] == "artifact"


def test_inspect_a_single_image_gives_its_config_and_layers(
    fake: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "inspect", "lab:single", "--json")
    document = json.loads(out)
    stored = json.loads(fake.manifests["lab"][fake.tags["lab"]["single"]][0])
    assert code == 0
    assert document["config"]["digest"] == stored["config"]["digest"]
    assert document["config"]["cmd"] == ["sh"]
    assert [layer["digest"] for layer in document["layers"]] == [
        layer["digest"] for layer in stored["layers"]
    ]


def test_inspect_a_cache_human_and_json(
    fake: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "inspect", "cachedata1:latest")
    assert code == 0
    assert "Tree:" in out
    assert "    cache config sha256:" in out
    assert "deleting this cache frees only its" in out
    code, out, _ = run(capsys, "inspect", "cachedata1:latest", "--json")
    cache = json.loads(out)["cache"]
    assert cache["records"] == 0
    assert all(layer["cache_only"] for layer in cache["layers"])
    assert (
        cache["cache_only_bytes"]
        == sum(layer["size"] for layer in cache["layers"]) + cache["config_bytes"]
    )


def test_registry_cache_shows_and_clears_what_the_scans_kept(
    fake: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "registry", "cache", "--json")
    assert code == 0 and json.loads(out)["entries"] == 0
    assert run(capsys, "registry", "ls")[0] == 0
    code, out, _ = run(capsys, "registry", "cache", "--json")
    kept = json.loads(out)
    assert kept["entries"] > 0 and kept["bytes"] > 0 and kept["file_bytes"] >= kept["bytes"]
    assert kept["path"] == str(default_path()) and kept["cap"] == 64 * 2**20
    code, out, _ = run(capsys, "registry", "cache")
    assert f"{kept['entries']} entries" in out
    assert "Empty it: buildtui registry cache --clear" in out
    code, out, _ = run(capsys, "registry", "cache", "--clear", "--json")
    cleared = json.loads(out)
    assert code == 0 and cleared["cleared"] == kept["entries"] and cleared["entries"] == 0
    assert cleared["file_bytes"] < kept["file_bytes"]


def test_registry_cache_clear_refused_while_another_buildtui_writes(
    fake: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "registry", "ls")[0] == 0
    entries = json.loads(run(capsys, "registry", "cache", "--json")[1])["entries"]
    other = sqlite3.connect(default_path(), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        code, out, err = run(capsys, "registry", "cache", "--clear")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert code == 1 and out == ""
    assert "another buildtui is writing it" in err
    assert "run `buildtui registry cache --clear` again" in err
    assert json.loads(run(capsys, "registry", "cache", "--json")[1])["entries"] == entries


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_cache_is_said_with_the_command_that_replaces_it_and_that_works(
    fake: FakeRegistry, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    import os

    from buildtui.engine.local import local_checks
    from buildtui.registry import blobcache
    from buildtui.settings import Settings

    assert run(capsys, "registry", "ls")[0] == 0
    cache = blobcache.open_cache()
    assert cache is not None
    cache.close()  # as a buildtui that has ended
    path = default_path()
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    if damage == "garbage":
        path.write_bytes(os.urandom(8192))
    else:
        with path.open("r+b") as file:
            file.truncate(path.stat().st_size // 3)

    code, out, err = run(capsys, "registry", "cache")
    assert code == 1 and "Traceback" not in err
    assert f"the disk cache {path} is damaged (" in err
    assert "`buildtui registry cache --clear` replaces it with an empty one" in err
    assert "writable" not in err
    (check,) = [c for c in local_checks(Settings()) if c.name == "disk cache"]
    assert check.level == "warn" and check.fix == "buildtui registry cache --clear"
    assert run(capsys, "registry", "ls")[0] == 0  # scans go on without it

    code, out, err = run(capsys, "registry", "cache", "--clear")

    assert code == 0, err
    assert out.startswith("Replaced the damaged disk cache (")
    assert "0 entries" in out
    assert run(capsys, "registry", "ls")[0] == 0
    code, out, _ = run(capsys, "registry", "cache", "--json")
    assert code == 0 and json.loads(out)["entries"] > 0  # it keeps entries again
    assert [c for c in local_checks(Settings()) if c.name == "disk cache"] == []


def test_a_cache_clear_on_a_full_disk_says_no_space_left(
    fake: FakeRegistry, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from buildtui.registry.blobcache import BlobCache

    assert run(capsys, "registry", "ls")[0] == 0

    def full(self: BlobCache) -> int:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(BlobCache, "clear", full)

    code, _out, err = run(capsys, "registry", "cache", "--clear")

    assert code == 1
    assert "no space left on device" in err and " free on " in err
    assert "another buildtui" not in err and "--clear` again" not in err
