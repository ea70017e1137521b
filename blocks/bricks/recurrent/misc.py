"""Compositions of recurrent bricks: :class:`Bidirectional` and
:class:`RecurrentStack`."""
import copy
from collections import OrderedDict

from aesara import tensor

from blocks.bricks.base import application
from blocks.bricks.interfaces import Initializable
from blocks.bricks.parallel import Fork
from blocks.bricks.simple import Linear
from blocks.bricks.recurrent.base import (BaseRecurrent,
                                          check_recurrent_brick, recurrent)
from blocks.bricks.recurrent.implementation import (
    requested_implementation, would_fuse)

#: Separates a name from the level of the stack it belongs to.
RECURRENTSTACK_SEPARATOR = '#'


class Bidirectional(Initializable):
    """Bidirectional network.

    A bidirectional network is a combination of forward and backward
    recurrent networks which process inputs in different order: the
    outputs of both, the backward ones flipped back into the order of the
    inputs, are concatenated along their last axis.

    Parameters
    ----------
    prototype : :class:`~blocks.bricks.recurrent.BaseRecurrent`
        A prototype brick from which the forward and backward bricks
        (called ``forward`` and ``backward``) are copied.

    Notes
    -----
    See :class:`~blocks.bricks.Initializable` for initialization
    parameters.

    Examples
    --------
    >>> import numpy
    >>> from aesara import tensor
    >>> from blocks.bricks import Identity
    >>> from blocks.bricks.recurrent import SimpleRecurrent
    >>> from blocks.initialization import Identity as IdentityInit
    >>> bidirectional = Bidirectional(SimpleRecurrent(
    ...     dim=1, activation=Identity()), weights_init=IdentityInit())
    >>> bidirectional.initialize()
    >>> x = tensor.tensor3('x')
    >>> h = bidirectional.apply(x)
    >>> h.eval({x: [[[1.]], [[2.]], [[3.]]]})[:, 0]
    array([[1., 6.],
           [3., 5.],
           [6., 3.]])

    """
    has_biases = False

    def __init__(self, prototype, **kwargs):
        check_recurrent_brick('/' + kwargs.get('name', 'bidirectional'),
                              'prototype', prototype)
        self.prototype = prototype
        children = [copy.deepcopy(prototype) for _ in range(2)]
        children[0].name = 'forward'
        children[1].name = 'backward'
        kwargs.setdefault('children', []).extend(children)
        super().__init__(**kwargs)

    @application
    def apply(self, *args, **kwargs):
        """Applies forward and backward networks and concatenates outputs.

        Parameters
        ----------
        \\*args, \\*\\*kwargs
            The arguments of the prototype's ``apply``, and its call options
            except ``iterate`` and ``reverse``.

        Returns
        -------
        list of :class:`~aesara.tensor.TensorVariable`
            One output per output of the prototype's ``apply``, twice as
            wide.

        """
        for option in ('reverse', 'iterate'):
            if option in kwargs:
                raise ValueError(
                    "{}.apply: {} is not an option of a bidirectional "
                    "network (it runs forward and backward over whole "
                    "sequences)".format(self.path_or_name(), option))
        forward = self.children[0].apply(*args, as_list=True, **kwargs)
        backward = self.children[1].apply(*args, reverse=True,
                                          as_list=True, **kwargs)
        return [tensor.concatenate([forward_output, backward_output[::-1]],
                                   axis=forward_output.ndim - 1)
                for forward_output, backward_output in zip(forward,
                                                           backward)]

    @apply.delegate
    def apply_delegate(self):
        return self.children[0].apply

    @apply.property('inputs')
    def apply_inputs(self):
        return self.children[0].apply.inputs

    def get_dim(self, name):
        if name in self.children[0].apply.outputs:
            return self.prototype.get_dim(name) * 2
        return self.prototype.get_dim(name)


class RecurrentStack(BaseRecurrent, Initializable):
    """Stack of recurrent networks.

    Builds a stack of recurrent layers from a list of
    :class:`~blocks.bricks.recurrent.BaseRecurrent` bricks (the
    *transitions*), each with a recurrent ``apply`` method.

    The names of the states and outputs of the bottom layer are used
    as-is; those of the layer above it get the suffix ``#1``, the next
    ``#2`` and so on. The contexts of all layers are merged into one list
    of unique names, without suffixes: layers with the same context name
    receive the same value.

    Each layer above the bottom receives as input (on every one of its
    sequences except ``mask``) a fork (:class:`~blocks.bricks.parallel.
    Fork`) of the output called `states_name` of the layer below. With
    ``skip_connections`` the sequences of every layer are also sequences
    of the stack (suffixed like the states) and are added to those forks;
    without, only the bottom layer's sequences are. A ``mask`` is shared by
    all layers and has no suffix.

    Parameters
    ----------
    transitions : list of :class:`~blocks.bricks.recurrent.BaseRecurrent`
        The recurrent layers, bottom first. Their names get the suffix
        ``#<level>`` (the bottom is ``#0``).
    fork_prototype : :class:`~blocks.bricks.Feedforward`, optional
        The prototype of the forks between layers. By default a
        :class:`~blocks.bricks.Linear` with a bias when
        `skip_connections` is False, and without when it is True (the
        external inputs of the upper layers then bring their own biases).
    states_name : str, optional
        The output of each layer that feeds the layer above,
        ``'states'`` by default. It must also be one of the layer's states.
    skip_connections : bool, optional
        Whether the sequences of the upper layers are sequences of the
        stack too. False by default.

    Notes
    -----
    See :class:`~blocks.bricks.Initializable` for initialization
    parameters.

    A stack applied with ``iterate=True`` runs its layers in one of two
    ways, with the same results: *layer by layer*, each layer over the
    whole sequence with its own loop (the fused loop of a standard
    transition, see :mod:`~blocks.bricks.recurrent.implementation`), or
    *in one scan* whose step runs every layer once. Besides the options of
    every recurrent application, ``apply`` accepts ``low_memory``: True
    runs layer by layer, False in one scan. Without it, the stack runs
    layer by layer when every layer would run its fused loop (much faster
    than a scan), and in one scan otherwise, or when the stack's
    ``recurrent_implementation`` (or the configuration key of that name)
    is ``'scan'``.

    """
    #: ``'auto'``, ``'fused'`` (layer by layer, each layer choosing its
    #: loop), ``'scan'`` (one scan) or None to follow the configuration
    #: key ``recurrent_implementation``; ``low_memory`` given to ``apply``
    #: wins.
    recurrent_implementation = None

    def __init__(self, transitions, fork_prototype=None,
                 states_name='states', skip_connections=False, **kwargs):
        transitions = list(transitions)
        owner = '/' + kwargs.get('name', 'recurrentstack')
        if not transitions:
            raise ValueError("{}: transitions must list at least one "
                             "recurrent brick".format(owner))
        for level, transition in enumerate(transitions):
            if not isinstance(transition, BaseRecurrent):
                raise TypeError("{}: transitions must be recurrent bricks "
                                "(BaseRecurrent), got {!r} at level {}"
                                .format(owner, transition, level))
            if states_name not in transition.apply.states or \
                    states_name not in transition.apply.outputs:
                raise ValueError(
                    "{}: states_name {!r} must be a state and an output of "
                    "every transition; level {} ({}) has the states {} and "
                    "the outputs {}".format(
                        owner, states_name, level, transition.name,
                        transition.apply.states, transition.apply.outputs))
        self.transitions = transitions
        self.states_name = states_name
        self.skip_connections = skip_connections
        for level, transition in enumerate(transitions):
            transition.name += RECURRENTSTACK_SEPARATOR + str(level)
        if fork_prototype is None:
            fork_prototype = Linear(use_bias=not skip_connections)
        self.forks = []
        for level in range(1, len(transitions)):
            fork = Fork(self.normal_inputs(level), prototype=fork_prototype,
                        name='fork' + RECURRENTSTACK_SEPARATOR + str(level))
            self.forks.append(fork)
        kwargs.setdefault('children', []).extend(transitions + self.forks)
        super().__init__(**kwargs)

    def normal_inputs(self, level):
        """The sequences of the layer at `level` other than ``mask``."""
        return [name for name in self.transitions[level].apply.sequences
                if name != 'mask']

    @staticmethod
    def suffix(name, level):
        """The name of the argument `name` of the layer at `level`."""
        if name == 'mask' or level == 0:
            return name
        return name + RECURRENTSTACK_SEPARATOR + str(level)

    @staticmethod
    def suffixes(names, level):
        return [RecurrentStack.suffix(name, level) for name in names]

    @staticmethod
    def split_suffix(name):
        """Split a suffixed name into the plain name and the level."""
        name_level = name.rsplit(RECURRENTSTACK_SEPARATOR, 1)
        if len(name_level) == 2 and name_level[1].isdigit():
            return name_level[0], int(name_level[1])
        return name, 0

    def _push_allocation_config(self):
        for level, fork in enumerate(self.forks, start=1):
            fork.input_dim = self.transitions[level - 1].get_dim(
                self.states_name)
            fork.output_dims = self.transitions[level].get_dims(
                fork.output_names)

    def get_dim(self, name):
        if name == 'mask':
            return 0
        plain, level = self.split_suffix(name)
        if level < len(self.transitions) and name in (
                self.apply.sequences + self.apply.states +
                self.apply.outputs):
            return self.transitions[level].get_dim(plain)
        for transition in self.transitions:
            if name in transition.apply.contexts:
                return transition.get_dim(name)
        return super().get_dim(name)

    @recurrent
    def apply(self, *args, **kwargs):
        """Apply the stack of transitions.

        Parameters
        ----------
        \\*args
            Positional arguments in the order of ``apply.sequences``
            followed by ``apply.contexts``.
        \\*\\*kwargs
            The arguments named in ``apply.sequences``, ``apply.states`` or
            ``apply.contexts``; ``low_memory=True`` iterates the layers
            one after the other (see the class's notes).

        Returns
        -------
        list of :class:`~aesara.tensor.TensorVariable`
            The outputs of all transitions, as named in ``apply.outputs``.

        """
        kwargs.pop('low_memory', None)
        results = []
        below = None
        for level, transition in enumerate(self.transitions):
            layer_arguments = self._layer_sequences(level, kwargs, below)
            for name in transition.apply.states:
                layer_arguments[name] = kwargs[self.suffix(name, level)]
            for name in transition.apply.contexts:
                layer_arguments[name] = kwargs[name]
            outputs = transition.apply(iterate=False, as_dict=True,
                                       **layer_arguments)
            below = outputs[self.states_name]
            results.extend(outputs[name]
                           for name in transition.apply.outputs)
        return results

    def _layer_sequences(self, level, arguments, below):
        """The sequences of a layer: the given ones for the bottom, forks
        of the layer below (plus the given ones, with skip connections)
        above."""
        transition = self.transitions[level]
        sequences = OrderedDict()
        if level == 0:
            for name in self.normal_inputs(0):
                if arguments.get(name) is not None:
                    sequences[name] = arguments[name]
        else:
            forked = self.forks[level - 1].apply(below, as_list=True)
            for name, value in zip(self.normal_inputs(level), forked):
                external = arguments.get(self.suffix(name, level))
                sequences[name] = value if external is None else \
                    value + external
        if 'mask' in transition.apply.sequences and \
                arguments.get('mask') is not None:
            sequences['mask'] = arguments['mask']
        return sequences

    def iterate(self, application, sequences, states, contexts, rest,
                n_steps, reverse=False, call_id=None):
        """One loop for the whole stack, or one per layer (see the class's
        notes)."""
        if application.application is not RecurrentStack.apply or \
                not self.layer_by_layer(sequences, states, contexts, rest):
            return super().iterate(application, sequences, states, contexts,
                                   rest, n_steps, reverse, call_id)
        if reverse:
            # Going through reversed sequences forward gives the outputs in
            # the order a reverse loop computes them.
            sequences = OrderedDict((name, value[::-1])
                                    for name, value in sequences.items())
        results = []
        below = None
        for level, transition in enumerate(self.transitions):
            layer_arguments = self._layer_sequences(level, sequences, below)
            for name in transition.apply.states:
                layer_arguments[name] = states[self.suffix(name, level)]
            for name in transition.apply.contexts:
                layer_arguments[name] = contexts[name]
            outputs = transition.apply(return_initial_states=True,
                                       as_dict=True, call_id=call_id,
                                       **layer_arguments)
            below = outputs[self.states_name][1:]
            results.extend(outputs[name]
                           for name in transition.apply.outputs)
        # The layers' own application calls hold their updates.
        return results, OrderedDict()

    def layer_by_layer(self, sequences, states, contexts, rest):
        """Whether ``apply`` iterates the layers one after the other.

        Parameters
        ----------
        sequences, states, contexts, rest : dict
            The arguments of the iterated call (see
            :meth:`~blocks.bricks.recurrent.BaseRecurrent.iterate`).

        """
        if rest.get('low_memory') is not None:
            return bool(rest['low_memory'])
        requested = requested_implementation(self)
        if requested != 'auto':
            return requested == 'fused'
        for level, transition in enumerate(self.transitions):
            if level == 0:
                names = [name for name in sequences if name != 'mask']
            else:
                names = self.normal_inputs(level)
            if 'mask' in transition.apply.sequences and \
                    sequences.get('mask') is not None:
                names.append('mask')
            layer_sequences = OrderedDict(
                (name, sequences.get(name) if level == 0 else None)
                for name in names)
            layer_states = {name: states[self.suffix(name, level)]
                            for name in transition.apply.states}
            layer_contexts = {name: contexts[name]
                              for name in transition.apply.contexts}
            if not would_fuse(transition, layer_sequences, layer_states,
                              layer_contexts):
                return False
        return True

    @apply.property('sequences')
    def apply_sequences(self):
        sequences = []
        for level, transition in enumerate(self.transitions):
            if level > 0 and not self.skip_connections:
                break
            for name in transition.apply.sequences:
                name = self.suffix(name, level)
                if name not in sequences:
                    sequences.append(name)
        if any('mask' in transition.apply.sequences
               for transition in self.transitions) and \
                'mask' not in sequences:
            sequences.append('mask')
        return sequences

    @apply.property('states')
    def apply_states(self):
        return [self.suffix(name, level)
                for level, transition in enumerate(self.transitions)
                for name in transition.apply.states]

    @apply.property('contexts')
    def apply_contexts(self):
        contexts = []
        for transition in self.transitions:
            for name in transition.apply.contexts:
                if name not in contexts:
                    contexts.append(name)
        return contexts

    @apply.property('outputs')
    def apply_outputs(self):
        return [self.suffix(name, level)
                for level, transition in enumerate(self.transitions)
                for name in transition.apply.outputs]

    @apply.property('inputs')
    def apply_inputs(self):
        return self.apply.sequences + self.apply.states + \
            self.apply.contexts

    @application(inputs=[])
    def initial_states(self, batch_size, *args, **kwargs):
        contexts = {name: kwargs[name] for name in self.apply.contexts
                    if name in kwargs}
        result = []
        for transition in self.transitions:
            result.extend(transition.initial_states(
                batch_size, as_list=True, **contexts))
        return result

    @initial_states.property('outputs')
    def initial_states_outputs(self):
        return self.apply.states
