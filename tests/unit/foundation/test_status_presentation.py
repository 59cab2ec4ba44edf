from __future__ import annotations

from buildtui.app.widgets.status_bar import status_text
from buildtui.engine.probe import emulated_platforms
from buildtui.engine.status import EngineStatus
from tests.fakes.status import engine_down_status, healthy_status


def test_status_line_before_the_first_probe() -> None:
    assert "Checking" in status_text(None, "registry7").plain


def test_status_line_healthy() -> None:
    plain = status_text(healthy_status(), "registry7").plain
    assert "Docker 26.1.5 (default, containerd)" in plain
    assert "buildx 0.13.1" in plain
    assert "builder default (docker)" in plain
    assert "registry7 up (localhost:5000)" in plain
    assert "press d" not in plain
    # The registry and the builder come before the versions: a narrow terminal cuts those.
    assert plain.index("registry7 up") < plain.index("builder") < plain.index("Docker")
    with_lab = status_text(healthy_status(), "registry7", "3/9").plain
    assert with_lab.startswith("lab 3/9 │ registry7 up")


def test_status_line_engine_down_says_what_is_missing() -> None:
    text = status_text(engine_down_status(), "registry7")
    assert "Docker not reachable" in text.plain
    assert "registry7 down (localhost:5000)" in text.plain
    assert "press d for fixes" in text.plain
    red = [text.plain[span.start : span.end] for span in text.spans if "red" in str(span.style)]
    assert "not reachable" in red
    assert "down (localhost:5000)" in red


def test_deletion_disabled_is_flagged() -> None:
    status = EngineStatus(
        registry_url="http://localhost:5000", registry_up=True, registry_delete_enabled=False
    )
    assert "delete off" in status_text(status, "registry7").plain


def test_emulated_platforms_reads_binfmt_dir(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "qemu-aarch64").write_text("enabled")
    (tmp_path / "qemu-riscv64").write_text("enabled")
    (tmp_path / "register").write_text("")
    assert emulated_platforms(tmp_path) == ("aarch64", "riscv64")
    assert emulated_platforms(tmp_path / "absent") == ()
