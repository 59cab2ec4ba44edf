"""The requests a plan sends: DELETE by digest, and for the tag-only trick a PUT of a
unique throw-away manifest to the tag followed by a DELETE of that manifest."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

from buildtui.cleanup.graph import ManifestNode
from buildtui.i18n import _
from buildtui.registry.models import OCI_INDEX
from buildtui.registry.present import short_digest

PLACEHOLDER_ANNOTATION = "org.opencontainers.image.description"
NONCE_ANNOTATION = "dev.buildtui.throw-away"


def placeholder_manifest(repository: str, tag: str, nonce: str) -> bytes:
    """A unique, empty OCI index for the tag-only trick (needs no blobs to be uploaded)."""
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [],
        "annotations": {
            PLACEHOLDER_ANNOTATION: f"buildtui throw-away manifest: removes tag {repository}:"
            f"{tag} alone; it is deleted right after being pushed",
            NONCE_ANNOTATION: nonce,
        },
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def sha256(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


class StepAction(StrEnum):
    DELETE = "delete"
    """DELETE a manifest by digest (its tags go with it)."""
    UNTAG = "untag"
    """PUT a throw-away manifest to the tag, then DELETE the throw-away by digest."""


@dataclass(frozen=True)
class HttpRequest:
    """One request of the plan, to show (as curl) and to send."""

    method: str
    path: str
    content_type: str | None = None
    body: bytes = b""

    def curl(self, base_url: str) -> str:
        parts = ["curl", "-X", self.method]
        if self.content_type:
            parts += ["-H", f"'Content-Type: {self.content_type}'"]
        if self.body:
            parts += ["--data-binary", f"'{self.body.decode()}'"]
        parts.append(f"{base_url}{self.path}")
        return " ".join(parts)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def manifest_path(repository: str, reference: str) -> str:
    return f"/v2/{repository}/manifests/{quote(reference, safe=':')}"


@dataclass(frozen=True)
class Step:
    """One change to the registry, in the order the plan runs them."""

    action: StepAction
    repository: str
    digest: str
    """The digest that gets DELETE (for UNTAG: the throw-away's)."""
    why: str
    tag: str | None = None
    placeholder: bytes | None = None
    removes_tags: tuple[str, ...] = ()
    node: ManifestNode | None = None
    kept_digest: str | None = None
    """For UNTAG: the manifest the tag pointed at, which stays."""

    @property
    def requests(self) -> tuple[HttpRequest, ...]:
        delete = HttpRequest("DELETE", manifest_path(self.repository, self.digest))
        if self.action is StepAction.UNTAG and self.tag and self.placeholder is not None:
            put = HttpRequest(
                "PUT", manifest_path(self.repository, self.tag), OCI_INDEX, self.placeholder
            )
            return (put, delete)
        return (delete,)

    @property
    def title(self) -> str:
        if self.action is StepAction.UNTAG:
            return _("remove tag {repository}:{tag} only").format(
                repository=self.repository, tag=self.tag
            )
        label = f" ({self.node.label})" if self.node and self.node.label else ""
        return _("delete {repository}@{digest}{label}").format(
            repository=self.repository, digest=short_digest(self.digest), label=label
        )
