"""The exact `docker buildx ...` argv for each builder action, validated as buildx would.

Pure: the form shows `render_command(...)` and the service runs the very same argv.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path

from buildtui.buildx.errors import InvalidName, InvalidOptions
from buildtui.buildx.models import DRIVERS, CreateOptions, CreateRequest, PruneOptions
from buildtui.buildx.parsing import ParseError, parse_go_duration
from buildtui.i18n import _

# buildx's store.ValidName: a letter first, then letters, digits, '.', '_', '-'.
_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9._-]*$")
_PLATFORM = re.compile(r"^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9.]+)?$")
_HOST_PORT = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:]+\](:\d{1,5})?$")
_BYTES = re.compile(r"^\d+(\.\d+)?\s*([kmgtp]i?b?|b)?$", re.IGNORECASE)
RESERVED_NAMES = ("default",)


def validate_name(name: str, *, what: str = "builder") -> str:
    """The name buildx would store (lower case), or InvalidName."""
    if not name:
        raise InvalidName(
            name,
            _("the builder name is empty") if what == "builder" else _("the node name is empty"),
        )
    if not _NAME.match(name):
        raise InvalidName(name)
    lowered = name.lower()
    if what == "builder" and lowered in RESERVED_NAMES:
        raise InvalidName(name, _("it is reserved for the Docker context's own builder"))
    return lowered


def split_list(text: str) -> tuple[str, ...]:
    """Items typed in one field, separated by commas, spaces or newlines."""
    return tuple(part for part in re.split(r"[,\s]+", text.strip()) if part)


LAB_BUILDER = CreateOptions(name="lab7", driver="docker-container", use=True, bootstrap=True)
"""The lab's builder: `docker buildx create --name lab7 --driver docker-container --use
--bootstrap` (the create form starts from it for the lab's step 2)."""


class Preset(Enum):
    """Options that solve the lab's known traps with a docker-container builder."""

    HOST_NETWORK = "host-network"
    PLAIN_HTTP = "plain-http"

    @property
    def title(self) -> str:
        return {
            Preset.HOST_NETWORK: _("push to a registry on this host"),
            Preset.PLAIN_HTTP: _("plain-HTTP registry"),
        }[self]

    @property
    def help(self) -> str:
        return {
            Preset.HOST_NETWORK: _(
                "BuildKit runs in its own container, where localhost:5000 is not the "
                "host's registry: --driver-opt network=host shares the host's network"
            ),
            Preset.PLAIN_HTTP: _(
                "BuildKit talks HTTPS to any registry that is not localhost: a "
                'buildkitd.toml with [registry."HOST:PORT"] http = true lets it use '
                "plain HTTP"
            ),
        }[self]


def plain_http_config(hosts: Iterable[str]) -> str:
    """A buildkitd.toml that lets BuildKit reach these registries over plain HTTP."""
    blocks = []
    for host in hosts:
        blocks.append(f'[registry."{host}"]\n  http = true\n')
    return "\n".join(blocks)


def plain_http_config_path(data_dir: Path, hosts: Sequence[str]) -> Path:
    """Where the preset's buildkitd.toml goes: one file per set of hosts, in the app's data."""
    key = hashlib.sha256("\n".join(sorted(hosts)).encode()).hexdigest()[:10]
    return data_dir / "buildkitd" / f"plain-http-{key}.toml"


def validate_hosts(hosts: Sequence[str]) -> tuple[str, ...]:
    if not hosts:
        raise InvalidOptions(
            _("The plain-HTTP preset needs at least one registry HOST:PORT"),
            _("Type the registry as it appears in image names, e.g. myhost:5000"),
        )
    for host in hosts:
        if "://" in host or "/" in host or not _HOST_PORT.match(host):
            raise InvalidOptions(
                _("{host!r} is not a registry HOST:PORT").format(host=host),
                _("Type it as in image names, without http:// (e.g. 192.168.1.10:5000)"),
            )
    return tuple(hosts)


@dataclass(frozen=True)
class CreatePlan:
    """A validated create: the argv to run and the buildkitd.toml to write first, if any."""

    options: CreateOptions
    args: tuple[str, ...]
    config_path: Path | None = None
    config_text: str | None = None


def plan_create(request: CreateRequest, *, data_dir: Path) -> CreatePlan:
    """Apply the presets to the request, validate it as buildx would, and spell the argv."""
    options = request.options
    config_path = config_text = None
    if request.host_network and "network=host" not in options.driver_options:
        options = replace(options, driver_options=(*options.driver_options, "network=host"))
    if request.plain_http_hosts:
        hosts = validate_hosts(request.plain_http_hosts)
        config_path = plain_http_config_path(data_dir, hosts)
        config_text = plain_http_config(hosts)
        options = replace(options, buildkitd_config=str(config_path))
    if options.mode != "leave":
        if request.host_network and options.driver != "docker-container":
            raise InvalidOptions(
                _(
                    'The preset "{title}" is for the docker-container driver; the {driver} '
                    "driver has no network=host option"
                ).format(title=Preset.HOST_NETWORK.title, driver=options.driver),
                _("Choose the docker-container driver, or leave the preset off"),
            )
        if request.plain_http_hosts and options.driver not in ("docker-container", "kubernetes"):
            raise InvalidOptions(
                _(
                    'The preset "{title}" configures a BuildKit that buildx starts; the '
                    "{driver} driver connects to one that runs elsewhere"
                ).format(title=Preset.PLAIN_HTTP.title, driver=options.driver),
                _("Configure that BuildKit's own buildkitd.toml instead, or use docker-container"),
            )
    options = validate_create(options, check_files=config_path is None)
    return CreatePlan(options, tuple(create_args(options)), config_path, config_text)


def validate_create(options: CreateOptions, *, check_files: bool = True) -> CreateOptions:
    """Options buildx would accept (names lowered), or the error buildx would give, early.

    The docker driver is passed through: buildx's own refusal is explained when it comes.
    """
    if options.mode in ("append", "leave") and not options.name:
        raise InvalidOptions(
            _("--{mode} needs the name of the builder to change").format(mode=options.mode),
            _("Give the existing builder's name"),
        )
    name = validate_name(options.name) if options.name else ""
    node = validate_name(options.node, what="node") if options.node else ""
    if options.mode == "leave":
        if not node:
            raise InvalidOptions(
                _("--leave needs the node to remove (--node NAME)"),
                _("Give the node's name as the list shows it (the first node of NAME is NAME0)"),
            )
        return replace(options, name=name, node=node)
    if options.driver not in (*DRIVERS, "docker"):
        raise InvalidOptions(
            _("Unknown driver {driver!r}").format(driver=options.driver),
            _("Use docker-container, kubernetes or remote"),
        )
    if options.driver == "remote" and not options.endpoint:
        raise InvalidOptions(
            _("The remote driver needs the BuildKit endpoint"),
            _("Give its address, e.g. tcp://buildkitd.example:1234 or unix:///run/buildkit.sock"),
        )
    for option in options.driver_options:
        key, sep, value = option.partition("=")
        if not sep or not key or not value:
            raise InvalidOptions(
                _("Driver option {option!r} is not key=value").format(option=option),
                _("Write each as key=value, e.g. network=host or image=moby/buildkit:v0.13.2"),
            )
    for platform in options.platforms:
        if not _PLATFORM.match(platform):
            raise InvalidOptions(
                _("{platform!r} is not a platform").format(platform=platform),
                _("Write platforms as os/arch[/variant], e.g. linux/amd64,linux/arm64"),
            )
    if options.buildkitd_config and check_files and not Path(options.buildkitd_config).is_file():
        raise InvalidOptions(
            _("The buildkitd config {buildkitd_config} does not exist").format(
                buildkitd_config=options.buildkitd_config
            ),
            _("Give the path of an existing buildkitd.toml"),
        )
    return replace(options, name=name, node=node)


def create_args(options: CreateOptions) -> list[str]:
    """`buildx create ...` arguments (after `docker`), in one fixed order."""
    args = ["buildx", "create"]
    if options.name:
        args += ["--name", options.name]
    if options.node:
        args += ["--node", options.node]
    if options.mode == "append":
        args.append("--append")
    if options.mode == "leave":
        args.append("--leave")
        return args
    args += ["--driver", options.driver]
    for option in options.driver_options:
        args += ["--driver-opt", option]
    if options.buildkitd_flags:
        args += ["--buildkitd-flags", options.buildkitd_flags]
    if options.buildkitd_config:
        args += ["--buildkitd-config", options.buildkitd_config]
    if options.platforms:
        args += ["--platform", ",".join(options.platforms)]
    if options.use:
        args.append("--use")
    if options.bootstrap:
        args.append("--bootstrap")
    if options.endpoint:
        args.append(options.endpoint)
    return args


def use_args(name: str) -> list[str]:
    return ["buildx", "use", name]


def bootstrap_args(name: str) -> list[str]:
    """buildx 0.13 has no `bootstrap` command: `inspect --bootstrap` is it."""
    return ["buildx", "inspect", "--bootstrap", name]


def stop_args(name: str) -> list[str]:
    return ["buildx", "stop", name]


def inspect_args(name: str) -> list[str]:
    return ["buildx", "inspect", name]


def remove_args(name: str, *, keep_state: bool = False, keep_daemon: bool = False) -> list[str]:
    args = ["buildx", "rm"]
    if keep_state:
        args.append("--keep-state")
    if keep_daemon:
        args.append("--keep-daemon")
    return [*args, name]


def du_args(name: str | None, *, verbose: bool = True, filters: Sequence[str] = ()) -> list[str]:
    args = ["buildx", "du"]
    if name:
        args += ["--builder", name]
    for item in filters:
        args += ["--filter", item]
    if verbose:
        args.append("--verbose")
    return args


def validate_prune(options: PruneOptions) -> PruneOptions:
    for item in options.filters:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise InvalidOptions(
                _("Filter {item!r} is not key=value").format(item=item),
                _("Use e.g. until=24h, type=regular, id=ID (one filter per key)"),
            )
        if key in ("until", "unused-for"):
            try:
                parse_go_duration(value)
            except ParseError as error:
                raise InvalidOptions(str(error), _("Use a Go duration: 24h, 30m, 1h30m")) from None
    keys = [item.partition("=")[0] for item in options.filters]
    if len(set(keys)) != len(keys):
        raise InvalidOptions(
            _("buildx takes one value per filter key"), _("Give each filter key only once")
        )
    if options.keep_storage and not _BYTES.match(options.keep_storage):
        raise InvalidOptions(
            _("{keep_storage!r} is not an amount of space").format(
                keep_storage=options.keep_storage
            ),
            _("Write it as a size, e.g. 500MB or 5GB"),
        )
    return options


def prune_args(name: str | None, options: PruneOptions) -> list[str]:
    args = ["buildx", "prune", "--force", "--verbose"]
    if name:
        args += ["--builder", name]
    if options.all:
        args.append("--all")
    for item in options.filters:
        args += ["--filter", item]
    if options.keep_storage:
        args += ["--keep-storage", options.keep_storage]
    return args


def render_command(prefix: Sequence[str], args: Sequence[str]) -> str:
    """The command line a user could paste: `docker [--context X] buildx ...`."""
    return shlex.join([*prefix, *args])


def render_create_command(prefix: Sequence[str], options: CreateOptions) -> str:
    """The exact `docker buildx create ...` the form will run."""
    return render_command(prefix, create_args(options))
