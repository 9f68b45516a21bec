"""The files a run leaves behind (the conformance report, JUnit XML, cassettes): checked
before the first request, written in one step, a failure said in one line.

A gate against staging can run for minutes; a mistyped report path or a full disk found
only at the end wastes the run and, worse, turns a conformant target red. So every output
path is tried before anything is sent (:func:`check_writable`: a usage error), and a write
that still fails at the end (the disk filled during the run) is :class:`NotWritten`, which
the plugin reports as one line and exit status :data:`EXIT_NOT_WRITTEN`, apart from a
broken rule. No reader ever sees half a file: :func:`write_atomic` replaces it whole.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

# sysexits' EX_CANTCREAT ("can't create (user) output file"): the target may well be
# conformant, but the gate could not produce the artefacts that say so.
EXIT_NOT_WRITTEN = 73
# A probe write of a few blocks: an empty file can still be created on a full disk.
_PROBE = b"\0" * 8192


class NotWritten(Exception):
    """``what`` could not be written to ``path``; the message is the one line to show."""

    def __init__(self, what: str, path: Path, reason: str) -> None:
        super().__init__(f"{what} {display(path)} cannot be written: {reason}")
        self.what, self.path, self.reason = what, path, reason


def display(path: Path) -> str:
    """``path`` relative to the working folder when it is inside it, else as it is."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def reason(exc: OSError) -> str:
    """The operating system's words for ``exc`` (``No space left on device``), not a traceback."""
    return exc.strerror or type(exc).__name__


def _make_folder(directory: Path, what: str, path: Path) -> None:
    """``directory`` and its parents, as a write would need them; NotWritten naming the part
    of the path that is a file where a folder should be."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocking = next((p for p in (directory, *directory.parents) if p.exists() and not p.is_dir()), directory)
        raise NotWritten(what, path, f"{display(blocking)} is a file, not a folder") from None
    except OSError as exc:
        raise NotWritten(what, path, reason(exc)) from None


def check_writable(path: Path, what: str, *, folder: bool = False) -> None:
    """NotWritten unless a file can be written at ``path`` (into ``path`` when ``folder``),
    creating the missing folders as the write at the end would."""
    directory = path if folder else path.parent
    if not folder and path.is_dir():
        raise NotWritten(what, path, "it is a folder")
    _make_folder(directory, what, path)
    try:
        fd, probe = tempfile.mkstemp(dir=directory, prefix=".genviral-probe-")
        try:
            os.write(fd, _PROBE)
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        raise NotWritten(what, path, reason(exc)) from None


def write_atomic(path: Path, text: str, what: str = "file") -> None:
    """Replace ``path`` with ``text`` in one step: a reader sees the old file or the new one,
    never a part. NotWritten, with the previous file untouched, when it cannot."""
    _make_folder(path.parent, what, path)
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as exc:
        raise NotWritten(what, path, reason(exc)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)  # mkstemp's 0600 would make a committed cassette private
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise NotWritten(what, path, reason(exc)) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
