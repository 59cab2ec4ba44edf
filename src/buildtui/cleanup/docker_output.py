"""What the docker CLI and the registry's collector print, parsed (pure)."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from buildtui.cleanup.errors import NotARegistryContainer
from buildtui.i18n import _

DEFAULT_CONFIG = "/etc/docker/registry/config.yml"
DEFAULT_ROOT = "/var/lib/registry"
_COUNTS_RE = re.compile(
    r"(\d+) blobs marked, (\d+) blobs and (\d+) manifests eligible for deletion"
)
_BLOB_RE = re.compile(r"^blob eligible for deletion: (\S+)", re.M)
_MANIFEST_RE = re.compile(r"manifest eligible for deletion: (\S+)", re.M)


@dataclass(frozen=True)
class ContainerInfo:
    """What `docker inspect` says about the registry container, as GC needs it."""

    name: str
    id: str
    image: str
    """The image ID the container runs (the one-off collector uses the same)."""
    image_name: str
    running: bool
    auto_remove: bool
    binary: str
    config_path: str
    storage_root: str
    mounts: tuple[str, ...]
    storage_env: tuple[tuple[str, str], ...]
    ports: tuple[str, ...]
    host_ports: tuple[int, ...]
    delete_enabled: bool
    port_map: tuple[tuple[str, int], ...] = ()
    """(container port, host port) of each published binding, e.g. ("5000/tcp", 5000)."""
    bound_ports: tuple[int, ...] = ()
    """Fixed host ports the container asks for (HostConfig), known while it is stopped too."""
    ephemeral: bool = False
    """Some binding has no fixed host port (`-p 127.0.0.1::5000`): a restart gets a new one."""

    @property
    def storage_mounted(self) -> bool:
        return any(
            self.storage_root == m or self.storage_root.startswith(m.rstrip("/") + "/")
            for m in self.mounts
        )


def _env(items: Sequence[str]) -> dict[str, str]:
    return dict(item.split("=", 1) for item in items if "=" in item)


def parse_inspect(data: Mapping[str, Any], name: str) -> ContainerInfo:
    """A ContainerInfo from one `docker inspect` object; NotARegistryContainer if it is not."""
    config = data.get("Config") or {}
    host = data.get("HostConfig") or {}
    path = str(data.get("Path") or "")
    args = [str(a) for a in data.get("Args") or []]
    image_name = str(config.get("Image") or "")
    env = _env(config.get("Env") or [])
    command = [path, *args]
    looks_like = posixpath.basename(path) == "registry" or (
        "registry" in image_name and any(a.endswith((".yml", ".yaml")) for a in args)
    )
    if not looks_like:
        raise NotARegistryContainer(
            _(
                "container {name} runs `{command}` from {value}, not a registry:2 "
                "registry; set registry_container (--registry-container) to the name "
                "of your registry's container (see `docker ps`)"
            ).format(name=name, command=shlex.join(command), value=image_name or "an image")
        )
    config_path = next((a for a in reversed(args) if a.endswith((".yml", ".yaml"))), None)
    ports: list[str] = []
    host_ports: list[int] = []
    port_map: list[tuple[str, int]] = []
    for container_port, bindings in sorted(
        ((data.get("NetworkSettings") or {}).get("Ports") or {}).items()
    ):
        for binding in bindings or []:
            host_ip, host_port = binding.get("HostIp", ""), str(binding.get("HostPort", ""))
            ports.append(f"{host_ip or '0.0.0.0'}:{host_port}->{container_port}")
            if host_port.isdigit():
                host_ports.append(int(host_port))
                port_map.append((str(container_port), int(host_port)))
    bound_ports: list[int] = []
    ephemeral = False
    for bindings in (host.get("PortBindings") or {}).values():
        for binding in bindings or []:
            host_port = str(binding.get("HostPort") or "")
            if host_port.isdigit() and host_port != "0":
                bound_ports.append(int(host_port))
            else:
                ephemeral = True
    storage_env = tuple(sorted((k, v) for k, v in env.items() if k.startswith("REGISTRY_STORAGE")))
    return ContainerInfo(
        name=name,
        id=str(data.get("Id") or ""),
        image=str(data.get("Image") or image_name),
        image_name=image_name,
        running=bool((data.get("State") or {}).get("Running")),
        auto_remove=bool(host.get("AutoRemove")),
        binary=path if posixpath.basename(path) == "registry" else "registry",
        config_path=config_path or DEFAULT_CONFIG,
        storage_root=env.get("REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", DEFAULT_ROOT),
        mounts=tuple(str(m.get("Destination", "")) for m in data.get("Mounts") or []),
        storage_env=storage_env,
        ports=tuple(ports),
        host_ports=tuple(host_ports),
        delete_enabled=env.get("REGISTRY_STORAGE_DELETE_ENABLED", "").lower() == "true",
        port_map=tuple(port_map),
        bound_ports=tuple(sorted(set(bound_ports))),
        ephemeral=ephemeral,
    )


@dataclass(frozen=True)
class GcCounts:
    marked: int
    blobs: int
    manifests: int


@dataclass(frozen=True)
class GcOutput:
    """What `registry garbage-collect` printed, parsed."""

    counts: GcCounts | None
    blobs: tuple[str, ...] = ()
    manifests: tuple[str, ...] = ()
    text: str = ""

    @property
    def summary(self) -> str:
        if self.counts is None:
            return _("no summary line in the collector's output")
        c = self.counts
        return _(
            "{marked} blobs marked, {blobs} blobs and {manifests} manifests eligible for deletion"
        ).format(marked=c.marked, blobs=c.blobs, manifests=c.manifests)


def parse_gc_output(text: str) -> GcOutput:
    match = _COUNTS_RE.search(text)
    counts = GcCounts(*(int(g) for g in match.groups())) if match else None
    return GcOutput(
        counts,
        tuple(dict.fromkeys(_BLOB_RE.findall(text))),
        tuple(dict.fromkeys(_MANIFEST_RE.findall(text))),
        text,
    )
