"""The build form: every `docker buildx build` option the lab uses, as `BuildOptions`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, Input, Select, SelectionList
from textual.widgets.select import InvalidSelectValueError

from buildtui.app.shared.marks import MarkedCheckbox, MarkedSelectionList
from buildtui.app.shared.translated import TrLabel
from buildtui.builds.errors import OptionsError
from buildtui.builds.options import (
    BuildOptions,
    CacheMode,
    CacheSpec,
    CacheType,
    OutputType,
    parse_build_args,
)
from buildtui.i18n import N_, _
from buildtui.untrusted import screen_text

NO_CACHE = "none"
DEST_HINTS = {
    OutputType.LOCAL: N_("destination folder, e.g. ./out"),
    OutputType.OCI: N_("destination file, e.g. lab-oci.tar"),
    OutputType.TAR: N_("destination file, e.g. lab-fs.tar"),
}
PROVENANCE = ((N_("default"), "default"), (N_("on"), "on"), (N_("off"), "off"))
PLACEHOLDERS = {
    "context": N_("build context folder"),
    "file": N_("default: CONTEXT/Dockerfile"),
    "tags": N_("e.g. HOST:PORT/lab:1 (several: space-separated)"),
    "builder": N_("default: the builder in use"),
    "target": N_("default: the last stage"),
    "cache-from-ref": N_("cache image or directory"),
    "cache-to-ref": N_("cache image or directory"),
    "build-args": N_("e.g. NAME=value NAME2=value2"),
}
"""Each text field's hint (English: translate with `_`)."""


def text_field(widget_id: str, value: str = "") -> Input:
    """A one-line field of the form, with its hint (`PLACEHOLDERS`); its text is not
    selected when it takes the focus, so that typing adds to it instead of replacing it."""
    placeholder = _(PLACEHOLDERS[widget_id]) if widget_id in PLACEHOLDERS else ""
    return Input(value, id=widget_id, placeholder=placeholder, compact=True, select_on_focus=False)


def _words(text: str) -> tuple[str, ...]:
    return tuple(word for word in text.replace(",", " ").split() if word)


class BuildForm(VerticalScroll):
    """Fields for one build; posts `Changed` whenever one of them changes.

    Its fields come in reading order, so Tab from the form itself goes Context,
    Dockerfile, Tags, Platforms, Builder ...; a field's text is not selected when it
    takes the focus (typing adds to it). The destination takes text only for the
    outputs that write files (local, oci, tar); other outputs clear it.
    """

    DEFAULT_CSS = """
    BuildForm { height: 1fr; padding: 0 1; }
    BuildForm > Horizontal { height: auto; margin-bottom: 1; }
    BuildForm Label { width: 14; padding: 0 1 0 0; text-align: right; }
    BuildForm Input { width: 1fr; margin-right: 1; }
    BuildForm Select { width: 22; margin-right: 1; }
    BuildForm SelectionList { height: auto; max-height: 6; width: 1fr; }
    BuildForm Checkbox { width: auto; margin-right: 2; }
    """

    class Changed(Message):
        """A field changed; `form.options()` reads them all."""

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield TrLabel("Context")
            yield text_field("context", ".")
            yield TrLabel("Dockerfile")
            yield text_field("file")
        with Horizontal():
            yield TrLabel("Tags")
            yield text_field("tags")
        with Horizontal():
            yield TrLabel("Platforms")
            yield MarkedSelectionList[str](id="platforms", compact=True)
        with Horizontal():
            yield TrLabel("Builder")
            yield text_field("builder")
            yield TrLabel("Target")
            yield text_field("target")
        with Horizontal():
            yield TrLabel("Output")
            yield Select(
                self._outputs(),
                value=OutputType.DEFAULT.value,
                allow_blank=False,
                id="output",
                compact=True,
            )
            dest = text_field("output-dest")
            dest.placeholder = self._dest_hint(OutputType.DEFAULT)
            dest.disabled = True  # until an output that writes files is chosen
            yield dest
        with Horizontal():
            yield TrLabel("Cache from")
            yield Select(
                self._cache_types(),
                value=NO_CACHE,
                allow_blank=False,
                id="cache-from",
                compact=True,
            )
            yield text_field("cache-from-ref")
        with Horizontal():
            yield TrLabel("Cache to")
            yield Select(
                self._cache_types(), value=NO_CACHE, allow_blank=False, id="cache-to", compact=True
            )
            yield text_field("cache-to-ref")
        with Horizontal():
            yield TrLabel("Cache mode")
            yield Select(
                [("min", "min"), ("max", "max")],
                value="min",
                allow_blank=False,
                id="mode",
                compact=True,
            )
            yield MarkedCheckbox("image-manifest=true", id="image-manifest", compact=True)
            yield MarkedCheckbox("--no-cache", id="no-cache", compact=True)
        with Horizontal():
            yield TrLabel("Build args")
            yield text_field("build-args")
            yield TrLabel("Provenance")
            yield Select(
                [(_(label), value) for label, value in PROVENANCE],
                value="default",
                allow_blank=False,
                id="provenance",
                compact=True,
            )

    @staticmethod
    def _cache_types() -> list[tuple[str, str]]:
        return [(_("none"), NO_CACHE)] + [(t.value, t.value) for t in CacheType]

    @staticmethod
    def _outputs() -> list[tuple[str, str]]:
        return [(_(t.label) if t is OutputType.DEFAULT else t.label, t.value) for t in OutputType]

    @staticmethod
    def _dest_hint(output: OutputType) -> str:
        if output.needs_dest:
            return _(DEST_HINTS[output])
        label = _(output.label) if output is OutputType.DEFAULT else output.label
        return _("no destination for {output}").format(output=label)

    def retranslate(self) -> None:
        """Hints and choices in the app's language (the labels are `TrLabel`s); what the
        fields hold stays."""
        for widget_id, message in PLACEHOLDERS.items():
            self.query_one(f"#{widget_id}", Input).placeholder = _(message)
        output = OutputType(self._select("output"))
        self.query_one("#output-dest", Input).placeholder = self._dest_hint(output)
        for widget_id, options in (
            ("output", self._outputs()),
            ("cache-from", self._cache_types()),
            ("cache-to", self._cache_types()),
            ("provenance", [(_(label), value) for label, value in PROVENANCE]),
        ):
            select: Select[str] = self.query_one(f"#{widget_id}", Select)
            value = select.value
            with self.prevent(Select.Changed):
                select.set_options(options)
                select.value = value

    # -- reading -------------------------------------------------------------

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def _select(self, widget_id: str) -> str:
        return str(self.query_one(f"#{widget_id}", Select).value)

    def options(self) -> BuildOptions:
        """The options the fields describe; `OptionsError` when one cannot be read."""
        output = OutputType(self._select("output"))
        provenance = {"default": None, "on": True, "off": False}[self._select("provenance")]
        mode: CacheMode = "max" if self._select("mode") == "max" else "min"
        image_manifest = self.query_one("#image-manifest", Checkbox).value
        return BuildOptions(
            context=self._value("context") or ".",
            file=self._value("file") or None,
            tags=_words(self._value("tags")),
            platforms=tuple(self.query_one("#platforms", SelectionList).selected),
            builder=self._value("builder") or None,
            output=output,
            output_dest=self._value("output-dest") or None,
            cache_from=self._cache("cache-from", "min", False),
            cache_to=self._cache("cache-to", mode, image_manifest),
            build_args=parse_build_args(self._value("build-args")),
            target=self._value("target") or None,
            provenance=provenance,
            no_cache=self.query_one("#no-cache", Checkbox).value,
        )

    def _cache(self, widget_id: str, mode: CacheMode, image_manifest: bool) -> CacheSpec | None:
        kind = self._select(widget_id)
        if kind == NO_CACHE:
            return None
        try:
            cache_type = CacheType(kind)
        except ValueError as error:
            raise OptionsError(_("Unknown cache type {kind!r}.").format(kind=kind)) from error
        return CacheSpec(cache_type, self._value(f"{widget_id}-ref"), mode, image_manifest)

    # -- writing -------------------------------------------------------------

    def set_platforms(self, platforms: Sequence[str], selected: Sequence[str] = ()) -> None:
        """Offer `platforms` (the builder's), keeping what was selected."""
        selection = self.query_one("#platforms", SelectionList)
        keep = set(selection.selected) | set(selected)
        offered = list(dict.fromkeys([*platforms, *sorted(keep - set(platforms))]))
        selection.clear_options()
        selection.add_options([(screen_text(p, one_line=True), p, p in keep) for p in offered])

    def set_options(self, options: BuildOptions) -> None:
        """Fill every field from `options` (e.g. the lab preset)."""
        self.query_one("#context", Input).value = options.context
        self.query_one("#file", Input).value = options.file or ""
        self.query_one("#tags", Input).value = " ".join(options.tags)
        self.query_one("#builder", Input).value = options.builder or ""
        self.query_one("#target", Input).value = options.target or ""
        self.query_one("#output", Select).value = options.output.value
        self.query_one("#output-dest", Input).value = options.output_dest or ""
        for widget_id, spec in (("cache-from", options.cache_from), ("cache-to", options.cache_to)):
            self.query_one(f"#{widget_id}", Select).value = spec.type.value if spec else NO_CACHE
            self.query_one(f"#{widget_id}-ref", Input).value = spec.ref if spec else ""
        if options.cache_to is not None:
            self.query_one("#mode", Select).value = options.cache_to.mode
            self.query_one("#image-manifest", Checkbox).value = options.cache_to.image_manifest
        self.query_one("#build-args", Input).value = " ".join(
            f"{name}={value}" for name, value in options.build_args
        )
        provenance = {None: "default", True: "on", False: "off"}[options.provenance]
        self.query_one("#provenance", Select).value = provenance
        self.query_one("#no-cache", Checkbox).value = options.no_cache
        selection = self.query_one("#platforms", SelectionList)
        offered = [
            str(selection.get_option_at_index(i).value) for i in range(selection.option_count)
        ]
        selection.deselect_all()
        self.set_platforms(offered, options.platforms)
        self.post_message(self.Changed())

    # -- remembering -----------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """Every field's value, to restore the form as it is (`restore`)."""
        values: dict[str, Any] = {}
        for field in self.query(Input):
            values[str(field.id)] = field.value
        for select in self.query(Select):
            values[str(select.id)] = str(select.value)
        for box in self.query(Checkbox):
            values[str(box.id)] = box.value
        values["platforms"] = list(self.query_one("#platforms", SelectionList).selected)
        return values

    def restore(self, values: Mapping[str, Any]) -> None:
        """Fill the fields from `values()` of an earlier form; unknown or bad ones are skipped."""
        for field in self.query(Input):
            value = values.get(str(field.id))
            if isinstance(value, str):
                field.value = value
        for select in self.query(Select):
            value = values.get(str(select.id))
            if isinstance(value, str):
                with suppress(InvalidSelectValueError):  # a choice no longer offered
                    select.value = value
        for box in self.query(Checkbox):
            value = values.get(str(box.id))
            if isinstance(value, bool):
                box.value = value
        platforms = values.get("platforms")
        if isinstance(platforms, list):
            selection = self.query_one("#platforms", SelectionList)
            offered = [
                str(selection.get_option_at_index(i).value) for i in range(selection.option_count)
            ]
            selection.deselect_all()
            self.set_platforms(offered, [str(p) for p in platforms])
        self.post_message(self.Changed())

    @on(Select.Changed, "#output")
    def _output_changed(self, event: Select.Changed) -> None:
        """The destination follows the output: cleared and skipped by Tab when the
        output writes no files."""
        output = OutputType(str(event.value))
        dest = self.query_one("#output-dest", Input)
        dest.disabled = not output.needs_dest
        dest.placeholder = self._dest_hint(output)
        if not output.needs_dest:
            dest.value = ""

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    @on(SelectionList.SelectedChanged)
    def _changed(self, event: Message) -> None:
        event.stop()
        self.post_message(self.Changed())
