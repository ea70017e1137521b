r"""Recurrent transitions: simple recurrent, LSTM and gated recurrent.

Each brick's ``apply`` is one step, decorated with
:func:`~blocks.bricks.recurrent.recurrent`; its maths lives in a separate
``step`` method without any tagging, so that a replacement of the whole
loop (see :meth:`~blocks.bricks.recurrent.BaseRecurrent.iterate`) can be
checked against it. Rows are examples; ``*`` is the elementwise product
and :math:`\cdot` the matrix product. All three have learned initial
states (role ``INITIAL_STATE``) initialized with zeros.

Applied with ``iterate=True``, they compute the whole loop with a fused Op
(:mod:`~blocks.bricks.recurrent.fused`) when it computes what their step
does, and with ``scan`` otherwise; their attribute
``recurrent_implementation`` (or the configuration key of that name)
forces either, see :mod:`~blocks.bricks.recurrent.implementation`.

"""
from collections import OrderedDict

import numpy
from aesara import tensor

from blocks.bricks.base import application, lazy
from blocks.bricks.interfaces import Activation, Initializable
from blocks.bricks.simple import Identity, Logistic, Rectifier, Tanh
from blocks.bricks.recurrent.base import BaseRecurrent, recurrent
from blocks.bricks.recurrent.fused import (
    fused_gated_recurrent, fused_lstm, fused_simple_recurrent)
from blocks.bricks.recurrent.implementation import fused_owner, use_fused
from blocks.roles import add_role, INITIAL_STATE, WEIGHT
from blocks.utils import shared_floatx_nans, shared_floatx_zeros


def _repeat_for_batch(vector, batch_size):
    return tensor.repeat(vector[None, :], batch_size, 0)


def _cast(variable, dtype):
    return variable if variable.dtype == dtype else \
        tensor.cast(variable, dtype)


def _exact_type_obstacle(brick, attribute, expected):
    """Why the brick's activation `attribute` is not one the fused loop
    computes (of exactly the class `expected`), or None."""
    activation = getattr(brick, attribute)
    if type(activation) is expected:
        return None
    return 'its {} is a {}, the fused loop computes {} only'.format(
        attribute, type(activation).__name__, expected.__name__)


def activate(brick, value):
    """Apply an activation brick inside a step.

    A plain :class:`~blocks.bricks.Activation` contributes its element-wise
    function without the tagged copies of an application: inside a loop
    they would only enlarge the inner graph, and Aesara's compile time
    grows quickly with its size (especially for gradients). Other bricks
    are applied as usual.

    """
    if isinstance(brick, Activation) and \
            type(brick).apply is Activation.apply:
        return brick.activation(value)
    return brick.apply(value)


class _Transition(BaseRecurrent, Initializable):
    """What the three transitions share: ``dim``, activations as children,
    learned initial states, and no biases."""
    has_biases = False
    #: How ``iterate=True`` runs the loop: ``'auto'``, ``'fused'``,
    #: ``'scan'``, or None to follow the configuration key
    #: ``recurrent_implementation`` (see
    #: :mod:`~blocks.bricks.recurrent.implementation`).
    recurrent_implementation = None

    def iterate(self, application, sequences, states, contexts, rest,
                n_steps, reverse=False, call_id=None):
        """Run the fused loop when it applies, else ``scan``.

        See :meth:`BaseRecurrent.iterate
        <blocks.bricks.recurrent.BaseRecurrent.iterate>` and
        :mod:`~blocks.bricks.recurrent.implementation`. The class whose
        step the fused Op computes defines ``_fused_loop(sequences, states,
        mask, reverse, dtype)``, which returns what :func:`scan_loop
        <blocks.bricks.recurrent.scan_loop>` would (sequences and states
        cast to `dtype`).

        """
        owner = fused_owner(self)
        dtype = use_fused(self, owner, application, sequences, states,
                          contexts, rest)
        if dtype is None:
            return super().iterate(application, sequences, states, contexts,
                                   rest, n_steps, reverse, call_id)
        mask = sequences.get('mask')
        sequences = OrderedDict((name, _cast(value, dtype))
                                for name, value in sequences.items()
                                if name != 'mask')
        states = OrderedDict((name, _cast(value, dtype))
                             for name, value in states.items())
        outputs = self._fused_loop(sequences, states, mask, reverse, dtype)
        return list(outputs), OrderedDict()

    def fused_obstacle(self, sequences):
        """Why this brick's step is not the fused loop's, or None."""
        raise NotImplementedError

    def _add_initial_state(self, name):
        initial = shared_floatx_zeros((self.dim,), name=name)
        add_role(initial, INITIAL_STATE)
        self.parameters.append(initial)
        return initial

    def _add_weight(self, shape, name):
        weight = shared_floatx_nans(shape, name=name)
        add_role(weight, WEIGHT)
        self.parameters.append(weight)
        return weight

    def _parameter(self, name):
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise AttributeError("{}: no parameter {!r} (parameters: {})".format(
            self.path_or_name(), name,
            [parameter.name for parameter in self.parameters]))

    def _initialize_blocks(self, parameter, blocks):
        """Initialize a ``(dim, blocks * dim)`` matrix one square block at
        a time, so that e.g. orthogonal initialization makes every block
        orthogonal."""
        scheme = self._require_init('weights_init')
        parameter.set_value(numpy.hstack([
            scheme.generate(self.rng, (self.dim, self.dim))
            for _ in range(blocks)]).astype(parameter.dtype))


#: The activations of :class:`SimpleRecurrent` that its fused loop
#: computes, with their names in :data:`~blocks.bricks.recurrent.fused.
#: ACTIVATIONS`.
_FUSED_ACTIVATIONS = {Tanh: 'tanh', Logistic: 'logistic',
                      Identity: 'identity', Rectifier: 'rectifier'}


class SimpleRecurrent(_Transition):
    r"""The traditional recurrent transition.

    The most well-known recurrent transition: a matrix multiplication,
    optionally followed by a non-linearity:

    .. math:: \mathbf{h}_t = f(\mathbf{x}_t + \mathbf{h}_{t-1} \cdot W)

    Parameters
    ----------
    dim : int
        The dimension of the hidden state. Required by :meth:`allocate`.
    activation : :class:`~blocks.bricks.Activation`
        The brick to apply as activation (:math:`f`).

    Notes
    -----
    See :class:`~blocks.bricks.Initializable` for initialization
    parameters. The parameters are ``W`` (``state_to_state``, shape
    ``(dim, dim)``, role WEIGHT) and ``initial_state`` (shape ``(dim,)``).

    Examples
    --------
    >>> import numpy
    >>> from aesara import tensor
    >>> from blocks.bricks import Identity
    >>> from blocks.initialization import Identity as IdentityInit
    >>> rnn = SimpleRecurrent(dim=2, activation=Identity(),
    ...                       weights_init=IdentityInit())
    >>> rnn.initialize()
    >>> x = tensor.tensor3('x')
    >>> rnn.apply(x).eval({x: numpy.ones((3, 1, 2))})
    array([[[1., 1.]],
    <BLANKLINE>
           [[2., 2.]],
    <BLANKLINE>
           [[3., 3.]]])

    """
    @lazy(allocation=['dim'])
    def __init__(self, dim, activation, **kwargs):
        self.dim = dim
        children = [activation] + list(kwargs.pop('children', []))
        super().__init__(children=children, **kwargs)
        self.activation = activation

    @property
    def W(self):
        return self._parameter('state_to_state')

    @property
    def initial_state(self):
        return self._parameter('initial_state')

    def get_dim(self, name):
        if name == 'mask':
            return 0
        if name in ('inputs', 'states'):
            return self.dim
        return super().get_dim(name)

    def _allocate(self):
        self._add_weight((self.dim, self.dim), 'state_to_state')
        self._add_initial_state('initial_state')

    def _initialize(self):
        self._require_init('weights_init').initialize(self.W, self.rng)

    @recurrent(sequences=['inputs', 'mask'], states=['states'],
               outputs=['states'], contexts=[])
    def apply(self, inputs, states, mask=None):
        """Apply the simple transition.

        Parameters
        ----------
        inputs : :class:`~aesara.tensor.TensorVariable`
            The 2D inputs, in the shape (batch, features).
        states : :class:`~aesara.tensor.TensorVariable`
            The 2D states, in the shape (batch, features).
        mask : :class:`~aesara.tensor.TensorVariable`
            A 1D binary array in the shape (batch,) which is 1 if there is
            data available, 0 if not. Assumed to be 1-s only if not given.

        Returns
        -------
        states : :class:`~aesara.tensor.TensorVariable`
            The next states.

        """
        return self.step(inputs, states)

    def step(self, inputs, states):
        """The maths of one step, without masking or tagging."""
        return activate(self.activation, inputs + tensor.dot(states, self.W))

    def fused_obstacle(self, sequences):
        if type(self.activation) in _FUSED_ACTIVATIONS:
            return None
        return 'its activation is a {}, the fused loop computes {} only'\
            .format(type(self.activation).__name__,
                    ', '.join(cls.__name__ for cls in _FUSED_ACTIVATIONS))

    def _fused_loop(self, sequences, states, mask, reverse, dtype):
        return [fused_simple_recurrent(
            sequences['inputs'], states['states'], _cast(self.W, dtype),
            mask, _FUSED_ACTIVATIONS[type(self.activation)], reverse)]

    @application(inputs=[])
    def initial_states(self, batch_size, *args, **kwargs):
        return _repeat_for_batch(self.initial_state, batch_size)

    @initial_states.property('outputs')
    def initial_states_outputs(self):
        return self.apply.states


class LSTM(_Transition):
    r"""Long Short Term Memory.

    Every unit of an LSTM is equipped with input, forget and output gates.
    This implementation follows the architecture of [GSS03]_ and
    [Grav13]_: the inputs are four times as wide as the state, one block
    each for the input gate, the forget gate, the cell candidate and the
    output gate (in that order), and there are diagonal *peephole*
    connections from the cells to the gates. The output gate sees the
    cells of the current step, the other gates those of the previous step:

    .. math::

        a &= x_t + h_{t-1} \cdot W_{state} \\
        i &= \sigma(a_{[0, d)} + c_{t-1} * w_{cell\to in}) \\
        f &= \sigma(a_{[d, 2d)} + c_{t-1} * w_{cell\to forget}) \\
        c_t &= f * c_{t-1} + i * g(a_{[2d, 3d)}) \\
        o &= \sigma(a_{[3d, 4d)} + c_t * w_{cell\to out}) \\
        h_t &= o * g(c_t)

    with :math:`\sigma` the gate activation and :math:`g` the activation.

    Parameters
    ----------
    dim : int
        The dimension of the hidden state (and of the cells). Required by
        :meth:`allocate`.
    activation : :class:`~blocks.bricks.Activation`, optional
        The activation :math:`g`; :class:`~blocks.bricks.Tanh` by default.
    gate_activation : :class:`~blocks.bricks.Activation`, optional
        The activation of the gates :math:`\sigma`;
        :class:`~blocks.bricks.Logistic` by default.
    peepholes : bool, optional
        With False, there are no peephole parameters and the terms with
        :math:`w_{cell\to\cdot}` are absent (as in PyTorch's ``nn.LSTM``).
        True by default.

    Notes
    -----
    See :class:`~blocks.bricks.Initializable` for initialization
    parameters. The parameters are ``W_state`` (``(dim, 4 * dim)``, role
    WEIGHT, initialized one square block at a time), ``W_cell_to_in``,
    ``W_cell_to_forget``, ``W_cell_to_out`` (``(dim,)``, role WEIGHT),
    ``initial_state`` and ``initial_cells`` (``(dim,)``, role
    INITIAL_STATE, zeros).

    .. [GSS03] Gers, Felix A., Nicol N. Schraudolph, and Jürgen
       Schmidhuber, *Learning precise timing with LSTM recurrent
       networks*, Journal of Machine Learning Research 3 (2003),
       pp. 115-143.
    .. [Grav13] Graves, Alex, *Generating sequences with recurrent neural
       networks*, arXiv preprint arXiv:1308.0850 (2013).

    """
    dim_notes = {'inputs': '4 * dim'}

    @lazy(allocation=['dim'])
    def __init__(self, dim, activation=None, gate_activation=None,
                 peepholes=True, **kwargs):
        self.dim = dim
        if activation is None:
            activation = Tanh()
        if gate_activation is None:
            gate_activation = Logistic()
        self.activation = activation
        self.gate_activation = gate_activation
        self.peepholes = bool(peepholes)
        children = [activation, gate_activation] + \
            list(kwargs.pop('children', []))
        super().__init__(children=children, **kwargs)

    @property
    def W_state(self):
        return self._parameter('W_state')

    @property
    def W_cell_to_in(self):
        return self._parameter('W_cell_to_in')

    @property
    def W_cell_to_forget(self):
        return self._parameter('W_cell_to_forget')

    @property
    def W_cell_to_out(self):
        return self._parameter('W_cell_to_out')

    @property
    def initial_state(self):
        return self._parameter('initial_state')

    @property
    def initial_cells(self):
        return self._parameter('initial_cells')

    def get_dim(self, name):
        if name == 'inputs':
            return self.dim * 4
        if name in ('states', 'cells'):
            return self.dim
        if name == 'mask':
            return 0
        return super().get_dim(name)

    def _allocate(self):
        self._add_weight((self.dim, 4 * self.dim), 'W_state')
        if self.peepholes:
            for name in ('W_cell_to_in', 'W_cell_to_forget',
                         'W_cell_to_out'):
                self._add_weight((self.dim,), name)
        self._add_initial_state('initial_state')
        self._add_initial_state('initial_cells')

    def _initialize(self):
        self._initialize_blocks(self.W_state, 4)
        if self.peepholes:
            scheme = self._require_init('weights_init')
            for name in ('W_cell_to_in', 'W_cell_to_forget',
                         'W_cell_to_out'):
                scheme.initialize(self._parameter(name), self.rng)

    @recurrent(sequences=['inputs', 'mask'], states=['states', 'cells'],
               contexts=[], outputs=['states', 'cells'])
    def apply(self, inputs, states, cells, mask=None):
        """Apply the Long Short Term Memory transition.

        Parameters
        ----------
        inputs : :class:`~aesara.tensor.TensorVariable`
            The 2 dimensional matrix of inputs in the shape
            (batch_size, 4 * dim): one block for each gate and for the
            cell candidate, see [Grav13]_ equations 7 to 10.
        states : :class:`~aesara.tensor.TensorVariable`
            The 2 dimensional matrix of current states in the shape
            (batch_size, dim). Required for one-step usage.
        cells : :class:`~aesara.tensor.TensorVariable`
            The 2 dimensional matrix of current cells in the shape
            (batch_size, dim). Required for one-step usage.
        mask : :class:`~aesara.tensor.TensorVariable`
            A 1D binary array in the shape (batch,) which is 1 if there is
            data available, 0 if not. Assumed to be 1-s only if not given.

        Returns
        -------
        states : :class:`~aesara.tensor.TensorVariable`
            Next states of the network.
        cells : :class:`~aesara.tensor.TensorVariable`
            Next cell activations of the network.

        """
        return self.step(inputs, states, cells)

    def fused_obstacle(self, sequences):
        return (_exact_type_obstacle(self, 'activation', Tanh) or
                _exact_type_obstacle(self, 'gate_activation', Logistic))

    def _fused_loop(self, sequences, states, mask, reverse, dtype):
        peepholes = [_cast(self._parameter(name), dtype)
                     for name in ('W_cell_to_in', 'W_cell_to_forget',
                                  'W_cell_to_out')] \
            if self.peepholes else [None] * 3
        return fused_lstm(sequences['inputs'], states['states'],
                          states['cells'], _cast(self.W_state, dtype),
                          *peepholes, mask=mask, reverse=reverse)

    def step(self, inputs, states, cells):
        """The maths of one step, without masking or tagging."""
        dim = self.dim
        activations = inputs + tensor.dot(states, self.W_state)
        in_gate = activations[:, :dim]
        forget_gate = activations[:, dim:2 * dim]
        out_gate = activations[:, 3 * dim:]
        if self.peepholes:
            in_gate = in_gate + cells * self.W_cell_to_in
            forget_gate = forget_gate + cells * self.W_cell_to_forget
        in_gate = activate(self.gate_activation, in_gate)
        forget_gate = activate(self.gate_activation, forget_gate)
        candidate = activate(self.activation,
                             activations[:, 2 * dim:3 * dim])
        next_cells = forget_gate * cells + in_gate * candidate
        if self.peepholes:
            out_gate = out_gate + next_cells * self.W_cell_to_out
        out_gate = activate(self.gate_activation, out_gate)
        next_states = out_gate * activate(self.activation, next_cells)
        return next_states, next_cells

    @application(inputs=[])
    def initial_states(self, batch_size, *args, **kwargs):
        return [_repeat_for_batch(self.initial_state, batch_size),
                _repeat_for_batch(self.initial_cells, batch_size)]

    @initial_states.property('outputs')
    def initial_states_outputs(self):
        return self.apply.states


class GatedRecurrent(_Transition):
    r"""Gated recurrent neural network.

    Gated recurrent neural network (GRNN) as introduced in [CvMG14]_.
    Every unit of a GRNN is equipped with update and reset gates that
    facilitate better gradient propagation:

    .. math::

        g &= \sigma(x^{gates}_t + h_{t-1} \cdot U_{gates}),
        \quad u = g_{[0, d)}, \quad r = g_{[d, 2d)} \\
        \tilde{h} &= f(x_t + (h_{t-1} * r) \cdot U) \\
        h_t &= u * \tilde{h} + (1 - u) * h_{t-1}

    Parameters
    ----------
    dim : int
        The dimension of the hidden state. Required by :meth:`allocate`.
    activation : :class:`~blocks.bricks.Activation`, optional
        The activation :math:`f`; :class:`~blocks.bricks.Tanh` by default.
    gate_activation : :class:`~blocks.bricks.Activation`, optional
        The activation of the gates :math:`\sigma`;
        :class:`~blocks.bricks.Logistic` by default.

    Notes
    -----
    See :class:`~blocks.bricks.Initializable` for initialization
    parameters. The parameters are ``state_to_state`` (:math:`U`,
    ``(dim, dim)``), ``state_to_gates`` (:math:`U_{gates}`,
    ``(dim, 2 * dim)``, initialized one square block at a time), both with
    the role WEIGHT, and ``initial_state`` (``(dim,)``).

    .. [CvMG14] Kyunghyun Cho, Bart van Merriënboer, Çağlar Gülçehre,
       Dzmitry Bahdanau, Fethi Bougares, Holger Schwenk, and Yoshua
       Bengio, *Learning Phrase Representations using RNN Encoder-Decoder
       for Statistical Machine Translation*, EMNLP (2014), pp. 1724-1734.

    """
    dim_notes = {'gate_inputs': '2 * dim'}

    @lazy(allocation=['dim'])
    def __init__(self, dim, activation=None, gate_activation=None,
                 **kwargs):
        self.dim = dim
        if activation is None:
            activation = Tanh()
        if gate_activation is None:
            gate_activation = Logistic()
        self.activation = activation
        self.gate_activation = gate_activation
        children = [activation, gate_activation] + \
            list(kwargs.pop('children', []))
        super().__init__(children=children, **kwargs)

    @property
    def state_to_state(self):
        return self._parameter('state_to_state')

    @property
    def state_to_gates(self):
        return self._parameter('state_to_gates')

    @property
    def initial_state(self):
        return self._parameter('initial_state')

    def get_dim(self, name):
        if name == 'mask':
            return 0
        if name in ('inputs', 'states'):
            return self.dim
        if name == 'gate_inputs':
            return 2 * self.dim
        return super().get_dim(name)

    def _allocate(self):
        self._add_weight((self.dim, self.dim), 'state_to_state')
        self._add_weight((self.dim, 2 * self.dim), 'state_to_gates')
        self._add_initial_state('initial_state')

    def _initialize(self):
        self._require_init('weights_init').initialize(self.state_to_state,
                                                      self.rng)
        self._initialize_blocks(self.state_to_gates, 2)

    @recurrent(sequences=['mask', 'inputs', 'gate_inputs'],
               states=['states'], outputs=['states'], contexts=[])
    def apply(self, inputs, gate_inputs, states, mask=None):
        """Apply the gated recurrent transition.

        Parameters
        ----------
        inputs : :class:`~aesara.tensor.TensorVariable`
            The 2 dimensional matrix of inputs in the shape
            (batch_size, dim).
        gate_inputs : :class:`~aesara.tensor.TensorVariable`
            The 2 dimensional matrix of inputs to the gates in the shape
            (batch_size, 2 * dim): the update gate, then the reset gate.
        states : :class:`~aesara.tensor.TensorVariable`
            The 2 dimensional matrix of current states in the shape
            (batch_size, dim). Required for one-step usage.
        mask : :class:`~aesara.tensor.TensorVariable`
            A 1D binary array in the shape (batch,) which is 1 if there is
            data available, 0 if not. Assumed to be 1-s only if not given.

        Returns
        -------
        states : :class:`~aesara.tensor.TensorVariable`
            Next states of the network.

        """
        return self.step(inputs, gate_inputs, states)

    def fused_obstacle(self, sequences):
        if 'gate_inputs' not in sequences:
            return 'no gate_inputs sequence is given'
        return (_exact_type_obstacle(self, 'activation', Tanh) or
                _exact_type_obstacle(self, 'gate_activation', Logistic))

    def _fused_loop(self, sequences, states, mask, reverse, dtype):
        return [fused_gated_recurrent(
            sequences['inputs'], sequences['gate_inputs'], states['states'],
            _cast(self.state_to_state, dtype),
            _cast(self.state_to_gates, dtype), mask, reverse)]

    def step(self, inputs, gate_inputs, states):
        """The maths of one step, without masking or tagging."""
        gates = activate(self.gate_activation,
                         gate_inputs + tensor.dot(states, self.state_to_gates))
        update = gates[:, :self.dim]
        reset = gates[:, self.dim:]
        candidate = activate(
            self.activation,
            inputs + tensor.dot(states * reset, self.state_to_state))
        return update * candidate + (1 - update) * states

    @application(inputs=[])
    def initial_states(self, batch_size, *args, **kwargs):
        return _repeat_for_batch(self.initial_state, batch_size)

    @initial_states.property('outputs')
    def initial_states_outputs(self):
        return self.apply.states
