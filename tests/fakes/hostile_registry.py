"""A registry that misbehaves on purpose, on a real socket of 127.0.0.1 (a free port).

Unlike `FakeRegistry` (an httpx.MockTransport), replies go through real TCP, so
timeouts and deadlines are exercised as they happen with a real server: a reply can
trickle in one byte at a time, or a list can link to a next page forever. Each path
gets a route, a function of the request's path and query that returns the reply.
Every reply is bounded (a trickle stops after `max_bytes`, or as soon as the registry
is stopped), so a test that goes wrong ends instead of hanging.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from buildtui.registry.models import OCI_INDEX, OCI_MANIFEST

API_HEADERS = {"Docker-Distribution-API-Version": "registry/2.0"}


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    trickle: float | None = None
    """Send the body one byte every `trickle` seconds (with its full Content-Length)."""
    max_bytes: int = 200
    """A trickle stops after this many bytes."""


def json_reply(document: Any, status: int = 200, /, **headers: str) -> Reply:
    return Reply(
        status, json.dumps(document).encode(), {"Content-Type": "application/json", **headers}
    )


def error_reply(status: int, code: str) -> Reply:
    return json_reply({"errors": [{"code": code, "message": code.lower()}]}, status)


Route = Callable[[str], Reply]
"""The request's path with its query -> the reply."""


class HostileRegistry:
    """Routes by path (query left out); `requests` records each path with its query."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {"/v2/": lambda _: json_reply({}, **API_HEADERS)}
        self.requests: list[str] = []
        self.stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    @property
    def host(self) -> str:
        assert self._server is not None
        return f"127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def route(self, path: str, reply: Reply | Route) -> None:
        self.routes[path] = reply if callable(reply) else (lambda _: reply)

    def manifest(
        self, repository: str, tag: str, raw: bytes, media_type: str = OCI_MANIFEST
    ) -> str:
        """Serve `raw` as a manifest by tag and by digest; returns its digest."""
        digest = digest_of(raw)
        headers = {"Content-Type": media_type, "Docker-Content-Digest": digest}
        for reference in (tag, digest):
            self.route(f"/v2/{repository}/manifests/{reference}", Reply(200, raw, headers))
        return digest

    def image(
        self, repository: str, tag: str = "", platform: str = "linux/amd64"
    ) -> dict[str, Any]:
        """A small OCI image (config and one layer served); its descriptor."""
        os_name, arch = platform.split("/")[:2]
        config = json.dumps({"os": os_name, "architecture": arch}).encode()
        layer = f"{repository} {platform} layer".encode()
        for blob in (config, layer):
            self.route(f"/v2/{repository}/blobs/{digest_of(blob)}", Reply(200, blob))
        raw = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": digest_of(config),
                    "size": len(config),
                },
                "layers": [
                    {
                        "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                        "digest": digest_of(layer),
                        "size": len(layer),
                    }
                ],
            }
        ).encode()
        digest = self.manifest(repository, tag or digest_of(raw), raw)
        return {
            "mediaType": OCI_MANIFEST,
            "digest": digest,
            "size": len(raw),
            "platform": {"os": os_name, "architecture": arch},
        }

    def index(self, repository: str, tag: str, entries: list[dict[str, Any]]) -> str:
        raw = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries})
        return self.manifest(repository, tag, raw.encode(), OCI_INDEX)

    def catalog(self, *repositories: str, tags: dict[str, list[str]] | None = None) -> None:
        """A catalog of `repositories`, each with its tag list (in one page)."""
        self.route("/v2/_catalog", json_reply({"repositories": list(repositories)}))
        for name, names in (tags or {}).items():
            self.route(f"/v2/{name}/tags/list", json_reply({"name": name, "tags": names}))

    # -- serving -------------------------------------------------------------------------

    def reply(self, target: str) -> Reply:
        self.requests.append(target)
        route = self.routes.get(urlsplit(target).path)
        return route(target) if route else error_reply(404, "NOT_FOUND")

    @contextmanager
    def running(self) -> Iterator[HostileRegistry]:
        registry = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._answer(head=False)

            def do_HEAD(self) -> None:
                self._answer(head=True)

            def do_DELETE(self) -> None:
                self._answer(head=False)

            def _answer(self, head: bool) -> None:
                reply = registry.reply(self.path)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if head:
                    return
                if reply.trickle is None:
                    self.wfile.write(reply.body)
                    return
                for byte in reply.body[: reply.max_bytes]:
                    if registry.stopping.wait(reply.trickle):
                        break
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        try:
            yield self
        finally:
            self.stopping.set()
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


ENDLESS = 1000
"""Pages an "endless" list really has: a client without bounds fails its test, never hangs."""


def endless_pages(prefix: str, key: str, per_page: int = 2) -> Route:
    """A list whose every page links to a next one, with new names each time."""

    def page(target: str) -> Reply:
        query = urlsplit(target).query
        number = int(query.rsplit("page=", 1)[1]) if "page=" in query else 0
        names = [f"{prefix}{number * per_page + i}" for i in range(per_page)]
        if number >= ENDLESS:
            return json_reply({key: names, "name": prefix})
        link = f'<{urlsplit(target).path}?page={number + 1}>; rel="next"'
        return json_reply({key: names, "name": prefix}, Link=link)

    return page
