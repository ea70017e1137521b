r"""Fused recurrent kernels: a whole time loop in one Aesara Op.

Aesara's generic ``scan`` pays a large overhead per step. The Ops here run
the time loop of the three standard recurrent networks of Blocks in C, one
call per sequence batch: per step, one matrix product for the recurrent
term and one loop over the units for the gate non-linearities. Each has a
gradient Op that runs back-propagation through time in C and computes the
weight gradients with one BLAS ``gemm`` over all the steps. The C source
is in the ``fused_*.c`` files beside this module.

The input projections are not part of the Ops: the bricks compute them for
all the steps at once (one large product) and pass them in as ``inputs``.

Interface
---------
Use the functions, which build the Ops:

* :func:`fused_simple_recurrent` for
  :math:`h_t = f(x_t + h_{t-1} W)`, ``f`` one of :data:`ACTIVATIONS`;
* :func:`fused_lstm` for Blocks' LSTM, with or without peepholes;
* :func:`fused_gated_recurrent` for Blocks' gated recurrent unit.

Their arguments:

* ``inputs`` (and ``gate_inputs``): time-major sequences ``(time, batch,
  features)``;
* ``initial_states`` (and ``initial_cells``): ``(batch, dim)``, one per
  sequence; a brick with learned ``(dim,)`` initial states broadcasts them
  to the batch first;
* the recurrent weights, ``(dim, k * dim)``, the peepholes ``(dim,)``;
* ``mask``: ``None`` or ``(time, batch)`` of zeros and ones; where it is 0,
  the states (and cells) are carried through unchanged,
  :math:`h_t = m_t h'_t + (1 - m_t) h_{t-1}`. It gets no gradient;
* ``reverse``: iterate from the last time step to the first.

All arrays have one dtype, float32 or float64 (a mask of another dtype is
cast).

They return the states (and cells) as ``(time + 1, batch, dim)`` tensors
*in the order of iteration*, element 0 holding the initial states, element
``k`` the states after ``k`` steps; reversed, element ``k`` is the state
after reading ``inputs[time - k]``. This is the layout of ``scan``'s buffer
with ``go_backwards``: a brick returns ``states[1:]``, or ``states`` when
asked for ``return_initial_states``, and gets what Blocks' ``scan`` path
returns. Gradients flow from any of these elements.

The Ops also return buffers that only their gradient Ops read (the gate
activations); the functions do not return them.

Equations
---------
With :math:`\sigma` the logistic function and :math:`\odot` the elementwise
product, the LSTM's ``inputs`` are laid out as ``[input gate | forget gate
| cell candidate | output gate]``, each ``dim`` wide:

.. math::

    a &= x_t + h_{t-1} W_{state} \\
    i &= \sigma(a_{[0:d]} + c_{t-1} \odot p_{in}) \\
    f &= \sigma(a_{[d:2d]} + c_{t-1} \odot p_{forget}) \\
    c_t &= f \odot c_{t-1} + i \odot \tanh(a_{[2d:3d]}) \\
    o &= \sigma(a_{[3d:4d]} + c_t \odot p_{out}) \\
    h_t &= o \odot \tanh(c_t)

(without peepholes, the :math:`p` terms are absent). The gated recurrent
unit has ``inputs`` ``(time, batch, dim)`` and ``gate_inputs`` ``(time,
batch, 2 * dim)``, ``[update | reset]``:

.. math::

    [u, r] &= \sigma(g_t + h_{t-1} W_{gates}) \\
    \tilde h &= \tanh(x_t + (h_{t-1} \odot r) W_{state}) \\
    h_t &= u \odot \tilde h + (1 - u) \odot h_{t-1}

In float64 the kernels use BLAS for the recurrent products and the C
library for exp and tanh. In float32, whose speed matters, they multiply
by the recurrent weights with a product of their own, which packs the
weights once per time loop (BLAS packs them again at every step, and
reaches about half the speed on these few-row products), and compute exp,
tanh and the logistic function with vectorised polynomials (relative
error about 1e-7, absolute error of tanh below 2e-7).

For the bricks
--------------
A recurrent brick applied with ``iterate=True`` uses these functions
(see :mod:`~blocks.bricks.recurrent.implementation`) when its step is the
standard one: ``SimpleRecurrent`` with a ``Tanh``,
``Logistic``, ``Identity`` or ``Rectifier`` activation (``'tanh'``,
``'logistic'``, ``'identity'``, ``'rectifier'``), ``LSTM`` and
``GatedRecurrent`` with their default ``Tanh`` activation and ``Logistic``
gates, all three without noise or dropout inside the step. The brick
broadcasts its initial states to ``(batch, dim)``, passes its parameters
as they are (``W``; ``W_state`` and the three ``W_cell_to_*``;
``state_to_state`` and ``state_to_gates``), its ``mask`` and ``reverse``,
and returns ``states[1:]`` (or ``states`` for ``return_initial_states``).
It keeps ``scan`` when Aesara has no C compiler (``not
aesara.config.cxx``).

Requirements
------------
The Ops have C implementations only: they need Aesara's C compiler
(``aesara.config.cxx``) and run in C even in a mode that otherwise uses
Python implementations (``FAST_COMPILE``). They link the BLAS that Aesara
uses (``blas__ldflags``; Blocks configures SciPy's OpenBLAS), or, without
one, Aesara's NumPy-based fallback. The Ops pickle: their state is a few
booleans and strings (their ``__props__``).

"""
import functools
import hashlib
import os

from aesara import config, scalar, tensor
from aesara.gradient import DisconnectedType, grad_not_implemented
from aesara.graph.basic import Apply
from aesara.link.c.op import COp
from aesara.link.c.params_type import ParamsType
from aesara.tensor.blas import ldflags
from aesara.tensor.blas_headers import blas_header_text, blas_header_version

__all__ = ['ACTIVATIONS', 'fused_simple_recurrent', 'fused_lstm',
           'fused_gated_recurrent', 'FusedSimpleRecurrent',
           'FusedSimpleRecurrentGrad', 'FusedLSTM', 'FusedLSTMGrad',
           'FusedGatedRecurrent', 'FusedGatedRecurrentGrad']

#: The activations of :class:`FusedSimpleRecurrent`, in the order of the
#: C enumeration in ``fused_common.c``.
ACTIVATIONS = ('tanh', 'logistic', 'identity', 'rectifier')

_NO_COMPILER = """\
{}: the fused recurrent kernels have a C implementation only, and Aesara \
has no C compiler (aesara.config.cxx is empty). Install g++, or build the \
recurrent network with scan instead."""

_KERNEL_DIR = os.path.dirname(os.path.abspath(__file__))


@functools.lru_cache(maxsize=None)
def _kernel_source(name):
    with open(os.path.join(_KERNEL_DIR, name), encoding='utf-8') as source:
        return source.read()


@functools.lru_cache(maxsize=None)
def _kernel_version(name):
    """A number that changes with the C source, for Aesara's cache key."""
    text = _kernel_source('fused_common.c') + _kernel_source(name)
    return int(hashlib.sha256(text.encode('utf-8')).hexdigest()[:12], 16)


def _is_disconnected(variable):
    return isinstance(variable.type, DisconnectedType)


class _FusedOp(COp):
    """What the fused Ops have in common: the C boilerplate.

    A subclass names its C file (``kernel``) and function (``function``),
    which is called as ``function<ctype>(op_name, params..., arrays...)``
    and returns 0, or -1 with a Python exception set. :meth:`_c_arguments`
    lists the C expressions of the arrays: the inputs, ``NULL`` for an
    absent optional one, and the addresses of the outputs.

    """
    __props__ = ('reverse',)
    params_type = ParamsType(reverse=scalar.bool)
    kernel = None
    function = None

    def __init__(self, reverse=False):
        super().__init__()
        self.reverse = bool(reverse)

    def make_thunk(self, node, storage_map, compute_map, no_recycling,
                   impl=None):
        if not config.cxx:
            raise RuntimeError(_NO_COMPILER.format(type(self).__name__))
        return super().make_thunk(node, storage_map, compute_map,
                                  no_recycling, impl='c')

    def perform(self, node, inputs, output_storage, params=None):
        raise NotImplementedError(_NO_COMPILER.format(type(self).__name__))

    def c_headers(self, **kwargs):
        return ['<math.h>', '<stdint.h>', '<string.h>']

    def c_support_code(self, **kwargs):
        return '\n'.join([blas_header_text(),
                          _kernel_source('fused_common.c'),
                          _kernel_source(self.kernel)])

    def c_libraries(self, **kwargs):
        return ldflags()

    def c_compile_args(self, **kwargs):
        # The clamps in blk_exp vectorise only without trapping math.
        return ldflags(libs=False, flags=True) + ['-fno-trapping-math']

    def c_lib_dirs(self, **kwargs):
        return ldflags(libs=False, libs_dir=True)

    def c_header_dirs(self, **kwargs):
        return ldflags(libs=False, include_dir=True)

    def c_code_cache_version(self):
        return (1, _kernel_version(self.kernel)) + blas_header_version()

    def _c_params(self, params):
        return ['{}->reverse'.format(params)]

    def _c_arguments(self, node, inputs, outputs):
        raise NotImplementedError

    def c_code(self, node, name, inputs, outputs, sub):
        ctype = node.outputs[0].type.dtype_specs()[1]
        arguments = (['"{}"'.format(type(self).__name__)]
                     + self._c_params(sub['params'])
                     + self._c_arguments(node, list(inputs), list(outputs)))
        return 'if ({}<{}>({}) != 0) {{ {} }}'.format(
            self.function, ctype, ', '.join(arguments), sub['fail'])


class _FusedLoopOp(_FusedOp):
    """A forward Op: its inputs are named by the keys of ``specs`` (the
    mask last, optional), whose values give their shapes (see
    :func:`_check_types`); ``output_ndims`` are its outputs' ndims."""
    specs = {}
    output_ndims = ()

    def _names(self):
        """The names of the required inputs, in order."""
        return [name for name in self.specs if name != 'mask']

    def make_node(self, *inputs):
        names = self._names()
        if inputs and inputs[-1] is None:  # No mask.
            inputs = inputs[:-1]
        if len(inputs) not in (len(names), len(names) + 1):
            raise TypeError('{} takes {} and an optional mask, got {} inputs'
                            .format(self, ', '.join(names), len(inputs)))
        variables = _check_types(type(self).__name__,
                                 dict(zip(names + ['mask'], inputs)),
                                 self.specs)
        node_inputs = [variables[name] for name in names + ['mask']
                       if name in variables]
        dtype = node_inputs[0].dtype
        return Apply(self, node_inputs,
                     [_output(dtype, ndim) for ndim in self.output_ndims])

    def connection_pattern(self, node):
        # Every input but the mask connects to every output.
        required = len(self._names())
        return [[position < required] * len(node.outputs)
                for position in range(len(node.inputs))]


class _FusedGradOp(_FusedOp):
    """A gradient Op: internal, so its inputs are not checked; no second
    derivatives."""
    output_ndims = ()

    def make_node(self, *inputs):
        node_inputs = [tensor.as_tensor_variable(variable)
                       for variable in inputs if variable is not None]
        dtype = node_inputs[0].dtype
        return Apply(self, node_inputs,
                     [_output(dtype, ndim) for ndim in self.output_ndims])

    def L_op(self, inputs, outputs, output_grads):
        return [grad_not_implemented(self, position, variable)
                for position, variable in enumerate(inputs)]


def _check_types(op_name, arguments, specs):
    """Check ndims and dtypes at graph-build time; cast the mask.

    ``arguments`` maps names to variables (or ``None`` if absent),
    ``specs`` maps names to tuples of symbolic sizes: a name (``'time'``)
    or ``(name, factor)``. Static sizes are checked against each other.

    """
    variables = {name: tensor.as_tensor_variable(value)
                 for name, value in arguments.items() if value is not None}
    dtype = variables['inputs'].dtype
    if dtype not in ('float32', 'float64'):
        raise TypeError('{}: inputs must be float32 or float64, got {}'
                        .format(op_name, dtype))
    if 'mask' in variables:
        variables['mask'] = tensor.cast(variables['mask'], dtype)
    sizes = {}
    for name, variable in variables.items():
        if variable.ndim != len(specs[name]):
            raise TypeError('{}: {} must have {} dimensions {}, got {}'.format(
                op_name, name, len(specs[name]), _describe(specs[name]),
                variable.ndim))
        if variable.dtype != dtype:
            raise TypeError('{}: {} must have the dtype of the inputs ({}), '
                            'got {}'.format(op_name, name, dtype,
                                            variable.dtype))
        for size, spec in zip(variable.type.shape, specs[name]):
            if size is not None and isinstance(spec, str):
                sizes.setdefault(spec, size)
    for name, variable in variables.items():
        expected = tuple(sizes.get(spec) if isinstance(spec, str) else
                         None if sizes.get(spec[0]) is None
                         else spec[1] * sizes[spec[0]]
                         for spec in specs[name])
        if any(None not in (size, wanted) and size != wanted
               for size, wanted in zip(variable.type.shape, expected)):
            raise ValueError('{}: {} has shape {}, expected {} = {}'.format(
                op_name, name, variable.type.shape, expected,
                _describe(specs[name])))
    return variables


def _describe(spec):
    return '({})'.format(', '.join(
        size if isinstance(size, str) else '{} * {}'.format(size[1], size[0])
        for size in spec) + (',' if len(spec) == 1 else ''))


def _output(dtype, ndim):
    return tensor.tensor(dtype=dtype, shape=(None,) * ndim)


def _matching(gradient, variable):
    """The gradient with the (static) type of its variable."""
    return variable.type.filter_variable(gradient)


def _zeros_if_disconnected(gradient, output):
    return tensor.zeros_like(output) if _is_disconnected(gradient) \
        else gradient


def _check_saved_disconnected(op, output_grads):
    if not all(_is_disconnected(gradient) for gradient in output_grads):
        raise NotImplementedError(
            '{}: the buffers it saves for its gradient have no gradient '
            'of their own'.format(type(op).__name__))


class FusedSimpleRecurrent(_FusedLoopOp):
    """The time loop of a simple recurrent network.

    Inputs ``inputs, initial_states, W[, mask]``; outputs the states
    ``(time + 1, batch, dim)`` and the activations before masking
    ``(time, batch, dim)`` for the gradient. See the module docstring and
    :func:`fused_simple_recurrent`.

    Parameters
    ----------
    activation : str
        One of :data:`ACTIVATIONS`.
    reverse : bool
        Iterate from the last time step to the first.

    """
    __props__ = ('activation', 'reverse')
    params_type = ParamsType(reverse=scalar.bool, activation=scalar.int32)
    kernel = 'fused_simple.c'
    function = 'blk_simple_forward'
    specs = {'inputs': ('time', 'batch', 'dim'),
             'initial_states': ('batch', 'dim'), 'W': ('dim', 'dim'),
             'mask': ('time', 'batch')}
    output_ndims = (3, 3)

    def __init__(self, activation='tanh', reverse=False):
        super().__init__(reverse)
        if activation not in ACTIVATIONS:
            raise ValueError('{}: activation must be one of {}, got {!r}'
                             .format(type(self).__name__, ACTIVATIONS,
                                     activation))
        self.activation = activation

    def get_params(self, node):
        return self.params_type.get_params(
            reverse=self.reverse,
            activation=ACTIVATIONS.index(self.activation))

    def _c_params(self, params):
        return ['{}->reverse'.format(params), '{}->activation'.format(params)]

    def _c_arguments(self, node, inputs, outputs):
        mask = inputs[3] if len(inputs) > 3 else 'NULL'
        return inputs[:3] + [mask] + ['&' + output for output in outputs]

    def infer_shape(self, fgraph, node, input_shapes):
        time, batch, dim = input_shapes[0]
        return [(time + 1, batch, dim), (time, batch, dim)]

    def L_op(self, inputs, outputs, output_grads):
        _check_saved_disconnected(self, output_grads[1:])
        grad_states = _zeros_if_disconnected(output_grads[0], outputs[0])
        grad_op = FusedSimpleRecurrentGrad(self.activation, self.reverse)
        grads = grad_op(inputs[2], outputs[0], outputs[1], grad_states,
                        *inputs[3:])
        return ([_matching(grad, variable)
                 for grad, variable in zip(grads, inputs)]
                + [DisconnectedType()() for _ in inputs[3:]])


class FusedSimpleRecurrentGrad(_FusedGradOp):
    """Back-propagation through time for :class:`FusedSimpleRecurrent`.

    Inputs ``W, states, activations, gradient of the states[, mask]``;
    outputs the gradients of ``inputs``, ``initial_states`` and ``W``.

    """
    __props__ = ('activation', 'reverse')
    params_type = FusedSimpleRecurrent.params_type
    kernel = 'fused_simple.c'
    function = 'blk_simple_backward'
    output_ndims = (3, 2, 2)
    get_params = FusedSimpleRecurrent.get_params
    _c_params = FusedSimpleRecurrent._c_params

    def __init__(self, activation='tanh', reverse=False):
        super().__init__(reverse)
        self.activation = activation

    def _c_arguments(self, node, inputs, outputs):
        mask = inputs[4] if len(inputs) > 4 else 'NULL'
        return ([inputs[0], mask] + inputs[1:4]
                + ['&' + output for output in outputs])

    def infer_shape(self, fgraph, node, input_shapes):
        time, batch, dim = input_shapes[2]
        return [(time, batch, dim), (batch, dim), input_shapes[0]]


class FusedLSTM(_FusedLoopOp):
    """The time loop of Blocks' LSTM.

    Inputs ``inputs, initial_states, initial_cells, W_state[,
    W_cell_to_in, W_cell_to_forget, W_cell_to_out][, mask]``; outputs the
    states and cells ``(time + 1, batch, dim)`` and the gate activations
    ``(time, batch, 4 * dim)`` for the gradient. See the module docstring
    and :func:`fused_lstm`.

    Parameters
    ----------
    peepholes : bool
        Whether the Op takes the three peephole vectors.
    reverse : bool
        Iterate from the last time step to the first.

    """
    __props__ = ('peepholes', 'reverse')
    kernel = 'fused_lstm.c'
    function = 'blk_lstm_forward'
    specs = {'inputs': ('time', 'batch', ('dim', 4)),
             'initial_states': ('batch', 'dim'),
             'initial_cells': ('batch', 'dim'),
             'W_state': ('dim', ('dim', 4)), 'W_cell_to_in': ('dim',),
             'W_cell_to_forget': ('dim',), 'W_cell_to_out': ('dim',),
             'mask': ('time', 'batch')}
    output_ndims = (3, 3, 3)

    def __init__(self, peepholes=True, reverse=False):
        super().__init__(reverse)
        self.peepholes = bool(peepholes)

    def _names(self):
        return [name for name in super()._names()
                if self.peepholes or not name.startswith('W_cell_to_')]

    def _c_arguments(self, node, inputs, outputs):
        required = len(self._names())
        peepholes = inputs[4:7] if self.peepholes else ['NULL'] * 3
        mask = inputs[required] if len(inputs) > required else 'NULL'
        return (inputs[:4] + peepholes + [mask]
                + ['&' + output for output in outputs])

    def infer_shape(self, fgraph, node, input_shapes):
        time, batch, gates = input_shapes[0]
        dim = input_shapes[1][1]
        return [(time + 1, batch, dim), (time + 1, batch, dim),
                (time, batch, gates)]

    def L_op(self, inputs, outputs, output_grads):
        _check_saved_disconnected(self, output_grads[2:])
        grad_states, grad_cells = [
            _zeros_if_disconnected(grad, output)
            for grad, output in zip(output_grads[:2], outputs[:2])]
        required = len(self._names())
        grad_op = FusedLSTMGrad(self.peepholes, self.reverse)
        grads = grad_op(*([inputs[3]] + inputs[4:required] + outputs
                          + [grad_states, grad_cells] + inputs[required:]))
        return ([_matching(grad, variable)
                 for grad, variable in zip(grads, inputs)]
                + [DisconnectedType()() for _ in inputs[required:]])


class FusedLSTMGrad(_FusedGradOp):
    """Back-propagation through time for :class:`FusedLSTM`.

    Inputs ``W_state[, W_cell_to_in, W_cell_to_forget, W_cell_to_out],
    states, cells, gates, gradient of the states, gradient of the cells[,
    mask]``; outputs the gradients of the inputs of :class:`FusedLSTM` but
    the mask, in the same order.

    """
    __props__ = ('peepholes', 'reverse')
    kernel = 'fused_lstm.c'
    function = 'blk_lstm_backward'

    def __init__(self, peepholes=True, reverse=False):
        super().__init__(reverse)
        self.peepholes = bool(peepholes)

    @property
    def output_ndims(self):
        return (3, 2, 2, 2) + ((1, 1, 1) if self.peepholes else ())

    def _c_arguments(self, node, inputs, outputs):
        weights = 4 if self.peepholes else 1
        peepholes = inputs[1:4] if self.peepholes else ['NULL'] * 3
        mask = inputs[weights + 5] if len(inputs) > weights + 5 else 'NULL'
        outputs = ['&' + output for output in outputs]
        if not self.peepholes:
            outputs += ['NULL'] * 3
        return ([inputs[0]] + peepholes + [mask]
                + inputs[weights:weights + 5] + outputs)

    def infer_shape(self, fgraph, node, input_shapes):
        weights = 4 if self.peepholes else 1
        _, batch, dim = input_shapes[weights]
        return ([input_shapes[weights + 2], (batch, dim), (batch, dim),
                 input_shapes[0]] + [(dim,)] * (weights - 1))


class FusedGatedRecurrent(_FusedLoopOp):
    """The time loop of Blocks' gated recurrent network.

    Inputs ``inputs, gate_inputs, initial_states, state_to_state,
    state_to_gates[, mask]``; outputs the states ``(time + 1, batch, dim)``
    and, for the gradient, ``(time, batch, 4 * dim)`` of the update gates,
    reset gates, candidates and reset states. See the module docstring and
    :func:`fused_gated_recurrent`.

    Parameters
    ----------
    reverse : bool
        Iterate from the last time step to the first.

    """
    kernel = 'fused_gru.c'
    function = 'blk_gru_forward'
    specs = {'inputs': ('time', 'batch', 'dim'),
             'gate_inputs': ('time', 'batch', ('dim', 2)),
             'initial_states': ('batch', 'dim'),
             'state_to_state': ('dim', 'dim'),
             'state_to_gates': ('dim', ('dim', 2)),
             'mask': ('time', 'batch')}
    output_ndims = (3, 3)

    def _c_arguments(self, node, inputs, outputs):
        mask = inputs[5] if len(inputs) > 5 else 'NULL'
        return inputs[:5] + [mask] + ['&' + output for output in outputs]

    def infer_shape(self, fgraph, node, input_shapes):
        time, batch, dim = input_shapes[0]
        return [(time + 1, batch, dim), (time, batch, 4 * dim)]

    def L_op(self, inputs, outputs, output_grads):
        _check_saved_disconnected(self, output_grads[1:])
        grad_states = _zeros_if_disconnected(output_grads[0], outputs[0])
        grad_op = FusedGatedRecurrentGrad(self.reverse)
        grads = grad_op(inputs[3], inputs[4], outputs[0], outputs[1],
                        grad_states, *inputs[5:])
        return ([_matching(grad, variable)
                 for grad, variable in zip(grads, inputs)]
                + [DisconnectedType()() for _ in inputs[5:]])


class FusedGatedRecurrentGrad(_FusedGradOp):
    """Back-propagation through time for :class:`FusedGatedRecurrent`.

    Inputs ``state_to_state, state_to_gates, states, saved, gradient of
    the states[, mask]``; outputs the gradients of ``inputs``,
    ``gate_inputs``, ``initial_states``, ``state_to_state`` and
    ``state_to_gates``.

    """
    kernel = 'fused_gru.c'
    function = 'blk_gru_backward'
    output_ndims = (3, 3, 2, 2, 2)

    def _c_arguments(self, node, inputs, outputs):
        mask = inputs[5] if len(inputs) > 5 else 'NULL'
        return (inputs[:2] + [mask] + inputs[2:5]
                + ['&' + output for output in outputs])

    def infer_shape(self, fgraph, node, input_shapes):
        _, batch, dim = input_shapes[2]
        time = input_shapes[3][0]
        return [(time, batch, dim), (time, batch, 2 * dim), (batch, dim),
                input_shapes[0], input_shapes[1]]

def fused_simple_recurrent(inputs, initial_states, W, mask=None,
                           activation='tanh', reverse=False):
    """The states of a simple recurrent network over whole sequences.

    Parameters
    ----------
    inputs : tensor
        ``(time, batch, dim)``, the inputs of all steps (after the input
        projection).
    initial_states : tensor
        ``(batch, dim)``.
    W : tensor
        ``(dim, dim)``, the recurrent weights.
    mask : tensor, optional
        ``(time, batch)``, 1 where a sequence goes on, 0 past its end.
    activation : str
        One of :data:`ACTIVATIONS`.
    reverse : bool
        Iterate from the last time step to the first.

    Returns
    -------
    tensor
        ``(time + 1, batch, dim)``: the initial states, then the states
        after each step, in the order of iteration.

    Examples
    --------
    A network that accumulates its inputs:

    >>> import numpy
    >>> from aesara import tensor
    >>> x, h0 = tensor.tensor3('x'), tensor.matrix('h0')
    >>> states = fused_simple_recurrent(
    ...     x, h0, numpy.eye(2, dtype=x.dtype), activation='identity')
    >>> states.eval({x: numpy.ones((3, 1, 2), dtype=x.dtype),
    ...              h0: numpy.zeros((1, 2), dtype=x.dtype)})
    array([[[0., 0.]],
    <BLANKLINE>
           [[1., 1.]],
    <BLANKLINE>
           [[2., 2.]],
    <BLANKLINE>
           [[3., 3.]]]...)

    """
    states, _ = FusedSimpleRecurrent(activation, reverse)(
        inputs, initial_states, W, mask)
    return states


def fused_lstm(inputs, initial_states, initial_cells, W_state,
               W_cell_to_in=None, W_cell_to_forget=None, W_cell_to_out=None,
               mask=None, reverse=False):
    """The states and cells of Blocks' LSTM over whole sequences.

    Parameters
    ----------
    inputs : tensor
        ``(time, batch, 4 * dim)``, the inputs of all steps (after the input
        projection), ``[input gate | forget gate | cell candidate | output
        gate]``.
    initial_states, initial_cells : tensor
        ``(batch, dim)``.
    W_state : tensor
        ``(dim, 4 * dim)``, the recurrent weights.
    W_cell_to_in, W_cell_to_forget, W_cell_to_out : tensor, optional
        ``(dim,)``, the peepholes: all three, or none for an LSTM without
        peepholes.
    mask : tensor, optional
        ``(time, batch)``, 1 where a sequence goes on, 0 past its end.
    reverse : bool
        Iterate from the last time step to the first.

    Returns
    -------
    states, cells : tensor
        ``(time + 1, batch, dim)``: the initial ones, then those after each
        step, in the order of iteration.

    """
    peepholes = [W_cell_to_in, W_cell_to_forget, W_cell_to_out]
    given = [peephole is not None for peephole in peepholes]
    if any(given) and not all(given):
        raise ValueError('fused_lstm: give all three peepholes '
                         '(W_cell_to_in, W_cell_to_forget, W_cell_to_out) '
                         'or none, got {} of them'.format(sum(given)))
    arguments = [inputs, initial_states, initial_cells, W_state]
    if all(given):
        arguments += peepholes
    if mask is not None:
        arguments.append(mask)
    states, cells, _ = FusedLSTM(all(given), reverse)(*arguments)
    return states, cells


def fused_gated_recurrent(inputs, gate_inputs, initial_states,
                          state_to_state, state_to_gates, mask=None,
                          reverse=False):
    """The states of Blocks' gated recurrent network over whole sequences.

    Parameters
    ----------
    inputs : tensor
        ``(time, batch, dim)``, the inputs of all steps (after the input
        projection).
    gate_inputs : tensor
        ``(time, batch, 2 * dim)``, ``[update gate | reset gate]``.
    initial_states : tensor
        ``(batch, dim)``.
    state_to_state : tensor
        ``(dim, dim)``.
    state_to_gates : tensor
        ``(dim, 2 * dim)``.
    mask : tensor, optional
        ``(time, batch)``, 1 where a sequence goes on, 0 past its end.
    reverse : bool
        Iterate from the last time step to the first.

    Returns
    -------
    tensor
        ``(time + 1, batch, dim)``: the initial states, then the states
        after each step, in the order of iteration.

    """
    states, _ = FusedGatedRecurrent(reverse)(
        inputs, gate_inputs, initial_states, state_to_state, state_to_gates,
        mask)
    return states
