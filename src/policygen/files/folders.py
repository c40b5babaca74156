"""Files written into one folder and nowhere else: no symbolic link inside it is ever followed.

:class:`Folder` holds the folder open (a directory file descriptor) and names every file relative to
it, so that renaming or replacing the folder's path later cannot redirect a write. Every file is
opened with ``O_NOFOLLOW``: a symbolic link planted under a file's name is refused on reading and
replaced (never followed) on writing. A write goes to a new temporary file in the same folder,
flushed to disk, then renamed over the name (``rename`` is atomic, and replaces a link itself), so a
reader sees the old file or the new one, never half of one.

``policygen fetch --out`` (:mod:`policygen.cli.follow`) and the endpoint's state folder
(:mod:`policygen.emulator.state`) both write through it. POSIX only (``dir_fd``), as the rest of
policygen.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path
from types import TracebackType

from policygen.errors import FileTakenError, InvalidArgumentError, UnsafeFileError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class Folder:
    """A folder opened once; files are read and written relative to it, never through a link.

    ``Folder(path, create=True)`` creates the folder (and its parents) when missing. The folder's own
    path may be a link the caller chose; links *inside* it are never followed. Use it as a context
    manager, or call :meth:`close`.
    """

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self.path = Path(path)
        if create:
            self.path.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | _CLOEXEC)

    def close(self) -> None:
        """Close the folder's descriptor; safe to call twice."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> Folder:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def open_file(self, name: str, flags: int, mode: int = 0o644) -> int:
        """``os.open`` of ``name`` in the folder, never through a link (``ELOOP`` when it is one)."""
        _check_name(name)
        return os.open(name, flags | _NOFOLLOW | _CLOEXEC, mode, dir_fd=self.fd)

    def read(self, name: str, limit: int) -> bytes | None:
        """The bytes of the regular file ``name`` (None when there is none); OSError past ``limit`` bytes.

        A link, a pipe or a device under the name is refused (``ELOOP``/``EINVAL``), not read.
        """
        try:
            fd = self.open_file(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except FileNotFoundError:
            return None
        with os.fdopen(fd, "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                raise UnsafeFileError(errno.EINVAL, "not a regular file", str(self.path / name))
            data = stream.read(limit + 1)
        if len(data) > limit:
            raise UnsafeFileError(errno.EFBIG, f"larger than {limit:,} bytes", str(self.path / name))
        return data

    def write(self, name: str, data: bytes, *, replace: bool) -> None:
        """Write ``data`` to ``name`` atomically; with ``replace`` False, raise :class:`FileTakenError` if taken.

        With ``replace``, whatever is under the name (a file, a link) is replaced by a rename, never
        written through. Without it, the new file is hard-linked to the name, which fails when the
        name is taken, so a file that appears meanwhile is never overwritten either.
        """
        _check_name(name)
        temporary = f".{name}.{secrets.token_hex(6)}.tmp"
        fd = self.open_file(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            if replace:
                os.replace(temporary, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
            else:
                try:
                    os.link(temporary, name, src_dir_fd=self.fd, dst_dir_fd=self.fd, follow_symlinks=False)
                except FileExistsError as exc:
                    raise FileTakenError(errno.EEXIST, "file exists", str(self.path / name)) from exc
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=self.fd)
        with contextlib.suppress(OSError):  # some file systems cannot fsync a folder
            os.fsync(self.fd)

    def exists(self, name: str) -> bool:
        """Whether anything (a file, a link, even a dangling one) has this name in the folder."""
        _check_name(name)
        try:
            os.stat(name, dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return False
        return True


def _check_name(name: str) -> None:
    """A name of one entry of the folder: no separator, not ``.`` or ``..``."""
    if not name or "/" in name or "\0" in name or name in {".", ".."}:
        raise InvalidArgumentError(f"{name!r} is not the name of a file in a folder.")
