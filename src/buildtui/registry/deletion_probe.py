"""The deletion probe: a DELETE of a manifest no registry holds tells whether deletion is
turned on, without changing anything.

One digest and one reading of the answer for every caller (`buildtui doctor` and the
status bar, `buildtui lab up`, the clean-up's check before its first change): 404 (or
202) means deletion works, 405 means it is off (`UNSUPPORTED`) or the registry runs in
read-only maintenance mode, anything else (401, 500 ...) says nothing either way.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from buildtui.registry.one_shot import one_shot

if TYPE_CHECKING:
    import httpx

PROBE_DIGEST = "sha256:" + "0" * 64
"""A digest no manifest has (the sha256 of nothing is not all zeros)."""
PROBE_DEADLINE = 10.0
"""Seconds the probe's reply may take to end, whatever the registry trickles."""
PROBE_REPOSITORY = "buildtui-probe"
"""The repository probed when there is no repository of interest (it need not exist)."""


class Deletion(enum.Enum):
    ENABLED = "enabled"
    DISABLED = "disabled"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ProbeAnswer:
    """What the registry answered to the probe, and what that says."""

    deletion: Deletion
    status: int
    body: bytes = b""

    @property
    def turned_off(self) -> bool:
        """405 UNSUPPORTED: deletion is turned off (not read-only maintenance mode)."""
        return self.deletion is Deletion.DISABLED and b"UNSUPPORTED" in self.body


def probe_path(repository: str = PROBE_REPOSITORY) -> str:
    return f"/v2/{repository}/manifests/{PROBE_DIGEST}"


def classify(status: int, body: bytes = b"") -> ProbeAnswer:
    """The probe's answer: 404/202 enabled, 405 disabled, anything else unknown."""
    if status in (404, 202):
        deletion = Deletion.ENABLED
    elif status == 405:
        deletion = Deletion.DISABLED
    else:
        deletion = Deletion.UNKNOWN
    return ProbeAnswer(deletion, status, body)


def probe_deletion(
    http: httpx.Client, repository: str = PROBE_REPOSITORY, *, deadline: float | None = None
) -> ProbeAnswer:
    """Send the probe with `http` (its base URL the registry's); httpx errors propagate,
    a reply that has not ended by `deadline` (`time.monotonic()`) among them."""
    if deadline is None:
        deadline = time.monotonic() + PROBE_DEADLINE
    answer = one_shot(http, "DELETE", probe_path(repository), deadline=deadline)
    return classify(answer.status, answer.body)
