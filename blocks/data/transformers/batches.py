"""Transformers that build, split and pad batches."""
import numbers

import aesara
import numpy

from blocks.data.transformers.base import (
    Transformer, check_data_stream, check_source_names)


def stack_examples(examples):
    """Stack examples into an array, an object array if they are ragged.

    Parameters
    ----------
    examples : list
        The data of one source for each example of a batch.

    Returns
    -------
    numpy.ndarray
        ``numpy.asarray(examples)`` when the examples have one shape;
        otherwise a one-dimensional object array holding each example
        (e.g. sequences of different lengths, for :class:`Padding`).

    """
    try:
        return numpy.asarray(examples)
    except ValueError:
        stacked = numpy.empty(len(examples), dtype=object)
        for index, example in enumerate(examples):
            stacked[index] = example
        return stacked


class Batch(Transformer):
    """Group the examples of a stream into batches.

    Parameters
    ----------
    data_stream : AbstractDataStream
        A stream of examples.
    iteration_scheme : BatchSizeScheme
        A scheme whose requests are batch sizes, e.g.
        :class:`~blocks.data.schemes.ConstantScheme`.
    strictness : {0, 1, 2}, optional
        What to do with a last batch smaller than requested: 0 returns it
        (the default), 1 drops it, 2 raises a ``ValueError``.
    \\*\\*kwargs
        Passed to :class:`~blocks.data.transformers.Transformer`.

    Notes
    -----
    Each source of a batch is a NumPy array with the examples along the
    first axis. Examples of different shapes (sequences of different
    lengths) give a one-dimensional object array; see :class:`Padding`.

    Examples
    --------
    >>> from blocks.data.datasets import IterableDataset
    >>> from blocks.data.schemes import ConstantScheme
    >>> from blocks.data.streams import DataStream
    >>> stream = Batch(DataStream(IterableDataset([1, 2, 3, 4, 5])),
    ...                iteration_scheme=ConstantScheme(2))
    >>> list(stream.get_epoch_iterator())
    [(array([1, 2]),), (array([3, 4]),), (array([5]),)]

    """
    def __init__(self, data_stream, iteration_scheme, strictness: int = 0,
                 **kwargs):
        check_data_stream('Batch', data_stream)
        if not data_stream.produces_examples:
            raise ValueError("Batch: the wrapped stream must produce "
                             "examples, not batches")
        if not hasattr(iteration_scheme, 'get_request_iterator') or \
                iteration_scheme.requests_examples is not False:
            raise ValueError("Batch: iteration_scheme must request batch "
                             "sizes (e.g. ConstantScheme), got {!r}"
                             .format(iteration_scheme))
        if strictness not in (0, 1, 2):
            raise ValueError("Batch: strictness must be 0, 1 or 2, got {!r}"
                             .format(strictness))
        if kwargs.get('axis_labels') is None and data_stream.axis_labels:
            kwargs['axis_labels'] = {
                source: ('batch',) + tuple(labels) if labels else None
                for source, labels in data_stream.axis_labels.items()}
        super().__init__(data_stream, produces_examples=False,
                         iteration_scheme=iteration_scheme, **kwargs)
        self.strictness = strictness

    def get_data(self, request=None):
        if (isinstance(request, bool) or
                not isinstance(request, numbers.Integral) or request <= 0):
            raise ValueError("Batch: get_data needs a positive batch size as "
                             "its request, got {!r}".format(request))
        data = [[] for _ in self.data_stream.sources]
        for _ in range(request):
            try:
                example = self._next_child_data()
            except StopIteration as exc:
                if not data[0] or self.strictness == 1:
                    raise
                if self.strictness == 2:
                    raise ValueError(
                        "Batch: the data ran out after {} examples of a "
                        "batch of {} (strictness=2 forbids incomplete "
                        "batches)".format(len(data[0]), request)) from exc
                break
            for source_data, value in zip(data, example):
                source_data.append(value)
        return tuple(stack_examples(source_data) for source_data in data)


class Unpack(Transformer):
    """Split the batches of a stream into examples.

    Parameters
    ----------
    data_stream : AbstractDataStream
        A stream of batches.
    \\*\\*kwargs
        Passed to :class:`~blocks.data.transformers.Transformer`.

    """
    def __init__(self, data_stream, **kwargs):
        check_data_stream('Unpack', data_stream)
        if data_stream.produces_examples:
            raise ValueError("Unpack: the wrapped stream must produce "
                             "batches, not examples")
        if kwargs.get('axis_labels') is None and data_stream.axis_labels:
            kwargs['axis_labels'] = {
                source: tuple(labels[1:]) if labels else None
                for source, labels in data_stream.axis_labels.items()}
        super().__init__(data_stream, produces_examples=True, **kwargs)
        self.batch = None
        self.position = 0

    def get_epoch_iterator(self, as_dict=False):
        self.batch = None
        self.position = 0
        return super().get_epoch_iterator(as_dict=as_dict)

    def get_data(self, request=None):
        if request is not None:
            raise ValueError("Unpack: get_data takes no request, got {!r}"
                             .format(request))
        while self.batch is None or self.position >= len(self.batch[0]):
            self.batch = self._next_child_data()
            self.position = 0
        example = tuple(source_data[self.position]
                        for source_data in self.batch)
        self.position += 1
        return example


class Padding(Transformer):
    """Pad the sequences of a batch to one length and add masks.

    For each padded source ``x``, the batch gets ``x`` as an array of shape
    ``(batch_size, max_length) + rest`` (zeros after the end of each
    sequence) followed by a new source ``x_mask`` of shape
    ``(batch_size, max_length)``, 1 where there is data and 0 where there
    is padding.

    Parameters
    ----------
    data_stream : AbstractDataStream
        A stream of batches whose padded sources hold sequences (arrays or
        lists whose first axis is time; the other axes must agree).
    mask_sources : tuple of str, optional
        The sources to pad; all of them by default.
    mask_dtype : str, optional
        The type of the masks; ``floatX`` by default.
    \\*\\*kwargs
        Passed to :class:`~blocks.data.transformers.Transformer`.

    Examples
    --------
    >>> from blocks.data.datasets import IterableDataset
    >>> from blocks.data.schemes import ConstantScheme
    >>> from blocks.data.streams import DataStream
    >>> stream = Padding(Batch(DataStream(IterableDataset([[1], [2, 3]])),
    ...                        iteration_scheme=ConstantScheme(2)),
    ...                  mask_dtype='int8')
    >>> stream.sources
    ('data', 'data_mask')
    >>> data, mask = next(stream.get_epoch_iterator())
    >>> data
    array([[1, 0],
           [2, 3]])
    >>> mask
    array([[1, 0],
           [1, 1]], dtype=int8)

    """
    def __init__(self, data_stream,
                 mask_sources: tuple[str, ...] | None = None,
                 mask_dtype: str | None = None, **kwargs):
        check_data_stream('Padding', data_stream)
        if data_stream.produces_examples:
            raise ValueError("Padding: the wrapped stream must produce "
                             "batches, not examples")
        if mask_sources is None:
            mask_sources = data_stream.sources
        mask_sources = check_source_names('Padding', 'mask_sources',
                                          mask_sources, data_stream.sources)
        if mask_dtype is None:
            mask_dtype = aesara.config.floatX
        try:
            mask_dtype = numpy.dtype(mask_dtype).name
        except TypeError as exc:
            raise TypeError("Padding: mask_dtype must be a NumPy data type, "
                            "got {!r}".format(mask_dtype)) from exc
        if kwargs.get('axis_labels') is None and data_stream.axis_labels:
            axis_labels = {}
            for source, labels in data_stream.axis_labels.items():
                axis_labels[source] = labels
                if source in mask_sources:
                    axis_labels[source + '_mask'] = (
                        tuple(labels[:2]) if labels else None)
            kwargs['axis_labels'] = axis_labels
        super().__init__(data_stream, produces_examples=False, **kwargs)
        self.mask_sources = mask_sources
        self.mask_dtype = mask_dtype

    @property
    def sources(self):
        sources = []
        for source in self.data_stream.sources:
            sources.append(source)
            if source in self.mask_sources:
                sources.append(source + '_mask')
        return tuple(sources)

    def transform_batch(self, batch):
        padded = []
        for source, source_batch in zip(self.data_stream.sources, batch):
            if source not in self.mask_sources:
                padded.append(source_batch)
                continue
            sequences = [numpy.asarray(sequence) for sequence in source_batch]
            if any(sequence.ndim == 0 for sequence in sequences):
                raise ValueError("Padding: source {!r} holds scalars; only "
                                 "sequences can be padded".format(source))
            rest_shape = sequences[0].shape[1:]
            if any(sequence.shape[1:] != rest_shape
                   for sequence in sequences):
                raise ValueError(
                    "Padding: the sequences of source {!r} differ in shape "
                    "beyond their length: {}".format(
                        source, [sequence.shape for sequence in sequences]))
            lengths = [len(sequence) for sequence in sequences]
            max_length = max(lengths)
            # One dtype per distinct type: result_type takes few arguments.
            dtypes = {sequence.dtype for sequence in sequences
                      if sequence.size} or {sequences[0].dtype}
            dtype = numpy.result_type(*dtypes)
            data = numpy.zeros((len(sequences), max_length) + rest_shape,
                               dtype=dtype)
            mask = numpy.zeros((len(sequences), max_length),
                               dtype=self.mask_dtype)
            for index, (sequence, length) in enumerate(
                    zip(sequences, lengths)):
                data[index, :length] = sequence
                mask[index, :length] = 1
            padded.extend([data, mask])
        return tuple(padded)


class SortMapping:
    """Sort the examples of a batch; a mapping for
    :class:`~blocks.data.transformers.Mapping`.

    Together with :class:`Batch` and :class:`Unpack` it makes batches of
    sequences of similar lengths, so that little padding is needed: read a
    large buffer of examples as one batch, sort it by length, split it into
    examples again and batch those.

    Parameters
    ----------
    key : callable
        Given one example (a tuple with an entry per source), returns what
        to sort by, e.g. ``SourceLength(0)``. Use a picklable callable (not
        a lambda) to keep the stream picklable.
    reverse : bool, optional
        Sort in decreasing order.

    Examples
    --------
    >>> from blocks.data.datasets import IterableDataset
    >>> from blocks.data.schemes import ConstantScheme
    >>> from blocks.data.streams import DataStream
    >>> from blocks.data.transformers import Mapping
    >>> sequences = [[1, 2, 3], [4], [5, 6], [7], [8, 9, 10], [11, 12]]
    >>> stream = DataStream(IterableDataset(sequences))
    >>> stream = Batch(stream, iteration_scheme=ConstantScheme(6))
    >>> stream = Mapping(stream, SortMapping(SourceLength(0)))
    >>> stream = Unpack(stream)
    >>> stream = Batch(stream, iteration_scheme=ConstantScheme(2))
    >>> stream = Padding(stream, mask_dtype='int8')
    >>> [data.shape for data, mask in stream.get_epoch_iterator()]
    [(2, 1), (2, 2), (2, 3)]

    """
    def __init__(self, key, reverse=False):
        if not callable(key):
            raise TypeError("SortMapping: key must be callable, got {!r}"
                            .format(key))
        self.key = key
        self.reverse = reverse

    def __call__(self, batch):
        examples = list(zip(*batch))
        examples.sort(key=self.key, reverse=self.reverse)
        return tuple(stack_examples(list(source_data))
                     for source_data in zip(*examples))


class SourceLength:
    """The length of one source of an example: a picklable sort key.

    Parameters
    ----------
    index : int, optional
        The position of the source in the example, 0 by default.

    """
    def __init__(self, index=0):
        self.index = index

    def __call__(self, example):
        return len(example[self.index])
