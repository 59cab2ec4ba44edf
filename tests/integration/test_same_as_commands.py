"""Every "Same as" command the Registry pane and `buildtui inspect` offer is run as pasted,
against the real registry:2, for each kind of reference: an index, an image, an
attestation (by digest), a cache image in the index form and in the image-manifest form;
on the lab registry (localhost) and on the same registry reached at an address that is
not on this machine (its container's bridge IP), where imagetools would try HTTPS.

Each command must succeed and show the document the pane shows: imagetools its digest,
`--raw` and curl its bytes, `docker manifest inspect` its media type.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from buildtui.registry.models import Kind
from buildtui.registry.scan import ImageReport
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings
from tests.integration.lab import TestRegistry, docker, docker_push, unique


@dataclass
class Pushed:
    registry: TestRegistry
    repository: str
    index_cache: str
    manifest_cache: str


@pytest.fixture(scope="module")
def pushed(
    registry: TestRegistry, base_image: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pushed]:
    """A two-platform image with provenance, and its cache in both forms."""
    context = tmp_path_factory.mktemp("same-as")
    (context / "Dockerfile").write_text(
        f"FROM {base_image} AS build\nRUN echo {unique('stage')} > /a\n"
        f"FROM {base_image}\nCOPY --from=build /a /a\n"
    )
    out = Pushed(registry, unique("same-as-lab"), unique("same-as-cache"), unique("same-as-cim"))
    docker_push(
        "buildx", "build", "--progress=quiet", "--platform", "linux/amd64,linux/arm64",
        "--provenance=mode=min", "-t", registry.ref(out.repository, "cachetest"), "--push",
        "--cache-to", f"type=registry,ref={registry.ref(out.index_cache)},mode=max",
        "--cache-to",
        f"type=registry,ref={registry.ref(out.manifest_cache)},mode=max,image-manifest=true,"
        "oci-mediatypes=true",
        str(context),
        timeout=600,
    )  # fmt: skip
    try:
        yield out
    finally:
        docker("rmi", "-f", registry.ref(out.repository, "cachetest"), check=False)


def bridge_address(registry: TestRegistry) -> str:
    """The registry's container at its bridge IP: plain HTTP, not a loopback address."""
    ip = docker(
        "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
        registry.container,
    ).stdout.strip()  # fmt: skip
    assert ip and not ip.startswith("127."), ip
    return f"{ip}:5000"


def offered(url: str, repository: str, reference: str) -> tuple[ImageReport, list[str]]:
    async def read() -> tuple[ImageReport, list[str]]:
        service = RegistryService(Settings(registry_url=url))
        try:
            report = await service.inspect(repository, reference)
            return report, service.commands(report)
        finally:
            await service.aclose()

    return asyncio.run(read())


def run_pasted(command: str) -> bytes:
    """The command as a user pastes it into a shell."""
    result = subprocess.run(["bash", "-c", command], capture_output=True, timeout=120)
    assert result.returncode == 0, f"`{command}` failed: {result.stderr.decode()}"
    return result.stdout


def assert_shows(report: ImageReport, command: str) -> None:
    output = run_pasted(command)
    if command.startswith("docker buildx imagetools inspect --raw") or command.startswith("curl"):
        assert output == report.manifest.raw, command
    elif command.startswith("docker buildx imagetools inspect"):
        assert f"Digest:    {report.digest}" in output.decode(), command
    elif command.startswith("docker manifest inspect"):
        assert json.loads(output)["mediaType"] == report.manifest.media_type, command
    else:
        raise AssertionError(f"a command this test does not know: {command}")


def attestation_digest(report: ImageReport) -> str:
    return next(c.descriptor.digest for c in report.children if c.kind is Kind.ATTESTATION)


@pytest.mark.parametrize("where", ["lab", "elsewhere"])
def test_each_offered_command_works_when_pasted(pushed: Pushed, where: str) -> None:
    registry = pushed.registry
    host = registry.host if where == "lab" else bridge_address(registry)
    url = f"http://{host}"
    if where == "elsewhere":
        assert httpx.get(f"{url}/v2/", timeout=5).status_code == 200
    index, _ = offered(url, pushed.repository, "cachetest")
    references = [
        (Kind.INDEX, pushed.repository, "cachetest"),
        (Kind.IMAGE, "busybox", "amd64"),
        (Kind.ATTESTATION, pushed.repository, attestation_digest(index)),
        (Kind.CACHE, pushed.index_cache, "latest"),
        (Kind.CACHE, pushed.manifest_cache, "latest"),
    ]
    every: list[str] = []
    for kind, repository, reference in references:
        report, commands = offered(url, repository, reference)
        assert report.kind is kind, (repository, reference, report.kind)
        assert commands, (kind, repository)
        for command in commands:
            assert host in command
            assert_shows(report, command)
        every += commands
    if where == "lab":  # both tools on this machine's registry
        assert any(c.startswith("docker buildx imagetools") for c in every)
        assert any(c.startswith("docker manifest inspect --insecure") for c in every)
    else:  # imagetools would try HTTPS there
        assert not any("imagetools" in c for c in every)
        assert any(c.startswith("curl") for c in every)


def test_the_cache_is_never_offered_to_docker_manifest_inspect(pushed: Pushed) -> None:
    """What the pane offered before: `docker manifest inspect --insecure` of a cache in the
    index form, which registry:2 answers with a 500."""
    ref = pushed.registry.ref(pushed.index_cache)
    old = subprocess.run(
        ["docker", "manifest", "inspect", "--insecure", ref], capture_output=True, timeout=60
    )
    assert old.returncode != 0 and b"500" in old.stderr
    _, commands = offered(f"http://{pushed.registry.host}", pushed.index_cache, "latest")
    assert not any("manifest inspect" in command for command in commands)


def test_inspect_prints_only_commands_that_work(pushed: Pushed, tmp_path: Path) -> None:
    """`buildtui inspect`'s "Same as" lines, for a cache image, run as printed."""
    registry = pushed.registry
    result = subprocess.run(
        [sys.executable, "-m", "buildtui", "--registry", f"http://{registry.host}", "inspect",
         f"{pushed.index_cache}:latest"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("Same as:\n", 1)[1].splitlines()
    commands = [line.strip() for line in lines if line.startswith("  ")]
    assert commands == [
        f"docker buildx imagetools inspect --raw {registry.ref(pushed.index_cache)}"
    ]
    for command in commands:
        run_pasted(command)
