"""How the lab's registry container was started, and the exact commands that fix it.

Every hint that proposes a docker command (start the registry, run it, recreate it
with deletion on) is built here from `docker container inspect` of the configured
container and `docker image inspect` of its image: its real name, its real published
address and port, its real volume or bind mount and its own environment. A command is
only proposed when it works pasted as it stands; when it cannot (the container is
missing, serves another port, or keeps its storage where recreating it would lose
it), the text says so plainly instead.

The parsing and the wording are pure; `inspect_registry_container` runs the docker CLI
(blocking, for thread workers).
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from buildtui import logs
from buildtui.i18n import _
from buildtui.l10n import number
from buildtui.registry.reference import is_loopback

DEFAULT_ROOT = "/var/lib/registry"
DELETE_ENV = "REGISTRY_STORAGE_DELETE_ENABLED"
LAB_IMAGE = "registry:2"
_ANONYMOUS_VOLUME = re.compile(r"[0-9a-f]{64}")
_ALL_ADDRESSES = ("", "0.0.0.0", "::")


@dataclass(frozen=True)
class Published:
    """One published port: `host_ip:host_port->container_port` (host_port "" = ephemeral)."""

    host_ip: str
    host_port: str
    container_port: str

    @property
    def flag(self) -> str:
        """The `-p` value that publishes it the same way."""
        port = self.container_port.removesuffix("/tcp")
        if self.host_ip in _ALL_ADDRESSES:
            return f"{self.host_port}:{port}" if self.host_port else port
        ip = f"[{self.host_ip}]" if ":" in self.host_ip else self.host_ip
        return f"{ip}:{self.host_port}:{port}"

    def __str__(self) -> str:
        return f"{self.host_ip or '0.0.0.0'}:{self.host_port or '(any)'}->{self.container_port}"


@dataclass(frozen=True)
class MountSpec:
    """A volume or bind mount of the container (tmpfs: `kind` "tmpfs", no source)."""

    kind: str
    source: str
    destination: str
    read_only: bool = False

    @property
    def anonymous(self) -> bool:
        return self.kind == "volume" and bool(_ANONYMOUS_VOLUME.fullmatch(self.source))

    @property
    def args(self) -> list[str]:
        if self.kind == "tmpfs":
            return ["--tmpfs", self.destination]
        suffix = ":ro" if self.read_only else ""
        return ["-v", f"{self.source}:{self.destination}{suffix}"]

    def holds(self, path: str) -> bool:
        top = self.destination.rstrip("/") or "/"
        return path == top or path.startswith(top.rstrip("/") + "/")


@dataclass(frozen=True)
class RegistryRun:
    """What `docker run` recreates the container with (read from `docker inspect`)."""

    name: str
    image: str
    """The image as it was named at `docker run` (its ID when that name moved since)."""
    running: bool
    auto_remove: bool
    looks_like_registry: bool
    env: tuple[tuple[str, str], ...]
    """The container's own environment (the image's defaults left out)."""
    published: tuple[Published, ...]
    mounts: tuple[MountSpec, ...]
    entrypoint: tuple[str, ...] | None
    """Set only when it differs from the image's."""
    command: tuple[str, ...] | None
    """Set only when it differs from the image's (or the entrypoint was changed)."""
    restart: str | None
    network: str | None

    @property
    def storage_root(self) -> str:
        return dict(self.env).get("REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", DEFAULT_ROOT)

    @property
    def storage(self) -> MountSpec | None:
        """The mount that holds the storage root (the innermost), or None: its own layer."""
        holding = [m for m in self.mounts if m.holds(self.storage_root)]
        return max(holding, key=lambda m: len(m.destination), default=None)

    @property
    def delete_enabled(self) -> bool:
        return dict(self.env).get(DELETE_ENV, "").lower() == "true"

    @property
    def host_ports(self) -> tuple[int, ...]:
        return tuple(int(p.host_port) for p in self.published if p.host_port.isdigit())

    def publishes(self, port: int) -> bool:
        return port in self.host_ports

    def exposed(self, port: int) -> tuple[Published, ...]:
        """Its bindings of `port` on all addresses (`-p 5000:5000`), not on loopback only."""
        return tuple(
            p for p in self.published if p.host_port == str(port) and p.host_ip in _ALL_ADDRESSES
        )


def _env(items: Sequence[Any] | None) -> dict[str, str]:
    return dict(str(item).split("=", 1) for item in items or [] if "=" in str(item))


def _published(data: Mapping[str, Any]) -> tuple[Published, ...]:
    """The real bindings (NetworkSettings) when running; the requested ones when not."""
    live = (data.get("NetworkSettings") or {}).get("Ports") or {}
    asked = (data.get("HostConfig") or {}).get("PortBindings") or {}
    ports = live if any(live.values()) else asked
    found: list[Published] = []
    for container_port, bindings in sorted(ports.items()):
        for binding in bindings or []:
            item = Published(
                str(binding.get("HostIp") or ""), str(binding.get("HostPort") or ""), container_port
            )
            # Docker lists 0.0.0.0 and :: for one `-p 5000:5000`: one flag publishes both.
            twin = Published(
                "0.0.0.0" if item.host_ip == "::" else item.host_ip, item.host_port, container_port
            )
            if item.host_ip == "::" and twin in found:
                continue
            found.append(item)
    return tuple(found)


def parse_registry_run(
    container: Mapping[str, Any], image: Mapping[str, Any] | None, name: str
) -> RegistryRun:
    """A RegistryRun from `docker container inspect` and `docker image inspect` objects."""
    config = container.get("Config") or {}
    host = container.get("HostConfig") or {}
    image_config = (image or {}).get("Config") or {}
    own_env = _env(config.get("Env"))
    image_env = _env(image_config.get("Env"))
    env = tuple((k, v) for k, v in own_env.items() if image_env.get(k) != v)
    entrypoint = tuple(str(a) for a in config.get("Entrypoint") or [])
    command = tuple(str(a) for a in config.get("Cmd") or [])
    image_entrypoint = tuple(str(a) for a in image_config.get("Entrypoint") or [])
    image_command = tuple(str(a) for a in image_config.get("Cmd") or [])
    changed_entrypoint = image is None or entrypoint != image_entrypoint
    named = str(config.get("Image") or "")
    image_id = str(container.get("Image") or named)
    tags = [str(t) for t in (image or {}).get("RepoTags") or []]
    moved = image is not None and named not in tags and not named.startswith("sha256:")
    restart = (host.get("RestartPolicy") or {}).get("Name") or ""
    retries = (host.get("RestartPolicy") or {}).get("MaximumRetryCount") or 0
    if restart == "on-failure" and retries:
        restart = f"on-failure:{retries}"
    network = str(host.get("NetworkMode") or "")
    path = str(container.get("Path") or "")
    args = [str(a) for a in container.get("Args") or []]
    return RegistryRun(
        name=name,
        image=image_id if moved or not named else named,
        running=bool((container.get("State") or {}).get("Running")),
        auto_remove=bool(host.get("AutoRemove")),
        looks_like_registry=posixpath.basename(path) == "registry"
        or ("registry" in named and any(a.endswith((".yml", ".yaml")) for a in args)),
        env=env,
        published=_published(container),
        mounts=tuple(
            MountSpec(
                str(m.get("Type") or "volume"),
                str(m.get("Name") if m.get("Type") == "volume" else m.get("Source") or ""),
                str(m.get("Destination") or ""),
                not m.get("RW", True),
            )
            for m in container.get("Mounts") or []
        ),
        entrypoint=entrypoint if changed_entrypoint and entrypoint else None,
        command=command if (changed_entrypoint or command != image_command) and command else None,
        restart=restart if restart not in ("", "no") else None,
        network=network if network not in ("", "default", "bridge") else None,
    )


# -- the commands ----------------------------------------------------------------------


def _line(docker: Sequence[str], *args: str) -> str:
    return shlex.join([*docker, *args])


def start_command(name: str, docker: Sequence[str] = ("docker",)) -> str:
    return _line(docker, "start", name)


def url_port(registry_url: str) -> tuple[str, int]:
    """(host, port) of the registry URL; the scheme's default port when it names none."""
    parts = urlsplit(registry_url if "://" in registry_url else f"http://{registry_url}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.hostname or "localhost", port


def data_volume(name: str) -> str:
    """The named volume a lab registry keeps its images in (`buildtui lab up`'s default)."""
    return f"{name}-data"


def run_command(
    name: str, registry_url: str, docker: Sequence[str] = ("docker",), volume: str | None = None
) -> str:
    """`docker run` of a lab registry named `name`, on the port the URL names, its images
    in a named volume (`NAME-data`, as `lab up` makes it): one that already holds them
    (a registry removed or renamed) is mounted again rather than started empty."""
    host, port = url_port(registry_url)
    publish = f"127.0.0.1:{port}:5000" if is_loopback(host) else f"{port}:5000"
    return _line(
        docker, "run", "-d", "--name", name, "-p", publish,
        "-v", f"{volume or data_volume(name)}:{DEFAULT_ROOT}",
        "-e", f"{DELETE_ENV}=true", LAB_IMAGE,
    )  # fmt: skip


def run_args(run: RegistryRun, *, storage: MountSpec | None = None) -> list[str]:
    """`run -d …` that recreates the container as it was, with deletion on.

    `storage` replaces the storage mount (or adds one when the storage was in the
    container's own layer).
    """
    args = ["run", "-d", "--name", run.name]
    if run.restart:
        args += ["--restart", run.restart]
    if run.network:
        args += ["--network", run.network]
    for published in run.published:
        args += ["-p", published.flag]
    kept = run.storage
    for mount in run.mounts:
        args += storage.args if storage is not None and mount == kept else mount.args
    if storage is not None and kept is None:
        args += storage.args
    for key, value in run.env:
        if key != DELETE_ENV:
            args += ["-e", f"{key}={value}"]
    args += ["-e", f"{DELETE_ENV}=true"]
    if run.entrypoint:
        args += ["--entrypoint", run.entrypoint[0]]
    args.append(run.image)
    args += [*(run.entrypoint or ())[1:], *(run.command or ())]
    return args


@dataclass(frozen=True)
class Advice:
    """What to do, in words, and the command that does it (None when none can be given)."""

    text: str
    command: str | None = None

    def __str__(self) -> str:
        return f"{self.text}: `{self.command}`" if self.command else self.text


def deletion_advice(run: RegistryRun, copy_to: Path, docker: Sequence[str] = ("docker",)) -> Advice:
    """How to recreate `run` with deletion on, keeping its images.

    When its storage is a volume or a bind mount, the new container mounts the same one.
    When the storage is in the container's own layer (or in an anonymous volume of a
    container started with --rm, which goes with it), recreating it would lose every
    image: the command first copies the storage out to `copy_to` and mounts that.
    """
    storage = run.storage
    if storage is not None and storage.kind == "tmpfs":
        return Advice(
            _(
                "{name} keeps its storage {storage_root} in a tmpfs, which a restart "
                "empties anyway; recreate it with deletion on (its images are lost "
                "either way)"
            ).format(name=run.name, storage_root=run.storage_root),
            " && ".join([_line(docker, "rm", "-f", run.name), _line(docker, *run_args(run))]),
        )
    if storage is not None and not (run.auto_remove and storage.anonymous):
        kept = (
            _("volume {source}").format(source=storage.source)
            if storage.kind == "volume"
            else storage.source
        )
        return Advice(
            _(
                "recreate {name} with deletion on, keeping its images (the same image, "
                "published ports, {kept} at {destination} and settings)"
            ).format(name=run.name, kept=kept, destination=storage.destination),
            " && ".join([_line(docker, "rm", "-f", run.name), _line(docker, *run_args(run))]),
        )
    where = (
        _("in the container's own layer (no volume or bind mount holds it)")
        if storage is None
        else _(
            "in an anonymous volume of a container started with --rm (removing it "
            "removes the volume)"
        )
    )
    target = str(copy_to)
    bind = MountSpec("bind", target, run.storage_root)
    return Advice(
        _(
            "{name} keeps its images in {storage_root} {where}: recreating it as it "
            "stands would lose them all. Copy them out first and mount the copy; this "
            "does both ({target} then holds the registry's storage)"
        ).format(name=run.name, storage_root=run.storage_root, where=where, target=target),
        " && ".join(
            [
                shlex.join(["mkdir", "-p", target]),
                _line(docker, "cp", f"{run.name}:{run.storage_root.rstrip('/')}/.", target),
                _line(docker, "rm", "-f", run.name),
                _line(docker, *run_args(run, storage=bind)),
            ]
        ),
    )


@dataclass(frozen=True)
class ContainerState:
    """The configured container as the engine sees it: missing, or its RegistryRun."""

    name: str
    run: RegistryRun | None
    error: str | None = None
    """Why it could not be inspected (engine down); None when `run` is None = missing."""

    @property
    def missing(self) -> bool:
        return self.run is None and self.error is None


def registry_down_advice(
    state: ContainerState, registry_url: str, docker: Sequence[str] = ("docker",)
) -> Advice:
    """What to do when nothing answers at the registry URL."""
    name = state.name
    host, port = url_port(registry_url)
    if not is_loopback(host):
        return Advice(
            _(
                "start the registry at {registry_url} or check the address (it is not "
                "on this machine, so container {name} is not known to serve it)"
            ).format(registry_url=registry_url, name=name)
        )
    if state.error is not None:
        return Advice(
            _("container {name} could not be inspected ({error}); fix that first").format(
                name=name, error=state.error
            )
        )
    if state.run is None:
        return Advice(
            _(
                "there is no container {name}; start a lab registry on port {port}, "
                "its images in volume {volume} (kept there if it exists)"
            ).format(name=name, port=port, volume=data_volume(name)),
            run_command(name, registry_url, docker),
        )
    run = state.run
    if not run.looks_like_registry:
        return Advice(
            _(
                "container {name} is not a registry:2 container; set "
                "registry_container (--registry-container) to your registry's "
                "container (see `docker ps -a`)"
            ).format(name=name)
        )
    ports = ", ".join(str(p) for p in run.published) or "no port"
    if not run.running:
        if run.published and not any(p.host_port in ("", str(port)) for p in run.published):
            return Advice(
                _(
                    "{name} is stopped and publishes {ports}, not port {port} of "
                    "{registry_url}: set registry_url (--registry) to its port, or "
                    "registry_container to the container that serves it"
                ).format(name=name, ports=ports, port=port, registry_url=registry_url)
            )
        if run.published and not any(p.host_port == str(port) for p in run.published):
            return Advice(
                _(
                    "{name} exists but is stopped; it publishes on an ephemeral host "
                    "port, so it may come back on another port than {port} (`docker "
                    "port {name}` tells which; then set registry_url or --registry to "
                    "it): start it"
                ).format(name=name, port=port),
                start_command(name, docker),
            )
        return Advice(
            _("{name} exists but is stopped; start it").format(name=name),
            start_command(name, docker),
        )
    if not run.publishes(port):
        return Advice(
            _(
                "{name} runs but publishes {ports}, not port {port} of {registry_url}: "
                "set registry_url (--registry) to its port, or registry_container to "
                "the container that serves it"
            ).format(name=name, ports=ports, port=port, registry_url=registry_url)
        )
    return Advice(
        _("{name} runs and publishes port {port} but does not answer; see its log").format(
            name=name, port=port
        ),
        _line(docker, "logs", "--tail", "50", name),
    )


def deletion_disabled_advice(
    state: ContainerState, registry_url: str, copy_to: Path, docker: Sequence[str] = ("docker",)
) -> Advice:
    """What to do when the registry at the URL answers DELETE with 405 UNSUPPORTED."""
    name = state.name
    host, port = url_port(registry_url)
    if state.run is None or not state.run.looks_like_registry:
        why = (
            _("container {name} could not be inspected ({error})").format(
                name=name, error=state.error
            )
            if state.error
            else _("there is no registry:2 container {name}").format(name=name)
        )
        return Advice(
            _(
                "{why}, so buildtui cannot tell how the registry at {registry_url} was "
                "started: recreate it with -e {DELETE_ENV}=true and the same storage, "
                "or set registry_container (--registry-container) to its container"
            ).format(why=why, registry_url=registry_url, DELETE_ENV=DELETE_ENV)
        )
    if not is_loopback(host) or not state.run.publishes(port):
        ports = ", ".join(str(p) for p in state.run.published) or "no port"
        return Advice(
            _(
                "container {name} publishes {ports}, not port {port} of "
                "{registry_url}, so it is not known to be that registry: set "
                "registry_container (--registry-container) to its container, or "
                "recreate it with -e {DELETE_ENV}=true and the same storage"
            ).format(
                name=name, ports=ports, port=port, registry_url=registry_url, DELETE_ENV=DELETE_ENV
            )
        )
    return deletion_advice(state.run, copy_to, docker)


def exposure_warning(name: str, port: int) -> str:
    """Why a lab registry published on all addresses is a risk (doctor and `lab up --expose`)."""
    return _(
        "{name} publishes port {port} on all addresses: a registry:2 has no "
        "authentication, so anyone on this machine's network can push to it and, "
        "with deletion enabled, delete its images"
    ).format(name=name, port=port)


# -- the docker CLI (blocking) -----------------------------------------------------------


def inspect_registry_container(
    name: str, docker: Sequence[str] = ("docker",), timeout: float = 20.0
) -> ContainerState:
    """`docker container inspect NAME` and `docker image inspect` of its image."""
    logs.command([*docker, "container", "inspect", name])
    try:
        found = subprocess.run(
            [*docker, "container", "inspect", name],
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
        if found.returncode != 0:
            if "no such" in found.stderr.lower():
                return ContainerState(name, None)
            return ContainerState(name, None, found.stderr.strip() or "docker failed")
        container = json.loads(found.stdout)[0]
        image_id = str(container.get("Image") or "")
        image = subprocess.run(
            [*docker, "image", "inspect", image_id],
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
        image_data = json.loads(image.stdout)[0] if image.returncode == 0 else None
    except FileNotFoundError:
        return ContainerState(name, None, _("the docker CLI is not installed"))
    except subprocess.TimeoutExpired:
        return ContainerState(
            name, None, _("docker did not answer in {timeout} s").format(timeout=number(timeout, 0))
        )
    except (ValueError, IndexError, TypeError, AttributeError) as error:
        return ContainerState(
            name, None, _("docker printed something unexpected ({error})").format(error=error)
        )
    return ContainerState(name, parse_registry_run(container, image_data, name))


def storage_copy_dir(data_dir: Path, name: str) -> Path:
    """Where a registry's storage is copied to when it lives in the container's layer."""
    return data_dir / "registry-storage" / name
