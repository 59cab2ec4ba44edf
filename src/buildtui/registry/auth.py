"""Registry credentials and the 401 challenge dance: anonymous, basic, bearer tokens.

Credentials come from what the user typed in, or from Docker's own
`~/.docker/config.json` (`auths`, `credHelpers`, `credsStore`, as `docker login`
leaves them), identity tokens included (an `identitytoken` entry, or a helper's reply
with the user name `<token>`). A `WWW-Authenticate: Basic` challenge is answered with
basic auth; a `Bearer realm=...,service=...,scope=...` challenge with a token fetched
from the realm: anonymously, with the basic credentials, or for an identity token by
the OAuth refresh-token grant (a POST, as docker does). Tokens are used until their
`expires_in` runs out, and a 401 after a token that worked fetches a new one.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

from buildtui import logs
from buildtui.i18n import _
from buildtui.registry.errors import AuthError, UnexpectedResponse, Unreachable
from buildtui.registry.reference import DOCKER_HUB, DOCKER_HUB_API, echo

DOCKER_HUB_CONFIG_KEY = "https://index.docker.io/v1/"


@dataclass(frozen=True)
class Credentials:
    """A user name and password (or token) and where they came from, for messages."""

    username: str
    password: str
    source: str
    identity_token: str = ""
    """An OAuth refresh token (`docker login` with a browser or an access token)."""

    def __repr__(self) -> str:  # never print the password or the token
        return f"Credentials(username={self.username!r}, source={self.source!r})"

    def describe(self) -> str:
        if self.identity_token and self.username:
            return _("an identity token of user {user!r} ({source})").format(
                user=self.username, source=self.source
            )
        if self.identity_token:
            return _("an identity token ({source})").format(source=self.source)
        return _("user {user!r} ({source})").format(user=self.username, source=self.source)


class CredentialStore(Protocol):
    """Finds credentials for a registry host (`host[:port]` as references spell it)."""

    def lookup(self, registry: str) -> Credentials | None: ...


HelperRunner = Callable[[str, str], "subprocess.CompletedProcess[str]"]


def _run_helper(program: str, server: str) -> subprocess.CompletedProcess[str]:
    logs.command([program, "get"])  # the server goes on stdin; the reply is never logged
    return subprocess.run(
        [program, "get"], input=server, capture_output=True, text=True, timeout=15, check=False
    )


def docker_config_path(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    if environ.get("DOCKER_CONFIG"):
        return Path(environ["DOCKER_CONFIG"]) / "config.json"
    return Path.home() / ".docker" / "config.json"


def _normalise_key(key: str) -> str:
    key = key.split("://", 1)[-1]
    return key.split("/", 1)[0]


class DockerConfigStore:
    """Credentials as `docker login` stores them: in config.json or a credential helper."""

    def __init__(self, path: Path | None = None, run_helper: HelperRunner = _run_helper) -> None:
        self.path = path or docker_config_path()
        self._run_helper = run_helper

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def lookup(self, registry: str) -> Credentials | None:
        config = self._load()
        keys = {registry, _normalise_key(registry)}
        if registry in (DOCKER_HUB, DOCKER_HUB_API):
            keys |= {DOCKER_HUB_CONFIG_KEY, "index.docker.io", DOCKER_HUB, DOCKER_HUB_API}
        helpers = config.get("credHelpers")
        if isinstance(helpers, dict):
            for key, helper in helpers.items():
                if _normalise_key(key) in keys or key in keys:
                    return self._from_helper(str(helper), key)
        auths = config.get("auths")
        found_key = None
        if isinstance(auths, dict):
            for key, entry in auths.items():
                if key in keys or _normalise_key(key) in keys:
                    found_key = key
                    credentials = self._from_entry(entry)
                    if credentials is not None:
                        return credentials
        store = config.get("credsStore")
        if isinstance(store, str) and store:
            return self._from_helper(store, found_key or self._server_key(registry))
        return None

    @staticmethod
    def _server_key(registry: str) -> str:
        return DOCKER_HUB_CONFIG_KEY if registry in (DOCKER_HUB, DOCKER_HUB_API) else registry

    def _from_entry(self, entry: object) -> Credentials | None:
        if not isinstance(entry, dict):
            return None
        source = f"{self.path}"
        token = entry.get("identitytoken")
        if isinstance(token, str) and token:
            username = entry.get("username") if isinstance(entry.get("username"), str) else ""
            if isinstance(entry.get("auth"), str) and entry["auth"]:
                with contextlib.suppress(ValueError, UnicodeDecodeError):
                    username = base64.b64decode(entry["auth"]).decode("utf-8").partition(":")[0]
            return Credentials(str(username), "", source, identity_token=token)
        if isinstance(entry.get("auth"), str) and entry["auth"]:
            try:
                decoded = base64.b64decode(entry["auth"]).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                return None
            username, sep, password = decoded.partition(":")
            if sep:
                return Credentials(username, password, source)
        if isinstance(entry.get("username"), str) and isinstance(entry.get("password"), str):
            return Credentials(entry["username"], entry["password"], source)
        return None

    def _from_helper(self, helper: str, server: str) -> Credentials | None:
        program = f"docker-credential-{helper}"
        try:
            result = self._run_helper(program, server)
        except (OSError, subprocess.SubprocessError):
            return None
        if result.returncode != 0:
            return None
        try:
            data = json.loads(result.stdout)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        username, secret = data.get("Username"), data.get("Secret")
        if not isinstance(username, str) or not isinstance(secret, str) or not secret:
            return None
        source = _("credential helper {program}").format(program=program)
        if username == "<token>":  # the helper holds an identity (refresh) token
            return Credentials("", "", source, identity_token=secret)
        return Credentials(username, secret, source)


class NoCredentials:
    """A store that never has credentials (anonymous only)."""

    def lookup(self, registry: str) -> Credentials | None:
        return None


@dataclass(frozen=True)
class Challenge:
    scheme: str
    params: dict[str, str]


_PARAM_RE = re.compile(r'([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))')


def parse_challenge(header: str) -> Challenge | None:
    """`Bearer realm="...",service="...",scope="..."` -> Challenge; None if unparseable."""
    header = header.strip()
    if not header:
        return None
    scheme, _unused, rest = header.partition(" ")
    params = {
        match.group(1).lower(): match.group(2) if match.group(2) is not None else match.group(3)
        for match in _PARAM_RE.finditer(rest)
    }
    return Challenge(scheme.lower(), params)


def basic_header(credentials: Credentials) -> str:
    token = base64.b64encode(f"{credentials.username}:{credentials.password}".encode()).decode()
    return f"Basic {token}"


TOKEN_LIFETIME_MIN = 60
"""Seconds a bearer token lasts at least (and when `expires_in` is missing), as docker."""
TOKEN_MARGIN = 5
"""Seconds before its end a token is no longer sent (it could expire on the way)."""
OAUTH_CLIENT_ID = "buildtui"


@dataclass(frozen=True)
class _Token:
    value: str
    expires: float


class Authenticator:
    """Holds one registry's credentials and answers its challenges; caches what worked."""

    def __init__(
        self,
        registry: str,
        *,
        typed: Credentials | None = None,
        store: CredentialStore | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.registry = registry
        self._typed = typed
        self._store: CredentialStore = store if store is not None else DockerConfigStore()
        self._looked_up = typed is not None
        self._credentials = typed
        self._basic: str | None = None
        self._tokens: dict[str, _Token] = {}
        self._clock = clock
        self._lock = asyncio.Lock()

    async def credentials(self) -> Credentials | None:
        if not self._looked_up:
            self._credentials = await asyncio.to_thread(self._store.lookup, self.registry)
            self._looked_up = True
        return self._credentials

    def _token(self, scope: str) -> str | None:
        token = self._tokens.get(scope)
        if token is None or token.expires - TOKEN_MARGIN <= self._clock():
            return None  # none yet, or expired: the 401 that follows fetches a new one
        return token.value

    def header(self, scope: str) -> dict[str, str]:
        """The Authorization header to send for a request in `scope` (empty: anonymous)."""
        token = self._token(scope)
        if token is not None:
            return {"Authorization": f"Bearer {token}"}
        if self._basic:
            return {"Authorization": self._basic}
        return {}

    def tried(self, scope: str) -> list[str]:
        credentials = self._credentials
        who = credentials.describe() if credentials else _("anonymous (no credentials found)")
        if scope in self._tokens:
            return [_("a bearer token for {who}").format(who=who)]
        if self._basic and credentials:
            return [_("basic auth as {who}").format(who=who)]
        return [who]

    async def answer(
        self,
        challenge_header: str,
        scope: str,
        http: httpx.AsyncClient,
        sent: Mapping[str, str] | None = None,
    ) -> bool:
        """Prepare credentials for a retry after a 401; False if there is nothing new to try.

        `sent` is the header the refused request carried: when another request has renewed
        the token meanwhile, the retry uses that one instead of fetching yet another.
        """
        challenge = parse_challenge(challenge_header)
        async with self._lock:
            credentials = await self.credentials()
            if challenge is None or challenge.scheme == "basic":
                if credentials is None or (credentials.identity_token and not credentials.password):
                    return False
                header = basic_header(credentials)
                if header == self._basic:
                    return False
                self._basic = header
                return True
            if challenge.scheme != "bearer" or "realm" not in challenge.params:
                return False
            current = self.header(scope)
            bearer = current.get("Authorization", "").startswith("Bearer ")
            if (
                sent is not None
                and bearer
                and current.get("Authorization") != sent.get("Authorization")
            ):
                return True  # renewed by another request while this one was refused
            previous = self._tokens.get(scope)
            value, lifetime = await self._fetch_token(challenge, scope, credentials, http)
            self._tokens[scope] = _Token(value, self._clock() + lifetime)
            if sent is None:
                refused = f"Bearer {previous.value}" if previous else None
            else:
                refused = sent.get("Authorization")
            # The very token just refused is not worth a retry; a new (or renewed) one is.
            return refused != f"Bearer {value}"

    async def _fetch_token(
        self,
        challenge: Challenge,
        scope: str,
        credentials: Credentials | None,
        http: httpx.AsyncClient,
    ) -> tuple[str, float]:
        """A token and its lifetime in seconds, from the challenge's realm."""
        params = {"scope": challenge.params.get("scope") or scope}
        if "service" in challenge.params:
            params["service"] = challenge.params["service"]
        realm = challenge.params["realm"]
        who = credentials.describe() if credentials else "anonymous"
        try:
            if credentials is not None and credentials.identity_token:
                # OAuth2 refresh-token grant, as docker does for an identity token.
                form = {
                    "grant_type": "refresh_token",
                    "refresh_token": credentials.identity_token,
                    "client_id": OAUTH_CLIENT_ID,
                    **params,
                }
                response = await http.post(realm, data=form)
            else:
                headers = {"Authorization": basic_header(credentials)} if credentials else {}
                response = await http.get(realm, params=params, headers=headers)
        except httpx.InvalidURL as error:
            raise UnexpectedResponse(
                _(
                    "the token server {echo} that {registry} names is not a URL "
                    "({error}); check the registry's auth setup"
                ).format(echo=echo(realm, 80), registry=self.registry, error=error)
            ) from error
        except httpx.HTTPError as error:
            raise Unreachable(
                _(
                    "the token server {realm} of {registry} does not answer ({error}); "
                    "check the network, then refresh"
                ).format(realm=realm, registry=self.registry, error=error)
            ) from error
        if response.status_code in (400, 401, 403) and credentials and credentials.identity_token:
            raise AuthError(
                _(
                    "the token server {realm} of {registry} refused {who} "
                    "({status_code}): it has expired or was revoked; log in again with "
                    "`docker login {registry}`"
                ).format(
                    realm=realm, registry=self.registry, who=who, status_code=response.status_code
                ),
                status=response.status_code,
                tried=[_("{who} at the token server").format(who=who)],
            )
        if response.status_code in (401, 403):
            raise AuthError(
                _(
                    "the token server {realm} of {registry} refused {who} "
                    "({status_code}); log in with `docker login {registry}`"
                ).format(
                    realm=realm, registry=self.registry, who=who, status_code=response.status_code
                ),
                status=response.status_code,
                tried=[_("{who} at the token server").format(who=who)],
            )
        try:
            data = response.json()
            token = data.get("token") or data.get("access_token")
            expires_in = data.get("expires_in")
        except (ValueError, AttributeError, RecursionError):
            token, expires_in = None, None
        if response.status_code != 200 or not isinstance(token, str) or not token:
            raise UnexpectedResponse(
                _(
                    "the token server {realm} of {registry} answered {status_code} "
                    "without a token; check the registry's auth setup"
                ).format(realm=realm, registry=self.registry, status_code=response.status_code)
            )
        lifetime = expires_in if isinstance(expires_in, int | float) else 0
        return token, max(float(lifetime), TOKEN_LIFETIME_MIN)
