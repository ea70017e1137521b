"""Recurrent bricks.

:mod:`~blocks.bricks.recurrent.base` holds the machinery
(:class:`BaseRecurrent`, the :func:`recurrent` decorator),
:mod:`~blocks.bricks.recurrent.architectures` the transitions
(:class:`SimpleRecurrent`, :class:`LSTM`, :class:`GatedRecurrent`) and
:mod:`~blocks.bricks.recurrent.misc` their compositions
(:class:`Bidirectional`, :class:`RecurrentStack`). Everything is importable
from here.

"""
from blocks.bricks.recurrent.base import (
    BaseRecurrent, RecurrentApplication, carry_masked, recurrent, scan_loop)
from blocks.bricks.recurrent.architectures import (
    GatedRecurrent, LSTM, SimpleRecurrent)
from blocks.bricks.recurrent.misc import (
    Bidirectional, RECURRENTSTACK_SEPARATOR, RecurrentStack)

__all__ = ('BaseRecurrent', 'RecurrentApplication', 'carry_masked',
           'recurrent', 'scan_loop', 'SimpleRecurrent', 'LSTM',
           'GatedRecurrent', 'Bidirectional', 'RecurrentStack',
           'RECURRENTSTACK_SEPARATOR')
