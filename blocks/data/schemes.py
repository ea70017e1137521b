"""Iteration schemes: the order in which a data stream requests data.

An iteration scheme produces, once per epoch, an iterator of *requests*. A
data stream passes each request to its dataset's ``get_data``. Schemes that
request single examples yield one index at a time; schemes that request
batches yield either a list of indices (:class:`BatchScheme` subclasses) or
a batch size (:class:`BatchSizeScheme` subclasses).

Every request iterator returned by :meth:`IterationScheme.get_request_iterator`
pickles in the middle of an epoch and, once unpickled, continues with the
same requests. Schemes that shuffle draw each epoch's permutation from their
own :class:`numpy.random.RandomState`, which pickles with them, so a resumed
run sees the same epochs as an uninterrupted one.

>>> from blocks.data.schemes import SequentialScheme
>>> scheme = SequentialScheme(examples=5, batch_size=2)
>>> list(scheme.get_request_iterator())
[[0, 1], [2, 3], [4]]
>>> scheme.num_batches
3

"""
import math
import numbers
from collections.abc import Iterable, Iterator

import numpy
from picklable_itertools import chain, iter_, repeat

from blocks.config import config


def _check_batch_size(owner, batch_size):
    if (isinstance(batch_size, bool) or
            not isinstance(batch_size, numbers.Integral) or batch_size <= 0):
        raise ValueError("{}: batch_size must be a positive integer, got {!r}"
                         .format(owner, batch_size))
    return int(batch_size)


def _check_examples(owner, examples):
    """Return the indices described by `examples` (an int or indices)."""
    if isinstance(examples, bool):
        raise TypeError("{}: examples must be a number of examples or an "
                        "iterable of indices, got {!r}"
                        .format(owner, examples))
    if isinstance(examples, numbers.Integral):
        if examples < 0:
            raise ValueError("{}: examples must be a non-negative number of "
                             "examples, got {!r}".format(owner, examples))
        return range(int(examples))
    if isinstance(examples, range):
        return examples
    try:
        return list(examples)
    except TypeError as exc:
        raise TypeError("{}: examples must be a number of examples or an "
                        "iterable of indices, got {!r}"
                        .format(owner, examples)) from exc


class IterationScheme:
    """The base class of iteration schemes.

    Attributes
    ----------
    requests_examples : bool
        True if each request asks for a single example, False if it asks
        for a batch.
    num_examples : int or None
        The number of examples one epoch covers, None when unknown.
    batch_size : int or None
        The size of the batches requested, None for schemes that request
        examples or whose batch size varies.
    num_batches : int or None
        The number of requests in one epoch, None when unknown.

    """
    requests_examples = None
    num_examples = None
    batch_size = None
    num_batches = None

    def get_request_iterator(self) -> Iterator:
        """Return an iterator over the requests of one epoch.

        Returns
        -------
        iterator
            A picklable iterator of requests.

        """
        raise NotImplementedError(
            "{} must implement get_request_iterator".format(
                type(self).__name__))


class BatchSizeScheme(IterationScheme):
    """A scheme whose requests are batch sizes, not indices.

    Used with datasets and transformers (such as
    :class:`~blocks.data.transformers.Batch`) that cannot be indexed but
    can return a given number of examples.

    """
    requests_examples = False


class BatchScheme(IterationScheme):
    """A scheme whose requests are lists of example indices.

    Parameters
    ----------
    examples : int or iterable of int
        The number of examples (indices ``0`` to ``examples - 1``) or the
        indices themselves.
    batch_size : int
        The number of indices in each request; the last request of an
        epoch may be shorter.

    """
    requests_examples = False

    def __init__(self, examples: int | Iterable[int], batch_size: int):
        name = type(self).__name__
        self.indices = _check_examples(name, examples)
        self.batch_size = _check_batch_size(name, batch_size)

    @property
    def num_examples(self):
        return len(self.indices)

    @property
    def num_batches(self):
        return int(math.ceil(len(self.indices) / self.batch_size))


class IndexScheme(IterationScheme):
    """A scheme whose requests are single example indices.

    Parameters
    ----------
    examples : int or iterable of int
        The number of examples (indices ``0`` to ``examples - 1``) or the
        indices themselves.

    """
    requests_examples = True

    def __init__(self, examples: int | Iterable[int]):
        self.indices = _check_examples(type(self).__name__, examples)

    @property
    def num_examples(self):
        return len(self.indices)

    @property
    def num_batches(self):
        return len(self.indices)


class ConstantScheme(BatchSizeScheme):
    """Request the same batch size over and over.

    Parameters
    ----------
    batch_size : int
        The size of each request.
    num_examples : int, optional
        If given, an epoch requests this many examples in total: as many
        full batches as fit, then one smaller batch for the remainder.
    times : int, optional
        If given, an epoch makes exactly this many requests. Cannot be
        combined with `num_examples`. Without either, the epoch is
        infinite (it ends when the wrapped data runs out).

    Examples
    --------
    >>> list(ConstantScheme(3, num_examples=7).get_request_iterator())
    [3, 3, 1]
    >>> list(ConstantScheme(2, times=3).get_request_iterator())
    [2, 2, 2]

    """
    def __init__(self, batch_size: int, num_examples: int | None = None,
                 times: int | None = None):
        self.batch_size = _check_batch_size('ConstantScheme', batch_size)
        if num_examples is not None and times is not None:
            raise ValueError("ConstantScheme: give num_examples or times, "
                             "not both (got num_examples={!r}, times={!r})"
                             .format(num_examples, times))
        for argument, value in (('num_examples', num_examples),
                                ('times', times)):
            if value is not None and (
                    isinstance(value, bool) or
                    not isinstance(value, numbers.Integral) or value < 0):
                raise ValueError("ConstantScheme: {} must be a non-negative "
                                 "integer or None, got {!r}"
                                 .format(argument, value))
        self._num_examples = num_examples
        self.times = times

    @property
    def num_examples(self):
        if self._num_examples is not None:
            return self._num_examples
        if self.times is not None:
            return self.times * self.batch_size
        return None

    @property
    def num_batches(self):
        if self.times is not None:
            return self.times
        if self._num_examples is not None:
            return int(math.ceil(self._num_examples / self.batch_size))
        return None

    def get_request_iterator(self):
        if self.times is not None:
            return repeat(self.batch_size, self.times)
        if self._num_examples is not None:
            full_batches, remainder = divmod(self._num_examples,
                                             self.batch_size)
            last = [remainder] if remainder else []
            return chain(repeat(self.batch_size, full_batches), iter_(last))
        return repeat(self.batch_size)


class _IndexBatchIterator:
    """Iterate over consecutive chunks of a sequence of indices.

    A small class rather than a generator so that it pickles.

    """
    def __init__(self, indices, batch_size):
        self.indices = indices
        self.batch_size = batch_size
        self.position = 0

    def __iter__(self):
        return self

    def __next__(self):
        if self.position >= len(self.indices):
            raise StopIteration
        start = self.position
        self.position = start + self.batch_size
        return list(self.indices[start:self.position])


class SequentialScheme(BatchScheme):
    """Request batches of indices in their original order.

    Parameters
    ----------
    examples : int or iterable of int
        The number of examples or the indices themselves.
    batch_size : int
        The number of indices per request; the last may be shorter.

    Examples
    --------
    >>> list(SequentialScheme([5, 3, 9], batch_size=2).get_request_iterator())
    [[5, 3], [9]]

    """
    def get_request_iterator(self):
        return _IndexBatchIterator(self.indices, self.batch_size)


def _default_rng(owner, rng):
    if rng is None:
        return numpy.random.RandomState(config.default_seed)
    if not isinstance(rng, numpy.random.RandomState):
        raise TypeError("{}: rng must be a numpy.random.RandomState or None, "
                        "got {!r}".format(owner, rng))
    return rng


class ShuffledScheme(BatchScheme):
    """Request batches of indices in a new random order each epoch.

    Parameters
    ----------
    examples : int or iterable of int
        The number of examples or the indices themselves.
    batch_size : int
        The number of indices per request; the last may be shorter.
    rng : numpy.random.RandomState, optional
        The generator the permutations are drawn from. Defaults to one
        seeded with ``blocks.config.config.default_seed``, so that two
        schemes built alike produce the same sequence of epochs.
    sorted_indices : bool, optional
        If True, the indices within each batch are sorted (useful for
        datasets that read faster in order). False by default.

    Notes
    -----
    Each call to :meth:`get_request_iterator` draws one permutation from
    :attr:`rng`. The generator is part of the scheme, so pickling the
    scheme (for instance inside a checkpoint) also records which
    permutations future epochs will use.

    Examples
    --------
    >>> import numpy
    >>> scheme = ShuffledScheme(6, batch_size=4,
    ...                         rng=numpy.random.RandomState(3))
    >>> batches = list(scheme.get_request_iterator())
    >>> [len(batch) for batch in batches]
    [4, 2]
    >>> sorted(batches[0] + batches[1])
    [0, 1, 2, 3, 4, 5]

    """
    def __init__(self, examples: int | Iterable[int], batch_size: int,
                 rng: numpy.random.RandomState | None = None,
                 sorted_indices: bool = False):
        super().__init__(examples, batch_size)
        self.rng = _default_rng('ShuffledScheme', rng)
        self.sorted_indices = sorted_indices

    def get_request_iterator(self):
        indices = list(self.indices)
        self.rng.shuffle(indices)
        if self.sorted_indices:
            return _SortedBatchIterator(indices, self.batch_size)
        return _IndexBatchIterator(indices, self.batch_size)


class _SortedBatchIterator(_IndexBatchIterator):
    def __next__(self):
        return sorted(super().__next__())


class SequentialExampleScheme(IndexScheme):
    """Request single examples in their original order.

    Examples
    --------
    >>> list(SequentialExampleScheme(3).get_request_iterator())
    [0, 1, 2]

    """
    def get_request_iterator(self):
        return iter_(list(self.indices))


class ShuffledExampleScheme(IndexScheme):
    """Request single examples in a new random order each epoch.

    Parameters
    ----------
    examples : int or iterable of int
        The number of examples or the indices themselves.
    rng : numpy.random.RandomState, optional
        The generator the permutations are drawn from; defaults to one
        seeded with ``blocks.config.config.default_seed``.

    """
    def __init__(self, examples: int | Iterable[int],
                 rng: numpy.random.RandomState | None = None):
        super().__init__(examples)
        self.rng = _default_rng('ShuffledExampleScheme', rng)

    def get_request_iterator(self):
        indices = list(self.indices)
        self.rng.shuffle(indices)
        return iter_(indices)
