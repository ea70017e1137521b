"""Datasets: where the data comes from.

:class:`Dataset` defines the interface; :class:`IterableDataset` and
:class:`IndexableDataset` wrap data already in memory; :class:`MNIST` and
:class:`Digits` load real handwritten digits; :class:`Spiral` and
:class:`SwissRoll` draw toy data; :class:`TextFile` and
:class:`OneBillionWord` read text line by line.

"""
from blocks.data.datasets.base import (
    Dataset, IndexableDataset, IterableDataset, LazyIndexableDataset)
from blocks.data.datasets.digits import Digits
from blocks.data.datasets.mnist import MNIST
from blocks.data.datasets.text import OneBillionWord, TextFile
from blocks.data.datasets.toy import Spiral, SwissRoll

__all__ = ('Dataset', 'IterableDataset', 'IndexableDataset',
           'LazyIndexableDataset', 'MNIST', 'Digits', 'Spiral',
           'SwissRoll', 'TextFile', 'OneBillionWord')
