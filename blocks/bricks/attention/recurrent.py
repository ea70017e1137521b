"""Recurrent transitions equipped with an attention mechanism.

See :mod:`blocks.bricks.attention` for the terminology.

"""
from abc import abstractmethod

from aesara import tensor

from blocks.bricks.attention.mechanisms import (AbstractAttention,
                                                check_attended)
from blocks.bricks.base import application
from blocks.bricks.interfaces import Initializable
from blocks.bricks.parallel import Distribute
from blocks.bricks.recurrent import BaseRecurrent, recurrent
from blocks.bricks.recurrent.base import check_recurrent_brick
from blocks.utils import dict_subset, dict_union, pack


class AbstractAttentionRecurrent(BaseRecurrent):
    """The interface of recurrent transitions equipped with attention.

    The transition of such a network has two stages: (1) the attention
    takes glimpses, (2) the next states are computed from the current
    states and the glimpses. Besides the do-it-all :meth:`apply`, some
    users (the sequence generators) need each stage on its own:
    :meth:`take_glimpses` and :meth:`compute_states`.

    """
    @abstractmethod
    def apply(self, **kwargs):
        """Compute next states taking glimpses on the way."""

    @abstractmethod
    def compute_states(self, **kwargs):
        """Compute next states given current states and glimpses."""

    @abstractmethod
    def take_glimpses(self, **kwargs):
        """Compute glimpses given the current states."""


class AttentionRecurrent(AbstractAttentionRecurrent, Initializable):
    """Combines an attention mechanism and a recurrent transition.

    Two contexts are added to the transition: the attended and its mask
    (or, with ``add_contexts=False``, the first two contexts of the
    transition play these roles). At every step the attention takes
    glimpses from the current states, then the transition computes the
    next states from the current states and the glimpses; a
    ``distribute`` brick adds a transformation of the first glimpse to the
    transition's sequential inputs. The glimpses that the attention needs
    from the previous step become states of the new transition.

    Parameters
    ----------
    transition : :class:`~blocks.bricks.recurrent.BaseRecurrent`
        The recurrent transition.
    attention : :class:`AbstractAttention`
        The attention mechanism.
    distribute : :class:`~blocks.bricks.Brick`, optional
        Distributes the glimpses across the sequential inputs of the
        transition; a :class:`~blocks.bricks.parallel.Distribute` of the
        first glimpse to every sequence whose name lacks ``mask`` by
        default.
    add_contexts : bool, optional
        Whether to add the attended and its mask as new contexts (True by
        default) or use the first two contexts of the transition.
    attended_name, attended_mask_name : str, optional
        The names of the attended and its mask; ``attended`` and
        ``attended_mask`` (or the transition's first two contexts) by
        default.

    Notes
    -----
    See :class:`~blocks.bricks.Initializable` for initialization
    parameters. All states of the wrapped transition become mandatory
    arguments of :meth:`do_apply` (they are filled in by
    :meth:`initial_states` when not given).

    """
    def __init__(self, transition, attention, distribute=None,
                 add_contexts=True, attended_name=None,
                 attended_mask_name=None, **kwargs):
        owner = '/' + kwargs.get('name', 'attentionrecurrent')
        check_recurrent_brick(owner, 'transition', transition)
        if not isinstance(attention, AbstractAttention):
            raise TypeError("{}: attention must be an AbstractAttention, got "
                            "{!r}".format(owner, attention))
        self._sequence_names = list(transition.apply.sequences)
        self._state_names = list(transition.apply.states)
        self._context_names = list(transition.apply.contexts)
        if add_contexts:
            attended_name = attended_name or 'attended'
            attended_mask_name = attended_mask_name or 'attended_mask'
            self._context_names += [attended_name, attended_mask_name]
        else:
            if len(self._context_names) < 2:
                raise ValueError(
                    "{}: add_contexts=False uses the transition's first two "
                    "contexts as the attended and its mask, but it has the "
                    "contexts {}".format(owner, self._context_names))
            attended_name = attended_name or self._context_names[0]
            attended_mask_name = attended_mask_name or self._context_names[1]
        if distribute is None:
            normal_inputs = [name for name in self._sequence_names
                             if 'mask' not in name]
            distribute = Distribute(normal_inputs,
                                    attention.take_glimpses.outputs[0])
        self.transition = transition
        self.attention = attention
        self.distribute = distribute
        self.add_contexts = add_contexts
        self.attended_name = attended_name
        self.attended_mask_name = attended_mask_name
        self.preprocessed_attended_name = 'preprocessed_' + attended_name
        self._glimpse_names = list(attention.take_glimpses.outputs)
        # The glimpses fed back are those take_glimpses also takes.
        self.previous_glimpses_needed = [
            name for name in self._glimpse_names
            if name in attention.take_glimpses.inputs]
        kwargs.setdefault('children', []).extend(
            [transition, attention, distribute])
        super().__init__(**kwargs)

    def _push_allocation_config(self):
        self.attention.state_dims = self.transition.get_dims(
            self.attention.state_names)
        self.attention.attended_dim = self.get_dim(self.attended_name)
        self.distribute.source_dim = self.attention.get_dim(
            self.distribute.source_name)
        self.distribute.target_dims = self.transition.get_dims(
            self.distribute.target_names)

    @application
    def take_glimpses(self, **kwargs):
        """Compute glimpses with the attention mechanism.

        Takes the attended, the states, the previous glimpses and
        optionally the attended's mask and its preprocessed version from
        the keyword arguments, renames them for the attention and calls
        its ``take_glimpses``; other arguments are ignored.

        Returns
        -------
        list of :class:`~aesara.tensor.TensorVariable`
            The current glimpses.

        """
        states = dict_subset(kwargs, self._state_names, pop=True)
        glimpses = dict_subset(kwargs, self._glimpse_names, pop=True,
                               must_have=False)
        needed = dict_subset(glimpses, self.previous_glimpses_needed)
        if self.attended_name not in kwargs:
            raise TypeError("{}.take_glimpses: the attended {!r} is missing"
                            .format(self.path_or_name(), self.attended_name))
        return self.attention.take_glimpses(
            kwargs.pop(self.attended_name),
            kwargs.pop(self.preprocessed_attended_name, None),
            kwargs.pop(self.attended_mask_name, None),
            as_list=True, **dict_union(
                dict_subset(states, self.attention.state_names), needed))

    @take_glimpses.property('outputs')
    def take_glimpses_outputs(self):
        return self._glimpse_names

    @application
    def compute_states(self, **kwargs):
        """Compute the current states when the glimpses are known.

        Applies the distribute brick to the transition's sequential inputs
        and the glimpses, then one step of the transition. Unknown keyword
        arguments go to the transition.

        Returns
        -------
        list of :class:`~aesara.tensor.TensorVariable`
            The current states of the transition.

        """
        sequences = dict_subset(kwargs, self._sequence_names, pop=True,
                                must_have=False)
        states = dict_subset(kwargs, self._state_names, pop=True)
        glimpses = dict_subset(kwargs, self._glimpse_names, pop=True)
        for name in (self.attended_name, self.attended_mask_name,
                     self.preprocessed_attended_name):
            if name not in self.transition.apply.contexts:
                kwargs.pop(name, None)
        distributed = self.distribute.apply(as_dict=True, **dict_subset(
            dict_union(sequences, glimpses), self.distribute.apply.inputs))
        sequences.update(distributed)
        return self.transition.apply(iterate=False, as_list=True,
                                     **dict_union(sequences, states, kwargs))

    @compute_states.property('outputs')
    def compute_states_outputs(self):
        return self._state_names

    @recurrent
    def do_apply(self, **kwargs):
        """Process a sequence attending the attended at every step.

        Needs the preprocessed attended besides the attended (see
        :meth:`apply`). Unknown keyword arguments go to the transition.

        Returns
        -------
        list of :class:`~aesara.tensor.TensorVariable`
            The current states, then the current glimpses.

        """
        attended = kwargs[self.attended_name]
        preprocessed_attended = kwargs.pop(self.preprocessed_attended_name)
        attended_mask = kwargs.get(self.attended_mask_name)
        sequences = dict_subset(kwargs, self._sequence_names, pop=True,
                                must_have=False)
        states = dict_subset(kwargs, self._state_names, pop=True)
        glimpses = dict_subset(kwargs, self._glimpse_names, pop=True)
        current_glimpses = self.take_glimpses(as_dict=True, **dict_union(
            states, glimpses,
            {self.attended_name: attended,
             self.attended_mask_name: attended_mask,
             self.preprocessed_attended_name: preprocessed_attended}))
        current_states = self.compute_states(as_list=True, **dict_union(
            sequences, states, current_glimpses, kwargs))
        return current_states + list(current_glimpses.values())

    @do_apply.property('sequences')
    def do_apply_sequences(self):
        return self._sequence_names

    @do_apply.property('contexts')
    def do_apply_contexts(self):
        return self._context_names + [self.preprocessed_attended_name]

    @do_apply.property('states')
    def do_apply_states(self):
        return self._state_names + self._glimpse_names

    @do_apply.property('outputs')
    def do_apply_outputs(self):
        return self._state_names + self._glimpse_names

    @application
    def apply(self, **kwargs):
        """Process a sequence attending the attended at every step.

        Preprocesses the attended and runs :meth:`do_apply`, which takes
        the same arguments and call options (``iterate``, ``mask``,
        ``return_initial_states``, ...).

        """
        if self.attended_name not in kwargs:
            raise TypeError("{}.apply: the attended {!r} is missing".format(
                self.path_or_name(), self.attended_name))
        attended = tensor.as_tensor_variable(kwargs[self.attended_name])
        if kwargs.get(self.attended_mask_name) is not None:
            kwargs[self.attended_mask_name] = check_attended(
                self, attended, kwargs[self.attended_mask_name], 'apply')
        else:
            check_attended(self, attended, None, 'apply')
        preprocessed_attended = self.attention.preprocess(attended)
        return self.do_apply(**dict_union(
            kwargs, {self.preprocessed_attended_name: preprocessed_attended}))

    @apply.delegate
    def apply_delegate(self):
        return self.do_apply

    @apply.property('contexts')
    def apply_contexts(self):
        return self._context_names

    @application
    def initial_states(self, batch_size, **kwargs):
        """The transition's initial states, then the initial glimpses."""
        return (pack(self.transition.initial_states(batch_size, **kwargs)) +
                pack(self.attention.initial_glimpses(
                    batch_size, kwargs[self.attended_name])))

    @initial_states.property('outputs')
    def initial_states_outputs(self):
        return self.do_apply.states

    def get_dim(self, name):
        if name in self._glimpse_names:
            return self.attention.get_dim(name)
        if name == self.preprocessed_attended_name:
            (original_name,) = self.attention.preprocess.outputs
            return self.attention.get_dim(original_name)
        if self.add_contexts:
            if name == self.attended_name:
                return self.attention.get_dim(
                    self.attention.take_glimpses.inputs[0])
            if name == self.attended_mask_name:
                return 0
        return self.transition.get_dim(name)
