"""Transformers that augment data at random, and label encodings.

Brainstorm's data iterators as transformers: Gaussian and salt-and-pepper
noise, random flips and random crops (with padding), and one-hot and
multi-hot encoding of class indices.

The random transformers draw from their own
:class:`numpy.random.RandomState`, seeded with `seed` (by default
``config.default_seed``) unless an `rng` is given: a stream built twice
alike yields the same data, and the generator pickles with the stream, so
a stream pickled in the middle of an epoch goes on with the same data.
They work on examples and on batches; in a batch every example gets its
own random draw.

>>> import numpy
>>> from blocks.data.datasets import IndexableDataset
>>> from blocks.data.schemes import SequentialScheme
>>> from blocks.data.streams import DataStream
>>> images = numpy.zeros((4, 1, 6, 6))
>>> stream = RandomCrop(RandomFlip(DataStream(
...     IndexableDataset({'features': images}),
...     iteration_scheme=SequentialScheme(4, 2))), (5, 5), padding=1)
>>> [batch.shape for batch, in stream.get_epoch_iterator()]
[(2, 1, 5, 5), (2, 1, 5, 5)]

"""
import numbers

import numpy
import aesara

from blocks.config import config
from blocks.data.transformers.base import (
    AgnosticSourcewiseTransformer, SourcewiseTransformer,
    check_data_stream)

__all__ = ['AddGaussianNoise', 'AddSaltAndPepper', 'RandomFlip',
           'RandomCrop', 'OneHot', 'MultiHot']


def _random_state(owner, rng, seed):
    if rng is not None and seed is not None:
        raise ValueError("{}: give rng or seed, not both".format(owner))
    if rng is not None:
        if not isinstance(rng, numpy.random.RandomState):
            raise TypeError("{}: rng must be a numpy.random.RandomState, got "
                            "{!r}".format(owner, rng))
        return rng
    if seed is None:
        seed = config.default_seed
    return numpy.random.RandomState(seed)


def _check_probability(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
            not 0 <= value <= 1:
        raise ValueError("{}: {} must be a probability in [0, 1], got {!r}"
                         .format(owner, name, value))
    return float(value)


def _float_array(owner, data, source_name):
    array = numpy.asarray(data)
    if array.dtype.kind != 'f':
        raise TypeError("{}: the source {!r} has dtype {}; this transformer "
                        "works on floating-point data (select the sources "
                        "with which_sources, or Cast them first)".format(
                            owner, source_name, array.dtype))
    return array


class _RandomSourcewise(AgnosticSourcewiseTransformer):
    """A sourcewise transformer with a random generator that tells
    examples from batches."""
    def __init__(self, data_stream, which_sources=None, rng=None, seed=None,
                 **kwargs):
        self.rng = _random_state(type(self).__name__, rng, seed)
        super().__init__(data_stream, which_sources=which_sources, **kwargs)

    def transform_source_example(self, source_example, source_name):
        return self.transform_examples(numpy.asarray(source_example)[None],
                                       source_name)[0]

    def transform_source_batch(self, source_batch, source_name):
        return self.transform_examples(source_batch, source_name)

    def transform_any_source(self, source_data, source_name):
        raise AssertionError("unreachable: examples and batches are told "
                             "apart")

    def transform_examples(self, examples, source_name):
        """Transform an array whose first axis goes over the examples."""
        raise NotImplementedError


class AddGaussianNoise(_RandomSourcewise):
    """Add Gaussian noise to floating-point sources.

    Parameters
    ----------
    data_stream : AbstractDataStream
        The stream to transform.
    std : float or dict
        The standard deviation of the noise, or a dict mapping source
        names to standard deviations (whose keys are then the default
        `which_sources`).
    mean : float or dict, optional
        The mean of the noise, likewise; 0 by default.
    which_sources : tuple of str, optional
        The sources to add noise to; all of them (or the keys of `std`) by
        default.
    rng : :class:`numpy.random.RandomState`, optional
        The generator to draw from.
    seed : int, optional
        The seed of a new generator; ``config.default_seed`` by default.
    \\*\\*kwargs
        Passed to :class:`~blocks.data.transformers.Transformer`.

    Examples
    --------
    >>> import numpy
    >>> from blocks.data.datasets import IterableDataset
    >>> from blocks.data.streams import DataStream
    >>> stream = AddGaussianNoise(DataStream(
    ...     IterableDataset({'x': numpy.zeros((1000, 2))})), std=0.5, seed=3)
    >>> noise = numpy.array([x for x, in stream.get_epoch_iterator()])
    >>> round(float(noise.std()), 1)
    0.5

    """
    def __init__(self, data_stream, std, mean=0., which_sources=None,
                 rng=None, seed=None, **kwargs):
        check_data_stream('AddGaussianNoise', data_stream)
        if isinstance(std, dict) and which_sources is None:
            which_sources = tuple(source for source in data_stream.sources
                                  if source in std)
        super().__init__(data_stream, which_sources=which_sources, rng=rng,
                         seed=seed, **kwargs)
        self.std = self._per_source('std', std, minimum=0)
        self.mean = self._per_source('mean', mean)

    def _per_source(self, name, value, minimum=None):
        values = value if isinstance(value, dict) else \
            {source: value for source in self.which_sources}
        missing = [source for source in self.which_sources
                   if source not in values]
        if missing:
            raise ValueError("AddGaussianNoise: {} gives no value for the "
                             "sources {}".format(name, missing))
        for source in self.which_sources:
            number = values[source]
            if isinstance(number, bool) or \
                    not isinstance(number, numbers.Real) or \
                    (minimum is not None and number < minimum):
                raise ValueError("AddGaussianNoise: {} for the source {!r} "
                                 "must be a real number{}, got {!r}".format(
                                     name, source,
                                     '' if minimum is None else
                                     ' >= {}'.format(minimum), number))
        return {source: float(values[source])
                for source in self.which_sources}

    def transform_examples(self, examples, source_name):
        examples = _float_array('AddGaussianNoise', examples, source_name)
        noise = self.rng.normal(self.mean[source_name],
                                self.std[source_name], size=examples.shape)
        return (examples + noise).astype(examples.dtype)


class AddSaltAndPepper(_RandomSourcewise):
    """Replace random elements by a high ("salt") or a low ("pepper") value.

    Each element is replaced with probability `probability`; a replaced
    element becomes `high` with probability `ratio` and `low` otherwise.

    Parameters
    ----------
    data_stream : AbstractDataStream
        The stream to transform.
    probability : float
        The probability that an element is replaced.
    ratio : float, optional
        The fraction of salt among replaced elements; 0.5 by default.
    low, high : float, optional
        The values of pepper and salt; 0 and 1 by default.
    which_sources, rng, seed, \\*\\*kwargs
        See :class:`AddGaussianNoise`.

    """
    def __init__(self, data_stream, probability, ratio=0.5, low=0.,
                 high=1., which_sources=None, rng=None, seed=None,
                 **kwargs):
        self.probability = _check_probability('AddSaltAndPepper',
                                              'probability', probability)
        self.ratio = _check_probability('AddSaltAndPepper', 'ratio', ratio)
        self.low = low
        self.high = high
        super().__init__(data_stream, which_sources=which_sources, rng=rng,
                         seed=seed, **kwargs)

    def transform_examples(self, examples, source_name):
        examples = numpy.array(examples)
        replaced = self.rng.uniform(size=examples.shape) < self.probability
        salt = self.rng.uniform(size=examples.shape) < self.ratio
        examples[replaced & salt] = self.high
        examples[replaced & ~salt] = self.low
        return examples


class RandomFlip(_RandomSourcewise):
    """Flip examples along an axis at random.

    Brainstorm's ``Flip``: by default the last axis of every example (the
    width of an image, which is a horizontal flip) is reversed with
    probability 0.5.

    Parameters
    ----------
    data_stream : AbstractDataStream
        The stream to transform.
    probability : float, optional
        The probability that an example is flipped; 0.5 by default.
    axis : int, optional
        The axis of an example to reverse; -1 by default.
    which_sources, rng, seed, \\*\\*kwargs
        See :class:`AddGaussianNoise`.

    """
    def __init__(self, data_stream, probability=0.5, axis=-1,
                 which_sources=None, rng=None, seed=None, **kwargs):
        self.probability = _check_probability('RandomFlip', 'probability',
                                              probability)
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise TypeError("RandomFlip: axis must be an integer, got {!r}"
                            .format(axis))
        self.axis = int(axis)
        super().__init__(data_stream, which_sources=which_sources, rng=rng,
                         seed=seed, **kwargs)

    def transform_examples(self, examples, source_name):
        examples = numpy.array(examples)
        example_ndim = examples.ndim - 1
        if not -example_ndim <= self.axis < example_ndim:
            raise ValueError("RandomFlip: axis {} does not exist in the "
                             "examples of the source {!r}, which have {} "
                             "dimension(s)".format(self.axis, source_name,
                                                   example_ndim))
        flipped = self.rng.uniform(size=len(examples)) < self.probability
        axis = self.axis % example_ndim + 1
        examples[flipped] = numpy.flip(examples[flipped], axis=axis)
        return examples


def _pair(owner, name, value, minimum):
    pair = (value, value) if isinstance(value, numbers.Integral) else value
    try:
        pair = tuple(pair)
    except TypeError:
        pair = ()
    if len(pair) != 2 or any(
            isinstance(number, bool) or
            not isinstance(number, numbers.Integral) or number < minimum
            for number in pair):
        raise ValueError("{}: {} must be an integer or a pair of integers "
                         ">= {}, got {!r}".format(owner, name, minimum,
                                                  value))
    return tuple(int(number) for number in pair)


class RandomCrop(_RandomSourcewise):
    """Crop a random window of the last two axes of each example.

    Brainstorm's ``Pad`` and ``RandomCrop`` together: the images are first
    padded on all sides of their last two axes (height and width), then a
    window of `crop_shape` is cut out at a random position, uniformly.

    Parameters
    ----------
    data_stream : AbstractDataStream
        The stream to transform.
    crop_shape : int or (int, int)
        The height and width of the windows.
    padding : int or (int, int), optional
        Added before and after the height and the width; 0 by default.
    pad_value : float, optional
        The value of the padding; 0 by default.
    which_sources, rng, seed, \\*\\*kwargs
        See :class:`AddGaussianNoise`.

    """
    def __init__(self, data_stream, crop_shape, padding=0, pad_value=0.,
                 which_sources=None, rng=None, seed=None, **kwargs):
        self.crop_shape = _pair('RandomCrop', 'crop_shape', crop_shape, 1)
        self.padding = _pair('RandomCrop', 'padding', padding, 0)
        self.pad_value = pad_value
        super().__init__(data_stream, which_sources=which_sources, rng=rng,
                         seed=seed, **kwargs)

    def transform_examples(self, examples, source_name):
        examples = numpy.asarray(examples)
        if examples.ndim < 3:
            raise ValueError("RandomCrop: the examples of the source {!r} "
                             "have {} dimension(s); they need at least 2 "
                             "(height, width)".format(source_name,
                                                      examples.ndim - 1))
        pad_height, pad_width = self.padding
        if pad_height or pad_width:
            widths = [(0, 0)] * (examples.ndim - 2) + [
                (pad_height, pad_height), (pad_width, pad_width)]
            examples = numpy.pad(examples, widths,
                                 constant_values=self.pad_value)
        height, width = examples.shape[-2:]
        crop_height, crop_width = self.crop_shape
        if crop_height > height or crop_width > width:
            raise ValueError("RandomCrop: cannot crop windows of {} from the "
                             "examples of the source {!r}, of height and "
                             "width {} after padding".format(
                                 self.crop_shape, source_name,
                                 (height, width)))
        tops = self.rng.randint(height - crop_height + 1, size=len(examples))
        lefts = self.rng.randint(width - crop_width + 1, size=len(examples))
        crops = numpy.empty(examples.shape[:-2] + self.crop_shape,
                            dtype=examples.dtype)
        for index, (top, left) in enumerate(zip(tops, lefts)):
            crops[index] = examples[index, ..., top:top + crop_height,
                                    left:left + crop_width]
        return crops


def _float_dtype(owner, dtype):
    if dtype == 'floatX':
        dtype = aesara.config.floatX
    try:
        return numpy.dtype(dtype)
    except TypeError as exc:
        raise TypeError("{}: dtype must be a NumPy data type or 'floatX', "
                        "got {!r}".format(owner, dtype)) from exc


class _Encoding(SourcewiseTransformer):
    def __init__(self, data_stream, num_classes, which_sources=None,
                 dtype='floatX', **kwargs):
        owner = type(self).__name__
        if isinstance(num_classes, bool) or \
                not isinstance(num_classes, numbers.Integral) or \
                num_classes < 1:
            raise ValueError("{}: num_classes must be a positive integer, "
                             "got {!r}".format(owner, num_classes))
        self.num_classes = int(num_classes)
        self.dtype = _float_dtype(owner, dtype)
        super().__init__(data_stream, which_sources=which_sources, **kwargs)
        if self.axis_labels:
            # The shapes change; labels that no longer fit are dropped.
            self.axis_labels = {
                source: (None if source in self.which_sources else labels)
                for source, labels in self.axis_labels.items()}

    def _check_indices(self, indices, source_name):
        indices = numpy.asarray(indices)
        if indices.size and (indices.dtype.kind not in 'iu' or
                             indices.min() < 0 or
                             indices.max() >= self.num_classes):
            raise ValueError("{}: the source {!r} must hold class indices in "
                             "[0, {}), got {!r}".format(
                                 type(self).__name__, source_name,
                                 self.num_classes, indices))
        return indices.astype('int64')


class OneHot(_Encoding):
    """Encode class indices as one-hot vectors.

    An example's index (a scalar, or an array of shape ``(1,)``) becomes a
    vector of `num_classes` zeros with a one at the index; a batch of
    shape ``(batch,)`` or ``(batch, 1)`` becomes a matrix of shape
    ``(batch, num_classes)``. More generally a trailing axis of length 1
    is replaced by one of length `num_classes`, and any other array gets
    that axis appended.

    Parameters
    ----------
    data_stream : AbstractDataStream
        The stream to transform.
    num_classes : int
        The number of classes.
    which_sources : tuple of str, optional
        The sources to encode; all of them by default.
    dtype : str, optional
        The dtype of the vectors; 'floatX' by default.
    \\*\\*kwargs
        Passed to :class:`~blocks.data.transformers.Transformer`.

    Examples
    --------
    >>> from blocks.data.datasets import IterableDataset
    >>> from blocks.data.streams import DataStream
    >>> stream = OneHot(DataStream(IterableDataset({'y': [2, 0]})), 3)
    >>> [y.tolist() for y, in stream.get_epoch_iterator()]
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]

    """
    def _encode(self, indices, source_name):
        indices = self._check_indices(indices, source_name)
        if indices.ndim and indices.shape[-1] == 1:
            indices = indices[..., 0]
        return numpy.eye(self.num_classes, dtype=self.dtype)[indices]

    def transform_source_example(self, source_example, source_name):
        return self._encode(source_example, source_name)

    def transform_source_batch(self, source_batch, source_name):
        return self._encode(source_batch, source_name)


class MultiHot(_Encoding):
    """Encode sets of class indices as multi-hot vectors.

    An example (a sequence of class indices, possibly empty) becomes a
    vector of `num_classes` zeros with ones at its indices; a batch (a
    sequence of examples) a matrix with one such row per example.

    Parameters
    ----------
    data_stream : AbstractDataStream
        The stream to transform.
    num_classes : int
        The number of classes.
    which_sources, dtype, \\*\\*kwargs
        See :class:`OneHot`.

    Examples
    --------
    >>> from blocks.data.datasets import IterableDataset
    >>> from blocks.data.streams import DataStream
    >>> stream = MultiHot(DataStream(IterableDataset(
    ...     {'tags': [[0, 2], [], [1]]})), 3)
    >>> [tags.tolist() for tags, in stream.get_epoch_iterator()]
    [[1.0, 0.0, 1.0], [0.0, 0.0, 0.0], [0.0, 1.0, 0.0]]

    """
    def transform_source_example(self, source_example, source_name):
        indices = self._check_indices(numpy.asarray(source_example).ravel(),
                                      source_name)
        vector = numpy.zeros(self.num_classes, dtype=self.dtype)
        vector[indices] = 1
        return vector

    def transform_source_batch(self, source_batch, source_name):
        return numpy.stack([
            self.transform_source_example(example, source_name)
            for example in source_batch]) if len(source_batch) else \
            numpy.zeros((0, self.num_classes), dtype=self.dtype)
