"""Known build failures, each with a plain explanation, the fix and Docker's docs page."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from buildtui.buildlog.model import BuildModel, Phase, PhaseKind
from buildtui.i18n import N_, N_plural, _, ngettext


@dataclass(frozen=True, slots=True)
class Explanation:
    key: str
    title: str
    explanation: str
    fix: str
    docs_url: str
    harmless: bool = False
    """True when the build is fine despite the message (e.g. no cache on a first build)."""
    matched: str = ""
    """The log text that matched."""
    fields: tuple[tuple[str, object], ...] = ()
    """What fills the `{fields}` of `explanation`.

    `title`, `explanation` and `fix` are English (the catalogue's msgids): they are
    translated where they are shown (`shown`), in the language of the moment."""
    plural: str = ""
    """The plural of `explanation` (a message with a count), chosen by `count`."""
    count: int = 1

    def shown(self) -> tuple[str, str, str]:
        """The title, explanation and fix in the current language."""
        explanation = (
            ngettext(self.explanation, self.plural, self.count)
            if self.plural
            else _(self.explanation)
        )
        return (_(self.title), explanation.format(**dict(self.fields)), _(self.fix))


@dataclass(frozen=True, slots=True)
class _Rule:
    key: str
    pattern: re.Pattern[str]
    title: str
    explanation: str
    fix: str
    docs_url: str
    harmless: bool = False
    driver: str | None = None
    """Only when the build ran on a builder with this driver (None: any)."""


_RULES = (
    _Rule(
        "buildkit-image-pull",
        re.compile(
            r"failed to resolve reference \"?(?:docker\.io/)?moby/buildkit[^\"\s]*"
            r"|booting buildkit.*(?:pull access denied|no such host)",
            re.I,
        ),
        N_("The builder in use cannot start: its BuildKit image cannot be pulled"),
        N_(
            "The builder in use runs BuildKit in a container (docker-container driver) "
            "whose image, moby/buildkit:buildx-stable-1, is not on this machine and "
            "cannot be pulled from here (no access to Docker Hub). Every build on this "
            "builder fails the same way."
        ),
        N_(
            "Go back to a builder that works: `docker buildx use default` (the docker "
            "driver needs no image and, with the containerd image store, builds "
            "multi-platform images and pushes them); or bring the image here (`docker "
            "save moby/buildkit:buildx-stable-1` on a machine with access, then "
            "`docker load`). `buildtui doctor` checks that the builder in use can "
            "build."
        ),
        "https://docs.docker.com/build/builders/drivers/docker-container/",
    ),
    _Rule(
        "multi-platform-docker-driver",
        re.compile(r"multi-platform build is not supported for the docker driver", re.I),
        N_("Multi-platform builds need another builder"),
        N_(
            "The default `docker` driver with the classic image store can only build "
            "for one platform at a time."
        ),
        N_(
            "Create and use a docker-container builder (`docker buildx create --use "
            "--driver docker-container`), or turn on the containerd image store in the "
            'engine (`"features": {"containerd-snapshotter": true}` in daemon.json).'
        ),
        "https://docs.docker.com/build/building/multi-platform/",
    ),
    _Rule(
        "cache-export-docker-driver",
        re.compile(r"cache export is not supported for the docker driver", re.I),
        N_("Cache export needs another builder"),
        N_(
            "The default `docker` driver with the classic image store cannot export a "
            "build cache (only `--cache-to type=inline`)."
        ),
        N_(
            "Use a docker-container builder (`docker buildx create --use --driver "
            "docker-container`), or turn on the containerd image store in the engine."
        ),
        "https://docs.docker.com/build/cache/backends/",
    ),
    _Rule(
        "cache-backend-docker-driver",
        re.compile(r"unknown cache (?:exporter|importer): \"?(\w+)", re.I),
        N_("This cache backend is not available on this builder"),
        N_(
            "The BuildKit built into the Docker engine (`docker` driver) knows only "
            "the inline, registry and local cache backends; gha, s3 and azblob need a "
            "BuildKit of its own."
        ),
        N_(
            "Use `--cache-to type=registry,ref=...` (or local), or create a "
            "docker-container builder: `docker buildx create --use --driver "
            "docker-container`."
        ),
        "https://docs.docker.com/build/cache/backends/",
    ),
    _Rule(
        "docker-exporter-manifest-list",
        re.compile(r"docker exporter does not currently support exporting manifest lists", re.I),
        N_("A multi-platform image cannot be loaded into this engine"),
        N_(
            "`--load` puts the image into the engine's image store; the classic store "
            "holds one platform per image."
        ),
        N_(
            "Push it instead (`--push`), build one platform with `--load`, or turn on "
            "the containerd image store."
        ),
        "https://docs.docker.com/build/building/multi-platform/",
    ),
    _Rule(
        "plain-http-registry",
        re.compile(r"server gave HTTP response to HTTPS client", re.I),
        N_("The registry speaks plain HTTP"),
        N_(
            "Docker and BuildKit use HTTPS for every registry except localhost; this "
            "registry answers in plain HTTP."
        ),
        N_(
            "For the engine add the registry to `insecure-registries` in "
            "/etc/docker/daemon.json; for a docker-container builder give it a "
            'buildkitd.toml with `[registry."host:port"]` `http = true` (`docker '
            "buildx create --buildkitd-config buildkitd.toml ...`). Or use the "
            "registry as localhost:PORT."
        ),
        "https://docs.docker.com/build/buildkit/configure/",
    ),
    _Rule(
        "localhost-from-container-builder",
        re.compile(
            r"dial tcp (?:127\.0\.0\.1|\[::1\]|localhost):\d+: connect: connection refused"
            r"|(?:localhost|127\.0\.0\.1)(?::\d+)?/.*connection refused",
            re.I,
        ),
        N_("The builder cannot reach localhost"),
        N_(
            "A docker-container builder runs BuildKit in its own container, where "
            "localhost is that container, not this machine with the registry."
        ),
        N_(
            "Recreate the builder on the host network: `docker buildx create --use "
            "--driver docker-container --driver-opt network=host`."
        ),
        "https://docs.docker.com/build/ci/github-actions/local-registry/",
        driver="docker-container",
    ),
    _Rule(
        "exec-format-error",
        re.compile(r"exec format error", re.I),
        N_("No emulation for this platform"),
        N_(
            "A RUN step ran a program built for another CPU, and the machine has no "
            "QEMU handler registered for it."
        ),
        N_(
            "Install emulation: `docker run --privileged --rm tonistiigi/binfmt "
            "--install all`, or on Debian `apt-get install qemu-user-static "
            "binfmt-support`; `docker buildx ls` then lists the platform."
        ),
        "https://docs.docker.com/build/building/multi-platform/#qemu",
    ),
    _Rule(
        "cache-import-not-found",
        re.compile(r"(?:failed to configure \w+ cache importer|importing cache).*not found", re.I),
        N_("No cache to import yet (harmless)"),
        N_(
            "The cache image named in `--cache-from` does not exist yet, as on a first "
            "build. BuildKit goes on without it."
        ),
        N_(
            "Nothing to do: `--cache-to` writes the cache at the end of this build, "
            "and the next build imports it."
        ),
        "https://docs.docker.com/build/cache/backends/registry/",
        harmless=True,
    ),
    _Rule(
        "registry-server-error",
        re.compile(r"unexpected status from \w+ request to \S+: 5\d\d ", re.I),
        N_("The registry failed while BuildKit pushed"),
        N_(
            "The registry answered a 5xx server error: the build itself is fine, the "
            "push (or the cache export) did not complete. A registry:2 under load can "
            "answer so when the image push and the cache export write the same layers "
            "at once."
        ),
        N_(
            "Run the build again (its steps now come from the cache); if it repeats, "
            "read the registry's own log (`docker logs` with the name of its "
            "container)."
        ),
        "https://docs.docker.com/build/exporters/image-registry/",
    ),
)


def explain_texts(texts: Iterable[str], driver: str | None = None) -> list[Explanation]:
    """Explanations for the known failures found in `texts`, each once, in rule order."""
    found: dict[str, Explanation] = {}
    for text in texts:
        for rule in _RULES:
            if rule.key in found or (rule.driver and driver and rule.driver != driver):
                continue
            match = rule.pattern.search(text)
            if match is not None:
                found[rule.key] = Explanation(
                    key=rule.key,
                    title=rule.title,
                    explanation=rule.explanation,
                    fix=rule.fix,
                    docs_url=rule.docs_url,
                    harmless=rule.harmless,
                    matched=text,
                )
    order = {rule.key: i for i, rule in enumerate(_RULES)}
    return sorted(found.values(), key=lambda e: order[e.key])


LOCAL_CACHE_HITS = "local-cache-hits"


def local_cache_hits(cached: int, cache_import: str) -> Explanation | None:
    """Steps came from the cache while no cache was imported: the builder's local cache.

    Laboratory 7's "prune, then build again" step exists to catch exactly this: a
    build that says CACHED proves nothing about the registry cache until the local one
    is gone.
    """
    if cached == 0 or cache_import == "found":
        return None
    singular, plural = (
        N_plural(
            "{cached} step came from the cache, but the cache import found nothing: "
            "BuildKit reused what this builder kept from earlier builds, not the registry "
            "cache. This says nothing about whether --cache-from works.",
            "{cached} steps came from the cache, but the cache import found nothing: "
            "BuildKit reused what this builder kept from earlier builds, not the registry "
            "cache. This says nothing about whether --cache-from works.",
        )
        if cache_import == "not-found"
        else N_plural(
            "{cached} step came from the cache, but no cache was imported: BuildKit "
            "reused what this builder kept from earlier builds, not the registry cache. "
            "This says nothing about whether --cache-from works.",
            "{cached} steps came from the cache, but no cache was imported: BuildKit "
            "reused what this builder kept from earlier builds, not the registry cache. "
            "This says nothing about whether --cache-from works.",
        )
    )
    return Explanation(
        key=LOCAL_CACHE_HITS,
        title=N_("The CACHED steps came from the builder's local cache"),
        explanation=singular,
        plural=plural,
        count=cached,
        fix=N_(
            "To test the registry cache, empty the builder's local cache first (`docker "
            "buildx prune -af`, or the Builders pane's prune, which shows what it deletes), "
            "then build again with --cache-from."
        ),
        fields=(("cached", cached),),
        docs_url="https://docs.docker.com/build/cache/backends/",
        harmless=True,
    )


def explain(model: BuildModel) -> list[Explanation]:
    """Explanations for the errors of a build: failed steps, failure blocks, buildx's own;
    and a note when CACHED steps came from the local cache while nothing was imported."""
    from buildtui.buildlog.summary import summarize  # the summary's own count of steps

    found = _explain_errors(model)
    summary = summarize(model, exit_code=None, wall_seconds=None)
    note = local_cache_hits(summary.cached, summary.cache_import)
    return [*found, note] if note is not None else found


def _explain_errors(model: BuildModel) -> list[Explanation]:
    texts: list[str] = []
    for vertex in model.vertices.values():
        if vertex.error:
            if isinstance(vertex, Phase) and vertex.kind is PhaseKind.CACHE_IMPORT:
                texts.append(f"importing cache: {vertex.error}")
            else:
                texts.append(vertex.error)
        texts.extend(vertex.log_tail if vertex.error else ())
    for block in model.failures:
        texts.extend(block.lines)
    texts.extend(model.buildx_errors)
    texts.extend(model.other_lines)
    return explain_texts(texts, model.driver)
