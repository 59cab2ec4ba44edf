"""Summaries (counted like buildx's history, without internal and FROM steps) and explanations."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from buildtui.buildlog.explain import explain, explain_texts
from buildtui.buildlog.model import BuildModel
from buildtui.buildlog.summary import BuildSummary, summarize
from tests.fakes.build import captured_log


def summary_of(name: str, exit_code: int = 0) -> tuple[BuildSummary, BuildModel]:
    model = BuildModel()
    model.feed(captured_log(name))
    model.finish()
    return summarize(model, exit_code=exit_code, wall_seconds=2.5), model


def test_first_build_nothing_cached_cache_not_found() -> None:
    summary, _ = summary_of("lab-first-build.log")
    assert (summary.cached, summary.total) == (0, 10)
    # The two CACHED FROM steps do not count.
    assert [s.status for s in summary.steps if not s.counted] == ["cached", "cached"]
    assert [(p.platform, p.cached, p.total) for p in summary.per_platform] == [
        ("linux/amd64", 0, 5),
        ("linux/arm64", 0, 5),
    ]
    assert summary.cache_import == "not-found"
    assert summary.cache_import_detail is not None
    assert (summary.cache_export, summary.push) == ("ok", "ok")
    assert summary.pushed_digest is not None and summary.pushed_digest.startswith("sha256:4f5e")


def test_second_build_every_counted_step_cached() -> None:
    summary, _ = summary_of("lab-second-build.log")
    assert (summary.cached, summary.total) == (10, 10)
    assert all(s.status == "cached" for s in summary.steps if s.counted)
    assert [s.status for s in summary.steps if not s.counted] == ["done", "done"]
    assert summary.cache_import == "found"


def test_failing_and_canceled_builds() -> None:
    summary, _ = summary_of("failing-run.log", exit_code=1)
    assert [s.status for s in summary.steps] == ["done", "error"]
    assert (summary.cached, summary.total, summary.cache_import) == (0, 1, "none")
    assert summary.per_platform[0].platform is None
    assert summary.errors[0].startswith("process ")
    assert not summary.succeeded
    summary, _ = summary_of("canceled.log", exit_code=1)
    assert [s.status for s in summary.steps] == ["cached", "canceled"]
    assert summary.push == "none"


def test_summary_json_round_trip() -> None:
    summary, _ = summary_of("lab-first-build.log")
    data = json.loads(json.dumps(summary.to_json()))
    assert set(data["steps"][0]) >= {"platform", "stage", "instruction", "status", "seconds"}
    assert data["cache_import"] == "not-found" and data["exit_code"] == 0
    assert BuildSummary.from_json(data) == summary


def test_explain_first_build_cache_import_is_harmless() -> None:
    _, model = summary_of("lab-first-build.log")
    (item,) = explain(model)
    assert item.key == "cache-import-not-found" and item.harmless
    assert item.docs_url.startswith("https://docs.docker.com/")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (
            "ERROR: Multi-platform build is not supported for the docker driver.",
            "multi-platform-docker-driver",
        ),
        ("Cache export is not supported for the docker driver.", "cache-export-docker-driver"),
        ('failed to solve: unknown cache exporter: "azblob"', "cache-backend-docker-driver"),
        (
            'failed to do request: Head "https://10.0.0.5:5000/v2/x/manifests/1": '
            "http: server gave HTTP response to HTTPS client",
            "plain-http-registry",
        ),
        ("0.150 exec /bin/sh: exec format error", "exec-format-error"),
        (
            "failed to configure registry cache importer: localhost:5000/c:latest: not found",
            "cache-import-not-found",
        ),
        (
            "docker exporter does not currently support exporting manifest lists",
            "docker-exporter-manifest-list",
        ),
        (
            "ERROR: unexpected status from HEAD request to http://localhost:32768/v2/lab/"
            "manifests/cachetest: 500 Internal Server Error",
            "registry-server-error",
        ),
    ],
)
def test_known_failures(text: str, key: str) -> None:
    (item,) = explain_texts([text])
    assert item.key == key and item.matched == text
    assert item.fix and item.explanation and item.docs_url.startswith("https://docs.docker.com/")


def test_localhost_refused_only_for_container_builders() -> None:
    text = (
        "failed to push localhost:5000/lab:1: failed to do request: Head "
        '"http://localhost:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused'
    )
    (item,) = explain_texts([text], driver="docker-container")
    assert "network=host" in item.fix
    assert explain_texts([text], driver="docker") == []


def test_nothing_to_explain() -> None:
    assert explain_texts(["#5 DONE 0.1s", "all good"]) == []


def test_domain_packages_do_not_import_textual() -> None:
    code = (
        "import sys, buildtui.buildlog.parser, buildtui.buildlog.model, buildtui.buildlog.summary,"
        " buildtui.buildlog.explain, buildtui.builds.options, buildtui.builds.runner,"
        " buildtui.builds.history, buildtui.builds.live, buildtui.commands.build;"
        " print('textual' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_captured_docker_driver_limit_is_explained() -> None:
    summary, model = summary_of("docker-driver-azblob.log", exit_code=1)
    assert summary.total == 0 and summary.errors == (
        'failed to solve: unknown cache exporter: "azblob"',
    )
    assert [item.key for item in explain(model)] == ["cache-backend-docker-driver"]


def test_cached_steps_without_an_import_are_said_to_come_from_the_local_cache() -> None:
    from buildtui.buildlog.explain import LOCAL_CACHE_HITS, local_cache_hits

    note = local_cache_hits(10, "not-found")
    assert note is not None and note.harmless
    assert "10 steps came from the cache, but the cache import found nothing" in (note.shown()[1])
    assert "docker buildx prune -af" in note.fix
    assert "no cache was imported" in (local_cache_hits(3, "none") or note).explanation
    assert local_cache_hits(10, "found") is None  # the registry cache did its work
    assert local_cache_hits(0, "not-found") is None  # nothing came from any cache

    def keys(name: str) -> list[str]:
        model = BuildModel()
        model.feed(captured_log(name))
        model.finish()
        return [item.key for item in explain(model)]

    assert LOCAL_CACHE_HITS not in keys("lab-second-build.log")  # imported: found, 10/10
    assert LOCAL_CACHE_HITS not in keys("lab-first-build.log")  # 0 cached
    # The same log with its import line gone: the hits can only be the local cache's.
    model = BuildModel()
    model.feed([line for line in captured_log("lab-second-build.log") if "cache" not in line
                or "CACHED" in line])  # fmt: skip
    model.finish()
    summary = summarize(model, exit_code=0, wall_seconds=None)
    assert (summary.cached, summary.cache_import) == (10, "none")
    assert LOCAL_CACHE_HITS in [item.key for item in explain(model)]


@pytest.mark.parametrize(
    ("cached", "english", "polish"),
    [
        (1, "1 step came from the cache, but no cache was imported",
            "1 krok pochodził z cache, ale nie zaimportowano żadnego cache"),
        (2, "2 steps came from the cache, but no cache was imported",
            "2 kroki pochodziły z cache, ale nie zaimportowano żadnego cache"),
        (5, "5 steps came from the cache, but no cache was imported",
            "5 kroków pochodziło z cache, ale nie zaimportowano żadnego cache"),
    ],
)  # fmt: skip
def test_the_local_cache_note_counts_the_steps_in_the_language_it_is_shown_in(
    cached: int, english: str, polish: str
) -> None:
    from buildtui.buildlog.explain import local_cache_hits
    from buildtui.i18n import speaking

    note = local_cache_hits(cached, "none")
    assert note is not None
    assert note.shown()[1].startswith(english + ": BuildKit reused")
    with speaking("pl"):  # made in English, shown in Polish: translated where shown
        assert note.shown()[1].startswith(polish + ": BuildKit użył")
