"""Ask where to hand the lab in and under which name (the Lab pane's `s`)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input

from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.classroom.names import name_problem, tag_for
from buildtui.classroom.ref import ClassRefError, parse_class_ref
from buildtui.i18n import N_, _
from buildtui.untrusted import screen_text


class SubmitScreen(ModalScreen[tuple[str, str] | None]):
    """Returns (the class `HOST[:PORT]/REPO`, the student's name), or None (cancelled).
    Both are checked here, with the tag the name becomes shown as it is typed."""

    DEFAULT_CSS = """
    SubmitScreen {
        align: center middle;
    }
    SubmitScreen > Vertical {
        width: 76;
        max-width: 96%;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    SubmitScreen ScreenStatic {
        margin: 0 0 1 0;
    }
    SubmitScreen #submit-check {
        color: $text-muted;
    }
    SubmitScreen #submit-check.problem {
        color: $text-error;
    }
    """
    AUTO_FOCUS = "#submit-class"
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="lab_submit.cancel")]

    def __init__(self, class_ref: str, student: str) -> None:
        super().__init__()
        self.class_ref = class_ref
        self.student = student

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = screen_text(_("Hand in the lab"), one_line=True)
            box.border_subtitle = screen_text(_("enter: submit · escape: cancel"), one_line=True)
            yield ScreenStatic(
                _(
                    "The report and the evidence behind it (the records, each build's command "
                    "with build-argument values masked, the Dockerfiles) go to the class's "
                    "registry as one artifact, tagged by your name. Submitting again replaces "
                    "it; the earlier ones stay there by digest."
                )
            )
            yield ScreenStatic(_("The class (HOST[:PORT]/REPO, from your instructor):"))
            yield Input(self.class_ref, placeholder="lab.example.edu:5000/lab7", id="submit-class")
            yield ScreenStatic(_("Your name:"))
            yield Input(self.student, placeholder="Jan Kowalski", id="submit-student")
            yield ScreenStatic("", id="submit-check")

    def on_mount(self) -> None:
        self.check()

    @on(Input.Changed)
    def check(self) -> tuple[str, str] | None:
        """Say what is wrong, or the tag the name becomes; the values when they can go."""
        to = self.query_one("#submit-class", Input).value.strip()
        student = self.query_one("#submit-student", Input).value
        line = self.query_one("#submit-check", ScreenStatic)
        problem: str | None = None
        if not to:
            problem = _("Type the class your instructor gave you.")
        else:
            try:
                parse_class_ref(to)
            except ClassRefError as error:
                problem = str(error)
        if problem is None:
            problem = name_problem(student)
        if problem is not None:
            line.update(problem)
            line.add_class("problem")
            return None
        line.remove_class("problem")
        tag = tag_for(student)
        line.update(
            _("Tagged as {tag} in {ref}.").format(tag=tag.tag, ref=to)
            if tag.mapped or tag.tag != student
            else _("Tagged with your name in {ref}.").format(ref=to)
        )
        return to, tag.name

    @on(Input.Submitted, "#submit-class")
    def next_field(self) -> None:
        self.query_one("#submit-student", Input).focus()

    @on(Input.Submitted, "#submit-student")
    def submit(self) -> None:
        values = self.check()
        if values is not None:
            self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)
