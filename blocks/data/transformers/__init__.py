"""Transformers: streams that change the data of other streams.

Wrap a data stream in transformers to reshape, convert, batch, pad, select
or rename its data, or to augment it at random
(:mod:`~blocks.data.transformers.augmentation`)::

    stream = Flatten(DataStream.default_stream(
        mnist, iteration_scheme=SequentialScheme(mnist.num_examples, 256)))

Every transformer, and every epoch iterator it returns, pickles in the
middle of an epoch (provided the functions given to :class:`Mapping` and
:class:`Filter` do).

"""
from blocks.data.transformers.arrays import (
    Cast, Flatten, ForceFloatX, ScaleAndShift)
from blocks.data.transformers.augmentation import (
    AddGaussianNoise, AddSaltAndPepper, MultiHot, OneHot, RandomCrop,
    RandomFlip)
from blocks.data.transformers.base import (
    AgnosticSourcewiseTransformer, AgnosticTransformer, Filter, Mapping,
    SourcewiseTransformer, Transformer)
from blocks.data.transformers.batches import (
    Batch, Padding, SortMapping, SourceLength, Unpack)
from blocks.data.transformers.sources import FilterSources, Merge, Rename

__all__ = ('Transformer', 'AgnosticTransformer', 'SourcewiseTransformer',
           'AgnosticSourcewiseTransformer', 'Mapping', 'Filter', 'Flatten',
           'Cast', 'ScaleAndShift', 'ForceFloatX', 'Batch', 'Unpack',
           'Padding', 'SortMapping', 'SourceLength', 'FilterSources', 'Rename',
           'Merge', 'AddGaussianNoise', 'AddSaltAndPepper', 'RandomFlip',
           'RandomCrop', 'OneHot', 'MultiHot')
