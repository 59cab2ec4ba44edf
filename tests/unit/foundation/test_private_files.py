"""Every kind of file buildtui writes: 0600, and a symbolic link planted in its place is
never followed (its target keeps its content and its mode). Files of the app's own
folders replace the link; paths the user gave (and the config file) refuse it, saying so.
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from buildtui.private_files import UnsafeFile, make_private, open_private, write_private

PRECIOUS = "precious: must stay as it is\n"


def plant(path: Path, tmp_path: Path) -> Path:
    """A link at `path` to a file of someone else's, readable by all (0644)."""
    target = tmp_path / "victim" / "target.txt"
    target.parent.mkdir(exist_ok=True)
    target.write_text(PRECIOUS)
    target.chmod(0o644)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)
    return target


def untouched(target: Path) -> None:
    assert target.read_text() == PRECIOUS
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def private_regular(path: Path) -> None:
    info = path.lstat()
    assert stat.S_ISREG(info.st_mode), f"{path} is not a regular file"
    assert stat.S_IMODE(info.st_mode) == 0o600


# -- files of the app's folders: the link is replaced ------------------------------------


def worker_log(path: Path) -> None:
    """The garbage collector's worker log (cleanup.detach), its process faked."""
    from buildtui.cleanup import detach
    from buildtui.cleanup.journal import Journal

    def popen(argv: list[str], *, stdout: Any, **_: Any) -> Any:
        stdout.write(b"worker output\n")
        return None

    with mock.patch.object(subprocess, "Popen", popen):
        detach.spawn_worker(Journal(path.with_suffix(".json"), {}), 0)


def debug_log(path: Path) -> None:
    from buildtui import logs

    logs.configure("debug", path)
    logs.LOGGER.debug("a line")
    logs.configure("off")


def lab_records(path: Path) -> None:
    from buildtui.lab_records import RecordBook

    RecordBook(path).add_prune("lab7", 1024, 3)


def lab_record(path: Path) -> None:
    from buildtui.lab.setup_record import LabRecord, save_record

    save_record(LabRecord("reg", volume="reg-data"), path.parent.parent)


def pending_deletions(path: Path) -> None:
    from buildtui.cleanup.accounting import PlannedBlob
    from buildtui.cleanup.pending import PendingDeletions

    PendingDeletions(path).record(
        "localhost:5000", "lab:1", [PlannedBlob("sha256:" + "a" * 64, 1, "x")]
    )


def form_memory(path: Path) -> None:
    from buildtui.forms import FormMemory

    FormMemory(path.parent.parent).save(path.stem, {"context": "."})


def builder_config(path: Path) -> None:
    from buildtui.buildx.builders import write_config

    write_config(path, "[registry]\n")


REPLACED: list[tuple[str, str, Callable[[Path], None]]] = [
    ("gc worker log", "gc/registry7.journal.log", worker_log),
    ("debug log", "state/buildtui.log", debug_log),
    ("lab records", "data/lab-records.json", lab_records),
    ("lab up record", "data/lab/reg.json", lab_record),
    ("pending deletions", "data/gc/pending.json", pending_deletions),
    ("form memory", "data/forms/build.json", form_memory),
    ("builder config", "data/buildkitd/plain-http.toml", builder_config),
]


@pytest.mark.parametrize(("kind", "name", "write"), REPLACED, ids=[r[0] for r in REPLACED])
def test_a_link_in_an_app_file_s_place_is_replaced_not_followed(
    tmp_path: Path, kind: str, name: str, write: Callable[[Path], None]
) -> None:
    path = tmp_path / name
    target = plant(path, tmp_path)
    write(path)
    untouched(target)
    private_regular(path)
    assert path.read_text() != PRECIOUS


def test_the_translation_cache_replaces_a_link(tmp_path: Path, monkeypatch: Any) -> None:
    from buildtui import i18n

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    shipped = Path(i18n.__file__).parent / "locale" / "pl" / "LC_MESSAGES" / "buildtui.mo"
    if shipped.exists():
        pytest.skip("a compiled catalogue ships beside the .po: no cache is written")
    compiled = i18n.compiled_path("pl", i18n.po_path("pl").read_bytes())
    assert compiled.is_relative_to(tmp_path / "cache" / "buildtui" / "locale" / "pl")
    target = plant(compiled, tmp_path)
    assert i18n.mo_path("pl") == compiled
    untouched(target)
    private_regular(compiled)


def test_a_debug_log_that_rotates_never_follows_a_link(tmp_path: Path) -> None:
    from buildtui import logs

    path = tmp_path / "state" / "buildtui.log"
    logs.configure("debug", path)
    handler = logs.LOGGER.handlers[0]
    assert isinstance(handler, logs.PrivateRotatingFileHandler)
    path.unlink()
    target = plant(path, tmp_path)
    handler.doRollover()
    logs.LOGGER.debug("after the rotation")
    logs.configure("off")
    untouched(target)
    private_regular(path)
    assert "after the rotation" in path.read_text()


def test_a_link_in_the_evidence_key_s_place_is_never_read(tmp_path: Path) -> None:
    from buildtui.builds.evidence import _key

    path = tmp_path / "data" / "evidence.key"
    target = plant(path, tmp_path)
    key = _key(path.parent)
    untouched(target)
    private_regular(path)
    assert key != PRECIOUS.encode() and path.read_bytes() == key


# -- databases and the config file: refused -----------------------------------------------


def test_a_link_in_the_history_database_s_place_is_refused(tmp_path: Path) -> None:
    from buildtui.builds.errors import HistoryError
    from buildtui.builds.history import BuildHistory

    path = tmp_path / "data" / "builds.sqlite3"
    target = plant(path, tmp_path)
    with pytest.raises(HistoryError, match="is a symbolic link"):
        BuildHistory(path).list()
    untouched(target)


def test_a_link_in_the_disk_cache_s_place_is_refused(tmp_path: Path) -> None:
    from buildtui.registry.blobcache import open_cache

    path = tmp_path / "data" / "registry-cache.sqlite3"
    target = plant(path, tmp_path)
    assert open_cache(path) is None  # scans then read everything from the registry
    untouched(target)


def test_a_linked_config_file_is_not_written_through(tmp_path: Path) -> None:
    from buildtui.settings import save_setting

    path = tmp_path / "config" / "config.toml"
    target = plant(path, tmp_path)
    with pytest.raises(UnsafeFile, match="is a symbolic link"):
        save_setting("theme", "nord", path)
    untouched(target)
    save_setting("theme", "nord", tmp_path / "config" / "other.toml")
    private_regular(tmp_path / "config" / "other.toml")


# -- paths the user gave: refused, with the message ----------------------------------------


def test_summary_json_is_private_and_refuses_a_link(tmp_path: Path, capsys: Any) -> None:
    from buildtui.commands.build import run_build
    from tests.fakes.build import ReplayBuildService, captured_log

    service = ReplayBuildService(captured_log("lab-second-build.log"))
    path = tmp_path / "summary.json"
    target = plant(path, tmp_path)
    run_build(["docker"], service, io.StringIO(), summary_json=path)
    untouched(target)
    assert f"cannot write {path}: {path} is a symbolic link" in capsys.readouterr().err
    path.unlink()
    run_build(["docker"], service, io.StringIO(), summary_json=path)
    private_regular(path)
    assert json.loads(path.read_text())["schema_version"] == 1


def test_lab_report_out_is_private_and_refuses_a_link(
    tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    from buildtui.cli import main
    from buildtui.commands import lab
    from tests.fakes.cleanup import lab_fake_registry
    from tests.fakes.lab import fake_lab_service
    from tests.unit.lab.test_guide import observations

    service = fake_lab_service(tmp_path, lab_fake_registry())
    monkeypatch.setattr(service, "observe", lambda: observations(tmp_path))
    monkeypatch.setattr(lab, "_service", lambda settings: service)
    path = tmp_path / "report.md"
    target = plant(path, tmp_path)
    assert main(["lab", "report", "--out", str(path)]) == 1
    untouched(target)
    assert "is a symbolic link" in capsys.readouterr().err
    path.unlink()
    assert main(["lab", "report", "--out", str(path)]) == 0
    private_regular(path)


def test_the_lab_pane_s_report_refuses_a_link(tmp_path: Path) -> None:
    from tests.fakes.cleanup import lab_fake_registry
    from tests.fakes.lab import fake_lab_service
    from tests.unit.lab.test_guide import observations

    service = fake_lab_service(tmp_path, lab_fake_registry())
    target = plant(tmp_path / "out" / "lab7-report.md", tmp_path)
    with pytest.raises(UnsafeFile):
        service.write_report(observations(tmp_path), "en", tmp_path / "out")
    untouched(target)
    (tmp_path / "out" / "lab7-report.md").unlink()
    paths, _avoided = service.write_report(observations(tmp_path), "en", tmp_path / "out")
    for path in paths:
        private_regular(path)


# -- the building blocks -------------------------------------------------------------------


def test_a_fifo_in_a_file_s_place_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "log"
    os.mkfifo(fifo)
    with pytest.raises(UnsafeFile, match="not a regular file"):
        open_private(fifo, "a")
    with pytest.raises(UnsafeFile, match="not a regular file"):
        write_private(fifo, "x")
    with pytest.raises(UnsafeFile, match="not a regular file"):
        make_private(fifo)


def test_an_existing_readable_file_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.write_text("old\n")
    path.chmod(0o644)
    with open_private(path, "a") as out:
        out.write("new\n")
    private_regular(path)
    assert path.read_text() == "old\nnew\n"
    with open_private(path, "w") as out:
        out.write("only\n")
    assert path.read_text() == "only\n"


def test_a_sqlite_journal_link_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    target = plant(path.with_name("db.sqlite3-wal"), tmp_path)
    with pytest.raises(UnsafeFile, match=r"db\.sqlite3-wal is a symbolic link"):
        make_private(path)
    untouched(target)


def test_no_module_writes_a_file_but_through_private_files() -> None:
    """The one way to write a file: no other module opens one for writing itself."""
    source = Path(__file__).parents[3] / "src" / "buildtui"
    result = subprocess.run(
        ["grep", "-rnE", r"write_text\(|write_bytes\(|open\([^)]*['\"][wa]b?['\"]|O_CREAT",
         str(source), "--include=*.py"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    allowed = ("private_files.py", "cleanup/journal.py", "engine/provision.py", "evidence.py")
    offenders = [line for line in result.stdout.splitlines() if not any(a in line for a in allowed)]
    assert not offenders, "\n".join(offenders)
