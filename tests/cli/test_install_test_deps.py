"""tools/install_test_deps.sh, the first step of `make test` (issue 24, item 1): what it
decides on a machine that has, or lacks, the programs the tests drive.

Each case runs the real script under bash with a PATH of fakes only: the programs
present (soffice, pdftotext, chromium, initdb), ``id`` saying who runs it, ``sudo``
(absent, asking for a password, or passwordless) and an ``apt-get`` that records its
calls instead of installing. POSTGRESQL_LIB points at an empty folder, so a
PostgreSQL of this machine does not count.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.paths import REPO

SCRIPT = REPO / "tools" / "install_test_deps.sh"
PROGRAMS = {"soffice": "libreoffice-calc-nogui", "pdftotext": "poppler-utils",
            "chromium": "chromium", "initdb": "postgresql"}


def _fake(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/bash\n" + body + "\n")
    path.chmod(0o755)


def _run(tmp_path: Path, present: set[str], uid: int, sudo: str | None,
         apt_fails: bool = False) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """The script with ``present`` on PATH, run by ``uid``; ``sudo`` None (not
    installed), "password" (sudo -n refuses) or "free" (passwordless). Returns the
    process and apt-get's recorded calls (one line each, with any sudo prefix)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for program in present:
        _fake(bin_dir, program, "exit 0")
    _fake(bin_dir, "id", f'[ "$1" = "-u" ] && echo {uid}')
    os.symlink(shutil.which("env"), bin_dir / "env")
    _fake(bin_dir, "apt-get", f'echo "${{SUDOED:+sudo }}apt-get $*'
                              f'${{DEBIAN_FRONTEND:+ [$DEBIAN_FRONTEND]}}" >> {log}\n'
                              + ("exit 100" if apt_fails else "exit 0"))
    if sudo == "password":
        _fake(bin_dir, "sudo", 'echo "sudo: a password is required" >&2; exit 1')
    elif sudo == "free":
        _fake(bin_dir, "sudo", '[ "$1" = "-n" ] && shift; [ "$1" = "true" ] && exit 0\n'
                               'SUDOED=1 exec "$@"')
    (tmp_path / "pglib").mkdir(exist_ok=True)
    env = {"PATH": str(bin_dir), "POSTGRESQL_LIB": str(tmp_path / "pglib"), "HOME": str(tmp_path)}
    proc = subprocess.run([shutil.which("bash"), str(SCRIPT)], capture_output=True, text=True,
                          env=env, timeout=60)
    calls = log.read_text().splitlines() if log.exists() else []
    return proc, calls


def test_nothing_missing_does_nothing(tmp_path: Path) -> None:
    proc, calls = _run(tmp_path, set(PROGRAMS), uid=1000, sudo=None)
    assert proc.returncode == 0 and proc.stderr == "" and proc.stdout == ""
    assert calls == []


@pytest.mark.parametrize("sudo", [None, "password"])
def test_a_user_without_sudo_gets_one_line_of_what_to_install(tmp_path: Path,
                                                              sudo: str | None) -> None:
    proc, calls = _run(tmp_path, {"pdftotext", "initdb"}, uid=1000, sudo=sudo)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "make test needs libreoffice-calc-nogui chromium: run 'sudo apt-get install "
        "libreoffice-calc-nogui chromium' (or run make test as root), then make test again."]
    assert calls == []


def test_root_installs_what_is_missing(tmp_path: Path) -> None:
    proc, calls = _run(tmp_path, {"chromium"}, uid=0, sudo=None)
    assert proc.returncode == 0, proc.stderr
    missing = "libreoffice-calc-nogui poppler-utils postgresql"
    assert proc.stderr.splitlines() == [
        f"make test: installing {missing} (Debian packages the tests use)"]
    assert calls == ["apt-get update -qq",
                     f"apt-get install -y -qq --no-install-recommends {missing} "
                     "fonts-dejavu-core [noninteractive]"]


def test_a_passwordless_sudo_installs_through_sudo(tmp_path: Path) -> None:
    proc, calls = _run(tmp_path, {"soffice", "pdftotext", "initdb"}, uid=1000, sudo="free")
    assert proc.returncode == 0, proc.stderr
    assert calls == ["sudo apt-get update -qq",
                     "sudo apt-get install -y -qq --no-install-recommends chromium "
                     "fonts-dejavu-core [noninteractive]"]


def test_a_failed_install_says_so_in_one_line(tmp_path: Path) -> None:
    proc, calls = _run(tmp_path, {"soffice", "chromium", "initdb"}, uid=0, sudo=None,
                       apt_fails=True)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == (
        "make test: apt-get could not install poppler-utils; install them by hand, then "
        "make test again.")
    assert calls == ["apt-get update -qq"]


def test_postgresql_found_where_debian_keeps_it(tmp_path: Path) -> None:
    """initdb is not on PATH on Debian: /usr/lib/postgresql/N/bin/initdb counts."""
    pg = tmp_path / "pglib" / "15" / "bin"
    pg.mkdir(parents=True)
    _fake(pg, "initdb", "exit 0")
    proc, calls = _run(tmp_path, {"soffice", "pdftotext", "chromium"}, uid=1000, sudo=None)
    assert proc.returncode == 0 and calls == []
