"""Fill a registry's storage directly on disk, in distribution's filesystem layout.

Pushing 30,000 tags over HTTP takes the better part of an hour; writing the files the
registry would have written takes a minute. `StorageWriter` writes blobs, manifests,
each repository's links and tags under `docker/registry/v2` of a storage root (the
`rootdirectory` of the filesystem driver, or the volume of a `registry:2` container);
the registry serves them as if they had been pushed (start it after seeding, or it may
have cached that a repository is missing). `bench_content` is the content of
`bench/registry_scan.py` (per repository, half the tags single-platform OCI images, half
OCI indexes with linux/amd64 + linux/arm64 and two attestation manifests, as buildx
pushes them); `huge_index` writes one index of thousands of distinct entries;
`many_repositories` a catalog of thousands of repositories.

The layout (distribution 2.8, `registry/storage/paths.go`):

    blobs/sha256/<2 hex>/<hex>/data                                  content
    repositories/<name>/_layers/sha256/<hex>/link                    a blob in the repository
    repositories/<name>/_manifests/revisions/sha256/<hex>/link       a manifest in it
    repositories/<name>/_manifests/tags/<tag>/current/link           what a tag points at
    repositories/<name>/_manifests/tags/<tag>/index/sha256/<hex>/link
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
IN_TOTO = "application/vnd.in-toto+json"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def compact(document: dict[str, Any]) -> bytes:
    """A manifest's bytes as the benchmark's pushes send them."""
    return json.dumps(document, separators=(",", ":")).encode()


@dataclass
class Counts:
    repositories: int = 0
    tags: int = 0
    manifests: int = 0
    blobs: int = 0
    multi: int = 0
    """Tags that are multi-platform indexes."""


class StorageWriter:
    """Writes what the registry would store for pushed blobs, manifests and tags."""

    def __init__(self, root: Path) -> None:
        self.base = root / "docker" / "registry" / "v2"
        self._dirs: set[str] = set()
        self._repo_dirs: set[str] = set()
        """Folders made for the repository being written (forgotten with it)."""
        self._blobs: set[str] = set()
        self._links: set[tuple[str, str, str]] = set()
        self.counts = Counts()

    def _write(self, path: str, data: bytes) -> None:
        folder = os.path.dirname(path)
        made = self._repo_dirs if "/repositories/" in folder else self._dirs
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        with open(path, "wb") as file:
            file.write(data)

    def _content(self, data: bytes) -> str:
        hexpart = sha256_hex(data)
        if hexpart not in self._blobs:
            self._blobs.add(hexpart)
            self._write(f"{self.base}/blobs/sha256/{hexpart[:2]}/{hexpart}/data", data)
            self.counts.blobs += 1
        return hexpart

    def _link(self, repository: str, where: str, hexpart: str) -> None:
        key = (repository, where, hexpart)
        if key in self._links:
            return
        self._links.add(key)
        self._write(
            f"{self.base}/repositories/{repository}/{where}/sha256/{hexpart}/link",
            f"sha256:{hexpart}".encode(),
        )

    def repository(self, repository: str) -> None:
        """A repository's folders (the catalog lists a repository that has `_layers`)."""
        for where in ("_layers", "_manifests/revisions", "_manifests/tags", "_uploads"):
            folder = f"{self.base}/repositories/{repository}/{where}"
            if folder not in self._repo_dirs:
                os.makedirs(folder, exist_ok=True)
                self._repo_dirs.add(folder)
        self.counts.repositories += 1

    def blob(self, repository: str, data: bytes, media_type: str) -> dict[str, Any]:
        """A blob pushed to `repository`; its descriptor."""
        hexpart = self._content(data)
        self._link(repository, "_layers", hexpart)
        return {"mediaType": media_type, "digest": f"sha256:{hexpart}", "size": len(data)}

    def manifest(self, repository: str, document: dict[str, Any]) -> dict[str, Any]:
        """A manifest pushed by digest; its descriptor."""
        raw = compact(document)
        hexpart = self._content(raw)
        self._link(repository, "_manifests/revisions", hexpart)
        self.counts.manifests += 1
        return {"mediaType": document["mediaType"], "digest": f"sha256:{hexpart}", "size": len(raw)}

    def tag(self, repository: str, tag: str, descriptor: dict[str, Any]) -> None:
        hexpart = descriptor["digest"].split(":", 1)[1]
        folder = f"{self.base}/repositories/{repository}/_manifests/tags/{tag}"
        self._write(f"{folder}/current/link", f"sha256:{hexpart}".encode())
        self._write(f"{folder}/index/sha256/{hexpart}/link", f"sha256:{hexpart}".encode())
        self.counts.tags += 1

    def forget_links(self) -> None:
        """Forget which links were written (a repository is done: its links are not
        written again), keeping memory flat over a large seeding."""
        self._links.clear()
        self._repo_dirs.clear()


# -- the benchmark's content -----------------------------------------------------------


def image(writer: StorageWriter, repository: str, tag: str, arch: str) -> dict[str, Any]:
    """A single-platform OCI image (config, a base layer shared by the repository, a layer
    of its own), as `bench/registry_scan.py` pushes it."""
    config = writer.blob(
        repository,
        json.dumps(
            {
                "architecture": arch,
                "os": "linux",
                "created": "2026-01-01T00:00:00Z",
                "config": {"Labels": {"tag": tag}},
                "rootfs": {"type": "layers", "diff_ids": []},
            }
        ).encode(),
        OCI_CONFIG,
    )
    base = writer.blob(repository, f"base layer {arch}".encode() * 64, OCI_LAYER)
    own = writer.blob(repository, f"{repository} {tag} {arch}".encode() * 16, OCI_LAYER)
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": config,
        "layers": [base, own],
    }
    return writer.manifest(repository, document)


def multi_platform(writer: StorageWriter, repository: str, tag: str) -> dict[str, Any]:
    """An OCI index: linux/amd64 and linux/arm64, each with its attestation manifest."""
    entries, attestations = [], []
    attestation_config = writer.blob(
        repository, b'{"architecture":"unknown","os":"unknown","config":{},"rootfs":{}}', OCI_CONFIG
    )
    for arch in ("amd64", "arm64"):
        child = image(writer, repository, tag, arch)
        entries.append({**child, "platform": {"architecture": arch, "os": "linux"}})
        statement = writer.blob(
            repository,
            json.dumps(
                {"_type": "https://in-toto.io/Statement/v0.1", "subject": child["digest"]}
            ).encode(),
            IN_TOTO,
        )
        attestation = writer.manifest(
            repository,
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": attestation_config,
                "layers": [statement],
            },
        )
        attestations.append(
            {
                **attestation,
                "platform": {"architecture": "unknown", "os": "unknown"},
                "annotations": {
                    "vnd.docker.reference.digest": child["digest"],
                    "vnd.docker.reference.type": "attestation-manifest",
                },
            }
        )
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries + attestations}
    return writer.manifest(repository, index)


def bench_names(repositories: int, tags: int) -> Iterator[tuple[str, str, bool]]:
    """(repository, tag, multi-platform) of the benchmark's content, in order."""
    for r in range(repositories):
        for t in range(tags):
            yield f"bench/app{r:03d}", f"v{t:03d}", t % 2 == 1


def bench_content(root: Path, repositories: int, tags: int) -> Counts:
    """`repositories` x `tags`, as `bench/registry_scan.py` pushes them (odd tags
    multi-platform)."""
    writer = StorageWriter(root)
    current = None
    for repository, tag, multi in bench_names(repositories, tags):
        if repository != current:
            writer.forget_links()
            writer.repository(repository)
            current = repository
        if multi:
            writer.tag(repository, tag, multi_platform(writer, repository, tag))
            writer.counts.multi += 1
        else:
            writer.tag(repository, tag, image(writer, repository, tag, "amd64"))
    return writer.counts


def huge_index(root: Path, repository: str, tag: str, entries: int) -> Counts:
    """One OCI index of `entries` distinct image manifests (platform linux/amd64, each
    with a config of its own), tagged `tag`."""
    writer = StorageWriter(root)
    writer.repository(repository)
    layer = writer.blob(repository, b"one shared layer" * 64, OCI_LAYER)
    children = []
    for n in range(entries):
        config = writer.blob(
            repository,
            json.dumps(
                {"architecture": "amd64", "os": "linux", "config": {"Env": [f"N={n}"]}}
            ).encode(),
            OCI_CONFIG,
        )
        child = writer.manifest(
            repository,
            {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config, "layers": [layer]},
        )
        children.append({**child, "platform": {"architecture": "amd64", "os": "linux"}})
    writer.tag(
        repository,
        tag,
        writer.manifest(
            repository, {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": children}
        ),
    )
    return writer.counts


def many_repositories(root: Path, count: int, prefix: str = "class/student") -> Counts:
    """`count` repositories, each with one single-platform image tagged `latest`."""
    writer = StorageWriter(root)
    for n in range(count):
        repository = f"{prefix}{n:05d}"
        writer.forget_links()
        writer.repository(repository)
        writer.tag(repository, "latest", image(writer, repository, "latest", "amd64"))
    return writer.counts
