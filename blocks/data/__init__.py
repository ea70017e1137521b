"""The data layer: datasets, iteration schemes, streams and transformers.

It follows the interface of Fuel, the data framework Blocks was developed
with, module for module: code written as ``from fuel.streams import
DataStream`` works as ``from blocks.data.streams import DataStream``.

- :mod:`blocks.data.datasets` says where the data comes from;
- :mod:`blocks.data.schemes` says in which order and in which batches to
  read it;
- :mod:`blocks.data.streams` reads it, one epoch at a time;
- :mod:`blocks.data.transformers` changes it on the way.

Everything here pickles, including an epoch iterator in the middle of an
epoch, so that training can be checkpointed and resumed exactly.

"""
