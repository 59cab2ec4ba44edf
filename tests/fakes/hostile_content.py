"""Registry content whose every field the app reads holds what an attacker would put there.

Escape sequences (OSC title, OSC 52 clipboard, erase screen), C1 controls (8-bit CSI,
OSC, ST), a bell, a bidi override, and Textual/Rich markup that would run an action
(`[@click=app.quit]`, `[@click=app.screenshot(...)]`) or break the parser (`[/]`,
`[bold`): in platforms (os, architecture, variant, os.features), annotations, image
configs (entrypoint, cmd, history, labels, env, created), artifact types, media types,
in-toto statements (SLSA builder id, materials, SPDX package names), a BuildKit cache
config, error bodies and a token realm. Repository names and tags only hold it where
the registry allows them to (the app refuses the names the grammar forbids: those are
listed too, so that the refusal itself is shown safely).

`HostileContentRegistry` is an in-memory registry (`FakeRegistry`) for Pilot tests;
`tests.fakes.served_registry.served` puts it on a real socket for the command-line
twins run as subprocesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from buildtui.registry.models import (
    BUILDKIT_CACHE_CONFIG,
    IN_TOTO,
    OCI_CONFIG,
    OCI_EMPTY,
    OCI_INDEX,
    OCI_MANIFEST,
)
from tests.fakes.cleanup import WritableFakeRegistry
from tests.fakes.registry import encode

EVIL = (
    "\x1b]0;PWNED\x07"  # OSC 0: the terminal's title
    "\x1b]52;c;cHduZWQ=\x07"  # OSC 52: the clipboard
    "\x1b[2J\x1b[H"  # CSI: erase the screen, cursor home
    "\x9b31m\x9d0;t\x9c"  # C1: CSI, OSC, ST
    "\x07\x00\x7f\u202e"  # bell, NUL, DEL, right-to-left override
    "[@click=app.quit]QUIT[/][/][bold"  # markup: an action, a stray close, an open tag
)
"""What every hostile field ends with."""

EVIL_HEADER = "\x1b]0;PWNED\x07\x1b]52;c;cHduZWQ=\x07\x1b[2J[@click=app.quit]QUIT[/][/][bold"
"""What a header can hold of `EVIL` (its ASCII part, as HTTP sends header bytes)."""

SHOWN = (
    "\\x1b]0;PWNED\\x07\\x1b]52;c;cHduZWQ=\\x07\\x1b[2J\\x1b[H\\x9b31m\\x9d0;t\\x9c"
    "\\x07\\x00\\x7f\\u202e[@click=app.quit]QUIT[/][/][bold"
)
"""`EVIL` as the app shows it: every control character a visible escape, the markup as
text (what the screen and the twins' human output must hold instead)."""

RAW_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]")
"""Characters that must never reach a terminal (tab and newline may)."""

ACTIONS = ("screenshot", "quit")
"""The actions hostile markup asks for: no `@click` on screen may name them."""


def evil(label: str) -> str:
    """A hostile value that says which field it is (`label`), then `EVIL`."""
    return f"{label}{EVIL}"


def shown(label: str) -> str:
    """`evil(label)` as the app must show it."""
    return f"{label}{SHOWN}"


def screenshot_markup(folder: Path) -> str:
    """Markup that, as a label, would write `victim.txt` in `folder` when clicked."""
    return f"[@click=app.screenshot('victim.txt','{folder}')]CLICK[/]"


@dataclass
class HostileContentRegistry(WritableFakeRegistry):
    """A registry with hostile content (see the module), its error bodies and token realm
    hostile too.

    Repository `evil`: `cfg` (an image whose config and manifest hold it, its architecture
    a `[@click=app.screenshot(...)]` label), `idx` (an index with hostile platforms and
    annotations and attestations with hostile statements), `art` (an artifact), `cache` (a
    BuildKit cache), `gone` (a tag whose manifest answers a hostile error body), a tag
    the grammar forbids. Repository `locked` answers 401 with a hostile token realm. The
    catalog also lists a repository name the grammar forbids.
    """

    folder: Path = Path("/nonexistent")
    """Where the `[@click=app.screenshot(...)]` label would write `victim.txt`."""

    def __post_init__(self) -> None:
        self.push_config_image()
        self.push_hostile_index()
        self.push_hostile_artifact()
        self.push_hostile_cache()
        self.tags["evil"]["gone"] = "sha256:" + "e" * 64
        self.tags["evil"][evil("tag")] = self.tags["evil"]["cfg"]
        self.tags["locked"] = {"v1": self.tags["evil"]["cfg"]}
        self.tags[evil("repo")] = {}

    # -- content -------------------------------------------------------------------------

    def push_config_image(self) -> None:
        config = {
            "architecture": screenshot_markup(self.folder),
            "os": "linux",
            "variant": evil("variant"),
            "os.features": [evil("feature")],
            "created": evil("created"),
            "config": {
                "Entrypoint": [evil("entrypoint")],
                "Cmd": [evil("cmd")],
                "Env": [evil("env=")],
                "Labels": {evil("label"): evil("value")},
            },
            "history": [{"created_by": evil("history"), "comment": evil("comment")}],
            "rootfs": {"type": "layers", "diff_ids": []},
        }
        document = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": self.add_blob(encode(config), OCI_CONFIG),
            "layers": [
                self.add_blob(b"hostile layer"),
                self.add_blob(b"odd layer", evil("mediatype")),
            ],
            "annotations": {evil("annotation"): evil("annotated")},
        }
        self.put_manifest("evil", document, OCI_MANIFEST, "cfg")

    def push_hostile_index(self) -> None:
        entries = []
        for arch in ("amd64", evil("arch")):
            child = self.push_image("evil", "", f"linux/{'amd64' if arch == 'amd64' else 'arm64'}")
            child["platform"] = {
                "architecture": arch,
                "os": evil("os") if arch != "amd64" else "linux",
                "variant": evil("v") if arch != "amd64" else "[/]",
                "os.features": [evil("osfeature")],
            }
            child["annotations"] = {evil("entry"): evil("note")}
            entries.append(child)
        statements = [
            {
                "_type": "https://in-toto.io/Statement/v0.1",
                "predicateType": "https://slsa.dev/provenance/v0.2",
                "subject": [{"name": evil("subject"), "digest": {"sha256": "a" * 64}}],
                "predicate": {
                    "builder": {"id": evil("builder")},
                    "buildType": evil("buildtype"),
                    "invocation": {
                        "parameters": {"frontend": evil("frontend"), "args": {}},
                    },
                    "materials": [{"uri": evil("material"), "digest": {"sha256": "b" * 64}}],
                    "metadata": {"buildStartedOn": evil("started")},
                },
            },
            {
                "_type": "https://in-toto.io/Statement/v0.1",
                "predicateType": "https://spdx.dev/Document",
                "subject": [{"name": evil("sbom"), "digest": {"sha256": "c" * 64}}],
                "predicate": {"name": evil("spdx"), "packages": [{"name": evil("package")}]},
            },
        ]
        layers = []
        for statement in statements:
            layer = self.add_blob(encode(statement), IN_TOTO)
            layer["annotations"] = {"in-toto.io/predicate-type": statement["predicateType"]}
            layers.append(layer)
        config = self.add_blob(encode({"architecture": "unknown", "os": "unknown"}), OCI_CONFIG)
        attestation = self.put_manifest(
            "evil",
            {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config, "layers": layers},
            OCI_MANIFEST,
        )
        attestation["platform"] = {"architecture": "unknown", "os": "unknown"}
        attestation["annotations"] = {
            "vnd.docker.reference.digest": entries[0]["digest"],
            "vnd.docker.reference.type": "attestation-manifest",
        }
        document = {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [*entries, attestation],
            "annotations": {evil("index"): evil("annotation")},
        }
        self.put_manifest("evil", document, OCI_INDEX, "idx")

    def push_hostile_artifact(self) -> None:
        document = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": evil("artifact"),
            "config": self.add_blob(b"{}", OCI_EMPTY),
            "layers": [self.add_blob(b'{"x": 1}', evil("layertype"))],
            "annotations": {"org.opencontainers.image.title": evil("title")},
        }
        self.put_manifest("evil", document, OCI_MANIFEST, "art")

    def push_hostile_cache(self) -> None:
        layer = self.add_blob(b"cache layer", evil("cachetype"))
        cache_config: dict[str, Any] = {
            "layers": [{"blob": layer["digest"], "parent": -1, "annotations": {
                evil("cachekey"): evil("cachevalue")}}],
            "records": [{"digest": evil("record"), "layers": [{"layer": 0}]}],
        }  # fmt: skip
        config = self.add_blob(encode(cache_config), BUILDKIT_CACHE_CONFIG)
        document = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": config,
            "layers": [layer],
        }
        self.put_manifest("evil", document, OCI_MANIFEST, "cache")

    # -- HTTP: hostile error bodies and realm ----------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.startswith("/v2/locked/"):
            realm = f"http://auth.invalid/{EVIL_HEADER}"
            challenge = f'Bearer realm="{realm}",service="{EVIL_HEADER}"'
            return httpx.Response(
                401,
                headers={"WWW-Authenticate": challenge},
                json={"errors": [{"code": "UNAUTHORIZED", "message": evil("denied")}]},
            )
        if path == "/v2/evil/manifests/gone" or path.endswith("e" * 64):
            self.requests.append(request)
            return httpx.Response(
                500,
                json={"errors": [{"code": evil("CODE"), "message": evil("error"), "detail": EVIL}]},
            )
        return super().handle(request)


def hostile_content_registry(folder: Path, host: str = "localhost:5000") -> HostileContentRegistry:
    """The hostile registry; its screenshot markup points at `folder`."""
    return HostileContentRegistry(host=host, folder=folder)
