"""Reading the members of a checkpoint archive, bounded and verified.

Nothing is allocated before it is checked: a member larger than the
``max_member_size`` setting is refused, and the header of an ``.npy``
member (its shape and dtype) must agree with the member's size before its
data is read. A member whose digest is known (from a verified signature)
is compared with it.

"""
import contextlib
import hashlib
import io
import math
import zipfile

import numpy

from blocks.config import config
from blocks.serialization.common import CheckpointError
from blocks.serialization.signing import digest_mismatch

too_large_explanation = """\
; members larger than max_member_size ({limit} bytes) are refused before \
anything is allocated. If you trust this file and have the memory, raise \
the limit: config.max_member_size = {needed} in Python, or \
BLOCKS_MAX_MEMBER_SIZE={needed} in the environment"""

# Headers of npy files are short; NumPy itself refuses more than 10000
# bytes unless told otherwise.
_MAX_HEADER_BYTES = 65536


@contextlib.contextmanager
def open_archive(file_handler, source, opener):
    """Open a checkpoint for reading, turning ZIP errors into ours.

    Parameters
    ----------
    file_handler : file or str
        The archive.
    source : str
        Its name, for messages.
    opener : callable
        Opens ``file_handler`` (a path or a file) as a context manager.

    """
    with opener(file_handler, 'rb') as handle:
        try:
            zip_file = zipfile.ZipFile(handle, 'r')
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError,
                ValueError) as exc:
            raise CheckpointError("checkpoint {} is not a readable ZIP "
                                  "archive (truncated or corrupt?): {}"
                                  .format(source, exc)) from exc
        with zip_file:
            yield zip_file


def _info(zip_file, member, source):
    try:
        return zip_file.getinfo(member)
    except KeyError as exc:
        raise CheckpointError("checkpoint {} has no member {!r}".format(
            source, member)) from exc


def _check_size(info, source):
    limit = config.max_member_size
    if info.file_size > limit:
        raise CheckpointError(
            "checkpoint {}: member {!r} holds {} bytes{}".format(
                source, info.filename, info.file_size,
                too_large_explanation.format(limit=limit,
                                             needed=info.file_size)))


def read_member(zip_file, member, source, digest=None):
    """Read a member whole, after checking its declared size.

    Parameters
    ----------
    zip_file : :class:`zipfile.ZipFile`
        The archive.
    member : str
        The member.
    source : str
        The archive's name, for messages.
    digest : str, optional
        The SHA-256 digest the member must have.

    Returns
    -------
    bytearray

    """
    info = _info(zip_file, member, source)
    _check_size(info, source)
    data = bytearray(info.file_size)
    try:
        with zip_file.open(info) as handle:
            view = memoryview(data)
            position = 0
            while position < len(data):
                count = handle.readinto(view[position:])
                if not count:
                    break
                position += count
            if position != len(data) or handle.read(1):
                raise CheckpointError(
                    "checkpoint {}: member {!r} does not hold the {} bytes "
                    "its entry declares".format(source, member, len(data)))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError,
            NotImplementedError) as exc:
        raise CheckpointError("checkpoint {}: member {!r} is corrupt: {}"
                              .format(source, member, exc)) from exc
    if digest is not None and \
            hashlib.sha256(data).hexdigest() != digest:
        raise digest_mismatch(source, member)
    return data


def _parse_npy_header(data, member, source):
    """Return ``(shape, fortran_order, dtype, data offset)``."""
    head = io.BytesIO(bytes(data[:_MAX_HEADER_BYTES]))
    try:
        version = numpy.lib.format.read_magic(head)
        if version == (1, 0):
            shape, fortran_order, dtype = \
                numpy.lib.format.read_array_header_1_0(head)
        elif version == (2, 0):
            shape, fortran_order, dtype = \
                numpy.lib.format.read_array_header_2_0(head)
        else:
            raise ValueError("npy format version {} is not supported"
                             .format(version))
    except (ValueError, EOFError, SyntaxError, TypeError) as exc:
        raise CheckpointError("checkpoint {}: member {!r} is not a valid npy "
                              "array: {}".format(source, member, exc)) \
            from exc
    return shape, fortran_order, dtype, head.tell()


def read_array(zip_file, member, source, digest=None):
    """Read an ``.npy`` member as an array, without unpickling.

    The header is checked before the data is used: object arrays (which
    need unpickling) are refused, and the shape and dtype must account for
    exactly the bytes the member holds.

    Raises
    ------
    CheckpointError
        Naming the member, if it is missing, too large, corrupt or its
        header disagrees with its size.

    """
    info = _info(zip_file, member, source)
    _check_size(info, source)
    # Check the header against the declared size before reading the data.
    try:
        with zip_file.open(info) as handle:
            head = handle.read(min(info.file_size, _MAX_HEADER_BYTES))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError,
            NotImplementedError) as exc:
        raise CheckpointError("checkpoint {}: member {!r} is corrupt: {}"
                              .format(source, member, exc)) from exc
    shape, fortran_order, dtype, offset = _parse_npy_header(head, member,
                                                            source)
    if dtype.hasobject:
        raise CheckpointError("checkpoint {}: member {!r} holds Python "
                              "objects, which cannot be read without "
                              "unpickling".format(source, member))
    expected = math.prod(shape) * dtype.itemsize
    if info.file_size - offset != expected:
        raise CheckpointError(
            "checkpoint {}: member {!r} declares an array of shape {} and "
            "dtype {} ({} bytes of data), but holds {} bytes of data".format(
                source, member, shape, dtype, expected,
                info.file_size - offset))
    data = read_member(zip_file, member, source, digest)
    array = numpy.frombuffer(data, dtype=dtype, count=math.prod(shape),
                             offset=offset)
    return array.reshape(shape, order='F' if fortran_order else 'C')
