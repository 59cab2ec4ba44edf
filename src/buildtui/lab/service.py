"""What the Lab pane and `buildtui lab …` ask for: the observations, the guide, a build's
log, the report. One path for both, so that the pane and `lab status` always agree.

Blocking (docker, HTTP, sqlite): the pane calls it from thread workers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from buildtui.builds.evidence import BuildEvidence
from buildtui.builds.history import BuildHistory
from buildtui.i18n import speaking, translator
from buildtui.lab.builds import build_evidence, build_log
from buildtui.lab.files import REPORT_NAMES, context_holding, report_folder, write_private
from buildtui.lab.guide import Guide, Observations, evaluate
from buildtui.lab.observe import Sources, observe, real_sources
from buildtui.lab.report import ReportReads, build_blocks, cited
from buildtui.lab.report_render import render
from buildtui.settings import Settings

if TYPE_CHECKING:
    from buildtui.registry.service import RegistryService


class LabService:
    def __init__(
        self,
        settings: Settings,
        history: BuildHistory | None = None,
        sources: Callable[[], Sources] | None = None,
        class_registry: Callable[[str], RegistryService] | None = None,
    ) -> None:
        self.settings = settings
        self.history = history or BuildHistory()
        self._sources = sources or (lambda: real_sources(settings, self.history))
        self.class_registry = class_registry
        """Opens the registry (`host[:port]`) of a class to submit to; None: the real one."""

    def observe(self) -> Observations:
        return observe(self._sources())

    def guide(self, observations: Observations, language: str) -> Guide:
        return evaluate(observations, translator(language))

    def log(self, build_id: int) -> str:
        return build_log(self.history, build_id)

    def evidence(self, build_id: int) -> BuildEvidence | None:
        """What build `build_id` started from (its Dockerfile), if it was kept."""
        return build_evidence(self.history, build_id)

    def contexts(self, observations: Observations) -> list[str]:
        """The build contexts (absolute paths) of the builds the guide sees."""
        found: dict[str, None] = {}
        for build in observations.builds:
            evidence = build_evidence(self.history, build.id)
            if evidence is not None and evidence.context:
                found[evidence.context] = None
        return list(found)

    def context_of(self, path: Path, observations: Observations) -> str | None:
        """The build context `path` is inside, if any (writing there changes the context)."""
        return context_holding(path, self.contexts(observations))

    def report(
        self,
        observations: Observations,
        language: str,
        fmt: str = "md",
        student: str | None = None,
    ) -> str:
        """The report as Markdown (`md`) or one HTML file (`html`); each digest it cites is
        asked of the registry now."""
        return self.reports(observations, language, (fmt,), student)[0]

    def reports(
        self,
        observations: Observations,
        language: str,
        formats: Sequence[str],
        student: str | None = None,
    ) -> list[str]:
        """The report in each of `formats`, from one look at the registry."""
        _ = translator(language)
        guide = evaluate(observations, _)
        sources = self._sources()
        served = sources.served(cited(guide, observations))
        reads = ReportReads(
            log_of=self.log,
            evidence_of=self.evidence,
            served=served,
            student=student if student is not None else self.settings.student,
            made_at=sources.clock(),
        )
        with speaking(language):  # the explanations and sizes it quotes speak it too
            blocks = build_blocks(guide, observations, reads, _)
        return [render(blocks, fmt, language) for fmt in formats]

    def write_report(
        self,
        observations: Observations,
        language: str,
        folder: Path | None = None,
        student: str | None = None,
    ) -> tuple[list[Path], str | None]:
        """The report as `lab7-report.md` and `lab7-report.html` in `folder`; by default
        the current folder, unless it is inside a build context (the data dir's `reports`
        then). The paths written, and the build context avoided (None: none)."""
        avoided = None
        if folder is None:
            folder, avoided = report_folder(self.contexts(observations))
        formats = ["html" if name.endswith(".html") else "md" for name in REPORT_NAMES]
        texts = self.reports(observations, language, formats, student)
        written = []
        for name, text in zip(REPORT_NAMES, texts, strict=True):
            path = folder / name
            write_private(path, text)
            written.append(path)
        return written, avoided
