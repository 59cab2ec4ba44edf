"""The provisioning script's Debian mirror comes from the machine's own apt sources.

`debian_source` (src/buildtui/engine/apt-sources.sh) runs under bash, on temporary
sources files in both of apt's formats.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

import buildtui.engine

LIBRARY = Path(buildtui.engine.__file__).parent / "apt-sources.sh"
REPO = Path(__file__).resolve().parents[3]
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"


def debian_source(
    tmp_path: Path,
    sources_list: str | None = None,
    parts: dict[str, str] | None = None,
    codename: str = "bookworm",
) -> subprocess.CompletedProcess[str]:
    etc = tmp_path / "apt"
    parts_dir = etc / "sources.list.d"
    parts_dir.mkdir(parents=True)
    if sources_list is not None:
        (etc / "sources.list").write_text(sources_list)
    for name, text in (parts or {}).items():
        (parts_dir / name).write_text(text)
    call = 'set -euo pipefail; . "$1"; debian_source "$2" "$3" "$4"'
    files = [str(etc / "sources.list"), f"{parts_dir}/"]
    return subprocess.run(
        ["bash", "-c", call, "bash", str(LIBRARY), *files, codename],
        capture_output=True,
        text=True,
        check=False,
    )


def found(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_one_line_entry_keeps_signed_by_and_drops_the_other_options(tmp_path: Path) -> None:
    sources = (
        "# deb http://old.example/debian bookworm main\n"
        "deb-src http://src.example/debian bookworm main\n"
        f"deb [ arch=amd64 signed-by={KEYRING} ] http://mirror.example/debian bookworm main"
        " contrib  # the site's mirror\n"
    )
    assert (
        found(debian_source(tmp_path, sources))
        == f"[signed-by={KEYRING}] http://mirror.example/debian"
    )


def test_one_line_entry_without_options_is_the_uri_alone(tmp_path: Path) -> None:
    sources = "deb http://cache.example:3142/debian/ bookworm main\n"
    assert found(debian_source(tmp_path, sources)) == "http://cache.example:3142/debian/"


def test_deb822_stanza_ignores_comments_and_takes_the_first_uri(tmp_path: Path) -> None:
    stanza = (
        "Types: deb\n"
        "# http://snapshot.example/archive/debian/20250520T000000Z\n"
        "URIs: http://mirror.example/debian http://second.example/debian\n"
        "Suites: bookworm bookworm-updates\n"
        "Components: main\n"
        f"Signed-By: {KEYRING}\n"
        "\n"
        "Types: deb\n"
        "URIs: http://mirror.example/debian-security\n"
        "Suites: bookworm-security\n"
        "Components: main\n"
    )
    result = debian_source(tmp_path, parts={"debian.sources": stanza})
    assert found(result) == f"[signed-by={KEYRING}] http://mirror.example/debian"


def test_file_and_cdrom_entries_are_skipped(tmp_path: Path) -> None:
    sources = "deb cdrom:[Debian GNU/Linux 12.0.0 _Bookworm_]/ bookworm main\n"
    stanza = (
        "types: deb\n"
        "uris: file:///srv/debian https://mirror.example/debian\n"
        "suites: bookworm\n"
        "components: main non-free-firmware\n"
    )
    result = debian_source(tmp_path, sources, {"local.sources": stanza})
    assert found(result) == "https://mirror.example/debian"


def test_disabled_stanzas_and_source_only_types_are_skipped(tmp_path: Path) -> None:
    stanzas = (
        "Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\nComponents: main\n"
        "Enabled: no\n\n"
        "Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\nComponents: main\n\n"
        "Types: deb deb-src\nURIs: http://on.example/debian\nSuites: bookworm\n"
        "Components: main\n"
    )
    result = debian_source(tmp_path, parts={"debian.sources": stanzas})
    assert found(result) == "http://on.example/debian"


def test_debian_signed_entry_beats_an_earlier_vendor_repository(tmp_path: Path) -> None:
    parts = {
        "a-vendor.list": "deb [signed-by=/usr/share/keyrings/vendor.gpg] https://vendor.example/apt"
        " bookworm main\n",
        "b-other.list": "deb http://other.example/debian bookworm main\n",
        "debian.sources": "Types: deb\nURIs: http://mirror.example/pool\nSuites: bookworm\n"
        f"Components: main\nSigned-By: {KEYRING}\n",
    }
    result = debian_source(tmp_path, parts=parts)
    assert found(result) == f"[signed-by={KEYRING}] http://mirror.example/pool"


def test_without_a_debian_keyring_a_uri_ending_in_debian_wins(tmp_path: Path) -> None:
    parts = {
        "a-vendor.list": "deb https://vendor.example/apt bookworm main\n",
        "b-site.list": "deb http://mirror.example/debian bookworm main\n",
    }
    assert found(debian_source(tmp_path, parts=parts)) == "http://mirror.example/debian"


def test_sources_list_comes_before_its_directory(tmp_path: Path) -> None:
    result = debian_source(
        tmp_path,
        "deb http://first.example/debian bookworm main\n",
        {"debian.list": "deb http://second.example/debian bookworm main\n"},
    )
    assert found(result) == "http://first.example/debian"


def test_trusted_is_kept_and_an_embedded_key_is_not(tmp_path: Path) -> None:
    stanza = (
        "Types: deb\nURIs: http://mirror.example/debian\nSuites: trixie\nComponents: main\n"
        "Trusted: yes\n"
        "Signed-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n mQINBGPL\n"
        " -----END PGP PUBLIC KEY BLOCK-----\n"
    )
    result = debian_source(tmp_path, parts={"site.sources": stanza}, codename="trixie")
    assert found(result) == "[trusted=yes] http://mirror.example/debian"


def test_a_release_alias_counts_when_the_codename_is_absent(tmp_path: Path) -> None:
    result = debian_source(tmp_path, "deb http://mirror.example/debian stable main\n")
    assert found(result) == "http://mirror.example/debian"


@pytest.mark.parametrize(
    "sources",
    [
        "",
        "# deb http://mirror.example/debian bookworm main\n",
        "deb http://mirror.example/debian-security bookworm-security main\n"
        "deb http://mirror.example/debian bookworm-updates main\n",
        "deb http://mirror.example/debian bookworm contrib\n",
        "deb http://mirror.example/debian trixie main\n",
        "deb file:///srv/debian bookworm main\n",
    ],
)
def test_no_usable_source_is_a_clear_error(tmp_path: Path, sources: str) -> None:
    result = debian_source(tmp_path, sources)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "no apt source for Debian's bookworm suite" in result.stderr
    assert str(tmp_path / "apt" / "sources.list") in result.stderr


def test_no_sources_files_at_all_is_the_same_error(tmp_path: Path) -> None:
    result = debian_source(tmp_path)
    assert result.returncode == 1
    assert "add the Debian mirror this site uses" in result.stderr


def test_the_provisioning_script_takes_its_mirror_from_the_machine() -> None:
    script = (LIBRARY.parent / "provision-engine.sh").read_text()
    assert "apt-sources.sh" in script
    assert 'debian_source "${list:-/etc/apt/sources.list}"' in script
    assert not re.search(r"\b(https?|ftp)://", script)


# A mirror host named in the repository would be used by every site, mirror or not.
MIRROR_HOST = re.compile(r"debian" r"\.org|\bftp\.[a-z]{2}\.|mirrors?\.[a-z0-9-]+\.(org|net|com)\b")


SUFFIXES = {".py", ".sh", ".md", ".toml", ".po", ".txt", ".cfg"}


def test_no_mirror_host_is_named_in_the_repository() -> None:
    paths = [REPO / "README.md", REPO / "pyproject.toml"]
    for folder in ("src", "scripts", "tests", "docs", "bench"):
        paths += [p for p in (REPO / folder).rglob("*") if p.suffix in SUFFIXES and p.is_file()]
    named = [
        f"{path.relative_to(REPO)}: {match.group(0)}"
        for path in paths
        for match in MIRROR_HOST.finditer(path.read_text(errors="replace"))
    ]
    assert named == []
