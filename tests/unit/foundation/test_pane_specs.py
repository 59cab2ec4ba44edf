"""One spec per pane, and every place a lab item points at is a pane with that action.

A lab item names where Enter takes the user as a `Target` (a pane, and the preset it
is filled in with); the app runs the action the pane's spec gives the preset. A target
whose pane has no spec, whose preset the pane's spec does not know, or whose action the
pane does not have, would take the user nowhere: these tests fail instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from buildtui.app.commands import APP_COMMANDS
from buildtui.app.panes import PANE_SPECS, SPECS, Pane
from buildtui.app.wiring import WIRING
from buildtui.lab.guide import Observations, evaluate
from buildtui.lab_records import RecordBook
from buildtui.pane_ids import PaneId, Preset, Target
from tests.fakes.status import healthy_status


def test_every_pane_has_one_spec_with_its_own_key() -> None:
    assert [spec.id for spec in PANE_SPECS] == list(PaneId)
    assert set(SPECS) == set(PaneId)
    assert set(WIRING) == set(PaneId)
    keys = [spec.key for spec in PANE_SPECS]
    assert len(set(keys)) == len(keys)
    for spec in PANE_SPECS:
        assert issubclass(WIRING[spec.id].pane_class(), Pane), spec.id


def test_every_pane_is_shown_by_its_key_and_from_a_text_field() -> None:
    actions = {command.key: command.action for command in APP_COMMANDS}
    for spec in PANE_SPECS:
        assert actions[spec.key] == f"show_pane('{spec.id}')"
        assert actions[f"alt+{spec.key}"] == f"show_pane('{spec.id}')"


@pytest.mark.parametrize("target", list(Target), ids=lambda target: target.name)
def test_every_lab_target_resolves_to_a_pane_and_an_action_it_has(target: Target) -> None:
    spec = SPECS[target.pane]
    pane_class = WIRING[spec.id].pane_class()
    if target.preset is not None:
        assert target.preset in spec.presets, f"the {spec.id} pane has no {target.preset} preset"
        action = spec.presets[target.preset]
        assert callable(getattr(pane_class, f"action_{action}", None)), (
            f"{pane_class.__name__} has no action {action!r}"
        )


@pytest.mark.parametrize("preset", list(Preset))
def test_every_preset_is_one_pane_s_action(preset: Preset) -> None:
    panes = [spec for spec in PANE_SPECS if preset in spec.presets]
    assert len(panes) == 1, preset
    action = panes[0].presets[preset]
    pane_class = WIRING[panes[0].id].pane_class()
    assert callable(getattr(pane_class, f"action_{action}", None)), action


def test_the_guide_s_items_point_at_targets(tmp_path: Path) -> None:
    obs = Observations(
        registry_host="localhost:5000",
        registry_container="registry7",
        engine=healthy_status(),
        records=RecordBook(tmp_path / "records.json").read(),
    )
    items = evaluate(obs).items
    assert len(items) == 9
    for item in items:
        assert isinstance(item.target, Target), item.key
        assert (item.pane, item.preset) == item.target.value
