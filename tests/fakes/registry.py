"""An in-memory registry speaking the distribution v2 API through httpx.MockTransport.

Unit tests drive the real `RegistryClient` against it; Pilot and snapshot tests give
the pane a real `RegistryService` whose transport is this fake (`fake_service`), so
no socket is opened and every answer is deterministic. Content is made up but shaped
exactly like what BuildKit pushes (indexes with attestation manifests, both cache
forms, artifacts).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from buildtui.registry.auth import NoCredentials
from buildtui.registry.models import (
    BUILDKIT_CACHE_CONFIG,
    DOCKER_CONFIG,
    DOCKER_LIST,
    DOCKER_MANIFEST,
    IN_TOTO,
    OCI_CONFIG,
    OCI_EMPTY,
    OCI_INDEX,
    OCI_MANIFEST,
)
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings

OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
CREATED = "2026-01-02T03:04:05Z"


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2).encode()


def _error(status: int, code: str, message: str = "") -> httpx.Response:
    body = {"errors": [{"code": code, "message": message or code.lower(), "detail": None}]}
    return httpx.Response(status, json=body)


@dataclass
class FakeRegistry:
    """Repositories, tags, manifests and blobs in memory, with switches for failure modes."""

    host: str = "registry.test:5000"
    blobs: dict[str, bytes] = field(default_factory=dict)
    manifests: dict[str, dict[str, tuple[bytes, str]]] = field(default_factory=dict)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    catalog_max: int = 1000
    """Largest page the catalog serves; a smaller `n` is honoured, as distribution does."""
    catalog_refuses: bool = False
    """A larger `n` is refused (400 PAGINATION_NUMBER_INVALID, as distribution does), not
    cut to `catalog_max`."""
    down: bool = False
    delete_enabled: bool = True
    basic_auth: tuple[str, str] | None = None
    bearer: tuple[str, str] | None = None
    """(user, password) a token server accepts; anonymous tokens are refused when set."""
    served: dict[str, bytes] = field(default_factory=dict)
    """digest -> bytes served instead of the stored ones (to fake corruption)."""
    send_digest_header: bool = True
    push_enabled: bool = True
    """False: every write is refused as a read-only registry refuses it (405)."""
    uploads: dict[str, str] = field(default_factory=dict)
    """Upload id -> repository, for uploads started and not yet closed."""

    # -- content -----------------------------------------------------------------------

    def add_blob(self, data: bytes, media_type: str = OCI_LAYER) -> dict[str, Any]:
        digest = digest_of(data)
        self.blobs[digest] = data
        return {"mediaType": media_type, "digest": digest, "size": len(data)}

    def put_manifest(
        self, repository: str, document: dict[str, Any] | bytes, media_type: str, tag: str = ""
    ) -> dict[str, Any]:
        raw = document if isinstance(document, bytes) else encode(document)
        digest = digest_of(raw)
        self.manifests.setdefault(repository, {})[digest] = (raw, media_type)
        self.tags.setdefault(repository, {})
        if tag:
            self.tags[repository][tag] = digest
        return {"mediaType": media_type, "digest": digest, "size": len(raw)}

    def config_blob(self, platform: str, media_type: str = OCI_CONFIG) -> dict[str, Any]:
        os_name, arch, *variant = platform.split("/")
        config: dict[str, Any] = {
            "architecture": arch,
            "os": os_name,
            "created": CREATED,
            "config": {"Cmd": ["sh"]},
            "rootfs": {"type": "layers", "diff_ids": []},
        }
        if variant:
            config["variant"] = variant[0]
        return self.add_blob(encode(config), media_type)

    def push_image(
        self,
        repository: str,
        tag: str = "",
        platform: str = "linux/amd64",
        layers: tuple[bytes, ...] = (b"base layer",),
        docker: bool = False,
    ) -> dict[str, Any]:
        """A single-platform image manifest (OCI, or Docker v2 with `docker=True`)."""
        config = self.config_blob(platform, DOCKER_CONFIG if docker else OCI_CONFIG)
        layer_type = DOCKER_LAYER if docker else OCI_LAYER
        media_type = DOCKER_MANIFEST if docker else OCI_MANIFEST
        document = {
            "schemaVersion": 2,
            "mediaType": media_type,
            "config": config,
            "layers": [self.add_blob(layer, layer_type) for layer in layers],
        }
        return self.put_manifest(repository, document, media_type, tag)

    def push_attestation(self, repository: str, subject: dict[str, Any]) -> dict[str, Any]:
        config = self.add_blob(
            encode({"architecture": "unknown", "os": "unknown", "config": {}, "rootfs": {}}),
            OCI_CONFIG,
        )
        statement = self.add_blob(
            encode({"_type": "https://in-toto.io/Statement/v0.1", "subject": subject["digest"]}),
            IN_TOTO,
        )
        statement["annotations"] = {"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"}
        document = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": config,
            "layers": [statement],
        }
        return self.put_manifest(repository, document, OCI_MANIFEST)

    def push_index(
        self,
        repository: str,
        tag: str = "",
        platforms: tuple[str, ...] = ("linux/amd64", "linux/arm64"),
        attestations: bool = True,
        shared: bytes = b"shared layer",
        docker: bool = False,
    ) -> dict[str, Any]:
        """A multi-platform index (Docker manifest list with `docker=True`), as buildx pushes."""
        entries = []
        attestation_entries = []
        for platform in platforms:
            own = f"{repository} {platform} layer".encode()
            child = self.push_image(repository, "", platform, (own, shared), docker=docker)
            os_name, arch, *variant = platform.split("/")
            child["platform"] = {"architecture": arch, "os": os_name}
            if variant:
                child["platform"]["variant"] = variant[0]
            entries.append(child)
            if attestations:
                attestation = self.push_attestation(repository, child)
                attestation["platform"] = {"architecture": "unknown", "os": "unknown"}
                attestation["annotations"] = {
                    "vnd.docker.reference.digest": child["digest"],
                    "vnd.docker.reference.type": "attestation-manifest",
                }
                attestation_entries.append(attestation)
        media_type = DOCKER_LIST if docker else OCI_INDEX
        document = {
            "schemaVersion": 2,
            "mediaType": media_type,
            "manifests": entries + attestation_entries,
        }
        return self.put_manifest(repository, document, media_type, tag)

    def push_cache(self, repository: str, tag: str = "latest", *, image_manifest: bool) -> None:
        """A BuildKit registry cache: index form, or image-manifest form."""
        layers = [self.add_blob(b"cache layer 1"), self.add_blob(b"cache layer 2")]
        config = self.add_blob(encode({"layers": [], "records": []}), BUILDKIT_CACHE_CONFIG)
        if image_manifest:
            document = {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": config,
                "layers": layers,
            }
            self.put_manifest(repository, document, OCI_MANIFEST, tag)
        else:
            document = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [*layers, config]}
            self.put_manifest(repository, document, OCI_INDEX, tag)

    def push_artifact(self, repository: str, tag: str = "v1") -> dict[str, Any]:
        config = self.add_blob(b"{}", OCI_EMPTY)
        document = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": "application/vnd.example.sbom.v1",
            "config": config,
            "layers": [self.add_blob(b'{"sbom": true}', "application/spdx+json")],
            "annotations": {"org.opencontainers.image.title": "sbom"},
        }
        return self.put_manifest(repository, document, OCI_MANIFEST, tag)

    # -- HTTP ----------------------------------------------------------------------------

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def _authorised(self, request: httpx.Request) -> httpx.Response | None:
        header = request.headers.get("authorization", "")
        if self.basic_auth is not None:
            user, password = self.basic_auth
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            if header != f"Basic {token}":
                return httpx.Response(
                    401,
                    headers={"WWW-Authenticate": 'Basic realm="fake"'},
                    json={
                        "errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]
                    },
                )
        if self.bearer is not None and header != "Bearer good-token":
            path = request.url.path
            scope = "registry:catalog:*"
            if path.startswith("/v2/") and path != "/v2/" and "_catalog" not in path:
                name = path[4:].rsplit("/", 2)[0]
                scope = f"repository:{name}:pull"
            return httpx.Response(
                401,
                headers={
                    "WWW-Authenticate": f'Bearer realm="https://auth.test/token",'
                    f'service="{self.host}",scope="{scope}"'
                },
                json={"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
            )
        return None

    def _token(self, request: httpx.Request) -> httpx.Response:
        assert self.bearer is not None
        user, password = self.bearer
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {token}":
            return httpx.Response(401, json={"details": "incorrect username or password"})
        return httpx.Response(200, json={"token": "good-token", "expires_in": 300})

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if request.url.host == "auth.test":
            return self._token(request)
        denied = self._authorised(request)
        if denied is not None:
            return denied
        path = request.url.path
        if request.method in ("POST", "PUT"):
            return self._write(request, path)
        if path == "/v2/":
            return httpx.Response(
                200, json={}, headers={"Docker-Distribution-API-Version": "registry/2.0"}
            )
        if path == "/v2/_catalog":
            return self._catalog(request)
        body = path[len("/v2/") :]
        for marker in ("/tags/list", "/manifests/", "/blobs/"):
            if marker in body:
                name, _, rest = body.partition(marker)
                if name not in self.tags:
                    # As distribution 2.8: only the tag list says NAME_UNKNOWN.
                    if marker == "/manifests/":
                        return _error(404, "MANIFEST_UNKNOWN", "manifest unknown")
                    if marker == "/blobs/":
                        return _error(404, "BLOB_UNKNOWN", "blob unknown to registry")
                    return _error(404, "NAME_UNKNOWN", "repository name not known to registry")
                if marker == "/tags/list":
                    return httpx.Response(200, json={"name": name, "tags": sorted(self.tags[name])})
                if marker == "/blobs/":
                    blob = self.blobs.get(rest)
                    return (
                        httpx.Response(200, content=blob) if blob else _error(404, "BLOB_UNKNOWN")
                    )
                return self._manifest(request, name, rest)
        return _error(404, "NOT_FOUND")

    def _write(self, request: httpx.Request, path: str) -> httpx.Response:
        """A blob upload (POST to open, PUT with `?digest=` to close) or a manifest PUT,
        as distribution takes them: a manifest whose blobs are missing is refused."""
        if not self.push_enabled:
            return _error(405, "UNSUPPORTED", "The operation is unsupported.")
        body = path[len("/v2/") :]
        if request.method == "POST" and body.endswith("/blobs/uploads/"):
            name = body[: -len("/blobs/uploads/")]
            upload = f"upload-{len(self.uploads) + 1}"
            self.uploads[upload] = name
            location = f"http://{self.host}/v2/{name}/blobs/uploads/{upload}?_state=x"
            return httpx.Response(202, headers={"Location": location})
        if request.method == "PUT" and "/blobs/uploads/" in body:
            name, _, upload = body.partition("/blobs/uploads/")
            if self.uploads.pop(upload, None) != name:
                return _error(404, "BLOB_UPLOAD_UNKNOWN")
            digest = parse_qs(urlsplit(str(request.url)).query).get("digest", [""])[0]
            data = request.read()
            if digest != digest_of(data):
                return _error(400, "DIGEST_INVALID")
            self.blobs[digest] = data
            return httpx.Response(201, headers={"Docker-Content-Digest": digest})
        if request.method == "PUT" and "/manifests/" in body:
            name, _, reference = body.partition("/manifests/")
            raw = request.read()
            document = json.loads(raw)
            needed = [document.get("config") or {}, *document.get("layers", [])]
            if any(d.get("digest") not in self.blobs for d in needed if d):
                return _error(400, "MANIFEST_BLOB_UNKNOWN")
            media_type = request.headers.get("content-type", "")
            tag = "" if reference.startswith("sha256:") else reference
            self.put_manifest(name, raw, media_type, tag)
            return httpx.Response(201, headers={"Docker-Content-Digest": digest_of(raw)})
        return _error(404, "NOT_FOUND")

    def _catalog(self, request: httpx.Request) -> httpx.Response:
        query = parse_qs(urlsplit(str(request.url)).query)
        n = int(query.get("n", ["100"])[0])
        if n > self.catalog_max and self.catalog_refuses:
            return _error(400, "PAGINATION_NUMBER_INVALID")
        n = min(n, self.catalog_max)
        last = query.get("last", [""])[0]
        names = sorted(name for name in self.tags if name > last)
        page = names[:n]
        headers = {}
        if len(names) > n:
            headers["Link"] = f'</v2/_catalog?last={page[-1]}&n={n}>; rel="next"'
        return httpx.Response(200, json={"repositories": page}, headers=headers)

    def _manifest(self, request: httpx.Request, name: str, reference: str) -> httpx.Response:
        digest = reference if reference.startswith("sha256:") else self.tags[name].get(reference)
        stored = self.manifests[name].get(digest or "")
        if request.method == "DELETE":
            if not self.delete_enabled:
                return _error(405, "UNSUPPORTED", "The operation is unsupported.")
            if not reference.startswith("sha256:"):
                return _error(400, "DIGEST_INVALID")
            if stored is None:
                return _error(404, "MANIFEST_UNKNOWN")
            del self.manifests[name][reference]
            self.tags[name] = {t: d for t, d in self.tags[name].items() if d != reference}
            return httpx.Response(202)
        if stored is None or digest is None:
            return _error(404, "MANIFEST_UNKNOWN", "manifest unknown")
        raw, media_type = stored
        raw = self.served.get(digest, raw)
        accept = request.headers.get("accept", "")
        if media_type not in accept:
            return _error(
                404,
                "MANIFEST_UNKNOWN",
                "OCI index found, but accept header does not support OCI indexes",
            )
        headers = {"Content-Type": media_type, "Content-Length": str(len(raw))}
        if self.send_digest_header:
            headers["Docker-Content-Digest"] = digest
        content = b"" if request.method == "HEAD" else raw
        return httpx.Response(200, headers=headers, content=content)


def lab_registry() -> FakeRegistry:
    """The registry the lab leaves behind: base image, lab:cachetest, its cache, and more."""
    registry = FakeRegistry()
    registry.push_image("busybox", "amd64", "linux/amd64", (b"busybox amd64",))
    registry.push_image("busybox", "arm64", "linux/arm64", (b"busybox arm64",))
    registry.push_index("busybox", "latest", attestations=False, shared=b"busybox shared")
    registry.push_index("lab", "cachetest")
    registry.push_index("lab", "v2", platforms=("linux/amd64", "linux/arm/v7"))
    registry.push_image("lab", "single", "linux/amd64", (b"single layer", b"shared layer"))
    registry.push_cache("cachedata1", image_manifest=False)
    registry.push_cache("cachedata2", image_manifest=True)
    registry.push_artifact("sbom")
    return registry


def fake_service(
    registry: FakeRegistry,
    settings: Settings | None = None,
    down_advice: Callable[[], str] | None = None,
) -> RegistryService:
    """The real service, with the fake registry as its only transport and no credentials;
    `down_advice` stands for what `docker inspect` would say when it does not answer."""
    settings = settings or Settings(registry_url=f"http://{registry.host}")
    return RegistryService(
        settings, transport=registry.transport, store=NoCredentials(), down_advice=down_advice
    )


def damaged_lab_registry() -> FakeRegistry:
    """The lab registry with a damaged index (`lab:cachetest` and `lab:v2` lost their
    linux/amd64 manifest) and a tag that cannot be read (`lab:broken`)."""
    registry = lab_registry()
    index = registry.tags["lab"]["cachetest"]
    child = json.loads(registry.manifests["lab"][index][0])["manifests"][0]["digest"]
    del registry.manifests["lab"][child]
    registry.put_manifest("lab", b"{broken", OCI_MANIFEST, "broken")
    return registry
