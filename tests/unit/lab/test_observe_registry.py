"""The guide reads of the lab registry only the repositories its recorded builds name,
however many other tags the class's registry holds."""

from __future__ import annotations

from pathlib import Path

from buildtui.builds.history import BuildHistory
from buildtui.lab.builds import lab_builds
from buildtui.lab.observe import lab_repositories
from tests.fakes.cleanup import lab_fake_registry
from tests.fakes.lab import fake_lab_service, record_build


def test_the_repositories_the_builds_name_on_the_lab_registry(tmp_path: Path) -> None:
    history = BuildHistory(tmp_path / "history.sqlite3")
    record_build(history, "lab-first-build.log", 100.0)
    other = (
        "docker", "buildx", "build", "-t", "localhost:5000/team/app:v1", "-t",
        "docker.io/someone/app:v1", "--cache-from", "type=registry,ref=localhost:5000/base",
        "--cache-to", "type=registry,ref=elsewhere.test/cache", "--push", ".",
    )  # fmt: skip
    record_build(history, "lab-first-build.log", 110.0, other)
    found = lab_repositories(lab_builds(history), "localhost:5000")
    assert found == ["lab", "cachedata1", "team/app", "base"]


def test_the_guide_reads_no_other_repository(tmp_path: Path) -> None:
    registry = lab_fake_registry()
    for number in range(30):
        registry.push_image(f"class/student{number:02d}", "v1", "linux/amd64", (b"x",))
    history = BuildHistory(tmp_path / "history.sqlite3")
    record_build(history, "lab-first-build.log", 100.0)
    service = fake_lab_service(tmp_path, registry, history=history)
    observations = service.observe()
    read = {r.url.path for r in registry.requests}
    assert not any(path.startswith("/v2/class/") for path in read)
    assert "/v2/_catalog" not in read
    assert observations.scan is not None
    assert set(observations.scan.repositories) == {"lab", "cachedata1"}


def test_with_no_build_the_registry_is_only_asked_whether_it_answers(tmp_path: Path) -> None:
    registry = lab_fake_registry()
    service = fake_lab_service(tmp_path, registry)
    observations = service.observe()
    assert [r.url.path for r in registry.requests] == ["/v2/"]
    assert observations.scan is not None and not observations.scan.repositories
    registry.down = True
    assert service.observe().scan_error is not None


def test_a_registry_down_is_down_with_builds_recorded(tmp_path: Path) -> None:
    """With the builds' repositories to read, a registry that does not answer is said to
    be down (what was seen before stays), not empty of the builds' images."""
    registry = lab_fake_registry()
    history = BuildHistory(tmp_path / "history.sqlite3")
    record_build(history, "lab-first-build.log", 100.0)
    service = fake_lab_service(tmp_path, registry, history=history)
    assert not service.observe().registry_down
    registry.down = True
    observations = service.observe()
    assert observations.registry_down
    assert observations.scan_error is not None
