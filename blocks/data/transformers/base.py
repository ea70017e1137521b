"""The base classes of transformers, and transformers built on a function.

A transformer is a data stream that reads another data stream (its *child*)
and changes what comes out of it. Each epoch, it takes a new epoch iterator
from its child and keeps it as :attr:`Transformer.child_epoch_iterator`;
that iterator, like everything else a transformer holds, is picklable, so a
chain of transformers can be checkpointed in the middle of an epoch.

"""
import collections.abc

from blocks.data.streams import AbstractDataStream


def check_source_names(owner, argument, names, available):
    """Return `names` as a tuple, checking each is in `available`."""
    if isinstance(names, str) or not isinstance(
            names, collections.abc.Iterable):
        raise TypeError("{}: {} must be a tuple of source names, got {!r}"
                        .format(owner, argument, names))
    names = tuple(names)
    unknown = [name for name in names if name not in available]
    if unknown:
        raise ValueError("{}: {} names source(s) {} that the stream does not "
                         "provide; available sources: {}".format(
                             owner, argument, unknown, tuple(available)))
    return names


def check_data_stream(owner, data_stream):
    """Raise a TypeError unless `data_stream` is a data stream."""
    if not isinstance(data_stream, AbstractDataStream):
        raise TypeError("{}: data_stream must be a data stream, got {!r}"
                        .format(owner, data_stream))


class Transformer(AbstractDataStream):
    """A data stream that transforms the data of another stream.

    Subclasses implement :meth:`transform_example` and/or
    :meth:`transform_batch`, or override :meth:`get_data` when they do
    more than change one step's data (e.g. :class:`Batch`).

    Parameters
    ----------
    data_stream : AbstractDataStream
        The stream to transform.
    produces_examples : bool, optional
        Whether this transformer yields examples (True) or batches (False).
        Defaults to what `data_stream` produces.
    \\*\\*kwargs
        Passed to :class:`~blocks.data.streams.AbstractDataStream`
        (`iteration_scheme`, `axis_labels`). The axis labels default to
        those of `data_stream`.

    Attributes
    ----------
    data_stream : AbstractDataStream
        The wrapped stream.
    child_epoch_iterator : iterator or None
        The epoch iterator of :attr:`data_stream` for the current epoch.

    """
    def __init__(self, data_stream,
                 produces_examples: bool | None = None, **kwargs):
        check_data_stream(type(self).__name__, data_stream)
        if kwargs.get('axis_labels') is None and data_stream.axis_labels:
            kwargs['axis_labels'] = dict(data_stream.axis_labels)
        super().__init__(**kwargs)
        self.data_stream = data_stream
        if produces_examples is None:
            produces_examples = data_stream.produces_examples
        self.produces_examples = produces_examples
        self.child_epoch_iterator = None

    @property
    def sources(self):
        if hasattr(self, '_sources'):
            return self._sources
        return self.data_stream.sources

    @sources.setter
    def sources(self, value):
        self._sources = tuple(value)

    def close(self):
        self.data_stream.close()

    def reset(self):
        self.data_stream.reset()

    def next_epoch(self):
        self.data_stream.next_epoch()

    def get_epoch_iterator(self, as_dict=False):
        # Assumes an epoch of this transformer ends no later than its
        # child's; transformers that need more should fetch new child
        # epochs themselves.
        self.child_epoch_iterator = self.data_stream.get_epoch_iterator()
        return super().get_epoch_iterator(as_dict=as_dict)

    def _next_child_data(self):
        if self.child_epoch_iterator is None:
            raise ValueError("{}: get_data was called before "
                             "get_epoch_iterator started an epoch"
                             .format(type(self).__name__))
        return next(self.child_epoch_iterator)

    def get_data(self, request=None):
        if request is not None:
            raise ValueError("{}: get_data takes no request, got {!r}"
                             .format(type(self).__name__, request))
        data = self._next_child_data()
        if self.produces_examples != self.data_stream.produces_examples:
            kinds = {True: 'examples', False: 'batches'}
            raise NotImplementedError(
                "{} turns {} into {}, so it must override get_data".format(
                    type(self).__name__,
                    kinds[self.data_stream.produces_examples],
                    kinds[self.produces_examples]))
        if self.produces_examples:
            return self.transform_example(data)
        return self.transform_batch(data)

    def transform_example(self, example):
        """Transform one example (a tuple with an entry per source)."""
        raise NotImplementedError(
            "{} does not transform examples".format(type(self).__name__))

    def transform_batch(self, batch):
        """Transform one batch (a tuple with an entry per source)."""
        raise NotImplementedError(
            "{} does not transform batches".format(type(self).__name__))


class AgnosticTransformer(Transformer):
    """A transformer that treats examples and batches alike.

    Subclasses implement :meth:`transform_any`.

    """
    def transform_any(self, data):
        """Transform one example or one batch."""
        raise NotImplementedError(
            "{} must implement transform_any".format(type(self).__name__))

    def transform_example(self, example):
        return self.transform_any(example)

    def transform_batch(self, batch):
        return self.transform_any(batch)


class SourcewiseTransformer(Transformer):
    """A transformer that changes some sources, each on its own.

    Subclasses implement :meth:`transform_source_example` and/or
    :meth:`transform_source_batch`.

    Parameters
    ----------
    data_stream : AbstractDataStream
        The stream to transform.
    produces_examples : bool, optional
        Whether the stream yields examples (True) or batches (False);
        by default what `data_stream` yields.
    which_sources : tuple of str, optional
        The sources to transform; all of them by default.
    \\*\\*kwargs
        Passed to :class:`Transformer`.

    """
    def __init__(self, data_stream,
                 produces_examples: bool | None = None,
                 which_sources: tuple[str, ...] | None = None, **kwargs):
        check_data_stream(type(self).__name__, data_stream)
        if which_sources is None:
            which_sources = data_stream.sources
        self.which_sources = check_source_names(
            type(self).__name__, 'which_sources', which_sources,
            data_stream.sources)
        super().__init__(data_stream, produces_examples, **kwargs)

    def _apply_sourcewise(self, data, method):
        data = list(data)
        for index, source in enumerate(self.data_stream.sources):
            if source in self.which_sources:
                data[index] = method(data[index], source)
        return tuple(data)

    def transform_source_example(self, source_example, source_name):
        """Transform the data of one source of one example."""
        raise NotImplementedError(
            "{} does not transform examples".format(type(self).__name__))

    def transform_source_batch(self, source_batch, source_name):
        """Transform the data of one source of one batch."""
        raise NotImplementedError(
            "{} does not transform batches".format(type(self).__name__))

    def transform_example(self, example):
        return self._apply_sourcewise(example, self.transform_source_example)

    def transform_batch(self, batch):
        return self._apply_sourcewise(batch, self.transform_source_batch)


class AgnosticSourcewiseTransformer(SourcewiseTransformer):
    """A sourcewise transformer that treats examples and batches alike.

    Subclasses implement :meth:`transform_any_source`.

    """
    def transform_any_source(self, source_data, source_name):
        """Transform the data of one source of an example or a batch."""
        raise NotImplementedError(
            "{} must implement transform_any_source".format(
                type(self).__name__))

    def transform_source_example(self, source_example, source_name):
        return self.transform_any_source(source_example, source_name)

    def transform_source_batch(self, source_batch, source_name):
        return self.transform_any_source(source_batch, source_name)


class Mapping(Transformer):
    """Apply a function to each example or batch.

    Parameters
    ----------
    data_stream : AbstractDataStream
        The stream to transform.
    mapping : callable
        Takes one step's data (a tuple with an entry per source) and
        returns a tuple: the new data of every source or, with
        `add_sources`, the data of the added sources only. To keep the
        stream picklable, use a module-level function or an instance of a
        module-level class, not a lambda or a nested function.
    add_sources : tuple of str, optional
        If given, the mapping's output is appended to the data as new
        sources with these names.
    \\*\\*kwargs
        Passed to :class:`Transformer`.

    Examples
    --------
    >>> from blocks.data.datasets import IterableDataset
    >>> from blocks.data.streams import DataStream
    >>> def negate(data):
    ...     return tuple(-value for value in data)
    >>> stream = Mapping(DataStream(IterableDataset([1, 2, 3])),
    ...                  mapping=negate, add_sources=('negated',))
    >>> stream.sources
    ('data', 'negated')
    >>> list(stream.get_epoch_iterator())
    [(1, -1), (2, -2), (3, -3)]

    """
    def __init__(self, data_stream, mapping,
                 add_sources: tuple[str, ...] | None = None, **kwargs):
        check_data_stream('Mapping', data_stream)
        if not callable(mapping):
            raise TypeError("Mapping: mapping must be callable, got {!r}"
                            .format(mapping))
        if add_sources is not None:
            if isinstance(add_sources, str):
                raise TypeError("Mapping: add_sources must be a tuple of "
                                "source names, got the string {!r}"
                                .format(add_sources))
            add_sources = tuple(add_sources)
            clashes = [source for source in add_sources
                       if source in data_stream.sources]
            if clashes or len(set(add_sources)) != len(add_sources):
                raise ValueError("Mapping: add_sources {} repeats a name or "
                                 "clashes with the stream's sources {}"
                                 .format(add_sources, data_stream.sources))
        super().__init__(data_stream, **kwargs)
        self.mapping = mapping
        self.add_sources = add_sources

    @property
    def sources(self):
        return self.data_stream.sources + (self.add_sources or ())

    def get_data(self, request=None):
        if request is not None:
            raise ValueError("Mapping: get_data takes no request, got {!r}"
                             .format(request))
        data = self._next_child_data()
        image = tuple(self.mapping(data))
        expected = self.add_sources or self.data_stream.sources
        if len(image) != len(expected):
            raise ValueError("Mapping: the mapping returned {} values, "
                             "expected one for each of {}"
                             .format(len(image), expected))
        if self.add_sources:
            return tuple(data) + image
        return image


class Filter(Transformer):
    """Keep only the examples or batches that satisfy a predicate.

    Parameters
    ----------
    data_stream : AbstractDataStream
        The stream to filter.
    predicate : callable
        Takes one step's data and returns True to keep it. Use a picklable
        callable (not a lambda) to keep the stream picklable.
    \\*\\*kwargs
        Passed to :class:`Transformer`.

    """
    def __init__(self, data_stream, predicate, **kwargs):
        if not callable(predicate):
            raise TypeError("Filter: predicate must be callable, got {!r}"
                            .format(predicate))
        super().__init__(data_stream, **kwargs)
        self.predicate = predicate

    def get_data(self, request=None):
        if request is not None:
            raise ValueError("Filter: get_data takes no request, got {!r}"
                             .format(request))
        while True:
            data = self._next_child_data()
            if self.predicate(data):
                return data

