"""Writing files so that nothing is ever left half written.

Everything twinnet writes goes to a temporary file in the destination's folder
and is renamed over the destination only once complete: a crash or Ctrl-C
midway leaves the old file (or none), never a partial one. (The twins' own
network.save does the same, in code of its own: neither twin may import twinnet.)
"""

import contextlib
import os
import pathlib
import tempfile


@contextlib.contextmanager
def replacing(path, suffix=".tmp"):
    """Yield a temporary path beside ``path``; on success rename it to ``path``, on failure remove it."""
    path = pathlib.Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent.resolve())
    os.close(handle)
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def write_text(path, text):
    with replacing(path) as temporary:
        pathlib.Path(temporary).write_text(text)
