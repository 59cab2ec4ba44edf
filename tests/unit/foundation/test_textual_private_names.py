"""The app uses Textual's public API only: no module of `buildtui.app` overrides or reads
a private name of a Textual class, or imports a private Textual module or name.

A private name is one with a leading underscore (not a dunder) that a class of the
installed Textual defines: a method or a class attribute in its body, or an attribute
its methods set on `self`. Read from Textual's own source, so a Textual upgrade brings
its new names along. The app's side, checked on its source and its classes:
- an override: a class of the app whose bases include a Textual class, defining (a
  method, a class attribute, `self._x = ...`) a private name one of those Textual
  classes defines;
- a read: `self._x` in such a class where one of its Textual bases defines `_x`;
  `anything._x` (or `getattr(anything, "_x")`) elsewhere where Textual defines `_x` and
  no class of buildtui defines a name `_x` of its own (a name both define is left to
  the override check: the receiver's type is not known from the source);
- an import of a private Textual module (`textual._wait`, `textual.widgets._tree`) or
  of a private name from one.
"""

from __future__ import annotations

import ast
import importlib
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import textual

import buildtui

SOURCE = Path(buildtui.__file__).parent
APP = SOURCE / "app"
TEXTUAL = Path(textual.__file__).parent

KNOWN: set[str] = set()
"""Uses found and not yet replaced ("module: what"); the test fails when one of them is
gone too, so that the list only shrinks."""


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@dataclass
class ClassNames:
    """The private names one class's source defines, and where it reads `self._x`."""

    defined: dict[str, int] = field(default_factory=dict)
    """name -> line"""
    self_reads: dict[str, int] = field(default_factory=dict)


def class_names(node: ast.ClassDef) -> ClassNames:
    names = ClassNames()
    for item in node.body:
        targets: list[ast.expr] = []
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            if private(item.name):
                names.defined.setdefault(item.name, item.lineno)
        elif isinstance(item, ast.Assign):
            targets = item.targets
        elif isinstance(item, ast.AnnAssign):
            targets = [item.target]
        for target in targets:
            if isinstance(target, ast.Name) and private(target.id):
                names.defined.setdefault(target.id, item.lineno)
    for method in node.body:
        if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for sub in ast.walk(method):
            if (
                isinstance(sub, ast.Attribute)
                and isinstance(sub.value, ast.Name)
                and sub.value.id == "self"
                and private(sub.attr)
            ):
                if isinstance(sub.ctx, ast.Store):
                    names.defined.setdefault(sub.attr, sub.lineno)
                else:
                    names.self_reads.setdefault(sub.attr, sub.lineno)
    return names


def classes(tree: ast.Module) -> Iterator[tuple[str, ast.ClassDef]]:
    """Every class of a module, with its qualified name (nested classes too)."""

    def walk(body: list[ast.stmt], prefix: str) -> Iterator[tuple[str, ast.ClassDef]]:
        for node in body:
            if isinstance(node, ast.ClassDef):
                qualname = f"{prefix}{node.name}"
                yield qualname, node
                yield from walk(node.body, f"{qualname}.")

    yield from walk(tree.body, "")


def module_name(path: Path, root: Path, package: str) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


@cache
def textual_classes() -> dict[str, set[str]]:
    """`module.Qualname` of every Textual class -> the private names it defines."""
    found: dict[str, set[str]] = {}
    for path in sorted(TEXTUAL.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = module_name(path, TEXTUAL, "textual")
        for qualname, node in classes(tree):
            found[f"{module}.{qualname}"] = set(class_names(node).defined)
    return found


@cache
def textual_private() -> frozenset[str]:
    return frozenset().union(*textual_classes().values())


@cache
def buildtui_own() -> frozenset[str]:
    """Private names buildtui's classes define: in their bodies or on `self`."""
    own: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        for _qualname, node in classes(ast.parse(path.read_text(encoding="utf-8"))):
            own |= set(class_names(node).defined)
    return frozenset(own)


def textual_bases(cls: type) -> list[type]:
    return [base for base in cls.__mro__[1:] if base.__module__.split(".")[0] == "textual"]


def violations(tree: ast.Module, module: str, classes_by_name: dict[str, type]) -> list[str]:
    """What `tree` (the source of `module`, whose classes are `classes_by_name`) overrides,
    reads or imports of Textual's private names."""
    found: list[str] = []
    textual_names = textual_classes()
    checked_self_reads: set[int] = set()
    for qualname, node in classes(tree):
        cls = classes_by_name.get(qualname)
        if cls is None:
            continue
        bases = textual_bases(cls)
        if not bases:
            continue
        theirs: dict[str, str] = {}
        for base in reversed(bases):
            for name in textual_names.get(f"{base.__module__}.{base.__qualname__}", ()):
                theirs[name] = base.__qualname__
        names = class_names(node)
        for name, line in names.defined.items():
            if name in theirs:
                found.append(f"{module}:{line}: {qualname} overrides {theirs[name]}.{name}")
        for name, line in names.self_reads.items():
            if name in theirs and name not in names.defined:
                found.append(f"{module}:{line}: {qualname} reads {theirs[name]}.{name}")
        checked_self_reads |= {
            id(sub)
            for sub in ast.walk(node)
            if isinstance(sub, ast.Attribute)
            and isinstance(sub.value, ast.Name)
            and sub.value.id == "self"
        }
    others = textual_private() - buildtui_own()
    for sub in ast.walk(tree):
        if isinstance(sub, ast.Attribute) and id(sub) not in checked_self_reads:
            if sub.attr in others:
                found.append(f"{module}:{sub.lineno}: reads Textual's {sub.attr}")
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
            if sub.func.id in ("getattr", "setattr", "hasattr") and len(sub.args) >= 2:
                given = sub.args[1]
                if isinstance(given, ast.Constant) and given.value in others:
                    found.append(f"{module}:{sub.lineno}: {sub.func.id} of Textual's {given.value}")
        elif isinstance(sub, ast.Import | ast.ImportFrom):
            modules = [a.name for a in sub.names] if isinstance(sub, ast.Import) else [sub.module]
            for imported in modules:
                parts = (imported or "").split(".")
                if parts[0] == "textual" and any(private(part) for part in parts):
                    found.append(f"{module}:{sub.lineno}: imports {imported}")
            if isinstance(sub, ast.ImportFrom) and (sub.module or "").split(".")[0] == "textual":
                for alias in sub.names:
                    if private(alias.name):
                        found.append(f"{module}:{sub.lineno}: imports {sub.module}.{alias.name}")
    return sorted(found, key=lambda text: int(text.split(":")[1]))


def module_classes(module: object) -> dict[str, type]:
    found: dict[str, type] = {}

    def collect(holder: object, prefix: str) -> None:
        for name, value in vars(holder).items():
            if (
                isinstance(value, type)
                and value.__qualname__ == f"{prefix}{name}"
                and value.__module__ == getattr(module, "__name__", None)
            ):
                found[value.__qualname__] = value
                collect(value, f"{value.__qualname__}.")

    collect(module, "")
    return found


def app_violations() -> list[str]:
    found: list[str] = []
    for path in sorted(APP.rglob("*.py")):
        name = module_name(path, SOURCE, "buildtui")
        module = importlib.import_module(name)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += violations(tree, str(path.relative_to(SOURCE)), module_classes(module))
    return found


def without_line(found: str) -> str:
    module, _line, what = found.split(":", 2)
    return f"{module}:{what}"


def test_the_app_overrides_and_reads_no_private_name_of_textual() -> None:
    found = app_violations()
    new = [v for v in found if without_line(v) not in KNOWN]
    gone = KNOWN - {without_line(v) for v in found}
    assert not new, "Textual's private names (use its public API):\n" + "\n".join(new)
    assert not gone, "no longer found, take them out of KNOWN:\n" + "\n".join(sorted(gone))


def snippet_violations(source: str) -> list[str]:
    """What the checks find in `source`, run as a module of its own."""
    module = types.ModuleType("snippet")
    exec(compile(source, "snippet.py", "exec"), module.__dict__)
    return violations(ast.parse(source), "snippet.py", module_classes(module))


def test_the_checks_find_overrides_reads_and_imports() -> None:
    # The list of repositories as it was: it counted its lines in OptionList's cache.
    found = snippet_violations(
        """from textual.geometry import Size
from textual.widgets import OptionList
from textual._wait import wait_for_idle
from textual.widgets._option_list import _LineCache


class Repositories(OptionList):
    def _update_lines(self) -> None:
        cache = self._line_cache
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        self._scroll_update(Size(width, len(cache.lines)))


class Pane(OptionList):
    def on_mount(self) -> None:
        self._bindings = None
        keymap = self.app._keymap
        getattr(self.app, "_keymap")
"""
    )
    assert found == [
        "snippet.py:3: imports textual._wait",
        "snippet.py:4: imports textual.widgets._option_list",
        "snippet.py:4: imports textual.widgets._option_list._LineCache",
        "snippet.py:8: Repositories overrides OptionList._update_lines",
        "snippet.py:9: Repositories reads OptionList._line_cache",
        "snippet.py:10: Repositories reads OptionList._get_left_gutter_width",
        "snippet.py:11: Repositories reads Widget._scroll_update",
        "snippet.py:16: Pane overrides DOMNode._bindings",
        "snippet.py:17: reads Textual's _keymap",
        "snippet.py:18: getattr of Textual's _keymap",
    ]


def test_the_checks_leave_the_app_s_own_private_names_alone() -> None:
    found = snippet_violations(
        """
from textual.widgets import OptionList


def _helper() -> int:
    return 1


class Repositories(OptionList):
    def _count(self) -> int:
        self._shown = _helper()
        return self._shown + self._count_more()

    def _count_more(self) -> int:
        return self.option_count
"""
    )
    assert found == []
