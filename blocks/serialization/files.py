"""Writing files so that nothing the user owns is lost or half-written."""
import errno
import os
import stat


def check_writable_directory(path, caller):
    """Raise unless a file can be created at ``path``.

    Parameters
    ----------
    path : str
        The file to be written.
    caller : str
        Who asks, for the message.

    Raises
    ------
    ValueError
        If the directory of ``path`` does not exist, is not a directory or
        is not writable, or ``path`` is a directory.

    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path)) or os.curdir
    if not os.path.isdir(directory):
        raise ValueError("{}: cannot write {!r}: directory {!r} does not "
                         "exist".format(caller, path, directory))
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ValueError("{}: cannot write {!r}: directory {!r} is not "
                         "writable".format(caller, path, directory))
    if os.path.isdir(path):
        raise ValueError("{}: cannot write {!r}: it is a directory"
                         .format(caller, path))


def _new_file_mode(target):
    """The mode the file would get from open(): its own, or by the umask."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        pass
    try:
        with open('/proc/self/status') as status:
            for line in status:
                if line.startswith('Umask:'):
                    return 0o666 & ~int(line.split()[1], 8)
    except OSError:
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_directory(directory):
    """Make a rename in ``directory`` durable, where the OS allows it."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError as exc:
        # Some file systems cannot sync directories; the rename happened.
        if exc.errno not in (errno.EINVAL, errno.EBADF, errno.ENOTSUP,
                             errno.EROFS):
            raise
    finally:
        os.close(descriptor)
