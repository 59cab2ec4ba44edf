"""Blocking one-shot requests to a registry (the doctor's and the status bar's `/v2/`
check, `lab up`'s wait, the deletion probe) that neither hang nor fill memory.

A per-read timeout alone does not end a reply that keeps trickling in, and reading a
reply whole keeps every byte of an endless one: these requests read the body as it
comes, keep at most `cap` bytes of it, and give up once `deadline` (a `time.monotonic()`
value) has passed, as an `httpx.ReadTimeout`, which their callers already handle as a
registry that does not answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

ONE_SHOT_CAP = 64 * 1024
"""Bytes of a one-shot reply kept: its status is what matters, and a short error body."""


@dataclass(frozen=True)
class OneShot:
    status: int
    body: bytes


def one_shot(
    http: httpx.Client, method: str, path: str, *, deadline: float, cap: int = ONE_SHOT_CAP
) -> OneShot:
    """`method path` with `http`; its status and at most `cap` bytes of its body, read
    before `deadline` (`time.monotonic()`), else `httpx.ReadTimeout`."""
    import httpx

    with http.stream(method, path) as response:
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk[: cap - len(body)]
            if len(body) >= cap:
                break  # the rest is left unread; the connection is closed with the client
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout(
                    f"the registry's reply to {method} {path} did not end in time",
                    request=response.request,
                )
        return OneShot(response.status_code, bytes(body))
