"""Advice across builds: where the cache broke in several kept builds of one Dockerfile
becomes a change to that Dockerfile, with its line numbers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from buildtui.builds.advice import advise
from buildtui.builds.dockerfile import parse
from buildtui.builds.misses import with_misses
from buildtui.i18n import speaking
from tests.fakes.forecast import Project, planned_summary

NODE = """\
FROM node:20 AS app
WORKDIR /app
COPY . .
RUN npm ci
RUN npm run build
RUN npm test
CMD ["node", "dist/index.js"]
"""


def history_of(
    project: Project, changes: list[dict[str, str]], *extra: str, cached: int = 0
) -> None:
    """Keep a first build, then one build after each change of files, each with the
    first misses misses.py finds: its counted steps before step `cached` came from the
    cache, the others ran."""
    project.keep(None, *extra)
    for change in changes:
        for name, text in change.items():
            (project.context / name).write_text(text)
        evidence = project.evidence(*extra)
        assert evidence.dockerfile_text is not None
        label = parse(evidence.dockerfile_text).stages[-1].label
        statuses = {(label, index): "cached" for index in range(2, cached)}
        summary = planned_summary(evidence.dockerfile_text, statuses=statuses)
        earlier = project.history.earlier(evidence)
        summary = with_misses(summary, evidence, earlier)
        project.keep(summary, *extra)


def test_copying_everything_before_the_install_advises_the_manifest_first(
    tmp_path: Path,
) -> None:
    project = Project(
        tmp_path,
        NODE,
        {"package.json": "{}", "package-lock.json": "{}", "src/index.js": "0", "README": "r"},
    )
    changes = [{"src/index.js": str(i)} for i in range(1, 4)] + [{"README": "x"}]
    history_of(project, changes, cached=3)
    advice = advise(project.history.of_project(None))
    assert advice.builds == 5
    [item] = advice.items
    assert (item.reason, item.line, item.count) == ("files", 3, 4)
    assert item.text == (
        "In 4 of 5 builds `COPY . .` (line 3) missed because of src/, README; copying the "
        "dependency manifest first (COPY package.json package-lock.json ./) and running the "
        "install (`RUN npm ci`, line 4) before it would keep step 4 cached when only your "
        "sources change."
    )
    assert advice.lines() == [item.text]
    assert advice.to_json()["items"][0]["line"] == 3
    with speaking("pl"):
        [polish] = advise(project.history.of_project(None)).items
    assert polish.text == (
        "W 4 z 5 budowań `COPY . .` (wiersz 3) chybił cache z powodu src/, README; "
        "skopiowanie najpierw pliku z zależnościami (COPY package.json package-lock.json ./) "
        "i wykonanie instalacji (`RUN npm ci`, wiersz 4) przed nim zachowałoby w cache "
        "krok 4, gdy zmieniają się tylko twoje źródła."
    )


def test_files_that_are_not_sources_go_to_dockerignore(tmp_path: Path) -> None:
    dockerfile = "FROM busybox\nCOPY . /app\nRUN ls /app\n"
    project = Project(tmp_path, dockerfile, {".git/HEAD": "a", "app.sh": "x"})
    history_of(project, [{".git/HEAD": f"commit {i}"} for i in range(3)])
    [item] = advise(project.history.of_project(None)).items
    assert item.text.startswith("In 3 of 4 builds `COPY . /app` (line 2) missed because of .git/;")
    assert ".git/ is not needed to build: add it to .dockerignore" in item.text


def test_an_early_arg_advises_declaring_it_before_its_use(tmp_path: Path) -> None:
    dockerfile = (
        "FROM busybox\nARG VERSION\nRUN echo setup\nRUN echo more setup\nRUN echo $VERSION\n"
    )
    project = Project(tmp_path, dockerfile, {})
    project.keep(None, "--build-arg", "VERSION=1")
    for version in ("2", "3"):
        evidence = project.evidence("--build-arg", f"VERSION={version}")
        assert evidence.dockerfile_text is not None
        summary = with_misses(
            planned_summary(evidence.dockerfile_text), evidence, project.history.earlier(evidence)
        )
        project.keep(summary, "--build-arg", f"VERSION={version}")
    [item] = advise(project.history.of_project(None)).items
    assert item.reason == "build-arg" and item.line == 3
    assert item.text == (
        "In 2 of 3 builds `RUN echo setup` (line 3) ran again because build argument "
        "VERSION changed; ARG VERSION (line 2) is declared long before its first use (line "
        "5): every RUN after it runs again when it changes; declared just before line 5, "
        "steps 2\u20133 would stay cached."
    )


def test_a_habit_seen_once_or_asked_for_gives_no_advice(tmp_path: Path) -> None:
    project = Project(tmp_path, NODE, {"src/index.js": "0"})
    history_of(project, [{"src/index.js": "1"}])
    assert advise(project.history.of_project(None)).items == ()
    project2 = Project(tmp_path / "p2", NODE, {"src/index.js": "0"})
    for _ in range(3):
        evidence = project2.evidence("--no-cache")
        summary = with_misses(planned_summary(NODE), evidence, project2.history.earlier(evidence))
        project2.keep(summary, "--no-cache")
    advice = advise(project2.history.of_project(None))
    assert advice.items == ()
    assert advice.lines()[0].startswith("No advice: in the 3 kept builds of Dockerfile, the cache")


def test_no_kept_build_no_advice() -> None:
    assert advise([]).lines() == [
        "No build of this Dockerfile and context is kept yet: nothing to advise."
    ]


def test_a_moving_base_advises_a_digest(tmp_path: Path) -> None:
    project = Project(tmp_path, "FROM busybox:1\nRUN echo hi\n", {})
    digests = ["sha256:" + str(i) * 64 for i in range(3)]
    project.keep(
        planned_summary("FROM busybox:1\nRUN echo hi\n", digests={"busybox:1": digests[0]})
    )
    for digest in digests[1:]:
        evidence = project.evidence()
        summary = planned_summary("FROM busybox:1\nRUN echo hi\n", digests={"busybox:1": digest})
        summary = with_misses(summary, evidence, project.history.earlier(evidence))
        project.keep(summary)
    [item] = advise(project.history.of_project(None)).items
    assert item.reason == "base-image" and item.line == 2
    assert "pin it (FROM busybox:1@sha256:…" in item.text
    assert replace(item, text="").count == 2


def test_a_narrow_copy_advises_moving_what_does_not_need_it(tmp_path: Path) -> None:
    dockerfile = "FROM busybox AS b\nWORKDIR /app\nCOPY src/ /app/src/\nRUN make\nRUN uname -m\n"
    project = Project(tmp_path, dockerfile, {"src/a.c": "0"})
    history_of(project, [{"src/a.c": "1"}, {"src/a.c": "2"}], cached=3)
    [item] = advise(project.history.of_project(None)).items
    assert item.text == (
        "In 2 of 3 builds `COPY src/ /app/src/` (line 3) missed because of src/; steps 4\u20135 "
        "after it ran each time too: those that do not need what it copies stay cached if "
        "they come before it."
    )
