"""`lab up`'s spec and its owner-only record of what it created (no engine needed)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from buildtui.lab.setup import LabSpec
from buildtui.lab.setup_record import LabError, LabRecord, load_record, save_record


def test_the_registry_is_published_on_loopback_unless_exposed() -> None:
    spec = LabSpec("lab-reg", "http://localhost:5071")
    assert spec.publish == ("127.0.0.1:5071", 5000)
    assert spec.volume_name == "lab-reg-data"
    exposed = LabSpec("lab-reg", "http://localhost:5071", expose=True, volume="mine")
    assert exposed.publish == ("5071", 5000)
    assert exposed.volume_name == "mine"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://192.168.1.10:5000", "not on it"),
        ("https://localhost:5000", "plain HTTP"),
    ],
)
def test_a_registry_lab_up_cannot_start_is_refused(url: str, says: str) -> None:
    with pytest.raises(LabError, match=says):
        LabSpec("lab-reg", url).validate()
    LabSpec("lab-reg", "http://127.0.0.1:5000").validate()


def test_the_record_is_owner_only_and_goes_when_it_names_nothing(tmp_path: Path) -> None:
    record = LabRecord("lab-reg", container_id="abc", volume="lab-reg-data")
    path = save_record(record, tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    loaded = load_record("lab-reg", tmp_path)
    assert loaded is not None
    assert (loaded.container_id, loaded.volume, loaded.builder) == ("abc", "lab-reg-data", None)
    assert load_record("other", tmp_path) is None
    save_record(LabRecord("lab-reg"), tmp_path)
    assert not path.exists()


def test_a_damaged_record_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "lab" / "lab-reg.json"
    path.parent.mkdir()
    path.write_text("{not json")
    with pytest.raises(LabError, match="remove what it created by hand"):
        load_record("lab-reg", tmp_path)


def test_the_forms_memory_is_owner_only_and_forgives_a_damaged_file(tmp_path: Path) -> None:
    from buildtui.buildx.models import CreateOptions, CreateRequest
    from buildtui.forms import FormMemory, create_request_from, create_request_values

    forms = FormMemory(tmp_path)
    assert forms.load("build") == {}
    request = CreateRequest(
        CreateOptions(name="lab7", driver_options=("network=host",), use=True),
        host_network=True,
        plain_http_hosts=("localhost:5000",),
    )
    forms.save("builder-create", create_request_values(request))
    path = forms.path("builder-create")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert create_request_from(forms.load("builder-create")) == request
    path.write_text("[1, 2")
    assert forms.load("builder-create") == {}
    damaged = create_request_from({"options": {"name": "x", "use": "yes", "bogus": 1}})
    assert damaged is not None and damaged.options == CreateOptions(name="x")
    assert create_request_from({"options": "nope"}) is None


def test_a_record_the_disk_cannot_take_says_no_space_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    from buildtui.lab import setup

    def full(record: LabRecord, base: Path | None = None) -> Path:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(setup, "save_record", full)

    with pytest.raises(LabError) as caught:
        setup.keep_record(LabRecord("lab-reg", volume="lab-reg-data"))

    message = str(caught.value)
    assert "no space left on device" in message and "lab-reg.json could not be written" in message
    assert " free on " in message and "move" not in message
