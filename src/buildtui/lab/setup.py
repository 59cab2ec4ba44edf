"""`buildtui lab up`: the lab's registry (and a builder) set up (`lab.teardown`: lab down).

`lab up` starts the lab's `registry:2` container as the lab does (deletion enabled),
but with a named data volume, so that its images survive a recreate, and published on
127.0.0.1 only (a registry with deletion and no authentication must not be open to
the lab's network unless asked for). What it creates is recorded in the data dir
(`lab/CONTAINER.json`, owner-only) before it is created, and the volume and container
carry the label `io.github.buildtui.lab=CONTAINER` from their creation: `lab up` killed
at any point leaves nothing `lab down` cannot find. `lab down` removes only what the
record or the label names (a container that took the name since is left alone).

Containers, volumes and images go through python-on-whales (blocking: call from a
thread worker or a command); the wording of every outcome is here, the printing in
`buildtui.commands.lab`.
"""

from __future__ import annotations

import shlex
import socket
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import httpx

from buildtui.diskspace import write_problem
from buildtui.engine.client import docker_command, make_docker_client
from buildtui.engine.registry_container import (
    DELETE_ENV,
    LAB_IMAGE,
    ContainerState,
    RegistryRun,
    exposure_warning,
    inspect_registry_container,
    url_port,
)
from buildtui.i18n import N_, _
from buildtui.lab.setup_record import LabError, LabRecord, load_record, record_path, save_record
from buildtui.registry.deletion_probe import Deletion, probe_deletion
from buildtui.registry.one_shot import one_shot
from buildtui.registry.reference import is_loopback
from buildtui.settings import Settings

if TYPE_CHECKING:
    from python_on_whales import DockerClient

STORAGE = "/var/lib/registry"
LABEL = "io.github.buildtui.lab"

Kind = Literal[
    "created", "existed", "started", "recreated", "removed", "kept", "missing", "warning"
]


@dataclass(frozen=True)
class Outcome:
    """One thing `lab up` or `lab down` did or found."""

    kind: Kind
    what: Literal["image", "volume", "container", "registry", "builder"]
    name: str
    detail: str = ""

    @property
    def changed(self) -> bool:
        return self.kind in ("created", "started", "recreated", "removed")

    def line(self) -> str:
        """`created   container registry7: …`, its words in the current language (the
        kinds themselves are `--json`'s data)."""
        text = f"{_(OUTCOME_WORDS[self.kind]):<9} {_(THING_WORDS[self.what])} {self.name}"
        return f"{text}: {self.detail}" if self.detail else text


OUTCOME_WORDS = {
    "created": N_("created"),
    "existed": N_("existed"),
    "started": N_("started"),
    "recreated": N_("recreated"),
    "removed": N_("removed"),
    "kept": N_("kept"),
    "missing": N_("missing"),
    "warning": N_("warning"),
}
THING_WORDS = {
    "image": N_("image"),
    "volume": N_("volume"),
    "container": N_("container"),
    "registry": N_("registry"),
    "builder": N_("builder"),
}


@dataclass(frozen=True)
class LabSpec:
    """What `lab up` sets up: every name and port can be chosen."""

    container: str
    registry_url: str
    image: str = LAB_IMAGE
    volume: str = ""
    """The data volume; empty: `CONTAINER-data`."""
    expose: bool = False
    """Publish on all addresses instead of 127.0.0.1 only."""
    recreate: bool = False
    builder: str | None = None

    @property
    def volume_name(self) -> str:
        return self.volume or f"{self.container}-data"

    @property
    def port(self) -> int:
        return url_port(self.registry_url)[1]

    @property
    def publish(self) -> tuple[str, int]:
        """The `-p` of the registry: `127.0.0.1:PORT:5000`, or `PORT:5000` with --expose."""
        return (str(self.port) if self.expose else f"127.0.0.1:{self.port}", 5000)

    @property
    def registry_host(self) -> str:
        return f"localhost:{self.port}"

    def validate(self) -> None:
        host, _unused = url_port(self.registry_url)
        if not is_loopback(host):
            raise LabError(
                _(
                    "lab up starts the registry on this machine, but {registry_url} is "
                    "not on it: give a local URL with --registry, e.g. --registry "
                    "http://localhost:5000"
                ).format(registry_url=self.registry_url)
            )
        if self.registry_url.startswith("https://"):
            raise LabError(
                _(
                    "the lab's registry speaks plain HTTP: give an http:// URL with "
                    "--registry, e.g. --registry http://localhost:{port}"
                ).format(port=self.port)
            )


# -- lab up -----------------------------------------------------------------------------


@dataclass
class UpResult:
    spec: LabSpec
    outcomes: list[Outcome] = field(default_factory=list)
    ok: bool = True

    @property
    def changed(self) -> bool:
        return any(outcome.changed for outcome in self.outcomes)

    def add(self, *args: Any) -> None:
        self.outcomes.append(Outcome(*args))


def keep_record(record: LabRecord) -> None:
    """Write the record; a data dir that cannot take it (a full disk) is a LabError that
    says so, before anything more is created."""
    try:
        save_record(record)
    except OSError as error:
        raise LabError(
            _("the record of what `lab up` creates cannot be written: {problem}").format(
                problem=write_problem(record_path(record.container), error)
            )
        ) from None


def docker_error(error: Exception) -> str:
    """The line of docker's stderr that says what went wrong (not its `Run 'docker …
    --help'` advice)."""
    stderr = str(getattr(error, "stderr", "") or "").strip()
    lines = [
        line.strip()
        for line in stderr.splitlines()
        if line.strip() and not line.startswith(("Run '", "See '"))
    ]
    errors = [line for line in lines if "error" in line.lower()]
    if errors or lines:
        return (errors or lines)[-1]
    return str(error).strip().splitlines()[-1]


def lab_up(spec: LabSpec, settings: Settings, *, wait: float = 20.0) -> UpResult:
    """Set the lab up as `spec` says; what already exists is left as it is (reported)."""
    from python_on_whales.exceptions import DockerException

    spec.validate()
    docker = make_docker_client(settings)
    result = UpResult(spec)
    record = load_record(spec.container) or LabRecord(spec.container)
    record.registry_url = spec.registry_url
    try:
        state = inspect_registry_container(spec.container, docker_command(settings))
        if state.error is not None:
            raise LabError(
                _("container {container} cannot be inspected: {error}").format(
                    container=spec.container, error=state.error
                )
            )
        if _finish_recreate(docker, spec, result, record):
            state = inspect_registry_container(spec.container, docker_command(settings))
        if state.run is None or spec.recreate:
            _ensure_image(docker, spec, result)
        if state.run is None:
            _ensure_volume(docker, spec, result, record)
            try:
                record.container_id = _run_registry(docker, spec)
            except (LabError, DockerException):
                if ("created", "volume") in [(o.kind, o.what) for o in result.outcomes]:
                    docker.volume.remove(spec.volume_name)  # made for it a moment ago
                    record.volume = None
                    keep_record(record)
                raise
            result.add("created", "container", spec.container, _described(spec))
        else:
            _existing(docker, spec, state, result, record, settings)
        made = [o for o in result.outcomes if o.what == "container" and o.kind != "existed"]
        if spec.expose and any(o.kind in ("created", "recreated") for o in made):
            result.add(
                "warning", "container", spec.container,
                exposure_warning(spec.container, spec.port) + " (--expose)",
            )  # fmt: skip
        keep_record(record)
        if result.ok:
            _check_registry(spec, result, wait)
    except DockerException as error:
        keep_record(record)
        raise LabError(docker_error(error)) from None
    if spec.builder:
        _ensure_builder(spec, settings, result, record)
        keep_record(record)
    return result


def _published_on(spec: LabSpec) -> str:
    where = f"0.0.0.0:{spec.port}" if spec.expose else f"127.0.0.1:{spec.port}"
    return _("{image} on {where}").format(image=spec.image, where=where)


def _described(spec: LabSpec) -> str:
    return _("{on}, {DELETE_ENV}=true, its images in volume {volume_name}").format(
        on=_published_on(spec), DELETE_ENV=DELETE_ENV, volume_name=spec.volume_name
    )


def _ensure_image(docker: DockerClient, spec: LabSpec, result: UpResult) -> None:
    from python_on_whales.exceptions import DockerException

    if docker.image.exists(spec.image):
        result.add("existed", "image", spec.image)
        return
    try:
        docker.image.pull(spec.image, quiet=True)
    except DockerException as error:
        raise LabError(
            _(
                "the image {image} is not on this engine and cannot be pulled "
                "({error}). Load it from a machine that has it (there: `docker save "
                "{image} -o registry.tar`, here: `docker load -i registry.tar`); on a "
                "lab machine with no network, `buildtui lab engine` builds it locally"
            ).format(image=spec.image, error=docker_error(error))
        ) from None
    result.add("created", "image", spec.image, _("pulled"))


def _ensure_volume(
    docker: DockerClient, spec: LabSpec, result: UpResult, record: LabRecord
) -> None:
    name = spec.volume_name
    if docker.volume.exists(name):
        result.add("existed", "volume", name, _("its images are kept"))
        return
    record.volume = name
    keep_record(record)  # recorded first: killed right after its creation, it is found
    docker.volume.create(name, labels={LABEL: spec.container})
    result.add(
        "created", "volume", name, _("the registry's storage ({STORAGE})").format(STORAGE=STORAGE)
    )


def _run_registry(docker: DockerClient, spec: LabSpec, *, start: bool = True) -> str:
    """`docker run -d` (or `create`) the registry; a half-made container is removed."""
    from python_on_whales.exceptions import DockerException

    options: dict[str, Any] = {
        "name": spec.container,
        "publish": [spec.publish],
        "envs": {DELETE_ENV: "true"},
        "volumes": [(spec.volume_name, STORAGE)],
        "labels": {LABEL: spec.container},
    }
    try:
        if start:
            container = docker.container.run(spec.image, detach=True, **options)
        else:
            container = docker.container.create(spec.image, **options)
    except DockerException as error:
        if docker.container.exists(spec.container):
            docker.container.remove(spec.container, force=True)
        detail = docker_error(error)
        if "allocated" in detail or "address already in use" in detail:
            raise LabError(
                _(
                    "port {port} is already in use on this machine, so {container} "
                    "cannot publish it ({detail}): choose another port, e.g. `buildtui "
                    "--registry http://localhost:{after} --registry-container {quote} "
                    "lab up`"
                ).format(
                    port=spec.port,
                    container=spec.container,
                    detail=detail,
                    after=free_port_after(spec.port),
                    quote=shlex.quote(spec.container),
                )
            ) from None
        raise
    return str(container.id)


def free_port_after(port: int) -> int:
    """The first port after `port` that nothing listens on at 127.0.0.1 now."""
    for candidate in range(port + 1, min(port + 100, 65535)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return candidate
    return port + 1


def _existing(
    docker: DockerClient,
    spec: LabSpec,
    state: ContainerState,
    result: UpResult,
    record: LabRecord,
    settings: Settings,
) -> None:
    run = state.run
    assert run is not None
    if not run.looks_like_registry:
        result.ok = False
        result.add(
            "warning", "container", spec.container,
            _(
                "exists and is not a registry:2 container; left alone. Choose another "
                "name with --registry-container"
            ),
        )  # fmt: skip
        return
    if spec.recreate:
        _recreate(docker, spec, run, result, record)
        return
    notes = []
    found = docker.container.inspect(spec.container)
    if found.config.labels and found.config.labels.get(LABEL) == spec.container:
        record.container_id = str(found.id)  # lab up made it (one killed before recording)
    elif record.container_id is not None and record.container_id != found.id:
        record.container_id = None  # another container took the name: not ours any more
    if not run.running:
        docker.container.start(spec.container)
        result.add("started", "container", spec.container, _("it existed, stopped"))
    else:
        notes.append("running")
    if run.delete_enabled:
        notes.append(_("deletion enabled"))
    result.add("existed", "container", spec.container, ", ".join(notes))
    again = shlex.join([*cli_argv(settings, spec), "--recreate"])
    if not run.delete_enabled:
        result.add(
            "warning", "container", spec.container,
            _(
                "deletion is not enabled ({DELETE_ENV} is not true): the lab's bonus "
                "cannot delete images. `{again}` recreates it with deletion on, "
                "keeping its images"
            ).format(DELETE_ENV=DELETE_ENV, again=again),
        )  # fmt: skip
    if run.exposed(spec.port) and not spec.expose:
        result.add(
            "warning", "container", spec.container,
            _(
                "{warning}. `{again}` publishes it on 127.0.0.1 only, keeping its "
                "images"
            ).format(warning=exposure_warning(spec.container, spec.port), again=again),
        )  # fmt: skip
    elif spec.expose and run.exposed(spec.port):
        result.add(
            "warning",
            "container",
            spec.container,
            exposure_warning(spec.container, spec.port) + " (--expose)",
        )
    elif spec.expose and not run.exposed(spec.port):
        result.add(
            "warning", "container", spec.container,
            _("it is not published on all addresses; `{again}` does that").format(again=again),
        )  # fmt: skip
    if not run.publishes(spec.port):
        ports = ", ".join(str(p) for p in run.published) or _("no port")
        result.ok = False
        result.add(
            "warning", "container", spec.container,
            _(
                "publishes {ports}, not port {port} of {registry_url}: `{again}` "
                "publishes it on port {port}, or give its port with --registry"
            ).format(ports=ports, port=spec.port, registry_url=spec.registry_url, again=again),
        )  # fmt: skip


def cli_argv(settings: Settings, spec: LabSpec) -> list[str]:
    from buildtui.settings import cli_prefix

    used = Settings().with_overrides(
        {
            "registry_url": spec.registry_url,
            "registry_container": spec.container,
            "docker_context": settings.docker_context,
            "docker_host": settings.docker_host,
        }
    )
    argv = [*shlex.split(cli_prefix(used)), "lab", "up"]
    if spec.image != LAB_IMAGE:
        argv += ["--image", spec.image]
    if spec.volume:
        argv += ["--volume", spec.volume]
    if spec.expose:
        argv.append("--expose")
    return argv


HELPERS = ("-new-", "-copy-")
"""Name infixes of the containers a recreate makes beside the registry (labelled too):
`NAME-new-…` the replacement before it takes the name, `NAME-copy-…` the one that
fills the data volume."""


def _recreate(
    docker: DockerClient, spec: LabSpec, run: RegistryRun, result: UpResult, record: LabRecord
) -> None:
    """Remove the container and run it again as `lab up` does, with its images kept.

    Its storage in a named volume or a bind mount is mounted again as it is. Storage in
    the container's own layer or an anonymous volume is copied into the data volume
    first (through a host directory), while the old container is still there. The new
    container is created beside the old one (`NAME-new-…`, not started: it binds no
    port yet), then the old one goes and the new one takes its name: killed at any
    point, the images are in the old container or the volume, and `lab up` finishes
    what a killed recreate began (`_finish_recreate`).
    """
    storage = run.storage
    if storage is not None and storage.kind == "tmpfs":
        raise LabError(
            _(
                "{container} keeps its images in a tmpfs, which cannot be kept: remove "
                "it yourself (`docker rm -f {container}`) and run `lab up` again"
            ).format(container=spec.container)
        )
    kept: LabSpec = spec
    if storage is not None and not storage.anonymous:
        source = storage.source
        if storage.kind == "volume":
            kept = LabSpec(**{**asdict(spec), "volume": storage.source})
            where = _("volume {source}").format(source=storage.source)
        else:
            where = _("bind mount {source}").format(source=storage.source)
    else:
        _ensure_volume(docker, spec, result, record)
        _copy_into_volume(docker, spec, run)
        source = spec.volume_name
        where = _("volume {volume_name} (copied from the container's own storage)").format(
            volume_name=spec.volume_name
        )
    replacement = _create(docker, spec, source, f"{spec.container}-new-{uuid.uuid4().hex[:8]}")
    docker.container.remove(spec.container, force=True)
    docker.container.rename(replacement, spec.container)
    docker.container.start(spec.container)
    record.container_id = replacement
    result.add(
        "recreated",
        "container",
        spec.container,
        _("{on}, {DELETE_ENV}=true; its images kept in {where}").format(
            on=_published_on(kept), DELETE_ENV=DELETE_ENV, where=where
        ),
    )


def _create(docker: DockerClient, spec: LabSpec, source: str, name: str) -> str:
    """`docker create` the registry as `lab up` runs it, its storage at `source` (a volume
    or a host directory), labelled from its creation."""
    container = docker.container.create(
        spec.image,
        name=name,
        publish=[spec.publish],
        envs={DELETE_ENV: "true"},
        volumes=[(source, STORAGE)],
        labels={LABEL: spec.container},
    )
    return str(container.id)


def _copy_into_volume(docker: DockerClient, spec: LabSpec, run: RegistryRun) -> None:
    """Copy the registry's own storage into the data volume, the old container kept."""
    helper = docker.container.create(
        spec.image,
        name=f"{spec.container}-copy-{uuid.uuid4().hex[:8]}",
        volumes=[(spec.volume_name, STORAGE)],
        labels={LABEL: spec.container},
    )
    try:
        with tempfile.TemporaryDirectory(prefix="buildtui-lab-") as copy:
            docker.copy((spec.container, run.storage_root.rstrip("/") + "/."), copy)
            docker.copy(copy + "/.", (str(helper.id), STORAGE))
    finally:
        docker.container.remove(str(helper.id), force=True)


def helpers(docker: DockerClient, container: str) -> list[tuple[str, str]]:
    """(name, ID) of the containers a recreate of `container` left beside it."""
    labelled = docker.container.list(all=True, filters=[("label", f"{LABEL}={container}")])
    return [
        (str(c.name), str(c.id))
        for c in labelled
        if any(str(c.name).startswith(container + infix) for infix in HELPERS)
    ]


def _finish_recreate(
    docker: DockerClient, spec: LabSpec, result: UpResult, record: LabRecord
) -> bool:
    """A recreate killed after the old container went: its replacement takes the name
    and starts (True). Leftover copies are removed either way."""
    finished = False
    for name, ident in helpers(docker, spec.container):
        replacing = name.startswith(f"{spec.container}-new-")
        if replacing and not finished and not docker.container.exists(spec.container):
            docker.container.rename(ident, spec.container)
            docker.container.start(spec.container)
            record.container_id = ident
            result.add(
                "recreated", "container", spec.container,
                _(
                    "finished the recreate a killed `lab up --recreate` began; its "
                    "images kept"
                ),
            )  # fmt: skip
            finished = True
        else:
            docker.container.remove(ident, force=True)
    return finished


def _check_registry(spec: LabSpec, result: UpResult, wait: float) -> None:
    """Wait for the registry to answer; say whether deletion is enabled."""
    url = f"http://127.0.0.1:{spec.port}"
    deadline = time.monotonic() + wait
    while True:
        try:
            attempt = time.monotonic() + 4.0  # a reply that trickles on ends too
            with httpx.Client(base_url=url, timeout=2.0) as http:
                if one_shot(http, "GET", "/v2/", deadline=attempt).status in (200, 401):
                    probe = probe_deletion(http, deadline=attempt)
                    off = probe.deletion is Deletion.DISABLED
                    deletion = _("deletion OFF") if off else _("deletion enabled")
                    result.add("existed", "registry", spec.registry_url, f"answers, {deletion}")
                    return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            result.ok = False
            result.add(
                "warning", "registry", spec.registry_url,
                _("does not answer after {wait} s; see `docker logs {container}`").format(
                    wait=f"{wait:.0f}", container=spec.container
                ),
            )  # fmt: skip
            return
        time.sleep(0.2)


# -- the builder ------------------------------------------------------------------------


def _ensure_builder(spec: LabSpec, settings: Settings, result: UpResult, record: LabRecord) -> None:
    from buildtui.buildx.builders import BuildersService
    from buildtui.buildx.errors import BuildxError
    from buildtui.buildx.models import CreateOptions, CreateRequest

    name = spec.builder or ""
    service = BuildersService(settings)
    try:
        builders = service.list()
        if name in builders.names:
            result.add("existed", "builder", name)
        else:
            plan = service.plan_create(
                CreateRequest(
                    CreateOptions(name=name, driver="docker-container"),
                    host_network=True,
                    plain_http_hosts=(spec.registry_host,),
                )
            )
            record.builder = name
            keep_record(record)  # recorded first: killed meanwhile, lab down still finds it
            try:
                service.create(plan)
            except BuildxError:
                record.builder = None
                keep_record(record)
                raise
            result.add(
                "created", "builder", name,
                _(
                    "docker-container, --driver-opt network=host, plain HTTP to "
                    "{registry_host}; not made the builder in use"
                ).format(registry_host=spec.registry_host),
            )  # fmt: skip
        try:
            service.bootstrap(name)
        except BuildxError as error:
            current = builders.current or "default"
            result.add(
                "warning", "builder", name,
                _(
                    "it cannot start here: its BuildKit image (moby/buildkit) cannot "
                    "be pulled ({value}). Builds keep using {current}, the builder in "
                    "use: with the docker driver and the containerd image store it "
                    "builds both platforms, pushes and exports registry cache too. On "
                    "a machine with network `docker buildx use {name}` switches to it"
                ).format(value=error.detail or error.what, current=current, name=name),
            )  # fmt: skip
    except BuildxError as error:
        result.ok = False
        result.add("warning", "builder", name, error.message)
