"""Datasets: the interface to the data, independent of how it is iterated.

A dataset names its *sources* (e.g. ``'features'`` and ``'targets'``) and
answers requests for data. It holds no iteration state itself: ``open``
returns a state object that the data stream keeps and hands back to
``get_data``, ``reset``, ``next_epoch`` and ``close``.

"""
import collections.abc
import numbers

import numpy
from picklable_itertools import iter_, izip

from blocks.data.schemes import SequentialExampleScheme


class Dataset:
    """The base class of datasets.

    Subclasses set :attr:`provides_sources` and implement :meth:`get_data`;
    those that need per-epoch state (an open file, an iterator) override
    :meth:`open` and :meth:`close`.

    Parameters
    ----------
    sources : tuple of str, optional
        The sources to return, in this order; a subset of
        :attr:`provides_sources`. All of them by default.
    axis_labels : dict, optional
        Maps each source to a tuple naming the axes of its data.

    Attributes
    ----------
    provides_sources : tuple of str
        Every source the dataset can return.
    default_transformers : tuple
        ``(transformer_class, args, kwargs)`` triples that
        :meth:`apply_default_transformers` wraps around a stream, in order.

    """
    provides_sources = None
    default_transformers = ()

    def __init__(self, sources: tuple[str, ...] | None = None,
                 axis_labels: dict | None = None):
        if not self.provides_sources:
            raise ValueError("{}: the dataset must define provides_sources "
                             "(a non-empty tuple of source names)"
                             .format(type(self).__name__))
        if sources is not None:
            self.sources = sources
        self.axis_labels = axis_labels

    @property
    def sources(self):
        """The sources returned by :meth:`get_data`, in order.

        May be set to any non-empty subset of :attr:`provides_sources`.

        """
        return getattr(self, '_sources', self.provides_sources)

    @sources.setter
    def sources(self, sources):
        name = type(self).__name__
        if isinstance(sources, str):
            raise TypeError("{}: sources must be a tuple of source names, "
                            "got the string {!r}".format(name, sources))
        sources = tuple(sources)
        if not sources:
            raise ValueError("{}: sources must name at least one of {}, got "
                             "an empty tuple".format(name,
                                                     self.provides_sources))
        unknown = [source for source in sources
                   if source not in self.provides_sources]
        if unknown:
            raise ValueError("{}: unknown source(s) {}; the dataset provides "
                             "{}".format(name, unknown, self.provides_sources))
        if len(set(sources)) != len(sources):
            raise ValueError("{}: sources contains duplicates: {}"
                             .format(name, sources))
        self._sources = sources

    @property
    def example_iteration_scheme(self):
        """A scheme that requests every example once, or None."""
        return None

    def apply_default_transformers(self, stream):
        """Wrap `stream` in the dataset's default transformers.

        Parameters
        ----------
        stream : AbstractDataStream
            A stream over this dataset.

        Returns
        -------
        AbstractDataStream
            The outermost transformer, or `stream` if there are none.

        """
        for transformer_class, args, kwargs in self.default_transformers:
            stream = transformer_class(stream, *args, **kwargs)
        return stream

    def get_example_stream(self):
        """Return a stream over every example of the dataset, in order."""
        from blocks.data.streams import DataStream
        scheme = self.example_iteration_scheme
        if scheme is None:
            return DataStream(self)
        return DataStream(self, iteration_scheme=scheme)

    def open(self):
        """Return the state for a new epoch (None if none is needed)."""
        return None

    def close(self, state):
        """Release what `state` holds."""

    def reset(self, state):
        """Close `state` and return the state of a new epoch."""
        self.close(state)
        return self.open()

    def next_epoch(self, state):
        """Return the state for the next epoch; restarts by default."""
        return self.reset(state)

    def get_data(self, state=None, request=None):
        """Return the data for `request`, one entry per source.

        Parameters
        ----------
        state : object, optional
            The state returned by :meth:`open`.
        request : object, optional
            What to return, e.g. a list of indices.

        Returns
        -------
        tuple
            One entry per source in :attr:`sources`.

        """
        raise NotImplementedError(
            "{} must implement get_data".format(type(self).__name__))

    def filter_sources(self, data):
        """Select the entries of :attr:`sources` from `data`.

        Parameters
        ----------
        data : sequence
            One entry per source in :attr:`provides_sources`.

        Returns
        -------
        tuple
            One entry per source in :attr:`sources`, in that order.

        """
        return tuple(data[self.provides_sources.index(source)]
                     for source in self.sources)


def _as_source_dict(owner, data, argument):
    """Turn `data` into an ordered mapping of source names to data."""
    if isinstance(data, collections.abc.Mapping):
        if not data:
            raise ValueError("{}: {} must not be an empty mapping"
                             .format(owner, argument))
        for source in data:
            if not isinstance(source, str):
                raise TypeError("{}: the keys of {} must be source names "
                                "(strings), got {!r}"
                                .format(owner, argument, source))
        return collections.OrderedDict(data)
    return collections.OrderedDict([('data', data)])


class IterableDataset(Dataset):
    """A dataset that can only be iterated over, in order.

    Each epoch iterates over the given iterables in parallel, one example
    per step. Requests are not accepted, so a stream over this dataset has
    no iteration scheme; use :class:`~blocks.data.transformers.Batch` to
    group examples into batches.

    Parameters
    ----------
    iterables : iterable or dict of iterables
        A mapping of source names to iterables (an ``OrderedDict`` or a
        ``dict`` keeps its order), or a single iterable, which becomes the
        source ``'data'``. Each epoch calls ``iter`` on them again, so they
        must be re-iterable (lists or arrays, not generators); epoch
        iterators pickle only if the iterables' iterators do (those of
        lists, tuples, ranges and arrays do).
    \\*\\*kwargs
        Passed to :class:`Dataset` (`sources`, `axis_labels`).

    Examples
    --------
    >>> from blocks.data.streams import DataStream
    >>> dataset = IterableDataset({'x': [1, 2, 3], 'y': [4, 5, 6]})
    >>> list(DataStream(dataset).get_epoch_iterator())
    [(1, 4), (2, 5), (3, 6)]

    """
    def __init__(self, iterables, **kwargs):
        iterables = _as_source_dict('IterableDataset', iterables, 'iterables')
        for source, iterable in iterables.items():
            if not isinstance(iterable, collections.abc.Iterable):
                raise TypeError("IterableDataset: source {!r} must be "
                                "iterable, got {!r}".format(source, iterable))
        self.provides_sources = tuple(iterables)
        super().__init__(**kwargs)
        self.iterables = list(iterables.values())
        lengths = self._lengths()
        if lengths is not None and len(set(lengths)) > 1:
            raise ValueError("IterableDataset: the iterables have different "
                             "lengths: {}".format(
                                 dict(zip(self.provides_sources, lengths))))

    def _lengths(self):
        try:
            return [len(iterable) for iterable in self.iterables]
        except TypeError:
            return None

    @property
    def num_examples(self):
        """The number of examples, or None if the iterables have no length.

        """
        lengths = self._lengths()
        return lengths[0] if lengths is not None else None

    def open(self):
        return izip(*[iter_(iterable) for iterable in self.iterables])

    def get_data(self, state=None, request=None):
        if request is not None:
            raise ValueError("IterableDataset: get_data takes no request "
                             "(the data can only be read in order), got {!r}; "
                             "build the DataStream without an iteration "
                             "scheme".format(request))
        if state is None:
            raise ValueError("IterableDataset: get_data needs the state "
                             "returned by open(), got None")
        return self.filter_sources(next(state))


def _index(indexable, request):
    if isinstance(indexable, numpy.ndarray) or isinstance(
            request, (slice, numbers.Integral)):
        return indexable[request]
    return [indexable[index] for index in request]


class IndexableDataset(Dataset):
    """A dataset of in-memory sequences, read by index.

    Parameters
    ----------
    indexables : sequence or dict of sequences
        A mapping of source names to sequences of equal length (NumPy
        arrays, lists, ...), or a single sequence, which becomes the source
        ``'data'``.
    start : int, optional
        Keep only the examples from this index on.
    stop : int, optional
        Keep only the examples before this index.
    \\*\\*kwargs
        Passed to :class:`Dataset` (`sources`, `axis_labels`).

    Notes
    -----
    :meth:`get_data` takes a request: a list of indices or a slice
    (returning a batch) or an integer (returning one example). Indexing a
    NumPy array returns an array; other sequences return a list.

    Examples
    --------
    >>> import numpy
    >>> dataset = IndexableDataset({'x': numpy.arange(6).reshape(3, 2)})
    >>> dataset.num_examples
    3
    >>> dataset.get_data(request=[2, 0])
    (array([[4, 5],
           [0, 1]]),)

    """
    def __init__(self, indexables, start: int | None = None,
                 stop: int | None = None, **kwargs):
        indexables = _as_source_dict('IndexableDataset', indexables,
                                     'indexables')
        for source, indexable in indexables.items():
            if not (hasattr(indexable, '__len__') and
                    hasattr(indexable, '__getitem__')):
                raise TypeError("IndexableDataset: source {!r} must be a "
                                "sequence supporting len() and indexing, got "
                                "{!r}".format(source, indexable))
        lengths = {source: len(indexable[start:stop])
                   for source, indexable in indexables.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError("IndexableDataset: the sources have different "
                             "lengths: {}".format(lengths))
        self.provides_sources = tuple(indexables)
        super().__init__(**kwargs)
        self.start = start
        self.stop = stop
        self._indexables = [indexable[start:stop]
                            for indexable in indexables.values()]

    @property
    def indexables(self):
        """The data of every source in :attr:`provides_sources`."""
        return self._indexables

    @property
    def num_examples(self):
        return len(self.indexables[0])

    @property
    def example_iteration_scheme(self):
        return SequentialExampleScheme(self.num_examples)

    def get_data(self, state=None, request=None):
        if request is None:
            raise ValueError("{}: get_data needs a request (a list of "
                             "indices, a slice or an index), got None; give "
                             "the DataStream an iteration scheme such as "
                             "SequentialScheme".format(type(self).__name__))
        indexables = self.filter_sources(self.indexables)
        return tuple(_index(indexable, request) for indexable in indexables)


class LazyIndexableDataset(IndexableDataset):
    """An indexable dataset loaded from disk when first read.

    The loaded arrays are not pickled: a pickled stream over such a dataset
    stays small, and the data is loaded again, from the same place, the
    first time the unpickled dataset is read.

    Subclasses set :attr:`provides_sources` and implement :meth:`load`;
    they may override :attr:`num_examples` to avoid loading the data
    just to count it.

    Parameters
    ----------
    \\*\\*kwargs
        Passed to :class:`Dataset` (`sources`, `axis_labels`).

    """
    def __init__(self, **kwargs):
        # IndexableDataset's constructor takes the data itself; skip it.
        Dataset.__init__(self, **kwargs)
        self._indexables = None

    def load(self):
        """Return the data, one array per source in provides_sources."""
        raise NotImplementedError(
            "{} must implement load".format(type(self).__name__))

    @property
    def indexables(self):
        if getattr(self, '_indexables', None) is None:
            self._indexables = list(self.load())
        return self._indexables

    @property
    def num_examples(self):
        return len(self.indexables[0])

    def __getstate__(self):
        state = self.__dict__.copy()
        state['_indexables'] = None
        return state


def check_which_sets(owner, which_sets, known_sets):
    """Validate the `which_sets` argument of a dataset; return a tuple."""
    if isinstance(which_sets, str) or not isinstance(
            which_sets, collections.abc.Iterable):
        raise TypeError("{}: which_sets must be a tuple of set names such as "
                        "('train',), got {!r}".format(owner, which_sets))
    which_sets = tuple(which_sets)
    if not which_sets:
        raise ValueError("{}: which_sets must name at least one of {}, got "
                         "an empty tuple".format(owner, known_sets))
    unknown = [name for name in which_sets if name not in known_sets]
    if unknown:
        raise ValueError("{}: unknown set(s) {} in which_sets; expected "
                         "names from {}".format(owner, unknown, known_sets))
    if len(set(which_sets)) != len(which_sets):
        raise ValueError("{}: which_sets names a set twice: {}"
                         .format(owner, which_sets))
    return which_sets


def check_subset(owner, subset, num_examples):
    """Validate a `subset` argument (slice or indices) of a dataset."""
    if subset is None:
        return slice(None)
    if isinstance(subset, slice):
        return subset
    message = ("{}: subset must be a slice or a sequence of integer "
               "indices, got {!r}".format(owner, subset))
    if not isinstance(subset, collections.abc.Iterable):
        raise TypeError(message)
    indices = list(subset)
    if not all(isinstance(index, numbers.Integral) and
               not isinstance(index, bool) for index in indices):
        raise TypeError(message)
    indices = [int(index) for index in indices]
    out_of_range = [index for index in indices
                    if not -num_examples <= index < num_examples]
    if out_of_range:
        raise ValueError("{}: subset indices {} are out of range for {} "
                         "examples".format(owner, out_of_range[:5],
                                           num_examples))
    return indices
