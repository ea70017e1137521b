"""Transformers that select, rename or combine sources."""
import collections.abc
import logging

from blocks.data.streams import AbstractDataStream
from blocks.data.transformers.base import (
    AgnosticTransformer, check_data_stream, check_source_names)

logger = logging.getLogger(__name__)


class FilterSources(AgnosticTransformer):
    """Keep only some of a stream's sources.

    Parameters
    ----------
    data_stream : AbstractDataStream
        The stream to filter.
    sources : tuple of str
        The sources to keep. They come out in the order of the stream's
        sources, whatever the order given here.
    \\*\\*kwargs
        Passed to :class:`~blocks.data.transformers.Transformer`.

    """
    def __init__(self, data_stream, sources: tuple[str, ...], **kwargs):
        check_data_stream('FilterSources', data_stream)
        sources = check_source_names('FilterSources', 'sources', sources,
                                     data_stream.sources)
        if not sources:
            raise ValueError("FilterSources: sources must name at least one "
                             "of {}, got an empty tuple"
                             .format(data_stream.sources))
        if kwargs.get('axis_labels') is None and data_stream.axis_labels:
            kwargs['axis_labels'] = {
                source: labels for source, labels
                in data_stream.axis_labels.items() if source in sources}
        super().__init__(data_stream, **kwargs)
        self.sources = tuple(source for source in data_stream.sources
                             if source in sources)

    def transform_any(self, data):
        return tuple(value for value, source
                     in zip(data, self.data_stream.sources)
                     if source in self.sources)


class Rename(AgnosticTransformer):
    """Rename some of a stream's sources.

    Parameters
    ----------
    data_stream : AbstractDataStream
        The stream whose sources to rename.
    names : dict
        Maps old source names to new ones.
    on_non_existent : {'raise', 'warn', 'ignore'}, optional
        What to do when `names` has a key the stream does not provide:
        raise a ``ValueError`` (the default), log a warning, or ignore it.
        ('warn' and 'ignore' let one mapping serve several datasets.)
    \\*\\*kwargs
        Passed to :class:`~blocks.data.transformers.Transformer`.

    Examples
    --------
    >>> from blocks.data.datasets import IterableDataset
    >>> from blocks.data.streams import DataStream
    >>> stream = DataStream(IterableDataset({'x': [1], 'y': [2]}))
    >>> Rename(stream, {'x': 'features'}).sources
    ('features', 'y')

    """
    def __init__(self, data_stream, names: dict,
                 on_non_existent: str = 'raise', **kwargs):
        check_data_stream('Rename', data_stream)
        if on_non_existent not in ('raise', 'warn', 'ignore'):
            raise ValueError("Rename: on_non_existent must be 'raise', 'warn' "
                             "or 'ignore', got {!r}".format(on_non_existent))
        if not isinstance(names, collections.abc.Mapping):
            raise TypeError("Rename: names must map old source names to new "
                            "ones, got {!r}".format(names))
        old_sources = data_stream.sources
        missing = [old for old in names if old not in old_sources]
        if missing:
            message = ("Rename: cannot rename source(s) {}: the stream does "
                       "not provide them; available sources: {}"
                       .format(missing, old_sources))
            if on_non_existent == 'raise':
                raise ValueError(message)
            level = logging.WARNING if on_non_existent == 'warn' else \
                logging.DEBUG
            logger.log(level, message)
        new_sources = tuple(names.get(source, source)
                            for source in old_sources)
        if len(set(new_sources)) != len(new_sources):
            raise ValueError("Rename: renaming {} with {} would give sources "
                             "with the same name: {}".format(
                                 old_sources, dict(names), new_sources))
        if kwargs.get('axis_labels') is None and data_stream.axis_labels:
            kwargs['axis_labels'] = {
                names.get(source, source): labels for source, labels
                in data_stream.axis_labels.items()}
        super().__init__(data_stream, **kwargs)
        self.names = dict(names)
        self.sources = new_sources

    def transform_any(self, data):
        return data


class Merge(AbstractDataStream):
    """Read several streams in parallel and join their sources.

    Each step takes one step from every stream and concatenates their
    data. The epoch ends when any of the streams runs out.

    Parameters
    ----------
    data_streams : sequence of AbstractDataStream
        The streams, which must all produce examples or all batches.
    sources : tuple of str
        The names of the merged sources: one for every source of every
        stream, in order. They must be distinct.
    axis_labels : dict, optional
        Axis labels of the merged sources; by default taken from the
        streams.

    Examples
    --------
    >>> from blocks.data.datasets import IterableDataset
    >>> from blocks.data.streams import DataStream
    >>> merged = Merge([DataStream(IterableDataset([1, 2])),
    ...                 DataStream(IterableDataset([3, 4]))],
    ...                sources=('left', 'right'))
    >>> list(merged.get_epoch_iterator(as_dict=True))
    [{'left': 1, 'right': 3}, {'left': 2, 'right': 4}]

    """
    def __init__(self, data_streams, sources: tuple[str, ...],
                 axis_labels: dict | None = None):
        data_streams = list(data_streams)
        if not data_streams or not all(
                isinstance(stream, AbstractDataStream)
                for stream in data_streams):
            raise TypeError("Merge: data_streams must be a non-empty "
                            "sequence of data streams, got {!r}"
                            .format(data_streams))
        kinds = {stream.produces_examples for stream in data_streams}
        if len(kinds) > 1:
            raise ValueError("Merge: the streams must all produce examples "
                             "or all produce batches; got a mix")
        if isinstance(sources, str):
            raise TypeError("Merge: sources must be a tuple of source names, "
                            "got the string {!r}".format(sources))
        sources = tuple(sources)
        child_sources = [source for stream in data_streams
                         for source in stream.sources]
        if len(sources) != len(child_sources):
            raise ValueError("Merge: got {} source names {} for the {} "
                             "sources of the streams {}".format(
                                 len(sources), sources, len(child_sources),
                                 tuple(child_sources)))
        duplicates = sorted({source for source in sources
                             if sources.count(source) > 1})
        if duplicates:
            raise ValueError("Merge: sources must be distinct, got {} with "
                             "duplicates {}".format(sources, duplicates))
        if axis_labels is None:
            axis_labels = self._merge_axis_labels(data_streams, sources)
        super().__init__(iteration_scheme=None, axis_labels=axis_labels)
        self.data_streams = data_streams
        self.produces_examples = kinds.pop()
        self._sources = sources
        self.child_epoch_iterators = None

    @staticmethod
    def _merge_axis_labels(data_streams, sources):
        axis_labels = {}
        names = iter(sources)
        for stream in data_streams:
            stream_labels = stream.axis_labels or {}
            for source in stream.sources:
                name = next(names)
                if source in stream_labels:
                    axis_labels[name] = stream_labels[source]
        return axis_labels or None

    @property
    def sources(self):
        return self._sources

    def close(self):
        for stream in self.data_streams:
            stream.close()

    def reset(self):
        for stream in self.data_streams:
            stream.reset()

    def next_epoch(self):
        for stream in self.data_streams:
            stream.next_epoch()

    def get_epoch_iterator(self, as_dict=False):
        self.child_epoch_iterators = [stream.get_epoch_iterator()
                                      for stream in self.data_streams]
        return super().get_epoch_iterator(as_dict=as_dict)

    def get_data(self, request=None):
        if request is not None:
            raise ValueError("Merge: get_data takes no request, got {!r}"
                             .format(request))
        if self.child_epoch_iterators is None:
            raise ValueError("Merge: get_data was called before "
                             "get_epoch_iterator started an epoch")
        result = []
        for iterator in self.child_epoch_iterators:
            result.extend(next(iterator))
        return tuple(result)
