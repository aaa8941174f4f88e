"""Plain files only: what an evidence package copies in, and what it is made of.

A package must hold exactly the bytes Raqib recorded. A symbolic link or a FIFO planted in
the data dir (or in the staging folder) would pull other bytes in, or hang the export, so
``copy_checked`` opens a stored file without following a link and refuses anything but a
regular file (and a stored path with ``..``), hashing while it copies;
``refuse_special`` walks a folder and refuses any link or special file. ``bagit_path``
works around the ``bagit`` library's habit of searching the whole path for
"tagmanifest-". The bag's ``verify.py`` applies the same rule when checking.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHUNK = 1 << 20


class StoredFileError(Exception):
    """A stored file missing, changed, or not a plain file; the message says which."""


def _open_plain(src: Path) -> Any:
    """``src`` opened for reading if it is a regular file reached without a symbolic link
    (a link or FIFO planted in the data dir must not pull other bytes into a package)."""
    try:
        fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError as exc:
        raise StoredFileError(f"stored file {src} is missing (raqib verify)") from exc
    except OSError as exc:
        raise StoredFileError(f"stored file {src} is a symbolic link or cannot be "
                              f"read ({exc.strerror}); refusing to package it") from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise StoredFileError(f"stored file {src} is not a regular file (device, "
                              "socket or FIFO); refusing to package it")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def copy_checked(data_dir: Path, stored: str, dest: Path, expected: str) -> None:
    """Copy the stored file to ``dest`` while hashing; refuse one that lost its SHA-256, is
    not a plain file or is named outside the data dir."""
    if Path(stored).is_absolute() or ".." in Path(stored).parts:
        raise StoredFileError(f"stored path {stored!r} leads outside the data dir; "
                              "refusing to package it")
    src = Path(data_dir) / stored
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    try:
        with _open_plain(src) as reader, dest.open("wb") as writer:
            for block in iter(lambda: reader.read(CHUNK), b""):
                digest.update(block)
                writer.write(block)
    except FileNotFoundError as exc:
        raise StoredFileError(f"stored file {src} is missing (raqib verify)") from exc
    if digest.hexdigest() != expected:
        raise StoredFileError(f"stored file {src} no longer has its recorded SHA-256 "
                              f"{expected} (raqib verify); refusing to package it")


@contextlib.contextmanager
def bagit_path(folder: Path) -> Iterator[Path]:
    """``folder`` under a neutral name for the ``bagit`` library, which tells a manifest
    from a tag manifest by searching the whole path for "tagmanifest-" (a bag in a folder
    named like one made it fail with ValueError)."""
    with tempfile.TemporaryDirectory(prefix="raqib-bagit-") as tmp:
        neutral = Path(tmp) / "bag"
        neutral.symlink_to(Path(folder).resolve(), target_is_directory=True)
        yield neutral


def refuse_special(root: Path) -> None:
    """A bag holds only plain files and folders: stop at a link or special file."""
    for folder, dirs, names in os.walk(root, followlinks=False):
        for name in dirs + names:
            mode = (Path(folder) / name).lstat().st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                rel = (Path(folder) / name).relative_to(root).as_posix()
                raise StoredFileError(f"{rel} in the package is a symbolic link or "
                                      "special file; refusing to make the package")
