"""A class: the repository of a registry that holds its submissions, `HOST[:PORT]/REPO`."""

from __future__ import annotations

from dataclasses import dataclass

from buildtui.i18n import _
from buildtui.registry.reference import echo, host_problem, repository_problem


class ClassRefError(ValueError):
    """A class reference that does not parse; the message says how to write one."""


@dataclass(frozen=True)
class ClassRef:
    """`HOST[:PORT]/REPO`: the repository that holds a class's submissions."""

    registry: str
    repository: str

    def __str__(self) -> str:
        return f"{self.registry}/{self.repository}"

    def ref(self, tag: str) -> str:
        return f"{self}:{tag}"


def parse_class_ref(text: str) -> ClassRef:
    """`HOST[:PORT]/REPO` (no tag, no digest), or ClassRefError saying what is wrong."""
    example = _("e.g. {example} or {other}").format(
        example="localhost:5000/lab7-class", other="registry.example.edu/course/lab7"
    )
    value = text.strip()
    host, slash, repository = value.partition("/")
    if not slash or not repository:
        raise ClassRefError(
            _("{ref} names no repository: write HOST[:PORT]/REPO, {example}").format(
                ref=echo(value), example=example
            )
        )
    if "." not in host and ":" not in host and host != "localhost" and not host.startswith("["):
        raise ClassRefError(
            _(
                "{ref} does not start with a registry host: write HOST[:PORT]/REPO, {example}"
            ).format(ref=echo(value), example=example)
        )
    problem = host_problem(host)
    if problem is not None:
        raise ClassRefError(
            _("{problem}; write HOST[:PORT]/REPO, {example}").format(
                problem=problem, example=example
            )
        )
    if "@" in repository or ":" in repository:
        raise ClassRefError(
            _(
                "{ref} names a tag or digest: a class is a repository, HOST[:PORT]/REPO "
                "without one ({example})"
            ).format(ref=echo(value), example=example)
        )
    problem = repository_problem(repository, host)
    if problem is not None:
        raise ClassRefError(
            _("{repository} is not a repository name: {problem}").format(
                repository=echo(repository), problem=problem
            )
        )
    return ClassRef(host, repository)
