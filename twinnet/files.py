"""Writing files so that nothing is ever left half written, and checking first that they can be.

Everything twinnet writes goes to a temporary file in the destination's folder
and is renamed over the destination only once complete: a crash or Ctrl-C
midway leaves the old file (or none), never a partial one. The file gets the
mode the umask gives any new file (0666 & ~umask, usually 0644), not the 0600
of a temporary file, and an error names the destination, never the hidden
temporary file. (The twins' own network.save does the same, in code of its
own: neither twin may import twinnet.)

:func:`unwritable` says, before any work starts, why a path could not be
written, so that a command can refuse at once instead of after an hour of
training.
"""

import contextlib
import errno
import os
import pathlib
import tempfile


def new_file_mode():
    """The mode a new file gets from the umask: 0666 & ~umask (the umask can only be read by setting it)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _naming(error, path):
    """The same OSError, naming ``path`` instead of a temporary file."""
    if error.errno is None:
        return error
    return type(error)(error.errno, error.strerror, os.fspath(path))


@contextlib.contextmanager
def replacing(path, suffix=".tmp"):
    """Yield a temporary path beside ``path``; on success rename it to ``path``, on failure remove it.

    The file at ``path`` gets the umask's mode for a new file; an OSError names ``path``.
    """
    path = pathlib.Path(path)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent.resolve())
    except OSError as error:
        raise _naming(error, path) from None
    try:
        try:
            os.fchmod(handle, new_file_mode())
        finally:
            os.close(handle)
        yield temporary
        os.replace(temporary, path)
    except OSError as error:
        _remove(temporary)
        if str(temporary) in (str(error.filename), str(error.filename2)):
            raise _naming(error, path) from None
        raise
    except BaseException:
        _remove(temporary)
        raise


def _remove(temporary):
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary)


def write_text(path, text):
    with replacing(path) as temporary:
        pathlib.Path(temporary).write_text(text)


def unwritable(path):
    """Why a file could not be written at ``path`` (a few words), or None when it can.

    Tried for real: a temporary file is created in the folder and removed, so a
    read-only mount or a folder such as /sys is found out too.
    """
    path = pathlib.Path(path)
    if path.name in ("", ".", ".."):
        return "that is a folder, not a file name"
    if path.is_dir():
        return "that is a folder"
    folder = path.parent
    if not folder.exists():
        return f"there is no folder {folder}" if str(folder) != "." else "no such folder"
    if not folder.is_dir():
        return f"{folder} is not a folder"
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".check", dir=folder)
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return f"the folder {folder} is not writable ({reason})"
        return f"cannot create a file in {folder} ({reason})"
    os.close(handle)
    os.unlink(temporary)
    return None
