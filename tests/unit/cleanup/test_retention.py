"""Retention rules: images by date, aliases together, referrers following their subject,
unknown and fake dates kept, the durations and dates read, and the plan they make."""

from __future__ import annotations

import pytest

from buildtui.cleanup.plan import Selection, plan_deletion
from buildtui.cleanup.present_space import retention_json, retention_lines
from buildtui.cleanup.retention import (
    CREATED,
    LAST_MODIFIED,
    PUSHED,
    RetentionRules,
    RuleError,
    TagDate,
    choose,
    parse_created,
    parse_duration,
    parse_http_date,
)
from buildtui.cleanup.steps import StepAction
from tests.fakes.cleanup import GraphBuilder, config, d, layer

DAY = 86400.0
NOW = 1_800_000_000.0


def five_tags_one_alias() -> tuple[GraphBuilder, dict[str, TagDate]]:
    """app:v1 … v5, one a day (v5 the newest), and `stable` on v4's manifest."""
    g = GraphBuilder()
    dates = {}
    for i in range(1, 6):
        tags = (f"v{i}", "stable") if i == 4 else (f"v{i}",)
        g.image("app", f"v{i}", [config(f"v{i} cfg"), layer(f"v{i} layer", 1_000 * i)], *tags)
        for tag in tags:
            dates[tag] = TagDate(NOW - (6 - i) * DAY, CREATED)
    return g, dates


def test_keep_last_counts_images_and_keeps_an_alias_with_its_image() -> None:
    g, dates = five_tags_one_alias()
    choice = choose(g.graph, "app", RetentionRules(keep_last=2), dates, NOW)

    assert set(choice.kept_tags) == {"v5", "v4", "stable"}
    assert set(choice.deleted_tags) == {"v1", "v2", "v3"}
    plan = plan_deletion(g.graph, choice.selections)
    assert plan.ok and not plan.collateral_tags
    assert {s.digest for s in plan.steps} == {d("v1"), d("v2"), d("v3")}
    assert {str(t) for t in plan.remaining_tags} == {"app:v4", "app:v5", "app:stable"}


def test_older_than_and_keep_last_together_delete_only_beyond_both() -> None:
    g, dates = five_tags_one_alias()
    rules = RetentionRules(keep_last=1, older_than=parse_duration("2d12h"))
    choice = choose(g.graph, "app", rules, dates, NOW)

    assert set(choice.deleted_tags) == {"v1", "v2", "v3"}  # 5, 4 and 3 days old
    reasons = {d.tags: d.reason for d in choice.decisions}
    assert reasons[("v5",)] == "one of the 1 newest (#1)"
    assert reasons[("stable", "v4")] == "newer than 60h"
    assert reasons[("v1",)] == "older than 60h, and not one of the 1 newest (#5)"


def test_an_image_with_no_date_is_kept_and_says_why() -> None:
    g, dates = five_tags_one_alias()
    dates["v1"] = TagDate(None, "", "its config says created 1970-01-01T00:00:00Z: not a real date")
    choice = choose(g.graph, "app", RetentionRules(keep_last=0), dates, NOW)

    assert choice.kept_tags == ("v1",)
    (undated,) = [x for x in choice.decisions if x.when is None]
    assert "no date is known" in undated.reason and "1970" in undated.reason


def test_an_index_entry_a_kept_tag_needs_stays_and_its_own_tag_goes_alone() -> None:
    g = GraphBuilder()
    amd = g.image("app", "amd", [config("amd cfg"), layer("amd layer", 900)], "amd64")
    g.index("app", "v1 index", [amd], "v1")
    dates = {"amd64": TagDate(NOW - 10 * DAY, PUSHED), "v1": TagDate(NOW - DAY, CREATED)}
    choice = choose(g.graph, "app", RetentionRules(keep_last=1), dates, NOW)

    assert choice.deleted_tags == ("amd64",)
    plan = plan_deletion(g.graph, choice.selections)
    (step,) = plan.steps
    assert step.action is StepAction.UNTAG and step.kept_digest == amd.digest
    assert plan.reclaimed_bytes == 0


def test_referrer_tags_follow_their_subject_not_the_rules() -> None:
    g, dates = five_tags_one_alias()
    sig = d("v1").replace(":", "-") + ".sig"
    g.image("app", "v1 sig", [config("sig cfg"), layer("sig", 700)], sig)
    dates[sig] = TagDate(NOW, PUSHED)
    choice = choose(g.graph, "app", RetentionRules(keep_last=2), dates, NOW)

    assert sig in choice.kept_tags and "v1" in choice.deleted_tags
    referrer = next(x for x in choice.decisions if x.tags == (sig,))
    assert "a referrer (signature of app:v1)" in referrer.reason
    plan = plan_deletion(g.graph, choice.selections)
    assert [r.tags for r in plan.orphans] == [(sig,)]


def test_untagged_needs_the_storage_and_joins_the_selection() -> None:
    g, dates = five_tags_one_alias()
    g.image("app", "old", [config("old cfg"), layer("old layer", 50)])
    choice = choose(g.graph, "app", RetentionRules(untagged=True), dates, NOW)
    assert choice.selections == (Selection("app", untagged=True),)
    assert choice.deleted_tags == ()

    blind = GraphBuilder(revisions_known=False)
    blind.image("app", "v1", [config("c"), layer("l", 1)], "v1")
    with pytest.raises(RuleError, match="cannot be listed over HTTP"):
        choose(blind.graph, "app", RetentionRules(untagged=True), {}, NOW)


def test_rules_are_checked() -> None:
    g, dates = five_tags_one_alias()
    with pytest.raises(RuleError, match="give a rule"):
        choose(g.graph, "app", RetentionRules(), dates, NOW)
    with pytest.raises(RuleError, match="is not in localhost:5000"):
        choose(g.graph, "nope", RetentionRules(keep_last=1), dates, NOW)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30d", 30 * DAY), ("12h", 43200), ("2w", 14 * DAY), ("1d12h", 1.5 * DAY), ("90m", 5400),
     (" 45s ", 45), ("3D", 3 * DAY)],
)  # fmt: skip
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "30", "d", "1x", "0d", "-3d", "1d 2", "9999999d", "3 days"])
def test_bad_durations_say_what_to_write(text: str) -> None:
    with pytest.raises(RuleError, match=r"write a number and a unit, e\.g\. 30d"):
        parse_duration(text)


def test_dates_from_config_created_and_last_modified() -> None:
    assert parse_created("2026-11-01T10:00:00Z") == 1_793_527_200.0
    assert parse_created("2024-05-06T07:08:09.123456789Z") is not None  # Go's nanoseconds
    assert parse_created("1970-01-01T00:00:00Z") is None  # SOURCE_DATE_EPOCH=0
    assert parse_created("yesterday") is None
    assert parse_created(None) is None
    assert parse_http_date("Sun, 01 Nov 2026 10:00:00 GMT") == 1_793_527_200.0
    assert parse_http_date("garbage") is None


def test_the_decisions_say_each_date_and_where_it_came_from() -> None:
    g, dates = five_tags_one_alias()
    dates["v3"] = TagDate(dates["v3"].when, LAST_MODIFIED)
    dates["v2"] = TagDate(dates["v2"].when, PUSHED)
    choice = choose(g.graph, "app", RetentionRules(keep_last=2), dates, NOW)
    lines = retention_lines(choice)

    assert lines[0] == "Rules for app: keep the last 2"
    assert any("DELETE v3" in x and "(Last-Modified (registry))" in x for x in lines)
    assert any("DELETE v2" in x and "(pushed (registry storage))" in x for x in lines)
    assert any("keep   stable, v4" in x and "(config created)" in x for x in lines)
    document = retention_json(choice)
    assert document["deleted_tags"] == ["v3", "v2", "v1"]
    assert {i["date_source"] for i in document["images"]} == {CREATED, PUSHED, LAST_MODIFIED}
