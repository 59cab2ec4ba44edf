"""Benchmark: a class of 200 submissions listed from a local registry:2 (goal: <= 10 s).

Run: .venv/bin/python bench/class_list.py [--students 200] [--runs 3] [--keep]

1. Starts two `registry:2` containers of its own (`reg-class-bench-…`): the class's
   registry on 127.0.0.1, and a lab registry published on the docker bridge's address
   (not loopback: the instructor's machine reaches it, so the cited digests are asked).
2. Seeds the lab registry with 50 small images, and the class with `--students`
   submissions pushed as students push them (`classroom.remote.push_submission`, the
   app's registry client, 8 at a time): one real bundle from the fake lab (its report,
   records, builds), each student with their own name, build times and 10 cited digests
   on the lab registry (8 served, one gone, one deleted as its records say); every
   tenth student hands in a copy of the one before (flagged on both). Says how long the
   seeding took.
3. Measures, `--runs` times, a fresh `ClassService.read()` (what `buildtui class ls`
   and the Class pane do): the time to the first row, to every row read (the list with
   progress, items not done, copies), and to the end of the digests' check; the first
   run with the disk cache of what digests name empty (every file fetched), the next
   ones with the files kept there (each manifest is still fetched). Then `buildtui class
   ls REF --json` as a command (the interpreter's start included), and the Class pane
   itself, headless at 160x48: the time its table shows the first row and all of them,
   and the longest the event loop was late meanwhile (a key waits at most that long).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from buildtui.classroom.bundle import Evidence  # noqa: E402
from buildtui.classroom.collect import collect_evidence  # noqa: E402
from buildtui.classroom.names import tag_for  # noqa: E402
from buildtui.classroom.ref import parse_class_ref  # noqa: E402
from buildtui.classroom.remote import push_submission  # noqa: E402
from buildtui.classroom.service import ClassRow, ClassService  # noqa: E402
from buildtui.lab.i18n import translator  # noqa: E402
from buildtui.lab_records import iso_time  # noqa: E402
from buildtui.registry.auth import NoCredentials  # noqa: E402
from buildtui.registry.client import RegistryClient  # noqa: E402
from buildtui.registry.service import RegistryService  # noqa: E402
from buildtui.settings import Settings  # noqa: E402

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"


def docker(*args: str) -> str:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def bridge_address() -> str:
    for line in subprocess.run(
        ["ip", "-4", "-o", "addr"], capture_output=True, text=True, check=False
    ).stdout.splitlines():
        words = line.split()
        if "docker0" in words:
            return words[words.index("inet") + 1].split("/")[0]
    raise SystemExit("no docker0 address: the lab registry needs a non-loopback address")


def start_registry(name: str, address: str) -> str:
    """A registry:2 container published on `address`; its `host:port`."""
    docker("run", "-d", "--name", name, "-p", f"{address}::5000", "registry:2")
    port = docker("port", name, "5000/tcp").splitlines()[0].rsplit(":", 1)[1]
    host = f"{address}:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"http://{host}/v2/", timeout=1).status_code == 200:
                return host
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"{name} did not answer on {host}")


def base_evidence(folder: Path) -> Evidence:
    """One student's real bundle contents, from the fake lab of the tests."""
    from tests.fakes.classroom import student_lab

    lab = student_lab(folder / "lab")
    return collect_evidence(lab, lab.observe(), tag_for("Base Student"), "en", time.time())


def student_evidence(
    base: Evidence, number: int, lab_host: str, served: list[str], copy_of: Evidence | None
) -> Evidence:
    name = f"Student {number:03d} Łódź"
    tag = tag_for(name)
    if copy_of is not None:  # a copied data dir: the same builds and digests
        return Evidence(**{**copy_of.__dict__, "student": tag.name, "tag": tag.tag})
    builds = copy.deepcopy(dict(base.builds))
    start = time.time() - 3600 + number * 7
    for index, build in enumerate(builds["builds"]):
        build["started"] = iso_time(start + index * 60)
    picked = [served[(number * 3 + i) % len(served)] for i in range(8)]
    cited = [
        {"registry": lab_host, "repository": "lab", "digest": d, "kind": "manifest",
         "cited_by": [f"item {i + 1}"], "deleted_by": None}
        for i, d in enumerate(picked)
    ]  # fmt: skip
    cited.append({"registry": lab_host, "repository": "lab", "digest": "sha256:" + f"{number:064x}",
                  "kind": "manifest", "cited_by": ["build 2"], "deleted_by": None})  # fmt: skip
    cited.append({"registry": lab_host, "repository": "cachedata1",
                  "digest": "sha256:" + f"{number + 10_000:064x}", "kind": "manifest",
                  "cited_by": ["cache-size-1"], "deleted_by": "deletion-1"})  # fmt: skip
    digests = {"format": "buildtui lab7 digests", "version": 1, "digests": cited}
    return Evidence(
        **{
            **base.__dict__,
            "student": tag.name,
            "tag": tag.tag,
            "created": time.time() - number,
            "builds": builds,
            "digests": digests,
        }
    )


async def seed_lab(client: RegistryClient, count: int) -> list[str]:
    await client.push_blob("lab", b"{}")
    digests = []
    for number in range(count):
        layer = f"lab layer {number}".encode() * 32
        await client.push_blob("lab", layer)
        document = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_EMPTY, "digest": _digest(b"{}"), "size": 2},
            "layers": [
                {"mediaType": "application/octet-stream", "digest": _digest(layer),
                 "size": len(layer)}
            ],
        }  # fmt: skip
        raw = json.dumps(document).encode()
        digests.append(await client.put_manifest("lab", f"v{number}", raw, OCI_MANIFEST))
    return digests


def _digest(data: bytes) -> str:
    from buildtui.registry.client import compute_digest

    return compute_digest(data)


async def seed_class(client: RegistryClient, students: list[Evidence]) -> None:
    waiting = list(students)

    async def pusher() -> None:
        while waiting:
            await push_submission(client, "lab7", waiting.pop(), translator("en"))

    await asyncio.gather(*(pusher() for _ in range(8)))


def client_for(host: str) -> RegistryClient:
    from buildtui.registry.auth import Authenticator

    return RegistryClient(host, f"http://{host}", auth=Authenticator(host, store=NoCredentials()))


def settings_for(lab_host: str) -> Settings:
    return Settings(insecure_registries=(lab_host,))


async def timed_read(class_host: str, lab_host: str) -> dict[str, float]:
    settings = settings_for(lab_host)
    registry = RegistryService(settings, address=class_host, store=NoCredentials())
    service = ClassService(settings, parse_class_ref(f"{class_host}/lab7"), registry=registry)
    start = time.perf_counter()
    marks: dict[str, float] = {}
    rows: dict[str, ClassRow] = {}

    def on_row(row: ClassRow) -> None:
        marks.setdefault("first_row", time.perf_counter() - start)
        rows[row.tag] = row
        if row.served is None:
            marks["all_read"] = time.perf_counter() - start

    try:
        listing = await service.read(on_row)
    finally:
        await service.aclose()
    marks["checked"] = time.perf_counter() - start
    marks["rows"] = len(listing.rows)
    marks["problems"] = sum(1 for r in listing.rows if r.submission.problem)
    marks["flagged"] = sum(1 for r in listing.rows if r.shared)
    marks["gone"] = sum(len(r.served.gone) for r in listing.rows if r.served)
    marks["served"] = sum(r.served.served for r in listing.rows if r.served)
    return marks


async def pane_run(class_host: str, lab_host: str, students: int) -> dict[str, float]:
    from buildtui.app.classroom.app import make_class_app
    from buildtui.app.classroom.pane import ClassPane

    settings = settings_for(lab_host)
    registry = RegistryService(settings, address=class_host, store=NoCredentials())
    service = ClassService(settings, parse_class_ref(f"{class_host}/lab7"), registry=registry)
    app = make_class_app(settings, service, "en")
    marks: dict[str, float] = {}
    lag = 0.0
    async with app.run_test(size=(160, 48)) as pilot:
        start = loop_time = time.perf_counter()
        while time.perf_counter() - start < 60:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            lag = max(lag, now - loop_time - 0.005)
            loop_time = now
            panes = app.screen.query(ClassPane)
            if not panes:
                continue
            pane = panes.first()
            if pane.table.row_count and "first_row" not in marks:
                marks["first_row"] = now - start
            if pane.table.row_count == students and "all_rows" not in marks:
                marks["all_rows"] = now - start
            if not pane.reading and pane.table.row_count == students:
                marks["done"] = now - start
                break
        await pilot.pause()
    marks["lag_ms"] = lag * 1000
    return marks


async def idle_lag(seconds: float) -> float:
    """The longest an idle event loop is late over `seconds` (the floor the machine's
    load sets), in milliseconds."""
    lag = 0.0
    start = last = time.perf_counter()
    while time.perf_counter() - start < seconds:
        await asyncio.sleep(0.005)
        now = time.perf_counter()
        lag = max(lag, now - last - 0.005)
        last = now
    return lag * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="leave the registries running")
    args = parser.parse_args()
    suffix = uuid.uuid4().hex[:6]
    names = [f"reg-class-bench-{suffix}", f"reg-class-bench-lab-{suffix}"]
    try:
        class_host = start_registry(names[0], "127.0.0.1")
        lab_host = start_registry(names[1], bridge_address())
        print(f"class registry {class_host}, lab registry {lab_host} (registry:2)")
        with tempfile.TemporaryDirectory(prefix="buildtui-bench-") as tmp:
            os.environ["XDG_DATA_HOME"] = os.path.join(tmp, "data")
            os.environ["XDG_CONFIG_HOME"] = os.path.join(tmp, "config")
            os.environ["XDG_STATE_HOME"] = os.path.join(tmp, "state")
            base = base_evidence(Path(tmp))

            async def seed() -> tuple[float, float]:
                lab = client_for(lab_host)
                klass = client_for(class_host)
                try:
                    served = await seed_lab(lab, 50)
                    students: list[Evidence] = []
                    for number in range(args.students):
                        before = students[-1] if number % 10 == 9 else None
                        students.append(student_evidence(base, number, lab_host, served, before))
                    start = time.perf_counter()
                    await seed_class(klass, students)
                    return time.perf_counter() - start, sum(
                        len(s.report_md) + len(s.report_html) for s in students
                    )
                finally:
                    await lab.aclose()
                    await klass.aclose()

            seconds, report_bytes = asyncio.run(seed())
            print(
                f"seeded {args.students} submissions in {seconds:.1f} s "
                f"({report_bytes / args.students / 1024:.0f} KiB of reports each, "
                "as students push them, 8 at a time)"
            )
            runs = [asyncio.run(timed_read(class_host, lab_host)) for _ in range(args.runs)]
            # The first listing meets an empty disk cache: every file is fetched. The next
            # ones fetch each manifest, and the files they name come from the cache.
            for key, label in (
                ("first_row", "first row"),
                ("all_read", "every row read (progress, not done, copies)"),
                ("checked", "digests checked too (the list's end)"),
            ):
                again = [run[key] for run in runs[1:]]
                repeat = (
                    f"; again, cache warm: median {statistics.median(again):5.2f} s "
                    f"({', '.join(f'{v:.2f}' for v in again)})"
                    if again
                    else ""
                )
                print(f"  {label:45} first {runs[0][key]:5.2f} s{repeat}")
            last = runs[-1]
            print(
                f"  rows {int(last['rows'])}, refused {int(last['problems'])}, flagged as "
                f"copies {int(last['flagged'])}, digests served {int(last['served'])}, "
                f"gone {int(last['gone'])}"
            )
            env = {**os.environ}
            config = Path(tmp) / "config" / "buildtui"
            config.mkdir(parents=True, exist_ok=True)
            (config / "config.toml").write_text(f'insecure_registries = ["{lab_host}"]\n')
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "buildtui", "class", "ls", f"{class_host}/lab7", "--json"],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            wall = time.perf_counter() - start
            listed = len(json.loads(done.stdout)["submissions"]) if done.returncode == 0 else 0
            print(f"  buildtui class ls --json (a command): {wall:.2f} s, {listed} submissions")
            pane = asyncio.run(pane_run(class_host, lab_host, args.students))
            floor = asyncio.run(idle_lag(pane.get("done", 3.0)))
            print(
                f"  Class pane at 160x48: first row {pane.get('first_row', -1):.2f} s, all "
                f"{args.students} rows {pane.get('all_rows', -1):.2f} s, checked "
                f"{pane.get('done', -1):.2f} s; the event loop late by {pane['lag_ms']:.0f} ms "
                f"at most (an idle loop, as long: {floor:.0f} ms)"
            )
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"  peak RSS of this process: {peak:.0f} MiB")
    finally:
        if not args.keep:
            for name in names:
                subprocess.run(["docker", "rm", "-f", "-v", name], capture_output=True, check=False)


if __name__ == "__main__":
    main()
