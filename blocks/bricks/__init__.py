"""Bricks: parametrised Aesara operations that annotate the graph they build.

The classes most models need are importable from here; the modules hold
the families (:mod:`~blocks.bricks.simple`, :mod:`~blocks.bricks.sequences`,
:mod:`~blocks.bricks.lookup`, :mod:`blocks.bricks.cost`, ...).

"""
from blocks.bricks.base import application, Brick, lazy
from blocks.bricks.bn import (BatchNormalization, BatchNormalizedMLP,
                              LayerNormalization, SpatialBatchNormalization)
from blocks.bricks.interfaces import (Activation, ActivationDocumentation,
                                      Feedforward, Initializable, LinearLike,
                                      Random, RNGMixin)
from blocks.bricks.sequences import Sequence, FeedforwardSequence, MLP
from blocks.bricks.simple import (Linear, Bias, Maxout, LinearMaxout,
                                  Identity, Tanh, Logistic, Softplus,
                                  Rectifier, LeakyRectifier, PReLU, Softmax,
                                  NDimensionalSoftmax)
from blocks.roles import (INPUT, OUTPUT, PARAMETER, WEIGHT, BIAS, FILTER,
                          AUXILIARY, COST)

__all__ = ['application', 'Brick', 'lazy', 'Activation',
           'ActivationDocumentation', 'Feedforward', 'Initializable',
           'LinearLike', 'Random', 'RNGMixin', 'Sequence',
           'FeedforwardSequence', 'MLP', 'Linear', 'Bias', 'Maxout',
           'LinearMaxout', 'Identity', 'Tanh', 'Logistic', 'Softplus',
           'Rectifier', 'LeakyRectifier', 'PReLU', 'Softmax',
           'NDimensionalSoftmax', 'BatchNormalization',
           'SpatialBatchNormalization', 'BatchNormalizedMLP',
           'LayerNormalization',
           'INPUT', 'OUTPUT', 'PARAMETER', 'WEIGHT', 'BIAS', 'FILTER',
           'AUXILIARY', 'COST']
