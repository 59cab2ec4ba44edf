"""A class: the repository of a registry that holds its submissions, `HOST[:PORT]/REPO`."""

from __future__ import annotations

from dataclasses import dataclass

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
    example = "e.g. localhost:5000/lab7-class or registry.example.edu/course/lab7"
    value = text.strip()
    host, slash, repository = value.partition("/")
    if not slash or not repository:
        raise ClassRefError(f"{echo(value)} names no repository: write HOST[:PORT]/REPO, {example}")
    if "." not in host and ":" not in host and host != "localhost" and not host.startswith("["):
        raise ClassRefError(
            f"{echo(value)} does not start with a registry host: write HOST[:PORT]/REPO, {example}"
        )
    problem = host_problem(host)
    if problem is not None:
        raise ClassRefError(f"{problem}; write HOST[:PORT]/REPO, {example}")
    if "@" in repository or ":" in repository:
        raise ClassRefError(
            f"{echo(value)} names a tag or digest: a class is a repository, HOST[:PORT]/REPO "
            f"without one ({example})"
        )
    problem = repository_problem(repository, host)
    if problem is not None:
        raise ClassRefError(f"{echo(repository)} is not a repository name: {problem}")
    return ClassRef(host, repository)
