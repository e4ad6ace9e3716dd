"""Atomic saves: the earlier file survives any failure, and no temporary file is left."""

from __future__ import annotations

import errno
import os
import stat

import openpyxl
import pytest

from sovopt.errors import SovoptError
from sovopt.workbook import atomic
from sovopt.workbook.atomic import save_workbook_atomic, temp_files, write_bytes_atomic

OLD = b"the earlier results, still needed"


def _workbook(text: str = "new") -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    wb.active["A1"] = text
    return wb


def test_save_writes_a_readable_workbook(tmp_path):
    target = tmp_path / "out.xlsx"
    target.write_bytes(OLD)
    assert save_workbook_atomic(_workbook(), target) == target
    assert openpyxl.load_workbook(target).active["A1"].value == "new"
    assert temp_files(tmp_path) == []


def test_failure_midway_keeps_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "out.xlsx"
    target.write_bytes(OLD)
    wb = _workbook()

    def save_half_then_fail(fh):
        fh.write(b"PK\x03\x04 half a zip")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(wb, "save", save_half_then_fail)
    with pytest.raises(SovoptError, match="disk is full") as info:
        save_workbook_atomic(wb, target)
    assert "unchanged" in str(info.value)
    assert target.read_bytes() == OLD
    assert temp_files(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


def test_locked_target_gives_a_clear_error(tmp_path, monkeypatch):
    target = tmp_path / "out.xlsx"
    target.write_bytes(OLD)

    def locked(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied", str(dst))

    monkeypatch.setattr(atomic.os, "replace", locked)
    with pytest.raises(SovoptError, match="open in Excel"):
        save_workbook_atomic(_workbook(), target)
    assert target.read_bytes() == OLD
    assert temp_files(tmp_path) == []


def test_interrupt_removes_the_temp_file_and_propagates(tmp_path, monkeypatch):
    target = tmp_path / "out.xlsx"
    target.write_bytes(OLD)
    wb = _workbook()

    def interrupted(fh):
        fh.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(wb, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_workbook_atomic(wb, target)
    assert target.read_bytes() == OLD
    assert temp_files(tmp_path) == []


def test_missing_folder_and_folder_target(tmp_path):
    with pytest.raises(SovoptError, match="does not exist"):
        save_workbook_atomic(_workbook(), tmp_path / "nope" / "out.xlsx")
    (tmp_path / "dir.xlsx").mkdir()
    with pytest.raises(SovoptError, match="is a folder"):
        save_workbook_atomic(_workbook(), tmp_path / "dir.xlsx")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs POSIX permissions and a non-root user")
def test_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(SovoptError, match="permission denied"):
            save_workbook_atomic(_workbook(), folder / "out.xlsx")
    finally:
        folder.chmod(0o700)


def test_write_bytes_keeps_the_old_permissions(tmp_path):
    target = tmp_path / "data.bin"
    target.write_bytes(OLD)
    target.chmod(0o640)
    write_bytes_atomic(b"new bytes", target)
    assert target.read_bytes() == b"new bytes"
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_new_file_is_not_private(tmp_path):
    target = write_bytes_atomic(b"x", tmp_path / "new.bin")
    if os.name == "posix":
        umask = os.umask(0)
        os.umask(umask)
        assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
