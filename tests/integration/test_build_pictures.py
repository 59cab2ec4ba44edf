"""The pictures of a real two-platform build (the default builder, arm64 under QEMU):
`--summary-json`'s `stages` (a node per platform and stage, FROM and COPY --from edges)
and `waterfall` (each step's start and seconds; the arm64 steps of a CPU-bound RUN take
several times as long as the amd64 ones, and the ratio says so)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from buildtui.builds.history import BuildHistory
from buildtui.builds.options import argv_for_arguments
from buildtui.builds.runner import BuildRunner
from buildtui.commands.build import run_build
from buildtui.settings import Settings
from tests.integration.lab import unique

LOOP = "i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done; echo {token} $i"


def test_a_two_platform_build_s_stage_graph_and_emulation_ratio(
    base_image: str, tmp_path: Path, image_names: list[str]
) -> None:
    token = unique("pictures")
    (tmp_path / "Dockerfile").write_text(
        f"FROM {base_image} AS work\nRUN {LOOP.format(token=token)} > /out\n\n"
        f"FROM {base_image} AS final\nCOPY --from=work /out /out\nRUN cat /out\n"
    )
    image = f"{token}:1"
    image_names.append(image)
    argv = argv_for_arguments(
        ["--platform", "linux/amd64,linux/arm64", "-t", image, str(tmp_path)], Settings()
    )
    out = io.StringIO()
    summary_path = tmp_path / "summary.json"
    code = run_build(
        argv, BuildRunner(), out, summary_json=summary_path,
        history=BuildHistory(tmp_path / "builds.sqlite3"),
    )  # fmt: skip
    assert code == 0, out.getvalue()
    summary = json.loads(summary_path.read_text())
    nodes = {(n["platform"], n["stage"]): n for n in summary["stages"]["nodes"]}
    assert set(nodes) == {(p, s) for p in ("linux/amd64", "linux/arm64") for s in ("work", "final")}
    assert all(n["state"] == "ran" and n["mark"] == "●" for n in nodes.values())
    edges = {(e["platform"], e["from"], e["to"], e["kind"]) for e in summary["stages"]["edges"]}
    assert ("linux/arm64", "work", "final", "copy") in edges
    assert ("linux/amd64", base_image, "work", "from") in edges
    bars = summary["waterfall"]["bars"]
    assert {b["platform"] for b in bars} == {"linux/amd64", "linux/arm64"}
    assert all(b["start"] >= 0 for b in bars) and summary["waterfall"]["timed"]
    ratio = summary["waterfall"]["emulation"]
    assert (ratio["slow"], ratio["fast"]) == ("linux/arm64", "linux/amd64")
    assert ratio["ratio"] > 1.5, ratio
    assert f"Timing: {ratio['sentence']}." in out.getvalue()
