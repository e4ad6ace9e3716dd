"""Files that are not what they claim, refused in bounded time with the file named:
YAML alias bombs and deep nesting as --objective, a named pipe, a device and
symbolic-link loops as the case."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

import pytest

from sovopt.errors import SovoptError
from sovopt.presets import MAX_ALIASES, MAX_DEPTH, load_preset
from sovopt.workbook.case_reader import read_case
from tests.builders import alias_bomb, few_aliases_bomb


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("text, expected", [
    (alias_bomb(), f"more than {MAX_ALIASES} YAML aliases"),
    (few_aliases_bomb(), "expands to more than"),
    ("levels: " + "[" * 25_000 + "]" * 25_000 + "\n", f"more than {MAX_DEPTH} levels"),
    ("levels: " + "{a: " * 5_000 + "1" + "}" * 5_000 + "\n", f"more than {MAX_DEPTH} levels"),
    ("a: &a [*a]\nlevels: *a\n", "contains itself"),
])
def test_yaml_bombs_are_refused_fast(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(text)
    before = peak_rss_mb()
    t0 = time.perf_counter()
    with pytest.raises(SovoptError, match=expected) as err:
        load_preset(str(path))
    assert time.perf_counter() - t0 < 5
    assert peak_rss_mb() - before < 200
    assert "bomb.yaml" in str(err.value)


def test_alias_bomb_is_over_the_alias_limit() -> None:
    assert alias_bomb().count("*") > MAX_ALIASES
    assert len(alias_bomb(10, 10).encode()) < 1024


def test_preset_that_is_a_pipe_or_too_large(tmp_path: Path) -> None:
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)
    with pytest.raises(SovoptError, match="not a regular file"):
        load_preset(str(fifo))
    big = tmp_path / "big.yaml"
    big.write_text("levels: []\n" + "#" * (1024 * 1024))
    with pytest.raises(SovoptError, match="KB"):
        load_preset(str(big))


def _refused_fast(path: Path, expected: str) -> None:
    t0 = time.perf_counter()
    with pytest.raises(SovoptError, match=expected) as err:
        read_case(path)
    assert time.perf_counter() - t0 < 2
    assert path.name in str(err.value)


def test_named_pipe_as_the_case_is_refused_at_once(tmp_path: Path) -> None:
    """`mkfifo c.xlsx; sovopt validate c.xlsx` never returned: opening a FIFO blocks
    until someone writes to it."""
    fifo = tmp_path / "c.xlsx"
    os.mkfifo(fifo)
    _refused_fast(fifo, "named pipe")


def test_device_as_the_case_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "zero.xlsx"
    link.symlink_to("/dev/zero")
    _refused_fast(link, "device")


def test_symlink_loop_and_dangling_link(tmp_path: Path) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    a.symlink_to(b)
    b.symlink_to(a)
    _refused_fast(a, "loops")
    dangling = tmp_path / "d.xlsx"
    dangling.symlink_to(tmp_path / "gone.xlsx")
    _refused_fast(dangling, "does not exist")
