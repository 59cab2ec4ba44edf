"""Parsers against output captured from buildx 0.13.1 on the lab engine (tests/unit/buildx/data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildtui.buildx.parsing import (
    ParseError,
    human_size,
    parse_du,
    parse_du_table,
    parse_du_verbose,
    parse_go_duration,
    parse_human_duration,
    parse_inspect,
    parse_ls_json,
    parse_ls_table,
    parse_ls_template,
    parse_platforms,
    parse_size,
)

DATA = Path(__file__).parent / "data"


def data(name: str) -> str:
    return (DATA / name).read_text()


def test_template_gives_builders_nodes_and_the_current_one() -> None:
    builders = parse_ls_template(data("ls_template.txt"))
    assert [b.name for b in builders] == ["labx", "plain", "remote1", "stopped1", "default"]
    assert [b.name for b in builders if b.current] == ["labx"]
    labx = builders[0]
    assert labx.driver == "docker-container"
    assert [n.name for n in labx.nodes] == ["labx0", "labx-arm"]
    first = labx.nodes[0]
    assert first.endpoint == "unix:///var/run/docker.sock"
    assert first.status == "inactive"
    assert first.driver_options == {"network": "host"}
    assert first.flags == ("--debug", "--allow-insecure-entitlement=network.host")
    assert [str(p) for p in first.platforms] == ["linux/amd64*", "linux/arm64*"]
    assert labx.nodes[1].endpoint == "unix:///run/docker.sock"
    assert labx.nodes[1].platforms == ()
    assert labx.last_activity is not None and labx.last_activity.year == 2026


def test_template_marks_only_hand_set_platforms() -> None:
    default = parse_ls_template(data("ls_template.txt"))[-1]
    node = default.nodes[0]
    assert node.status == "running"
    assert node.buildkit == "v0.0.0+unknown"
    assert node.platform_names == ("linux/amd64", "linux/amd64/v2", "linux/amd64/v3", "linux/arm64")
    assert not any(p.set_by_hand for p in node.platforms)
    assert default.is_context_builder


def test_template_decodes_the_buildkitd_config_file() -> None:
    plain = parse_ls_template(data("ls_template.txt"))[1]
    assert plain.nodes[0].files["buildkitd.toml"] == (
        '\n[registry]\n\n  [registry."myhost:5000"]\n    http = true\n'
    )


def test_template_statuses() -> None:
    builders = {b.name: b for b in parse_ls_template(data("ls_template.txt"))}
    assert builders["stopped1"].status == "stopped"
    assert builders["remote1"].nodes[0].endpoint == "tcp://127.0.0.1:1234"
    assert builders["stopped1"].nodes[0].driver_options == {"image": "buildtui-lab/busybox:amd64"}


def test_template_builder_error_is_kept_not_raised() -> None:
    builders = parse_ls_template(data("ls_template_engine_down.txt"))
    default = builders[-1]
    assert default.current
    assert default.status == "error"
    assert default.error is not None and "Cannot connect to the Docker daemon" in default.error
    assert builders[0].status == "inactive"


def test_template_skips_duplicate_builders() -> None:
    text = data("ls_template.txt")
    lines = text.splitlines()
    doubled = "\n".join([*lines, *lines[1:4]])
    assert [b.name for b in parse_ls_template(doubled)].count("labx") == 1


def test_template_rejects_garbage() -> None:
    with pytest.raises(ParseError):
        parse_ls_template("NAME/NODE|PLATFORMS|\nsomething else\n")


def test_json_output_of_0_13_is_deduplicated() -> None:
    text = data("ls_json.txt")
    assert len(text.splitlines()) == 11  # 5 builders, each repeated per node row
    builders = parse_ls_json(text)
    assert [b.name for b in builders] == ["labx", "plain", "remote1", "stopped1", "default"]
    assert not any(b.current for b in builders)  # 0.13 has no Current field


def test_json_current_field_of_newer_buildx_is_used() -> None:
    line = '{"Name":"b1","Driver":"docker-container","Current":true,"Nodes":[]}'
    assert parse_ls_json(line)[0].current


def test_plain_table_is_parsed_by_header_offsets() -> None:
    builders = parse_ls_table(data("ls_table.txt"))
    assert [b.name for b in builders] == ["labx", "plain", "remote1", "stopped1", "default"]
    assert builders[0].current
    assert builders[0].nodes[0].endpoint == "unix:///var/run/docker.sock"
    assert [str(p) for p in builders[0].nodes[0].platforms] == ["linux/amd64*", "linux/arm64*"]
    assert builders[3].nodes[0].status == "stopped"
    assert builders[4].nodes[0].buildkit == "v0.0.0+unknown"


def test_inspect_keeps_every_field_and_section() -> None:
    inspection = parse_inspect(data("inspect_default.txt"))
    assert inspection.name == "default"
    assert inspection.driver == "docker"
    assert inspection.get("Last Activity") is None  # never used in the capture's config
    (node,) = inspection.nodes
    assert node.get("Status") == "running"
    assert node.get("BuildKit version") == "v0.0.0+unknown"
    (labels,) = node.sections
    assert labels.title == "Labels"
    assert ("org.mobyproject.buildkit.worker.executor", "containerd") in labels.entries


def test_inspect_of_two_nodes() -> None:
    inspection = parse_inspect(data("inspect_labx.txt"))
    assert (inspection.get("Last Activity") or "").endswith("+0000 UTC")
    assert [n.name for n in inspection.nodes] == ["labx0", "labx-arm"]
    assert inspection.nodes[0].get("Driver Options") == 'network="host"'
    assert inspection.nodes[0].get("Platforms") == "linux/amd64*, linux/arm64*"
    assert inspection.nodes[1].get("Endpoint") == "unix:///run/docker.sock"


def test_inspect_sections_gc_policy_and_files() -> None:
    text = (
        "Name:          b\nDriver:        docker-container\n\nNodes:\n"
        "Name:                  b0\nEndpoint:              unix:///var/run/docker.sock\n"
        "Status:                running\nGC Policy rule#0:\n All:           false\n"
        " Filters:       type==source.local\n Keep Duration: 48h0m0s\n"
        'File#buildkitd.toml:\n > [registry."h:5000"]\n >   http = true\n'
    )
    node = parse_inspect(text).nodes[0]
    assert [s.title for s in node.sections] == ["GC Policy rule#0", "File#buildkitd.toml"]
    assert ("Keep Duration", "48h0m0s") in node.sections[0].entries
    assert [v for _, v in node.sections[1].entries] == ['[registry."h:5000"]', "  http = true"]


def test_inspect_error_line() -> None:
    text = "Name:          default\nDriver:        \nError:         Cannot connect\n"
    inspection = parse_inspect(text)
    assert inspection.error == "Cannot connect"
    assert inspection.nodes == ()


def test_inspect_rejects_other_text() -> None:
    with pytest.raises(ParseError):
        parse_inspect("hello\n")


def test_du_table_records_and_totals() -> None:
    usage = parse_du_table(data("du_table.txt"))
    assert len(usage.records) == 19
    first = usage.records[0]
    assert first.id == "l305tv0cx7geu9bxk3dkdiv07"
    assert first.reclaimable and first.shared and not first.mutable
    assert first.size == "1.065MB" and first.size_bytes == 1_065_000
    assert first.last_accessed == "About a minute ago"
    mutable = next(r for r in usage.records if r.id == "diiyyfpv36sgd0i1ff13pguez")
    assert mutable.mutable and not mutable.shared
    assert (usage.shared, usage.private, usage.reclaimable, usage.total) == (
        "2.117MB",
        "36.86kB",
        "2.153MB",
        "2.153MB",
    )
    # The rounded record sizes add up to the printed total.
    assert abs(usage.total_bytes - parse_size(usage.total)) < 10_000


def test_du_verbose_has_the_same_records_and_more() -> None:
    table = parse_du_table(data("du_table.txt"))
    verbose = parse_du_verbose(data("du_verbose.txt"))
    assert [r.id for r in verbose.records] == [r.id for r in table.records]
    assert verbose.total == table.total
    described = [r for r in verbose.records if r.description.startswith("mount / from exec")]
    assert described and all(r.parents for r in described)
    assert {r.record_type for r in verbose.records} == {"regular", "source.local"}
    assert all(r.created_at.startswith("2026-") for r in verbose.records)


def test_du_detects_its_format() -> None:
    assert parse_du(data("du_verbose.txt")).records[0].usage_count is not None
    assert parse_du(data("du_table.txt")).records[0].usage_count is None


def test_du_of_an_empty_builder() -> None:
    usage = parse_du("Reclaimable:\t0B\nTotal:\t\t0B\n")
    assert usage.records == () and usage.total == "0B" and usage.shared is None


def test_prune_output_lists_what_went() -> None:
    result = parse_du(data("prune_verbose.txt"))
    (record,) = result.records
    assert record.id == "i9f7zvdj23pebtcgh54lofo3z"
    assert record.description == "mount / from exec /bin/sh -c echo cap30963 > /m"
    assert result.total == "24.58kB"


def test_du_rejects_other_text() -> None:
    with pytest.raises(ParseError):
        parse_du_table("ID RECLAIMABLE SIZE\nnot a row\n")


@pytest.mark.parametrize(
    ("text", "size"),
    [("0B", 0), ("8.192kB", 8192), ("1.065MB*", 1_065_000), ("2.5GB", 2_500_000_000)],
)
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize(("size", "text"), [(0, "0B"), (8192, "8.192kB"), (1_065_000, "1.065MB")])
def test_human_size_matches_buildx(size: int, text: str) -> None:
    assert human_size(size) == text


def test_bad_size() -> None:
    with pytest.raises(ParseError):
        parse_size("lots")


def test_platform_list() -> None:
    assert [(p.name, p.set_by_hand) for p in parse_platforms("linux/amd64*, linux/arm64")] == [
        ("linux/amd64", True),
        ("linux/arm64", False),
    ]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("Less than a second ago", 0),
        ("5 seconds ago", 5),
        ("About a minute ago", 60),
        ("About an hour ago", 3600),
        ("3 days ago", 3 * 86400),
        ("2 weeks ago", 14 * 86400),
    ],
)
def test_human_durations(text: str, seconds: float) -> None:
    assert parse_human_duration(text) == seconds


def test_go_durations() -> None:
    assert parse_go_duration("24h") == 86400
    assert parse_go_duration("1h30m") == 5400
    with pytest.raises(ParseError):
        parse_go_duration("1 day")
