"""The blocking one-shot requests (the doctor's and the status bar's `/v2/` check, the
deletion probe) against a registry served for real on 127.0.0.1: a reply that trickles
on ends at the deadline, and an endless one is not kept whole."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from buildtui import doctor
from buildtui.engine.events import registry_answers
from buildtui.registry.deletion_probe import PROBE_REPOSITORY, probe_deletion, probe_path
from buildtui.registry.one_shot import one_shot
from buildtui.settings import Settings
from tests.fakes.hostile_registry import API_HEADERS, HostileRegistry, Reply

TRICKLE = Reply(200, b"{}" * 5_000, dict(API_HEADERS), trickle=0.01, max_bytes=10_000)
"""A `/v2/` answer of 10,000 bytes, one every 10 ms: 100 s, each read well within 1 s."""


@pytest.fixture
def hostile() -> Iterator[HostileRegistry]:
    registry = HostileRegistry()
    with registry.running():
        yield registry


def test_a_trickling_reply_ends_at_the_deadline(hostile: HostileRegistry) -> None:
    hostile.route("/v2/", TRICKLE)
    with (
        httpx.Client(base_url=hostile.url, timeout=1.0) as http,
        pytest.raises(httpx.ReadTimeout, match="did not end in time"),
    ):
        one_shot(http, "GET", "/v2/", deadline=time.monotonic() + 0.5)


def test_an_endless_reply_is_kept_to_the_cap(hostile: HostileRegistry) -> None:
    hostile.route("/v2/", Reply(200, b"x" * 4_000_000, dict(API_HEADERS)))
    with httpx.Client(base_url=hostile.url, timeout=5.0) as http:
        answer = one_shot(http, "GET", "/v2/", deadline=time.monotonic() + 60, cap=1024)
    assert answer.status == 200
    assert answer.body == b"x" * 1024


def test_the_doctor_says_a_trickling_registry_does_not_answer(hostile: HostileRegistry) -> None:
    hostile.route("/v2/", TRICKLE)
    answers, deletion, error = doctor._registry(hostile.url, 0.3, Settings())
    assert (answers, deletion) == (False, None)
    assert error is not None and "did not end in time" in error


def test_the_status_bar_check_says_a_trickling_registry_does_not_answer(
    hostile: HostileRegistry,
) -> None:
    hostile.route("/v2/", TRICKLE)
    settings = replace(Settings(), registry_url=hostile.url)
    assert registry_answers(settings, timeout=0.3) is False


def test_a_trickling_deletion_probe_ends_at_the_deadline(hostile: HostileRegistry) -> None:
    hostile.route(probe_path(PROBE_REPOSITORY), replace(TRICKLE, status=404))
    with (
        httpx.Client(base_url=hostile.url, timeout=1.0) as http,
        pytest.raises(httpx.ReadTimeout),
    ):
        probe_deletion(http, deadline=time.monotonic() + 0.5)
