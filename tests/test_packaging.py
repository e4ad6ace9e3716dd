"""A plain (non-editable) install solves: a wheel is built from the sources,
installed into a fresh virtual environment and solves the example case there.

Before, the bundled presets lived outside the package, so a wheel install failed
with "bundled preset min_dependence not found at .../site-packages/models/...".
To stay fast the fresh environment borrows the project's installed dependencies
(a .pth line to this environment's site-packages) and the wheel is installed with
--no-deps --no-index; the sovopt it runs is the wheel's, which the test checks.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _copy_sources(dest: Path) -> Path:
    """The files a wheel is built from (no caches, no venv, no build leftovers)."""
    src = dest / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "sovopt", src / "sovopt",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return src


def test_wheel_installs_and_solves_the_example(tmp_path: Path) -> None:
    src = _copy_sources(tmp_path)
    dist = tmp_path / "dist"
    pip = [sys.executable, "-m", "pip"]
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run([*pip, "wheel", "--no-deps", "-q", "-w", str(dist), str(src)],
                   check=True, capture_output=True, env=env, timeout=300)
    (wheel,) = dist.glob("sovopt-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for preset in ("min_dependence", "min_cost", "balanced"):
        assert f"sovopt/presets/{preset}.yaml" in names

    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True,
                   timeout=120)
    python = fresh / "bin" / "python"
    site = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip())
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", "--no-index", "-q",
                    str(wheel)], check=True, capture_output=True, env=env, timeout=300)

    work = tmp_path / "work"
    work.mkdir()
    where = subprocess.run([str(python), "-c", "import sovopt; print(sovopt.__file__)"],
                           cwd=work, check=True, capture_output=True, text=True).stdout
    assert Path(where.strip()).is_relative_to(site), where
    sovopt = fresh / "bin" / "sovopt"
    run_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}
    run_env["SOVOPT_STORE"] = str(work / "store")
    subprocess.run([str(sovopt), "example", "case.xlsx"], cwd=work, check=True,
                   capture_output=True, env=run_env, timeout=120)
    proc = subprocess.run([str(sovopt), "solve", "case.xlsx", "--objective", "min_cost",
                           "--time-limit", "20", "--json"], cwd=work, capture_output=True,
                          text=True, env=run_env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["status"] in ("optimal", "time_limit")
    assert summary["total_cost"] > 0
    assert (work / "case.results.xlsx").is_file()

    # the raw-material extract is package data: the wheel's sovopt reads it offline
    for part in ("trade.csv.gz", "production.csv.gz", "wgi.csv.gz", "countries.csv",
                 "materials.csv", "memberships.csv", "source.json", "README.md"):
        assert f"sovopt/materials/data/{part}" in names
    proc = subprocess.run([str(sovopt), "materials", "profile", "--importer", "POL",
                           "--material", "tungsten", "--year", "2022", "--json"], cwd=work,
                          capture_output=True, text=True, env=run_env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    from sovopt.materials.profiles import make_profile

    assert json.loads(proc.stdout)["import_risk"] == make_profile("POL", "tungsten",
                                                                  2022)[0].import_risk
