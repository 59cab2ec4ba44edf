from __future__ import annotations

from pathlib import Path

from buildtui.doctor import emulated_platforms
from buildtui.engine.presentation import check_text, status_failure_text, status_text
from buildtui.engine.status import Check, EngineStatus
from tests.fakes.status import engine_down_status, healthy_status
from tests.unit.styles import stray_style_words, style_of


def test_status_line_before_the_first_probe() -> None:
    text = status_text(None, "registry7")
    assert "Checking" in text.plain
    assert style_of(text, "Checking") == "muted"


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
    errors = [text.plain[s.start : s.end] for s in text.spans if s.style == "bold error"]
    assert errors == ["down (localhost:5000)", "not reachable"]
    assert style_of(text, " │ ") == "muted"
    assert stray_style_words(text) == set()


def test_deletion_disabled_is_flagged() -> None:
    status = EngineStatus(
        registry_url="http://localhost:5000", registry_up=True, registry_delete_enabled=False
    )
    assert "delete off" in status_text(status, "registry7").plain


def test_a_failed_probe_says_what_it_raised_and_how_to_retry() -> None:
    text = status_failure_text(RuntimeError("socket closed"))
    assert text.plain == (
        "status check failed: RuntimeError: socket closed │ ctrl+r tries again, d shows the doctor"
    )
    assert style_of(text, "status check failed: ") == "bold error"
    assert status_failure_text(ValueError()).plain.startswith("status check failed: ValueError │")


def test_doctor_checks_are_marked_so_the_mark_reads_without_colour() -> None:
    ok = check_text(Check("buildx", "ok", "buildx 0.13.1"))
    assert ok.plain == " ✔ buildx: buildx 0.13.1"
    assert style_of(ok, " ✔ ") == "bold success"
    warn = check_text(Check("log", "warn", "off"))
    assert style_of(warn, " ! ") == "bold warning"
    error = check_text(Check("registry", "error", "no registry", "`docker start lab`"))
    assert error.plain == " ✘ registry: no registry\n     fix: `docker start lab`"
    assert style_of(error, " ✘ ") == "bold error"
    assert style_of(error, "`docker start lab`") == "italic"
    for text in (ok, warn, error):
        assert stray_style_words(text) == set()


def test_emulated_platforms_reads_binfmt_dir(tmp_path: Path) -> None:
    (tmp_path / "qemu-aarch64").write_text("enabled")
    (tmp_path / "qemu-riscv64").write_text("enabled")
    (tmp_path / "register").write_text("")
    assert emulated_platforms(tmp_path) == ("aarch64", "riscv64")
    assert emulated_platforms(tmp_path / "absent") == ()


def test_the_reads_running_come_first_while_there_are_any() -> None:
    assert status_text(healthy_status(), "registry7", "3/9", 2).plain.startswith(
        "reading 2… │ lab 3/9"
    )
    assert "reading" not in status_text(healthy_status(), "registry7", "3/9", 0).plain
    assert status_text(None, "registry7", None, 1).plain.startswith("reading 1… │ Checking")


def test_status_line_in_polish_has_its_states_in_words() -> None:
    from buildtui.i18n import speaking

    with speaking("pl"):
        healthy = status_text(healthy_status(), "registry7", "3/9").plain
        down = status_text(engine_down_status(), "registry7").plain
    assert healthy.startswith("lab 3/9 │ registry7 działa (localhost:5000)")
    assert "builder default (docker)" in healthy  # the lab's word, and data
    assert "registry7 nie działa (localhost:5000)" in down
    assert " up " not in healthy + down and " down " not in down


def test_a_doctor_check_in_polish_says_its_fix_in_polish() -> None:
    from buildtui.i18n import speaking

    with speaking("pl"):
        error = check_text(Check("registry", "error", "no registry", "`docker start lab`"))
    assert error.plain.endswith("\n     rozwiązanie: `docker start lab`")
