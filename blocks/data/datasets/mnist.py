"""The MNIST handwritten digits, read from the original IDX files."""
import gzip
import os
import struct
from collections.abc import Sequence

import aesara
import numpy

from blocks.config import ConfigurationError, config
from blocks.data.datasets.base import (
    LazyIndexableDataset, check_subset, check_which_sets)
from blocks.data.transformers import Cast, ScaleAndShift

MNIST_FILES = {
    'train': ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
    'test': ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'),
}

MISSING_FILE = """\
MNIST: cannot find {name!r} (nor {name!r}.gz) in {directories}.
MNIST reads the four IDX files of the MNIST database
    train-images-idx3-ubyte  train-labels-idx1-ubyte
    t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte
(each optionally gzipped, as distributed) from the directory named by
blocks.config.config.data_path (the environment variable BLOCKS_DATA_PATH
or `data_path` in ~/.blocksrc), or from its `mnist` subdirectory."""

NO_DATA_PATH = """\
MNIST: blocks.config.config.data_path is not set. Set the environment
variable BLOCKS_DATA_PATH (or `data_path` in ~/.blocksrc) to the directory
holding the MNIST IDX files (train-images-idx3-ubyte, ...) or a `mnist`
subdirectory with them."""

_IDX_TYPES = {0x08: numpy.uint8, 0x09: numpy.int8, 0x0B: numpy.dtype('>i2'),
              0x0C: numpy.dtype('>i4'), 0x0D: numpy.dtype('>f4'),
              0x0E: numpy.dtype('>f8')}


def _open(path):
    if path.endswith('.gz'):
        return gzip.open(path, 'rb')
    return open(path, 'rb')


def _read_header(handle, path):
    magic = handle.read(4)
    if len(magic) != 4 or magic[:2] != b'\x00\x00' or \
            magic[2] not in _IDX_TYPES:
        raise ValueError("MNIST: {} is not an IDX file (it starts with {!r})"
                         .format(path, magic))
    num_dimensions = magic[3]
    dims_bytes = handle.read(4 * num_dimensions)
    if len(dims_bytes) != 4 * num_dimensions:
        raise ValueError("MNIST: {} is truncated in its header"
                         .format(path))
    shape = struct.unpack('>' + 'I' * num_dimensions, dims_bytes)
    return numpy.dtype(_IDX_TYPES[magic[2]]), shape


def read_idx_header(path):
    """Return the data type and shape recorded in an IDX file's header.

    Parameters
    ----------
    path : str
        The file, gzipped if its name ends with ``.gz``.

    Returns
    -------
    tuple
        ``(dtype, shape)``.

    """
    with _open(path) as handle:
        return _read_header(handle, path)


def read_idx(path):
    """Read an array from an IDX file (the format of the MNIST files).

    Parameters
    ----------
    path : str
        The file, gzipped if its name ends with ``.gz``.

    Returns
    -------
    numpy.ndarray
        The array, with the shape and type recorded in the file.

    """
    with _open(path) as handle:
        dtype, shape = _read_header(handle, path)
        payload = bytearray(handle.read())
    expected = int(numpy.prod(shape, dtype=numpy.int64)) * dtype.itemsize
    if len(payload) != expected:
        raise ValueError("MNIST: {} should hold {} bytes of data after its "
                         "header for shape {}, found {}".format(
                             path, expected, shape, len(payload)))
    array = numpy.frombuffer(payload, dtype=dtype).reshape(shape)
    return array.astype(dtype.newbyteorder('='), copy=False)


def _data_directories():
    try:
        data_path = config.data_path
    except ConfigurationError as exc:
        raise ConfigurationError(NO_DATA_PATH) from exc
    directories = []
    for entry in data_path.split(os.pathsep):
        if entry:
            entry = os.path.expanduser(entry)
            directories.extend([os.path.join(entry, 'mnist'), entry])
    return directories


def _find_file(name, directories):
    for directory in directories:
        for candidate in (name, name + '.gz'):
            path = os.path.join(directory, candidate)
            if os.path.isfile(path):
                return path
    raise FileNotFoundError(MISSING_FILE.format(
        name=name, directories=', '.join(directories)))


class MNIST(LazyIndexableDataset):
    """The MNIST database of handwritten digits.

    70,000 grayscale images of 28 by 28 pixels (60,000 for training,
    10,000 for testing), each labelled with the digit, 0 to 9, it shows.

    Parameters
    ----------
    which_sets : tuple of str
        ``('train',)``, ``('test',)``, or both (concatenated in the order
        given).
    subset : slice or sequence of int, optional
        Keep only these examples (indices into the concatenated sets).
    sources : tuple of str, optional
        A subset of ``('features', 'targets')``.

    Notes
    -----
    The data is read from the four IDX files of the MNIST database
    (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each
    optionally gzipped with a ``.gz`` suffix), looked up in the directory
    ``config.data_path`` names, first in its ``mnist`` subdirectory.
    ``data_path`` may list several directories separated by ``os.pathsep``.
    The headers are checked when the dataset is built; the pixels are
    read the first time data is requested, and are not pickled.

    Sources:

    ``features``
        ``uint8`` array of shape ``(N, 1, 28, 28)``, pixel intensities from
        0 to 255, axis labels ``('batch', 'channel', 'height', 'width')``.
    ``targets``
        ``uint8`` array of shape ``(N, 1)``, the digits, axis labels
        ``('batch', 'index')``.

    :meth:`~blocks.data.streams.DataStream.default_stream` scales the
    features to [0, 1] and casts them to ``floatX``.

    """
    provides_sources = ('features', 'targets')

    def __init__(self, which_sets: tuple[str, ...],
                 subset: slice | Sequence[int] | None = None,
                 sources: tuple[str, ...] | None = None):
        self.which_sets = check_which_sets('MNIST', which_sets,
                                           tuple(MNIST_FILES))
        directories = _data_directories()
        self.files = []
        total = 0
        for which_set in self.which_sets:
            images_file, labels_file = (
                _find_file(name, directories)
                for name in MNIST_FILES[which_set])
            images_type, images_shape = read_idx_header(images_file)
            labels_type, labels_shape = read_idx_header(labels_file)
            if images_type != numpy.uint8 or len(images_shape) != 3:
                raise ValueError("MNIST: {} should hold a 3-dimensional "
                                 "uint8 array of images, found a {} array "
                                 "of shape {}".format(images_file,
                                                      images_type,
                                                      images_shape))
            if labels_type != numpy.uint8 or len(labels_shape) != 1:
                raise ValueError("MNIST: {} should hold a 1-dimensional "
                                 "uint8 array of labels, found a {} array "
                                 "of shape {}".format(labels_file,
                                                      labels_type,
                                                      labels_shape))
            if images_shape[0] != labels_shape[0]:
                raise ValueError("MNIST: {} holds {} images but {} holds {} "
                                 "labels".format(images_file,
                                                 images_shape[0],
                                                 labels_file,
                                                 labels_shape[0]))
            total += images_shape[0]
            self.files.append((images_file, labels_file))
        self.subset = check_subset('MNIST', subset, total)
        self._num_examples = len(range(total)[self.subset]) if isinstance(
            self.subset, slice) else len(self.subset)
        super().__init__(
            sources=sources,
            axis_labels={
                'features': ('batch', 'channel', 'height', 'width'),
                'targets': ('batch', 'index')})

    @property
    def default_transformers(self):
        if 'features' not in self.sources:
            return ()
        return ((ScaleAndShift, [1 / 255.0, 0],
                 {'which_sources': ('features',)}),
                (Cast, [aesara.config.floatX],
                 {'which_sources': ('features',)}))

    @property
    def num_examples(self):
        return self._num_examples

    def load(self):
        images, labels = [], []
        for images_file, labels_file in self.files:
            set_images = read_idx(images_file)
            images.append(set_images.reshape(
                (set_images.shape[0], 1) + set_images.shape[1:]))
            labels.append(read_idx(labels_file).reshape((-1, 1)))
        features = numpy.concatenate(images)[self.subset]
        targets = numpy.concatenate(labels)[self.subset]
        return [features, targets]
