"""Bearer tokens against a fake token service: the OAuth refresh-token grant for identity
tokens, a new token after a 401 during a long scan, and `expires_in` honoured."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from buildtui.registry.auth import Authenticator, Credentials, DockerConfigStore, NoCredentials
from buildtui.registry.client import RegistryClient
from buildtui.registry.errors import AuthError
from tests.fakes.registry import lab_registry

HOST = "registry.test:5000"
REALM = "https://auth.test/token"


@dataclass
class TokenService:
    """Issues t1, t2, ... for the refresh token `refresh` (POST) or basic `bob:pw` (GET);
    the registry in front accepts only the tokens in `valid`."""

    refresh: str = "refresh-1"
    expires_in: int = 300
    issued: int = 0
    valid: set[str] = field(default_factory=set)
    token_requests: list[httpx.Request] = field(default_factory=list)
    registry_auth: list[str] = field(default_factory=list)
    refuse_new: bool = False

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.test":
            self.token_requests.append(request)
            if request.method == "POST":
                form = parse_qs(request.content.decode())
                if form.get("refresh_token") != [self.refresh]:
                    return httpx.Response(400, json={"error": "invalid_grant"})
            elif request.headers.get("authorization") != "Basic Ym9iOnB3":
                return httpx.Response(401, json={"details": "incorrect username or password"})
            self.issued += 1
            token = f"t{self.issued}"
            if not self.refuse_new:
                self.valid.add(token)
            return httpx.Response(200, json={"access_token": token, "expires_in": self.expires_in})
        header = request.headers.get("authorization", "")
        self.registry_auth.append(header)
        if header.removeprefix("Bearer ") not in self.valid:
            challenge = f'Bearer realm="{REALM}",service="{HOST}",scope="repository:lab:pull"'
            return httpx.Response(401, headers={"WWW-Authenticate": challenge})
        return BACKEND.handle(request)


BACKEND = lab_registry()


def client(service: TokenService, auth: Authenticator) -> RegistryClient:
    return RegistryClient(
        HOST, f"http://{HOST}", auth=auth, transport=httpx.MockTransport(service.handle)
    )


async def test_an_identity_token_is_exchanged_by_the_refresh_token_grant(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"auths": {HOST: {"identitytoken": "refresh-1"}}}))
    service = TokenService()
    auth = Authenticator(HOST, store=DockerConfigStore(config))
    async with client(service, auth) as registry:
        assert "v2" in await registry.tags("lab")
    (request,) = service.token_requests
    assert request.method == "POST"
    form = parse_qs(request.content.decode())
    assert form["grant_type"] == ["refresh_token"]
    assert form["refresh_token"] == ["refresh-1"]
    assert form["service"] == [HOST] and form["scope"] == ["repository:lab:pull"]
    assert "authorization" not in request.headers


async def test_a_revoked_identity_token_says_log_in_again() -> None:
    service = TokenService(refresh="another")
    typed = Credentials("", "", "credential helper docker-credential-x", identity_token="old")
    auth = Authenticator(HOST, typed=typed, store=NoCredentials())
    async with client(service, auth) as registry:
        with pytest.raises(AuthError, match=f"expired or was revoked.*docker login {HOST}"):
            await registry.tags("lab")


async def test_a_token_refused_mid_scan_is_renewed_once() -> None:
    service = TokenService()
    auth = Authenticator(HOST, typed=Credentials("bob", "pw", "typed in"), store=NoCredentials())
    async with client(service, auth) as registry:
        await registry.tags("lab")
        service.valid.clear()  # the registry no longer takes t1 (expired on its side)
        await registry.get_manifest("lab", "v2")
        assert service.issued == 2
        assert service.registry_auth[-2:] == ["Bearer t1", "Bearer t2"]


async def test_a_registry_that_refuses_every_token_ends_after_one_renewal() -> None:
    service = TokenService()
    auth = Authenticator(HOST, typed=Credentials("bob", "pw", "typed in"), store=NoCredentials())
    async with client(service, auth) as registry:
        await registry.tags("lab")
        service.valid = set()
        service.refuse_new = True
        with pytest.raises(AuthError, match="bearer token for user 'bob'"):
            await registry.get_manifest("lab", "v2")
    assert service.issued == 2  # one new token, then the error: no loop


async def test_expires_in_is_honoured() -> None:
    now = [1000.0]
    service = TokenService(expires_in=120)
    auth = Authenticator(
        HOST,
        typed=Credentials("bob", "pw", "typed in"),
        store=NoCredentials(),
        clock=lambda: now[0],
    )
    async with client(service, auth) as registry:
        await registry.tags("lab")
        await registry.tags("lab")
        assert service.issued == 1
        now[0] += 200  # past its 120 seconds: not sent again, a new one is fetched
        await registry.tags("lab")
    assert service.issued == 2
    assert "Bearer t1" not in service.registry_auth[-2:]
    assert service.registry_auth[-1] == "Bearer t2"
