"""Training extensions: the callbacks that do most of the work of training.

The main loop only feeds batches to the algorithm; extensions monitor,
print, save, and decide when to stop. This package gathers the basic ones:

- :mod:`blocks.extensions.base`: :class:`TrainingExtension`,
  :class:`SimpleExtension`, :class:`CallbackName` and the trigger
  predicates;
- :mod:`blocks.extensions.reporting`: :class:`Printing`,
  :class:`ProgressBar`, :class:`Timing`;
- :mod:`blocks.extensions.stopping`: :class:`FinishAfter` (and
  :class:`~blocks.extensions.stopping.FinishIfNoImprovementAfter`,
  :class:`~blocks.extensions.stopping.EarlyStopping`, ...);
- :mod:`blocks.extensions.composite`: :class:`CompositeExtension`;
- :mod:`blocks.extensions.timestamp`: :class:`Timestamp`;

and, in their own modules, :mod:`~blocks.extensions.monitoring`,
:mod:`~blocks.extensions.training`, :mod:`~blocks.extensions.schedules`
(learning rate and momentum schedules) and
:mod:`~blocks.extensions.predicates`.

"""
from blocks.extensions.base import (
    CALLBACK_NAMES, CallbackName, Predicate, SimpleExtension,
    TrainingExtension, always_true, callback, has_done_epochs)
from blocks.extensions.composite import CompositeExtension
from blocks.extensions.reporting import Printing, ProgressBar, Timing
from blocks.extensions.stopping import FinishAfter
from blocks.extensions.timestamp import Timestamp

__all__ = ['CALLBACK_NAMES', 'CallbackName', 'CompositeExtension',
           'FinishAfter', 'Predicate', 'Printing', 'ProgressBar',
           'SimpleExtension', 'Timestamp', 'Timing', 'TrainingExtension',
           'always_true', 'callback', 'has_done_epochs']
