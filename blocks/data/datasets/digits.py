"""The 8x8 handwritten digits bundled with scikit-learn."""
from collections.abc import Sequence

import aesara
import numpy

from blocks.data.datasets.base import (
    LazyIndexableDataset, check_subset, check_which_sets)

NUM_TRAIN = 1500
NUM_EXAMPLES = 1797
# The split draws examples in a fixed random order, so that both sets mix
# writers: scikit-learn's copy is ordered by writer, and its last 297
# examples are harder than the rest. Legacy RandomState streams are stable
# across NumPy versions, so the order is the same everywhere.
SPLIT_SEED = 0

NO_SKLEARN = """\
Digits: the digits are read from scikit-learn's bundled copy, but
scikit-learn cannot be imported. Install it with `pip install scikit-learn`
(it is part of the project's `test` and `examples` extras)."""


def _sklearn_load_digits():
    """Return :func:`sklearn.datasets.load_digits`, imported on demand."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise ImportError(NO_SKLEARN) from exc
    return load_digits


class Digits(LazyIndexableDataset):
    """The handwritten digits of the UCI "Optical Recognition" dataset.

    1797 grayscale images of 8 by 8 pixels, each labelled with the digit,
    0 to 9, it shows. The data ships with scikit-learn
    (:func:`sklearn.datasets.load_digits`), so nothing is downloaded; it
    is small enough for tests, examples and quick experiments.

    Parameters
    ----------
    which_sets : tuple of str
        ``('train',)``, ``('test',)``, or both (concatenated in the order
        given). The split is fixed: the examples are put in the order of
        ``numpy.random.RandomState(0).permutation(1797)``; the first 1500
        of that order are ``'train'`` and the remaining 297 ``'test'``.
    subset : slice or sequence of int, optional
        Keep only these examples (indices into the concatenated sets).
    sources : tuple of str, optional
        A subset of ``('features', 'targets')``.

    Notes
    -----
    Sources:

    ``features``
        ``floatX`` array of shape ``(N, 64)``, the pixels in row-major
        order, scaled from 0..16 to [0, 1]; axis labels
        ``('batch', 'feature')``.
    ``targets``
        ``uint8`` array of shape ``(N, 1)``, the digits; axis labels
        ``('batch', 'index')``.

    The arrays are built on first use and are not pickled.

    Examples
    --------
    >>> train = Digits(('train',))
    >>> train.num_examples
    1500
    >>> features, targets = train.get_data(request=[0, 1])
    >>> features.shape, targets.ravel()
    ((2, 64), array([2, 8], dtype=uint8))
    >>> float(features.max()) <= 1.0
    True

    """
    provides_sources = ('features', 'targets')
    ranges = {'train': (0, NUM_TRAIN), 'test': (NUM_TRAIN, NUM_EXAMPLES)}

    def __init__(self, which_sets: tuple[str, ...],
                 subset: slice | Sequence[int] | None = None,
                 sources: tuple[str, ...] | None = None):
        self.which_sets = check_which_sets('Digits', which_sets,
                                           tuple(self.ranges))
        total = sum(self.ranges[name][1] - self.ranges[name][0]
                    for name in self.which_sets)
        self.subset = check_subset('Digits', subset, total)
        if isinstance(self.subset, slice):
            self._num_examples = len(range(total)[self.subset])
        else:
            self._num_examples = len(self.subset)
        # Fail now, not on the first request, if scikit-learn is missing.
        _sklearn_load_digits()
        super().__init__(sources=sources,
                         axis_labels={'features': ('batch', 'feature'),
                                      'targets': ('batch', 'index')})

    @property
    def num_examples(self):
        return self._num_examples

    def load(self):
        digits = _sklearn_load_digits()()
        selected = numpy.concatenate([
            numpy.arange(*self.ranges[name]) for name in self.which_sets])
        selected = numpy.random.RandomState(SPLIT_SEED).permutation(
            NUM_EXAMPLES)[selected][self.subset]
        features = (digits.data[selected] / 16.0).astype(
            aesara.config.floatX)
        targets = digits.target[selected].astype(numpy.uint8).reshape(
            (-1, 1))
        return [features, targets]
