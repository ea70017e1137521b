r"""Sequence generators: recurrent networks that generate and score sequences.

Language models, translation models and handwriting synthesis all
generate a sequence one element after the other, feeding every generated
element back into the recurrent network; sometimes an attention mechanism
conditions the generation on another structured input.

:class:`SequenceGenerator` builds such a network from three components:

- a core recurrent transition (e.g. an :class:`~blocks.bricks.recurrent.LSTM`
  or a :class:`~blocks.bricks.recurrent.GatedRecurrent`),
- a *readout*, which produces the next element from the states of the
  network and the glimpses of the attention,
- optionally an attention mechanism (see :mod:`blocks.bricks.attention`).

It relies on :class:`BaseSequenceGenerator`, whose transition must have an
attention mechanism (an :class:`~blocks.bricks.attention.AttentionRecurrent`);
without attention, :class:`SequenceGenerator` wraps the transition in a
:class:`FakeAttentionRecurrent`.

"""
from blocks.bricks.sequence_generators.readouts import (
    AbstractEmitter, AbstractFeedback, AbstractReadout, LookupFeedback,
    Readout, SoftmaxEmitter, TrivialEmitter, TrivialFeedback)
from blocks.bricks.sequence_generators.base import (
    BaseSequenceGenerator, FakeAttentionRecurrent, SequenceGenerator)

__all__ = ('AbstractEmitter', 'AbstractFeedback', 'AbstractReadout',
           'LookupFeedback', 'Readout', 'SoftmaxEmitter', 'TrivialEmitter',
           'TrivialFeedback', 'BaseSequenceGenerator',
           'FakeAttentionRecurrent', 'SequenceGenerator')
