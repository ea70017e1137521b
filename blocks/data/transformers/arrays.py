"""Transformers that change the arrays of some sources: shape, type, scale."""
import aesara
import numpy

from blocks.data.transformers.base import (
    AgnosticSourcewiseTransformer, SourcewiseTransformer)


class Flatten(SourcewiseTransformer):
    """Flatten the arrays of some sources.

    Examples become vectors; batches become matrices with one row per
    example (every axis but the first is flattened).

    Parameters
    ----------
    data_stream : AbstractDataStream
        The stream to transform.
    which_sources : tuple of str, optional
        The sources to flatten; all of them by default.
    \\*\\*kwargs
        Passed to :class:`~blocks.data.transformers.Transformer`.

    Notes
    -----
    Axis labels of flattened sources become ``('batch', 'feature')`` (or
    ``('feature',)`` for examples).

    Examples
    --------
    >>> import numpy
    >>> from blocks.data.datasets import IndexableDataset
    >>> from blocks.data.schemes import SequentialScheme
    >>> from blocks.data.streams import DataStream
    >>> images = numpy.zeros((4, 1, 2, 3))
    >>> stream = Flatten(DataStream(
    ...     IndexableDataset(images), iteration_scheme=SequentialScheme(4, 2)))
    >>> [batch.shape for batch, in stream.get_epoch_iterator()]
    [(2, 6), (2, 6)]

    """
    def __init__(self, data_stream,
                 which_sources: tuple[str, ...] | None = None, **kwargs):
        super().__init__(data_stream, which_sources=which_sources, **kwargs)
        if 'axis_labels' not in kwargs and data_stream.axis_labels:
            self.axis_labels = self._infer_axis_labels()

    def _infer_axis_labels(self):
        axis_labels = {}
        for source, labels in self.data_stream.axis_labels.items():
            if source not in self.which_sources:
                axis_labels[source] = labels
            elif not labels:
                axis_labels[source] = None
            elif self.produces_examples:
                axis_labels[source] = ('feature',)
            else:
                axis_labels[source] = (labels[0], 'feature')
        return axis_labels

    def transform_source_example(self, source_example, source_name):
        return numpy.asarray(source_example).ravel()

    def transform_source_batch(self, source_batch, source_name):
        source_batch = numpy.asarray(source_batch)
        return source_batch.reshape((source_batch.shape[0], -1))


def _check_dtype(owner, dtype):
    if dtype == 'floatX':
        dtype = aesara.config.floatX
    try:
        return numpy.dtype(dtype).name
    except TypeError as exc:
        raise TypeError("{}: dtype must be a NumPy data type or 'floatX', "
                        "got {!r}".format(owner, dtype)) from exc


class Cast(AgnosticSourcewiseTransformer):
    """Convert the arrays of some sources to a data type.

    Parameters
    ----------
    data_stream : AbstractDataStream
        The stream to transform.
    dtype : str or numpy.dtype
        The target type; ``'floatX'`` means ``aesara.config.floatX`` (read
        when the transformer is built).
    which_sources : tuple of str, optional
        The sources to convert; all of them by default.
    \\*\\*kwargs
        Passed to :class:`~blocks.data.transformers.Transformer`.

    """
    def __init__(self, data_stream, dtype,
                 which_sources: tuple[str, ...] | None = None, **kwargs):
        self.dtype = _check_dtype('Cast', dtype)
        super().__init__(data_stream, which_sources=which_sources, **kwargs)

    def transform_any_source(self, source_data, source_name):
        return numpy.asarray(source_data, dtype=self.dtype)


class ScaleAndShift(AgnosticSourcewiseTransformer):
    """Compute ``data * scale + shift`` for some sources.

    Parameters
    ----------
    data_stream : AbstractDataStream
        The stream to transform.
    scale : float
        The factor.
    shift : float
        The offset added after scaling.
    which_sources : tuple of str, optional
        The sources to transform; all of them by default.
    \\*\\*kwargs
        Passed to :class:`~blocks.data.transformers.Transformer`.

    Notes
    -----
    NumPy's type rules apply: integer data scaled by a float becomes
    ``float64``. Follow with :class:`Cast` to get ``floatX``.

    """
    def __init__(self, data_stream, scale: float, shift: float,
                 which_sources: tuple[str, ...] | None = None, **kwargs):
        self.scale = scale
        self.shift = shift
        super().__init__(data_stream, which_sources=which_sources, **kwargs)

    def transform_any_source(self, source_data, source_name):
        return numpy.asarray(source_data) * self.scale + self.shift


class ForceFloatX(AgnosticSourcewiseTransformer):
    """Cast floating-point arrays of some sources to ``floatX``.

    Arrays of other types (integers, e.g. targets) pass unchanged.

    Parameters
    ----------
    data_stream : AbstractDataStream
        The stream to transform.
    which_sources : tuple of str, optional
        The sources to consider; all of them by default.
    \\*\\*kwargs
        Passed to :class:`~blocks.data.transformers.Transformer`.

    """
    def __init__(self, data_stream,
                 which_sources: tuple[str, ...] | None = None, **kwargs):
        super().__init__(data_stream, which_sources=which_sources, **kwargs)

    def transform_any_source(self, source_data, source_name):
        if isinstance(source_data, numpy.ndarray) and \
                source_data.dtype.kind == 'f':
            return source_data.astype(aesara.config.floatX, copy=False)
        return source_data
