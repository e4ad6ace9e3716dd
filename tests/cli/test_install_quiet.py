"""Installing sovopt prints no setuptools warning (issue 24, item 6).

Before, `project.license` was a TOML table, which setuptools (77 and later) reports as
deprecated four times on every install, and the flat layout's editable install added an
"Editable installation" notice. The test installs a copy of the sources in editable
mode, as `make demo` does, into a throwaway environment and reads pip's stderr.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.paths import REPO

ROOT = REPO


def _setuptools_floor(requires: list[str]) -> tuple[int, ...]:
    """The lower bound of setuptools in the build requirements, as a version tuple."""
    (spec,) = [r for r in requires if r.replace(" ", "").startswith("setuptools>=")]
    return tuple(int(part) for part in spec.split(">=")[1].split("."))


def test_licence_is_an_spdx_expression_that_the_pinned_setuptools_reads() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["project"]["license"] == "MIT"
    # the plain-string SPDX form (PEP 639) is read from setuptools 77.0.0 on
    assert _setuptools_floor(config["build-system"]["requires"]) >= (77,)


def test_editable_install_prints_no_setuptools_warning(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "sovopt", src / "sovopt",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True,
                   timeout=120)
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(fresh / "bin" / "python"),
                           "install", "--quiet", "--no-deps", "-e", str(src)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for word in ("BuildBackendWarning", "SetuptoolsDeprecationWarning", "deprecated",
                 "Editable installation"):
        assert word not in proc.stderr, proc.stderr
    # the install works: the fresh environment imports the copy's package
    where = subprocess.run([str(fresh / "bin" / "python"), "-c",
                            "import sovopt.materials; print(sovopt.materials.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert Path(where.stdout.strip()).is_relative_to(src), where.stderr
