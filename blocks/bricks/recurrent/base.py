"""The recurrent machinery: :class:`BaseRecurrent` and :func:`recurrent`.

A recurrent brick implements *one step* of its computation in an
application method decorated with :func:`recurrent`, which declares which
arguments are sequences (iterated over, time first), states (carried from
one step to the next), contexts (the same at every step) and what the step
returns. Calling the application with ``iterate=True`` (the default) runs
the step over whole sequences; ``iterate=False`` computes one step.

The loop itself is one overridable method, :meth:`BaseRecurrent.iterate`,
which by default builds an Aesara ``scan`` over the step; a brick may
replace it (e.g. by a fused Op computing the whole sequence) without
changing anything else.

"""
from collections import OrderedDict

import aesara
from aesara import tensor
from aesara.graph.basic import Variable
from aesara.tensor.shape import unbroadcast

from blocks.bricks.base import (Application, Brick, application,
                                _make_application_decorator)
from blocks.roles import OUTPUT
from blocks.bricks.recurrent.checks import (
    check_argument, check_sequence_shapes, expected_dim)
from blocks.bricks.recurrent.randomness import ReplayStep, hoisted_draws

#: The call options of recurrent applications, with their defaults.
RECURRENT_OPTIONS = OrderedDict([
    ('iterate', True), ('reverse', False), ('return_initial_states', False),
    ('n_steps', None), ('batch_size', None), ('_in_loop', False)])

#: The attributes the :func:`recurrent` decorator accepts.
RECURRENT_ATTRIBUTES = ('sequences', 'states', 'contexts', 'outputs')

no_steps_error = """

A recurrent application infers the number of steps and the batch size from
its sequences (time is the first axis, the batch the second). Without
sequences, give both as call options: apply(..., n_steps=10, batch_size=4)."""

class RecurrentApplication(Application):
    """The application of a recurrent brick, created by :func:`recurrent`.

    Its function computes one step; :meth:`call` either calls it once
    (``iterate=False``) or hands it to the brick's loop (``iterate=True``).

    Attributes
    ----------
    sequences, states, contexts : list of str
        The names of the arguments that are sequences, states and contexts.
        Bricks whose names depend on their configuration declare them as
        application properties (``@apply.property('sequences')``).
    outputs : list of str
        The names of the step's outputs; those that are also ``states``
        are fed back to the next step.

    """
    def __init__(self, application_function):
        super().__init__(application_function)
        self.sequences = []
        self.states = []
        self.contexts = []
        # The loop needs the call to attach the updates of random streams
        # used inside the step, whether or not the function wants it.
        self._function_accepts_application_call = \
            self._accepts_application_call
        self._accepts_application_call = True

    def _bind_signature(self, brick, args, kwargs):
        # States are optional (initial states fill them), so bind partially
        # and check what is missing in `call`.
        return self._signature.bind_partial(brick, *args, **kwargs)

    def bind_arguments(self, brick, args, kwargs):
        kwargs = dict(kwargs)
        options = OrderedDict(
            (name, kwargs.pop(name)) for name in RECURRENT_OPTIONS
            if name in kwargs)
        if self._has_varargs and args:
            bound = self.__get__(brick, type(brick))
            names = list(bound.sequences) + list(bound.contexts)
            if len(args) > len(names):
                raise TypeError(
                    "{}.{}: takes at most {} positional arguments (the "
                    "sequences and contexts {}), got {}".format(
                        brick.path_or_name(), self.application_name,
                        len(names), names, len(args)))
            for name, value in zip(names, args):
                if name in kwargs:
                    raise TypeError("{}.{}: argument {!r} given twice".format(
                        brick.path_or_name(), self.application_name, name))
                kwargs[name] = value
            args = ()
        arguments = super().bind_arguments(brick, args, kwargs)
        arguments.update(options)
        return arguments

    def call(self, brick, arguments):
        """Compute one step, or iterate the step over the sequences."""
        arguments = OrderedDict(arguments)
        options = OrderedDict(
            (name, arguments.pop(name, default))
            for name, default in RECURRENT_OPTIONS.items())
        application_call = arguments.pop('application_call')
        if self._function_accepts_application_call:
            arguments['application_call'] = application_call
        bound = self.__get__(brick, type(brick))
        names = _Names(bound)
        if options['_in_loop']:
            application_call.metadata['in_loop'] = True
        if options['iterate']:
            return self._iterate(brick, bound, names, arguments, options,
                                 application_call)
        for option in ('reverse', 'return_initial_states'):
            if options[option]:
                raise ValueError("{}: {}=True needs iterate=True".format(
                    names.where, option))
        return self._step(brick, bound, names, arguments, options)

    def _step(self, brick, bound, names, arguments, options):
        """Call the step function once, filling in missing states."""
        for name in names.sequences:
            check_argument(brick, names, name, arguments.get(name),
                            leading=1)
        for name in names.states:
            check_argument(brick, names, name, arguments.get(name),
                            leading=1, kind='state')
        missing = [name for name in names.states
                   if arguments.get(name) is None]
        if missing:
            batch_size = options['batch_size']
            if batch_size is None:
                batch_size = _batch_size(names, arguments, axis=0)
            initial = brick.initial_states(
                batch_size, as_dict=True, **_named_variables(arguments))
            for name in missing:
                arguments[name] = initial[name]
        self._check_missing(brick, names, arguments)
        outputs = super().call(brick, arguments)
        outputs = _pack(outputs)
        mask = arguments.get('mask') if 'mask' in names.sequences else None
        if mask is None:
            return outputs
        masked = []
        for name, output in zip(names.outputs, outputs):
            if name in names.states:
                output = carry_masked(mask, output, arguments[name])
            masked.append(output)
        return masked

    def _tag_output(self, output, brick, application_call, name):
        # A step's output inside a loop is tagged in place when nothing
        # else has tagged it: scan stores the outputs for the gradient, and
        # the gradient refers to the variables the step computed. Were the
        # stored outputs tagged copies, the backward loop would compute the
        # step again (e.g. tanh(x + h W), a matrix product more per step).
        fresh = (output.owner is not None and
                 not getattr(output.tag, 'roles', None) and
                 not getattr(output.tag, 'annotations', None))
        if not (application_call.metadata.get('in_loop') and fresh and
                not brick.print_shapes):
            return super()._tag_output(output, brick, application_call,
                                       name)
        output.name = '{}_{}_{}'.format(brick.name, self.application_name,
                                        name)
        output.tag.name = name
        output.tag.annotations = [brick, application_call]
        output.tag.roles = [OUTPUT]
        return output

    def _check_missing(self, brick, names, arguments):
        required = [
            parameter.name for parameter in
            list(self._signature.parameters.values())[1:]
            if parameter.default is parameter.empty and
            parameter.kind in (parameter.POSITIONAL_OR_KEYWORD,
                               parameter.KEYWORD_ONLY)]
        missing = [name for name in required if name not in arguments]
        if missing:
            raise TypeError("{}: missing argument(s) {}".format(
                names.where, missing))

    def _iterate(self, brick, bound, names, arguments, options,
                 application_call):
        """Run the step over the sequences through the brick's loop."""
        arguments.pop('application', None)
        arguments.pop('application_call', None)
        names.check_consistency()
        scanned = set(names.sequences) | set(names.states) | \
            set(names.contexts)
        sequences = OrderedDict()
        for name in names.sequences:
            if arguments.get(name) is not None:
                sequences[name] = tensor.as_tensor_variable(arguments[name])
                check_argument(brick, names, name, sequences[name],
                                leading=2)
        contexts = OrderedDict(
            (name, tensor.as_tensor_variable(arguments[name]))
            for name in names.contexts if arguments.get(name) is not None)
        states = OrderedDict(
            (name, tensor.as_tensor_variable(arguments[name]))
            for name in names.states if arguments.get(name) is not None)
        for name, state in states.items():
            check_argument(brick, names, name, state, leading=1,
                            kind='state')
        rest = OrderedDict((name, value) for name, value in arguments.items()
                           if name not in scanned)

        if sequences:
            sequences = check_sequence_shapes(names, sequences)
            first = next(iter(sequences.values()))
            n_steps, batch_size = first.shape[0], first.shape[1]
        else:
            n_steps, batch_size = options['n_steps'], options['batch_size']
            if n_steps is None or batch_size is None:
                raise ValueError("{}: no sequence given, so n_steps and "
                                 "batch_size are needed".format(names.where) +
                                 no_steps_error)
        missing = [name for name in names.states if name not in states]
        if missing:
            initial = brick.initial_states(
                batch_size, as_dict=True,
                **_named_variables(OrderedDict(
                    list(sequences.items()) + list(contexts.items()) +
                    list(states.items()) + list(rest.items()))))
            for name in missing:
                if name not in initial:
                    raise ValueError("{}: the initial_states of the brick "
                                     "gave no initial value for the state {!r}"
                                     " (it gave {})".format(
                                         names.where, name, list(initial)))
                states[name] = initial[name]
        for name in names.states:
            state = states[name]
            # The step's outputs have no broadcastable axes: neither may the
            # states that scan feeds back.
            states[name] = unbroadcast(state, *range(state.ndim))

        # Bricks that are not BaseRecurrent subclasses get the scan loop.
        iterate = getattr(brick, 'iterate', None)
        loop_arguments = dict(
            n_steps=n_steps, reverse=options['reverse'],
            call_id=application_call.metadata.get('call_id'))
        if iterate is None:
            outputs, updates = scan_loop(bound, sequences, states, contexts,
                                         rest, **loop_arguments)
        else:
            outputs, updates = iterate(bound, sequences, states, contexts,
                                       rest, **loop_arguments)
        outputs = list(outputs)
        if not options['return_initial_states']:
            outputs = [output[1:] if name in names.states else output
                       for name, output in zip(names.outputs, outputs)]
        if updates:
            merged = OrderedDict(application_call.updates)
            merged.update(updates)
            application_call.updates = merged
        return outputs


class _Names:
    """The sequences, states, contexts and outputs of one bound call."""
    def __init__(self, bound):
        self.bound = bound
        self.sequences = list(bound.sequences)
        self.states = list(bound.states)
        self.contexts = list(bound.contexts)
        outputs = getattr(bound, 'outputs', None)
        self.outputs = list(outputs) if outputs is not None else \
            list(self.states)
        self.where = "{}.{}".format(bound.brick.path_or_name(),
                                    bound.application.application_name)

    def check_consistency(self):
        not_outputs = [name for name in self.states
                       if name not in self.outputs]
        if not_outputs:
            raise ValueError("{}: the states {} are not among the outputs {};"
                             " every state must be returned by the step"
                             .format(self.where, not_outputs, self.outputs))


def _pack(outputs):
    if isinstance(outputs, (list, tuple)):
        return list(outputs)
    return [outputs]


def _named_variables(arguments):
    return OrderedDict((name, value) for name, value in arguments.items()
                       if name not in ('application', 'application_call'))


def _batch_size(names, arguments, axis):
    for name in names.sequences + names.contexts:
        value = arguments.get(name)
        if isinstance(value, Variable) and getattr(value, 'ndim', 0) > axis:
            return value.shape[axis]
    raise ValueError("{}: cannot tell the batch size for the initial "
                     "states: give the states, a sequence, or batch_size=..."
                     .format(names.where))


def carry_masked(mask, new, old):
    """Keep the old value where the mask is 0.

    Parameters
    ----------
    mask : :class:`~aesara.tensor.TensorVariable`
        0 or 1 per example, shape ``(batch,)``.
    new, old : :class:`~aesara.tensor.TensorVariable`
        The new and the previous values, batch first.

    Returns
    -------
    :class:`~aesara.tensor.TensorVariable`
        ``mask * new + (1 - mask) * old`` for a mask of zeros and ones (the
        mask broadcast over the other axes), computed as a selection, so
        that a NaN or an infinity in the discarded value cannot leak.

    """
    mask = mask.dimshuffle([0] + ['x'] * (new.ndim - 1))
    return tensor.switch(mask, new, old)


class _ScanStep:
    """The function scan calls: one step of a recurrent application."""
    def __init__(self, application, sequence_names, state_names,
                 context_names, rest, call_id):
        self.application = application
        self.sequence_names = sequence_names
        self.state_names = state_names
        self.context_names = context_names
        self.rest = rest
        self.call_id = call_id

    def __call__(self, *args):
        names = self.sequence_names + self.state_names + self.context_names
        if len(args) != len(names):
            raise AssertionError("scan gave {} arguments for {}".format(
                len(args), names))
        kwargs = OrderedDict(zip(names, args))
        kwargs.update(self.rest)
        outputs = self.application(iterate=False, as_list=True,
                                   call_id=self.call_id, _in_loop=True,
                                   **kwargs)
        self.traced_inputs = list(args)
        self.traced_outputs = list(outputs)
        return outputs


def scan_loop(application, sequences, states, contexts, rest, n_steps,
              reverse=False, call_id=None):
    """Iterate a recurrent application's step with Aesara's ``scan``.

    Parameters
    ----------
    application : :class:`~blocks.bricks.base.BoundApplication`
        The recurrent application; it is called with ``iterate=False`` at
        every step.
    sequences, states, contexts : OrderedDict
        The given sequences (time first), initial states and contexts, by
        name.
    rest : OrderedDict
        Other arguments, passed unchanged to every step.
    n_steps : int or scalar :class:`~aesara.tensor.TensorVariable`
        The number of steps.
    reverse : bool
        Whether to go through the sequences from the end.
    call_id : object, optional
        Recorded in the application calls of the steps.

    Returns
    -------
    outputs : list
        One per output of the application, in order; states include the
        initial state first (``n_steps + 1`` entries), other outputs have
        ``n_steps``. With ``reverse`` the entries are in the order they
        were computed (the first one after the initial state belongs to the
        last step of the sequences).
    updates : OrderedDict
        The updates of the shared variables the step updates (the random
        streams it draws from).

    """
    output_names = list(application.outputs) \
        if getattr(application, 'outputs', None) is not None \
        else list(states)
    state_names = [name for name in output_names if name in states]
    step = _ScanStep(application, list(sequences), state_names,
                     list(contexts), rest, call_id)
    outputs_info = [states[name] if name in states else None
                    for name in output_names]
    brick = application.brick
    scan_name = '{}_{}_scan'.format(
        brick.name, application.application.application_name)
    results, updates = aesara.scan(
        step, sequences=list(sequences.values()), outputs_info=outputs_info,
        non_sequences=list(contexts.values()), n_steps=n_steps,
        go_backwards=reverse, strict=False, return_list=True,
        name=scan_name)
    if updates:
        # Random draws inside the step: make them before the loop (see
        # blocks.bricks.recurrent.randomness) and trace the loop again.
        outer_values = ([sequence[0] for sequence in sequences.values()] +
                        [states[name] for name in state_names] +
                        list(contexts.values()))
        draws, updates = hoisted_draws(
            '{}.{}'.format(brick.path_or_name(),
                           application.application.application_name),
            step.traced_inputs, step.traced_outputs, outer_values, n_steps,
            updates)
        replay = ReplayStep(step.traced_inputs, step.traced_outputs, draws,
                            len(sequences))
        results, replay_updates = aesara.scan(
            replay, sequences=list(sequences.values()) +
            [values for _, values in draws], outputs_info=outputs_info,
            non_sequences=list(contexts.values()), n_steps=n_steps,
            go_backwards=reverse, strict=False, return_list=True,
        name=scan_name)
        if replay_updates:
            raise AssertionError("the replayed step still updates {}".format(
                list(replay_updates)))
    outputs = []
    for name, result in zip(output_names, results):
        if name in states:
            # Scan returns buffer[1:] for a state; the buffer itself starts
            # with the initial state.
            if not (result.owner is not None and
                    isinstance(result.owner.op, tensor.subtensor.Subtensor)):
                raise AssertionError("unexpected scan output {}".format(
                    result))
            result = result.owner.inputs[0]
        outputs.append(result)
    return outputs, OrderedDict(updates)


def recurrent(*args, **kwargs):
    """Wraps an apply method to allow its iterative application.

    This decorator allows you to implement only one step of a recurrent
    network and enjoy applying it to sequences for free. In its most
    general form, the information flow of an RNN is: depending on the
    contexts and driven by input sequences, the RNN updates its states and
    produces output sequences.

    Given a method computing one step and which of its arguments are the
    elements of input sequences, the states and the contexts, this
    decorator returns an application method that runs the whole loop.

    Parameters
    ----------
    sequences : list of str
        The arguments that are elements of input sequences. A sequence
        called ``mask`` (0 or 1 per step and example) keeps the previous
        value of every state where it is 0.
    states : list of str
        The arguments that are states.
    contexts : list of str
        The arguments that are contexts, given unchanged to every step.
    outputs : list of str
        The names of the outputs. The outputs whose names are states are
        fed back as the states of the next step. The states by default.

    Returns
    -------
    :class:`RecurrentApplication`
        The application method. Besides the step's arguments, it accepts
        the call options ``iterate`` (default True; False computes one
        step), ``reverse`` (go through the sequences from the end; the
        outputs are in the order computed), ``return_initial_states``
        (prepend the initial states to the state outputs), and ``n_steps``
        and ``batch_size`` (needed only when no sequence is given). States
        that are not given come from the brick's ``initial_states``.

    Notes
    -----
    Sequences are time-major: ``(time, batch, features)``. With
    ``iterate=True`` the loop is the brick's
    :meth:`BaseRecurrent.iterate`, an Aesara ``scan`` by default; the
    updates of random streams used inside the step are attached to the
    application call, so :class:`~blocks.graph.ComputationGraph` lists
    them in its ``updates``.

    """
    unknown = sorted(set(kwargs) - set(RECURRENT_ATTRIBUTES))
    if unknown:
        raise TypeError("recurrent: unknown arguments {}; it accepts {}"
                        .format(unknown, list(RECURRENT_ATTRIBUTES)))
    for name, value in kwargs.items():
        if isinstance(value, str) or not all(isinstance(item, str)
                                             for item in value):
            raise TypeError("recurrent: {} must be a list of argument "
                            "names, got {!r}".format(name, value))
    if 'outputs' not in kwargs and 'states' in kwargs:
        kwargs['outputs'] = list(kwargs['states'])
    kwargs = {name: list(value) for name, value in kwargs.items()}
    decorator = _make_application_decorator(RecurrentApplication, args,
                                            kwargs)
    if args:
        return decorator

    def check_and_wrap(application_function):
        recurrent_application = decorator(application_function)
        _check_declared_names(recurrent_application)
        return recurrent_application
    return check_and_wrap


def _check_declared_names(recurrent_application):
    parameters = list(recurrent_application._signature.parameters.values())
    if any(parameter.kind == parameter.VAR_KEYWORD
           for parameter in parameters):
        return
    arguments = recurrent_application._argument_names
    for attribute in ('sequences', 'states', 'contexts'):
        unknown = [name for name in getattr(recurrent_application, attribute)
                   if name not in arguments]
        if unknown:
            raise ValueError(
                "recurrent: the {} {} of {} are not arguments of the "
                "function (its arguments: {})".format(
                    attribute, unknown,
                    recurrent_application.application_name, arguments))


class BaseRecurrent(Brick):
    """Base class for bricks with a recurrent application method.

    It provides the default initial states (zeros) and the loop that
    ``iterate=True`` runs, :meth:`iterate`.

    """
    has_bias = False

    @application(inputs=[])
    def initial_states(self, batch_size, *args, **kwargs):
        """Return initial states for an application call.

        The default implementation assumes that the recurrent application
        method is called ``apply``. It fetches the state names from
        ``apply.states`` and returns a zero matrix for each of them.
        :class:`SimpleRecurrent`, :class:`LSTM` and
        :class:`GatedRecurrent` override it with trainable initial states
        initialized with zeros.

        Parameters
        ----------
        batch_size : int or scalar :class:`~aesara.tensor.TensorVariable`
            The batch size.
        \\*args, \\*\\*kwargs
            The arguments of the application call (sequences, contexts,
            given states), for initial states that depend on them.
            None of the arguments is tagged as an input of the brick (a
            filter for a recurrent brick's inputs, e.g. to apply dropout,
            finds its sequences, not the batch size).

        Returns
        -------
        list of :class:`~aesara.tensor.TensorVariable`
            One initial value per state, in the order of ``apply.states``.

        """
        result = []
        for state in self.apply.states:
            shape = expected_dim(self, state)
            if shape is None:
                raise ValueError("{}.initial_states: get_dim({!r}) gives no "
                                 "dimension, so no zero initial state can be "
                                 "made; give the state".format(
                                     self.path_or_name(), state))
            result.append(tensor.zeros((batch_size,) + shape,
                                       dtype=aesara.config.floatX))
        return result

    @initial_states.property('outputs')
    def initial_states_outputs(self):
        return self.apply.states

    def iterate(self, application, sequences, states, contexts, rest,
                n_steps, reverse=False, call_id=None):
        """Run a recurrent application over whole sequences.

        This is the one place that ``iterate=True`` goes through: override
        it to compute a whole sequence differently (e.g. with a fused Op),
        falling back on this implementation otherwise. It must return what
        :func:`scan_loop`, the default, returns.

        Parameters
        ----------
        application : :class:`~blocks.bricks.base.BoundApplication`
            The recurrent application being iterated.
        sequences, states, contexts, rest, n_steps, reverse, call_id
            See :func:`scan_loop`. All states are given (initial states
            filled in), and the sequences are checked.

        """
        return scan_loop(application, sequences, states, contexts, rest,
                         n_steps, reverse, call_id)


def check_recurrent_brick(owner, argument, value):
    """Raise TypeError unless `value` is a :class:`BaseRecurrent`.

    Parameters
    ----------
    owner : str
        The path of the brick being built, e.g. ``'/bidirectional'``.
    argument : str
        The name of the argument that should be a recurrent brick.
    value : object
        What was given.

    """
    if not isinstance(value, BaseRecurrent):
        raise TypeError("{}: {} must be a recurrent brick (a BaseRecurrent), "
                        "got {!r}".format(owner, argument, value))
