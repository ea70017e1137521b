r"""Attention mechanisms and recurrent transitions equipped with them.

Terminology used throughout this module:

- the *network* is the network, typically a recurrent one, that uses the
  attention mechanism; it has *states* (plural, since e.g. an LSTM has
  several);
- the *attended* is the big structured input the attention is applied to,
  e.g. a sequence of vectors; when its structure varies (sequences of
  different lengths) a *mask* tells which positions hold data;
- the information the attention extracts from the attended is called the
  *glimpses*.

An attention mechanism computes glimpses from the states of the network
and the attended. In the translation model of [BCB]_ the attended is the
sequence of annotations (states of a bidirectional network over the source
sentence); the attention weights these annotations, and the weights and
the weighted average are the glimpses. :class:`SequenceContentAttention`
is a generalisation of that mechanism.

.. [BCB] Dzmitry Bahdanau, Kyunghyun Cho and Yoshua Bengio. Neural Machine
   Translation by Jointly Learning to Align and Translate.

"""
from blocks.bricks.attention.mechanisms import (
    AbstractAttention, GenericSequenceAttention, SequenceContentAttention,
    ShallowEnergyComputer, check_attended)
from blocks.bricks.attention.recurrent import (
    AbstractAttentionRecurrent, AttentionRecurrent)

__all__ = ('AbstractAttention', 'GenericSequenceAttention',
           'SequenceContentAttention', 'ShallowEnergyComputer',
           'check_attended', 'AbstractAttentionRecurrent',
           'AttentionRecurrent')
