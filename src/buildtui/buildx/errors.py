"""What can go wrong with buildx builders, each error saying what happened and what to do.

`error_from_stderr` turns the stderr of a failed `docker buildx ...` command into the
most specific error below; anything it does not know becomes `BuildxCommandFailed`
with buildx's own last line.
"""

from __future__ import annotations

import re

from buildtui.i18n import _

BUILDKIT_IMAGE = "moby/buildkit:buildx-stable-1"


class BuildxError(Exception):
    """A buildx builder operation that failed; `what` happened, `fix` says what to do."""

    def __init__(self, what: str, fix: str = "", *, detail: str = "") -> None:
        self.what = what
        self.fix = fix
        self.detail = detail
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return _("{what}. {fix}").format(what=self.what, fix=self.fix) if self.fix else self.what


class BuildxUnavailable(BuildxError):
    """Nothing works until this is fixed: the pane shows it instead of the list."""


class EngineUnavailable(BuildxUnavailable):
    """The docker CLI is missing or the Docker engine does not answer."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            _("The Docker engine is not reachable ({detail})").format(detail=detail),
            _(
                "Start the Docker daemon (on the lab machine: `buildtui lab engine`), "
                "or choose the right engine with --context/--host"
            ),
            detail=detail,
        )


class BuildxMissing(BuildxUnavailable):
    """The docker CLI has no buildx plugin."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            _("The buildx plugin is missing: `docker buildx` is not a docker command"),
            _(
                "Install it (Debian: `apt-get install docker-buildx`; or put the docker-buildx "
                "binary in /usr/local/lib/docker/cli-plugins/ or ~/.docker/cli-plugins/)"
            ),
            detail=detail,
        )


class BuilderNotFound(BuildxError):
    def __init__(self, name: str, detail: str = "") -> None:
        self.name = name
        super().__init__(
            _('There is no builder "{name}"').format(name=name),
            _(
                "Refresh the list (`docker buildx ls`) and pick an existing builder, "
                "or create it first"
            ),
            detail=detail,
        )


class BuilderExists(BuildxError):
    def __init__(self, name: str, detail: str = "") -> None:
        self.name = name
        super().__init__(
            _('A builder named "{name}" already exists').format(name=name),
            _("Choose another name, or add a node to it with --append and --node NAME"),
            detail=detail,
        )


class InvalidName(BuildxError):
    def __init__(self, name: str, reason: str = "") -> None:
        self.name = name
        super().__init__(
            (
                _("{name!r} is not a valid builder or node name: {reason}")
                if reason
                else _("{name!r} is not a valid builder or node name")
            ).format(name=name, reason=reason),
            _(
                "A name starts with a letter and holds only letters, digits, '.', '_' and '-' "
                "(buildx stores it in lower case); `default` is reserved"
            ),
        )


class InvalidOptions(BuildxError):
    """Options that buildx would refuse, found before running it."""

    def __init__(self, what: str, fix: str) -> None:
        super().__init__(what, fix)


class SecondDockerDriver(BuildxError):
    def __init__(self, detail: str = "") -> None:
        super().__init__(
            _(
                'buildx refuses a second "docker"-driver builder: the docker driver is the '
                "BuildKit built into the engine, and each Docker context already has exactly "
                "one such builder, named after the context (here `default`)"
            ),
            _(
                "Use that builder (`docker buildx use default`), create a builder with "
                "--driver docker-container, or create a Docker context "
                "(`docker context create NAME --docker host=...`), which brings its own"
            ),
            detail=detail,
        )


class ContextBuilderRemoval(BuildxError):
    def __init__(self, name: str, detail: str = "") -> None:
        self.name = name
        super().__init__(
            _(
                '"{name}" is the builder of the Docker context "{name}" (docker driver); '
                "buildx cannot remove it on its own"
            ).format(name=name),
            _(
                "It goes away only with its context: `docker context rm {name}` "
                "(the `default` context cannot be removed)"
            ).format(name=name),
            detail=detail,
        )


class DuplicateEndpoint(BuildxError):
    def __init__(self, endpoint: str, detail: str = "") -> None:
        self.endpoint = endpoint
        super().__init__(
            _("The builder already has a node on {endpoint}").format(endpoint=endpoint),
            _(
                "Each node needs its own endpoint: give another Docker context or host "
                "(e.g. one made with `docker context create`)"
            ),
            detail=detail,
        )


class NodeNotFound(BuildxError):
    def __init__(self, node: str, name: str, detail: str = "") -> None:
        self.node = node
        self.name = name
        super().__init__(
            _('Builder "{name}" has no node "{node}"').format(name=name, node=node),
            _("Check the node names in the list (the first node of NAME is NAME0)"),
            detail=detail,
        )


class DriverUnavailable(BuildxError):
    """The driver cannot reach what it drives (a Kubernetes cluster, a remote BuildKit)."""

    def __init__(self, what: str, fix: str, detail: str = "") -> None:
        super().__init__(what, fix, detail=detail)


class BootstrapFailed(BuildxError):
    """Starting a builder's BuildKit failed."""

    def __init__(self, name: str, what: str, fix: str, detail: str = "") -> None:
        self.name = name
        super().__init__(what, fix, detail=detail)


class BuildKitImagePullFailed(BootstrapFailed):
    """The docker-container driver could not pull its BuildKit image."""

    def __init__(self, name: str, image: str = BUILDKIT_IMAGE, detail: str = "") -> None:
        self.image = image
        super().__init__(
            name,
            _(
                'Builder "{name}" could not start: its BuildKit image {image} cannot be pulled '
                "(this machine has no access to that registry, e.g. no Docker Hub)"
            ).format(name=name, image=image),
            _(
                "Either build with the `default` builder (docker driver: it needs no image "
                "and, with the containerd image store, builds multi-platform images and pushes "
                "them), or bring the image here (`docker save {image}` on a machine with "
                "access, then `docker load`), or push it to a registry you can reach and "
                "recreate the builder with --driver-opt image=HOST:PORT/{image}"
            ).format(image=image),
            detail=detail,
        )


class PreviousBuilderKept(BuildxError):
    """A new builder made current by `--use` could not start: the previous one is back."""

    def __init__(self, error: BuildxError, name: str, previous: str) -> None:
        self.error = error
        self.name = name
        self.previous = previous
        super().__init__(
            _(
                "{what}. {previous} stays the builder in use (buildx had switched to "
                "{name}, whose every build would fail)"
            ).format(what=error.what, previous=previous, name=name),
            (
                _(
                    "{fix}. Remove the new builder with `docker buildx rm {name}`, or fix it "
                    "and run `docker buildx use {name}`"
                )
                if error.fix
                else _(
                    "Remove the new builder with `docker buildx rm {name}`, or fix it and run "
                    "`docker buildx use {name}`"
                )
            ).format(fix=error.fix, name=name),
            detail=error.detail,
        )


class BootstrapCancelled(BuildxError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            _('Bootstrap of "{name}" was cancelled').format(name=name),
            _(
                "Its BuildKit may be half started: `docker buildx stop {name}` stops it, "
                "or bootstrap again"
            ).format(name=name),
        )


class BuildxCommandFailed(BuildxError):
    """A buildx failure with no better explanation: buildx's own words."""

    def __init__(self, action: str, detail: str) -> None:
        super().__init__(
            (_("{action} failed: {detail}") if detail else _("{action} failed")).format(
                action=_(action), detail=detail
            ),
            _("Check the message above; `docker buildx ls` shows the builders as buildx sees them"),
            detail=detail,
        )


DAEMON_DOWN = re.compile(
    r"Cannot connect to the Docker daemon[^\n]*|"
    r"error during connect[^\n]*|"
    r"(?:dial unix|connect:)[^\n]*(?:no such file or directory|connection refused)[^\n]*",
)
_NO_BUILDER = re.compile(r'no builder "?([^"\s]+)"? found|failed to find instance "([^"]+)"')
_EXISTING = re.compile(r'existing instance for "([^"]+)"')
_DUP_ENDPOINT = re.compile(r"invalid duplicate endpoint (\S+)")
_NODE_NOT_FOUND = re.compile(r'node "([^"]+)" not found for (\S+)')
_INVALID_NAME = re.compile(r"invalid name (.*?), name needs to start with a letter")
_CONTEXT_BUILDER = re.compile(r"failed to remove (\S+): context builder cannot be removed")
_PULL_FAILED = re.compile(
    r"(?:pull access denied|failed to resolve reference|no such host|"
    r"failed to do request|manifest unknown|not found: manifest)",
)
_PULLING = re.compile(r"pulling image (\S+)")


def daemon_down(text: str) -> str | None:
    """The engine-unreachable message in this text, if there is one."""
    match = DAEMON_DOWN.search(text)
    return match.group(0).strip().rstrip(".") if match else None


def last_error_line(stderr: str) -> str:
    """buildx's own summary: the last `ERROR: ...` line, else the last non-empty line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("ERROR:"):
            return line.removeprefix("ERROR:").strip()
    return lines[-1] if lines else ""


def error_from_stderr(stderr: str, *, action: str, builder: str | None = None) -> BuildxError:
    """The most specific `BuildxError` for a failed buildx command's stderr."""
    detail = last_error_line(stderr)
    if "'buildx' is not a docker command" in stderr or "unknown command: docker buildx" in stderr:
        return BuildxMissing(detail)
    if match := DAEMON_DOWN.search(stderr):
        return EngineUnavailable(match.group(0).strip().rstrip("."))
    if 'additional instances of driver "docker" cannot be created' in stderr:
        return SecondDockerDriver(detail)
    if match := _CONTEXT_BUILDER.search(stderr):
        return ContextBuilderRemoval(match.group(1), detail)
    if match := _INVALID_NAME.search(stderr):
        return InvalidName(match.group(1))
    if "is a reserved name" in stderr:
        return InvalidName(builder or "default", _("it is reserved for the context's builder"))
    if match := _EXISTING.search(stderr):
        return BuilderExists(match.group(1), detail)
    if match := _DUP_ENDPOINT.search(stderr):
        return DuplicateEndpoint(match.group(1), detail)
    if match := _NODE_NOT_FOUND.search(stderr):
        return NodeNotFound(match.group(1), match.group(2), detail)
    if match := _NO_BUILDER.search(stderr):
        return BuilderNotFound(match.group(1) or match.group(2), detail)
    if "cannot determine Kubernetes namespace" in stderr or "KUBERNETES_MASTER" in stderr:
        return DriverUnavailable(
            _(
                "The kubernetes driver found no cluster: there is no kubeconfig "
                "(~/.kube/config or KUBECONFIG)"
            ),
            _("Configure kubectl access to a cluster first, or use --driver docker-container"),
            detail,
        )
    if action == "bootstrap" or "booting buildkit" in stderr:
        return bootstrap_error(builder or "?", stderr)
    return BuildxCommandFailed(action, detail)


def bootstrap_error(name: str, stderr: str) -> BootstrapFailed:
    """Explain why `buildx inspect --bootstrap` failed."""
    detail = last_error_line(stderr)
    pulling = _PULLING.search(stderr)
    if pulling and _PULL_FAILED.search(stderr) and "using local image" not in stderr:
        return BuildKitImagePullFailed(name, pulling.group(1), detail)
    if "context deadline exceeded" in stderr or "waiting for connection" in stderr:
        return BootstrapFailed(
            name,
            _(
                'Builder "{name}" did not answer in time: no BuildKit daemon is listening at '
                "its endpoint"
            ).format(name=name),
            _(
                "Start buildkitd there (for the remote driver: "
                "`buildkitd --addr tcp://0.0.0.0:PORT`) and check the endpoint, or remove "
                "this builder"
            ),
            detail,
        )
    if "docker-init" in stderr:
        return BootstrapFailed(
            name,
            _(
                'Builder "{name}" could not start its container: the engine has no '
                "docker-init (tini), which the docker-container driver needs"
            ).format(name=name),
            _("Install tini/docker-init on the engine host, or use the `default` builder"),
            detail,
        )
    return BootstrapFailed(
        name,
        _('Builder "{name}" could not start: {reason}').format(
            name=name, reason=detail or _("buildx gave no reason")
        ),
        _(
            "`docker logs buildx_buildkit_{name}0` may tell more; or use the `default` builder"
        ).format(name=name),
        detail,
    )
