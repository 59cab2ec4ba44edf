"""Evidence that is the student's own and kept once proven: a foreign cache is never
credited, a registry that is down is said to be down, a later build does not take item
7 back, and the records describe themselves (kind, id, ISO 8601 time)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from buildtui.builds.history import BuildHistory
from buildtui.i18n import translator
from buildtui.lab.guide import Observations, Status, evaluate
from buildtui.lab.observe import Sources, observe
from buildtui.lab.presentation import MARKS, item_row, status_lines
from buildtui.lab.proofs import change_note
from buildtui.lab_records import RecordBook, iso_time
from buildtui.registry.errors import Unreachable
from buildtui.registry.scan import RegistryScan
from buildtui.settings import Settings
from tests.fakes.build import captured_log
from tests.fakes.builders import FakeBuildersService
from tests.fakes.cleanup import WritableFakeRegistry, lab_fake_registry
from tests.fakes.lab import LAB_ARGV, as_pushed_to_fake, record_build, scan_of
from tests.fakes.status import healthy_status

SETTINGS = Settings(registry_url="http://localhost:5000")
PUSH_ONLY = tuple(
    a for a in LAB_ARGV if "cachedata1" not in a and a not in ("--cache-to", "--cache-from")
)


class Lab:
    """The guide's sources over fakes, with a registry that can go down."""

    def __init__(self, tmp_path: Path, registry: WritableFakeRegistry | None = None) -> None:
        self.registry = registry or lab_fake_registry()
        self.history = BuildHistory(tmp_path / "h.sqlite3")
        self.book = RecordBook(tmp_path / "records.json")
        self.down = False
        self.now = 250.0
        self.builders = FakeBuildersService(settings=SETTINGS, data_dir=tmp_path)

    def scan(self, repositories: Sequence[str]) -> RegistryScan:
        if self.down:
            raise Unreachable("localhost:5000 does not answer (connection refused)")
        return scan_of(self.registry, SETTINGS, repositories)

    def observe(self) -> Observations:
        sources = Sources(
            settings=SETTINGS,
            probe=lambda: replace(healthy_status(), registry_up=not self.down),
            builders=self.builders.list,
            history=self.history,
            scan=self.scan,
            records=self.book,
            image_exists=lambda ref: False,
            path_exists=lambda path: False,
            clock=lambda: self.now,
        )
        return observe(sources)

    def at(self, when: float) -> RecordBook:
        return RecordBook(self.book.path, clock=lambda: when)

    def done_through_the_bonus(self) -> None:
        """The lab's build twice with a prune between, then the cache deleted and collected."""
        record_build(self.history, "lab-first-build.log", 100.0)
        self.at(150.0).add_prune("default", 4096, 12)
        record_build(self.history, "lab-second-build.log", 200.0)
        self.observe()  # items 4, 6, 7 and 8 are proven here
        self.at(300.0).add_deletion(
            "localhost:5000", "cachedata1:latest", ["cache"], ["DELETE /v2/cachedata1/x"], 9000
        )
        del self.registry.tags["cachedata1"]
        self.at(400.0).add_collection(
            "localhost:5000", "registry7", kb_before=3000, kb_after=1000, blobs_deleted=4,
            deletions=["cachedata1:latest"], tags_checked=6, problems=[], log=[],
        )  # fmt: skip
        self.now = 450.0


def test_a_cache_this_history_did_not_export_is_not_credited(tmp_path: Path) -> None:
    # lab_fake_registry holds cachedata1 (another student's, say); the only recorded
    # build pushed the image without exporting any cache.
    lab = Lab(tmp_path)
    record_build(lab.history, "lab-first-build.log", 100.0, PUSH_ONLY)
    guide = evaluate(lab.observe())
    assert guide.item("pushed").status is Status.DONE
    assert guide.item("cache-size").status is Status.TODO
    assert guide.item("cache-size").note == (
        "No cache exported by a recorded build is in the registry yet (item 6)."
    )


def test_a_cache_overwritten_by_someone_else_is_not_credited(tmp_path: Path) -> None:
    # The recorded build exported cachedata1, but the registry now serves another cache
    # at that ref (its log wrote a digest the registry does not serve).
    lab = Lab(tmp_path)
    lines = as_pushed_to_fake(captured_log("lab-first-build.log"))
    cache = lab.registry.tags["cachedata1"]["latest"]
    lines = [line.replace(cache, "sha256:" + "e" * 64) for line in lines]
    record_build(lab.history, "", 100.0, lines=lines)
    item = evaluate(lab.observe()).item("cache-size")
    assert item.status is Status.TODO
    assert item.note is not None
    assert item.note.startswith("The registry serves sha256:")
    assert "not the cache build 1 exported (sha256:eeeeeeeeeeee)" in item.note


def test_item_eight_traces_the_cache_to_the_build_that_exported_it(tmp_path: Path) -> None:
    lab = Lab(tmp_path)
    record_build(lab.history, "lab-first-build.log", 100.0)
    item = evaluate(lab.observe()).item("cache-size")
    assert item.status is Status.DONE
    assert item.build_ids == (1,)
    cache = lab.registry.tags["cachedata1"]["latest"]
    assert f"Exported by build 1: {cache}" in item.evidence
    assert ("localhost:5000/cachedata1:latest", cache) in item.digests
    assert item.records == ("cache-size-1",)  # the comparison kept when it was seen
    kept = lab.book.read().by_id("cache-size-1")
    assert (kept.build_id, kept.cache_digest) == (1, cache)


def test_proofs_are_kept_with_their_time_and_the_note_says_what_changed(
    tmp_path: Path,
) -> None:
    lab = Lab(tmp_path)
    lab.done_through_the_bonus()
    obs = lab.observe()
    guide = evaluate(obs)
    assert guide.progress == "7/9"  # all but 2 (a builder not in use) and 5 (no export)
    size = guide.item("cache-size")
    assert size.status is Status.DONE
    assert size.proven_at is not None
    assert size.note is not None and size.note.startswith("Since ")
    assert size.note.endswith(": the cache image was deleted, as item 9 asks.")
    assert any(line.startswith("Exported by build 2:") for line in size.evidence)
    # The proof is in the records, dated and self-describing, in both languages.
    document = json.loads(lab.book.path.read_text())
    assert document["format"] == "buildtui lab records" and document["version"] == 2
    proof = next(p for p in document["proofs"] if p["item"] == "cache-size")
    assert proof["kind"] == "proof" and proof["id"].startswith("proof-cache-size-")
    assert proof["at"] == iso_time(size.proven_at)
    assert proof["at"][-6] in "+-"  # a time zone
    assert proof["evidence"]["pl"][0].startswith("Obraz cache ")
    polish = evaluate(obs, translator("pl")).item("cache-size")
    assert polish.evidence[0].startswith("Obraz cache ")
    assert polish.note is not None and polish.note.startswith("Od ")


def test_a_registry_that_is_down_is_said_to_be_down_never_blamed_on_the_gc(
    tmp_path: Path,
) -> None:
    lab = Lab(tmp_path)
    lab.done_through_the_bonus()
    lab.observe()  # item 9 proven
    lab.down = True
    guide = evaluate(lab.observe())
    assert guide.progress == "7/9"
    for key in ("registry", "pushed", "bonus"):
        item = guide.item(key)
        assert item.status is Status.DONE, key
        assert item.note is not None and "registry7 is not answering now" in item.note, key
        assert "does not pull" not in item.note
    # What the records say stays said: the cache was deleted (by this student).
    size = guide.item("cache-size")
    assert size.status is Status.DONE
    assert size.note is not None and "the cache image was deleted" in size.note
    # The same when the live item is not ticked and the kept proof speaks for it.
    obs = lab.observe()
    proof = obs.records.proof(obs.registry_host, "cache-size")
    assert proof is not None and obs.registry_down
    untold = replace(size, status=Status.TODO, note=None)
    note = change_note(untold, proof, obs, translator("en"))
    assert note.endswith(": the cache image was deleted, as item 9 asks."), note
    lab.down = False
    assert evaluate(lab.observe()).item("registry").note is None


def test_bonus_seen_first_while_the_registry_is_down_rests_on_the_collection(
    tmp_path: Path,
) -> None:
    lab = Lab(tmp_path)
    lab.done_through_the_bonus()
    lab.down = True  # the first look after the collection finds the registry down
    bonus = evaluate(lab.observe()).item("bonus")
    assert bonus.status is Status.DONE
    assert "Every remaining tag answered after the collection: 6 verified" in bonus.evidence
    assert bonus.note is not None and "not answering now" in bonus.note


def test_a_build_after_the_bonus_does_not_take_item_seven_back(tmp_path: Path) -> None:
    lab = Lab(tmp_path)
    lab.done_through_the_bonus()
    lab.observe()
    # The cache is gone (item 9): the lab's build again finds no registry cache, and its
    # CACHED steps come from the builder's local cache.
    entry_id = record_build(lab.history, "lab-second-build.log", 500.0)
    entry = lab.history.get(entry_id).entry
    summary = replace(entry.summary, cache_import="not-found", cache_import_detail="not found")
    lab.history.delete(entry_id)
    lab.history.add(
        started=500.0, argv=entry.argv, command=entry.command, summary=summary,
        log_lines=lab.history.get(1).log.splitlines(),
    )  # fmt: skip
    obs = lab.observe()
    seven = evaluate(obs).item("cache-import")
    assert seven.status is Status.DONE and seven.kept
    assert seven.build_ids == (1, 2)
    assert seven.note is not None
    assert "found no registry cache (it was deleted, as item 9 asks)" in seven.note
    assert evaluate(obs).progress == "7/9"


def test_an_accepted_item_is_marked_the_same_in_the_pane_and_in_lab_status(
    tmp_path: Path,
) -> None:
    lab = Lab(tmp_path)
    obs = lab.observe()
    guide = evaluate(obs)
    builder = guide.item("builder")
    pane_mark = item_row(builder, str)[0].plain
    line = next(line for line in status_lines(guide, obs, "en") if "2. " in line)
    assert line.startswith(pane_mark + " 2. ")
    assert pane_mark == MARKS[builder.status][0]


def test_records_of_version_one_are_read_with_ids_and_times(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "prunes": [{"at": 150.0, "builder": "default", "reclaimed": 1, "records": 2}],
                "deletions": [
                    {
                        "at": 300.0,
                        "registry": "r",
                        "deletion": "cachedata1:latest",
                        "kinds": ["cache"],
                        "requests": [],
                        "freed": 9,
                    }
                ],
            }
        )
    )
    records = RecordBook(path).read()
    assert records.prunes[0].id == "prune-1" and records.prunes[0].records == 2
    assert records.deletions[0].id == "deletion-1" and records.deletions[0].at == 300.0
    RecordBook(path, clock=lambda: 400.0).add_prune("lab7", 5, 6)
    document = json.loads(path.read_text())
    assert [p["id"] for p in document["prunes"]] == ["prune-1", "prune-2"]
    assert document["prunes"][1]["at"] == iso_time(400.0)
    assert path.stat().st_mode & 0o777 == 0o600
