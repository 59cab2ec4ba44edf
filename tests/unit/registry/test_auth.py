"""Credentials from Docker's config and helpers, and WWW-Authenticate parsing."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from buildtui.registry.auth import (
    Credentials,
    DockerConfigStore,
    basic_header,
    docker_config_path,
    parse_challenge,
)


def write_config(tmp_path: Path, config: dict[str, object]) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return path


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_auths_entry_with_auth_field(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"auths": {"localhost:5000": {"auth": b64("bob:s3:cret")}}})
    found = DockerConfigStore(path).lookup("localhost:5000")
    assert found is not None
    assert (found.username, found.password) == ("bob", "s3:cret")
    assert str(path) in found.source


def test_auths_keys_with_scheme_and_docker_hub(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        {
            "auths": {
                "https://reg.example:5000/v2/": {"username": "u", "password": "p"},
                "https://index.docker.io/v1/": {"auth": b64("hub:pw")},
            }
        },
    )
    store = DockerConfigStore(path)
    assert store.lookup("reg.example:5000") == Credentials("u", "p", str(path))
    hub = store.lookup("docker.io")
    assert hub is not None and hub.username == "hub"
    assert store.lookup("other:5000") is None


def helper_runner(
    answers: dict[str, dict[str, str]], calls: list[tuple[str, str]]
) -> Callable[[str, str], subprocess.CompletedProcess[str]]:
    def run(program: str, server: str) -> subprocess.CompletedProcess[str]:
        calls.append((program, server))
        if server in answers:
            return subprocess.CompletedProcess([program], 0, json.dumps(answers[server]), "")
        return subprocess.CompletedProcess([program], 1, "", "credentials not found")

    return run


def test_cred_helpers_per_registry(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"credHelpers": {"reg.example": "pass"}})
    calls: list[tuple[str, str]] = []
    store = DockerConfigStore(
        path, helper_runner({"reg.example": {"Username": "alice", "Secret": "x"}}, calls)
    )
    found = store.lookup("reg.example")
    assert found is not None and (found.username, found.password) == ("alice", "x")
    assert found.source == "credential helper docker-credential-pass"
    assert calls == [("docker-credential-pass", "reg.example")]


def test_creds_store_fallback_and_identity_token_reply(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"credsStore": "secretservice", "auths": {"a.example": {}}})
    calls: list[tuple[str, str]] = []
    answers = {
        "a.example": {"Username": "carol", "Secret": "pw"},
        "b.example": {"Username": "<token>", "Secret": "refresh"},
    }
    store = DockerConfigStore(path, helper_runner(answers, calls))
    found = store.lookup("a.example")
    assert found is not None and found.username == "carol"
    token = store.lookup("b.example")
    assert token is not None
    assert (token.username, token.password, token.identity_token) == ("", "", "refresh")
    assert "identity token" in token.describe() and "refresh" not in repr(token)
    assert store.lookup("c.example") is None
    assert [c[0] for c in calls] == ["docker-credential-secretservice"] * 3


def test_identitytoken_entry_of_config_json(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        {"auths": {"reg.example": {"auth": b64("dave:"), "identitytoken": "oauth-refresh"}}},
    )
    found = DockerConfigStore(path).lookup("reg.example")
    assert found is not None
    assert (found.username, found.identity_token) == ("dave", "oauth-refresh")
    assert found.describe() == f"an identity token of user 'dave' ({path})"


def test_missing_or_broken_config_means_no_credentials(tmp_path: Path) -> None:
    assert DockerConfigStore(tmp_path / "absent.json").lookup("x") is None
    broken = tmp_path / "broken.json"
    broken.write_text("{nope")
    assert DockerConfigStore(broken).lookup("x") is None
    garbage = write_config(tmp_path, {"auths": {"x": {"auth": "!!notbase64"}}})
    assert DockerConfigStore(garbage).lookup("x") is None


def test_docker_config_env() -> None:
    assert docker_config_path({"DOCKER_CONFIG": "/etc/dc"}) == Path("/etc/dc/config.json")


def test_parse_challenge() -> None:
    bearer = parse_challenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
        'scope="repository:library/busybox:pull"'
    )
    assert bearer is not None
    assert bearer.scheme == "bearer"
    assert bearer.params == {
        "realm": "https://auth.docker.io/token",
        "service": "registry.docker.io",
        "scope": "repository:library/busybox:pull",
    }
    basic = parse_challenge('Basic realm="Registry Realm"')
    assert basic is not None and basic.scheme == "basic"
    assert parse_challenge("") is None


def test_password_never_in_repr() -> None:
    credentials = Credentials("bob", "hunter2", "typed in")
    assert "hunter2" not in repr(credentials)
    assert "hunter2" not in credentials.describe()
    assert basic_header(credentials) == "Basic " + b64("bob:hunter2")
