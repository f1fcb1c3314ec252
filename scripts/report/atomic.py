"""Whole-or-nothing writes: a reader (or a browser) never sees half a report."""
import os
import tempfile


def write_atomic(path, data):
    """Writes str or bytes to a temporary file next to `path`, then renames it over `path`.

    The temporary file is in the same directory so that os.replace is a rename on one file system.
    """
    directory = os.path.dirname(os.path.abspath(path))
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; a report is meant to be read
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
