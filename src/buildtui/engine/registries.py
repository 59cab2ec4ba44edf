"""The engine's own insecure registries (`docker info`: RegistryConfig), read once per run.

Docker reaches a registry over plain HTTP when the daemon lists it as insecure: by name
(`insecure-registries` in daemon.json, shown as an IndexConfigs entry with
`Secure: false`) or by address (`InsecureRegistryCIDRs`, a host name resolved to its
addresses). buildtui follows the same list, so what `docker push` reaches, it reads.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import subprocess
import threading
from dataclasses import dataclass
from typing import Any

from buildtui import logs
from buildtui.engine.client import docker_command
from buildtui.i18n import _
from buildtui.settings import Settings

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address

INFO_TIMEOUT = 15.0
RESOLVE_TIMEOUT = 3.0


def _split(hostport: str) -> tuple[str, str]:
    if hostport.startswith("["):
        host, _unused, rest = hostport[1:].partition("]")
        return host, rest[1:]
    if hostport.count(":") == 1:
        host, port = hostport.split(":")
        return host, port
    return hostport, ""


def _resolve(host: str) -> list[_Address]:
    """The addresses of `host` (an IP is itself); none when it does not resolve in time."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    found: list[list[_Address]] = []

    def lookup() -> None:
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except OSError:
            infos = []
        addresses: list[_Address] = []
        for info in infos:
            try:
                addresses.append(ipaddress.ip_address(str(info[4][0]).split("%")[0]))
            except ValueError:
                continue
        found.append(addresses)

    worker = threading.Thread(target=lookup, daemon=True)  # getaddrinfo cannot be cancelled
    worker.start()
    worker.join(RESOLVE_TIMEOUT)
    return found[0] if found else []


@dataclass(frozen=True)
class EngineRegistries:
    """The registries the engine reaches over plain HTTP."""

    names: frozenset[str] = frozenset()
    """`host[:port]` entries with Secure false, lower-case."""
    cidrs: tuple[_Network, ...] = ()
    error: str | None = None
    """Why the engine could not be asked (then nothing is insecure by its word)."""

    @classmethod
    def from_registry_config(cls, config: Any) -> EngineRegistries:
        if not isinstance(config, dict):
            return cls()
        names: set[str] = set()
        indexes = config.get("IndexConfigs")
        for key, entry in (indexes if isinstance(indexes, dict) else {}).items():
            if isinstance(entry, dict) and entry.get("Secure") is False:
                names.add(str(entry.get("Name") or key).lower())
        cidrs: list[_Network] = []
        listed = config.get("InsecureRegistryCIDRs")
        for text in listed if isinstance(listed, list) else []:
            try:
                cidrs.append(ipaddress.ip_network(str(text), strict=False))
            except ValueError:
                continue
        return cls(frozenset(names), tuple(cidrs))

    def is_insecure(self, hostport: str) -> bool:
        """As the engine decides (its `isSecureIndex`): by exact name, else by address."""
        hostport = hostport.lower()
        host, _unused = _split(hostport)
        if hostport in self.names:
            return True
        if not self.cidrs:
            return False
        return any(address in cidr for address in _resolve(host) for cidr in self.cidrs)


_cache: dict[tuple[str, ...], EngineRegistries] = {}
_lock = threading.Lock()


def engine_registries(settings: Settings) -> EngineRegistries:
    """The engine's insecure registries, asked once per run (per context and host)."""
    command = docker_command(settings)
    key = tuple(command)
    with _lock:
        if key not in _cache:
            _cache[key] = _ask(command)
        return _cache[key]


def _ask(command: list[str]) -> EngineRegistries:
    # One field through a Go template: python-on-whales' info() would parse the whole
    # SystemInfo through pydantic (about 0.3 s of imports) for it.
    argv = [*command, "info", "--format", "{{json .RegistryConfig}}"]
    started = logs.command(argv)
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=INFO_TIMEOUT, check=False
        )
    except (OSError, subprocess.SubprocessError) as error:
        return EngineRegistries(error=str(error))
    logs.finished(argv, done.returncode, started)
    if done.returncode != 0:
        return EngineRegistries(error=done.stderr.strip()[-200:] or f"exit {done.returncode}")
    try:
        return EngineRegistries.from_registry_config(json.loads(done.stdout))
    except ValueError:
        return EngineRegistries(error=_("docker info printed no RegistryConfig"))
