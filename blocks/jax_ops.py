"""JAX conversions of the Ops Blocks defines, for Aesara's JAX backend.

Imported by :func:`blocks.backend.compile_function` the first time a
function is compiled in a JAX mode, so that ``import blocks`` imports
neither JAX nor Aesara's JAX backend. It registers, with
:func:`aesara.link.jax.dispatch.jax_funcify`:

- :class:`~blocks.bricks.cost.TargetShapeCheck` and
  :class:`~blocks.bricks.conv.InputCheck`, the run-time checks of the cost
  and convolutional bricks. Under JAX, shapes are known when the function
  is traced (once per input shape), so the checks run then, in Python, and
  raise the same ``ValueError`` as in the other modes; a condition JAX only
  knows when the function runs is checked by a host callback.
- :class:`~blocks.aesara_expressions.PickPerRow` and its gradient, the
  per-row indexing of the cross-entropy and error-rate costs.
- ``Reshape`` and ``Subtensor``, replacing Aesara's conversions, which
  fail when a length of the new shape or a bound of a slice is computed
  from other lengths, and ``Split`` (the gradient of ``join``), which
  Aesara 2.9.4 does not convert; ``SpecifyShape`` and ``MaxAndArgmax``,
  whose conversions fail on lengths left unspecified and in the step of a
  loop; ``RandomVariable``, with sizes computed from shapes.
- The Ops of the deprecated ``aesara.tensor.nnet`` module that Aesara's
  rewrites put into graphs Blocks builds (``softmax(x + b)`` becomes
  ``SoftmaxWithBias``), and its cross-entropy Ops, so that graphs written
  with them run under JAX too.

:func:`~blocks.backend.compile_function` compiles JAX functions with
:class:`BlocksJAXLinker`, which gives JAX the integer scalar inputs of a
function (lengths, numbers of steps) as constants.

"""
import functools
import warnings

import numpy
import jax
from jax import numpy as jnp
from aesara.compile.mode import Mode, get_mode
from aesara.compile.sharedvalue import SharedVariable, shared
from aesara.graph.basic import Constant
from aesara.graph.fg import FunctionGraph
from aesara.link.jax.dispatch import jax_funcify, jax_typify
from aesara.link.jax.linker import JAXLinker
from aesara.link.utils import fgraph_to_python
from aesara.scalar import ScalarType
from aesara.link.jax.dispatch.random import jax_sample_fn
from aesara.tensor.basic import Split
from aesara.tensor.math import MaxAndArgmax
from aesara.tensor.random.basic import MvNormalRV, RandomVariable
from aesara.tensor.random.type import RandomType
from aesara.tensor.shape import Reshape, SpecifyShape
from aesara.tensor.subtensor import Subtensor, indices_from_subtensor

from blocks.aesara_expressions import PickPerRow, PickPerRowGrad
from blocks.bricks.conv.convolutional import InputCheck
from blocks.bricks.cost import TargetShapeCheck, _format_shape

__all__ = ['BlocksJAXLinker', 'blocks_jax_mode']


def _concrete(value):
    """`value` as a NumPy array, or None if JAX only knows it at run time."""
    try:
        return numpy.asarray(value)
    except (jax.errors.TracerArrayConversionError,
            jax.errors.ConcretizationTypeError):
        return None


def _raise_unless(condition, message):
    if not bool(numpy.all(condition)):
        raise ValueError(message)


@jax_funcify.register(TargetShapeCheck)
def jax_funcify_TargetShapeCheck(op, **kwargs):
    """Compare the shape of the targets with that of the predictions."""
    def message_for(given, expected, predictions_shape):
        return (op.message.replace('{given}', _format_shape(given))
                .replace('{expected}', _format_shape(expected))
                .replace('{predictions_shape}',
                         _format_shape(predictions_shape)))

    def check_on_host(predictions_shape, given):
        predictions_shape = tuple(int(length) for length in predictions_shape)
        expected = list(given)
        for target_axis, prediction_axis in op.axes:
            expected[target_axis] = predictions_shape[prediction_axis]
        if tuple(expected) != tuple(given):
            raise ValueError(message_for(given, expected, predictions_shape))

    def target_shape_check(targets, predictions_shape):
        given = tuple(targets.shape)
        concrete = _concrete(predictions_shape)
        if concrete is not None:
            check_on_host(concrete, given)
        else:
            jax.debug.callback(
                functools.partial(check_on_host, given=given),
                predictions_shape)
        return targets

    return target_shape_check


@jax_funcify.register(InputCheck)
def jax_funcify_InputCheck(op, **kwargs):
    """Raise the brick's ``ValueError`` when the condition fails."""
    def input_check(value, condition):
        concrete = _concrete(condition)
        if concrete is not None:
            _raise_unless(concrete, op.message)
        else:
            jax.debug.callback(
                functools.partial(_raise_unless, message=op.message),
                condition)
        return value

    return input_check


with warnings.catch_warnings():
    # aesara.tensor.nnet warns that it is deprecated on import.
    warnings.simplefilter('ignore', DeprecationWarning)
    from aesara.tensor.nnet import basic as nnet_basic


def _rows(indices):
    return jnp.arange(indices.shape[0])


@jax_funcify.register(nnet_basic.SoftmaxWithBias)
def jax_funcify_SoftmaxWithBias(op, **kwargs):
    """``softmax(x + b)`` over the rows."""
    def softmax_with_bias(x, b):
        return jax.nn.softmax(x + b, axis=-1)

    return softmax_with_bias


@jax_funcify.register(nnet_basic.CrossentropySoftmaxArgmax1HotWithBias)
def jax_funcify_CrossentropySoftmaxArgmax1HotWithBias(op, node, **kwargs):
    """Cross-entropy, softmax and arg max of ``x + b``."""
    index_dtype = node.outputs[2].dtype

    def crossentropy_softmax_argmax(x, b, y_idx):
        logits = x + b
        log_probabilities = jax.nn.log_softmax(logits, axis=-1)
        nll = -log_probabilities[_rows(y_idx), y_idx]
        return (nll, jnp.exp(log_probabilities),
                jnp.argmax(logits, axis=-1).astype(index_dtype))

    return crossentropy_softmax_argmax


@jax_funcify.register(nnet_basic.CrossentropySoftmax1HotWithBiasDx)
def jax_funcify_CrossentropySoftmax1HotWithBiasDx(op, **kwargs):
    """The gradient of the cross-entropy of a softmax, given the softmax."""
    def crossentropy_softmax_dx(dy, sm, y_idx):
        one_hot = jax.nn.one_hot(y_idx, sm.shape[-1], dtype=sm.dtype)
        return jnp.reshape(dy, (-1, 1)) * (sm - one_hot)

    return crossentropy_softmax_dx


@jax_funcify.register(nnet_basic.CrossentropyCategorical1Hot)
def jax_funcify_CrossentropyCategorical1Hot(op, **kwargs):
    """``-log(coding[i, y[i]])`` for each row ``i``."""
    def crossentropy_categorical(coding, y_idx):
        return -jnp.log(coding[_rows(y_idx), y_idx])

    return crossentropy_categorical


@jax_funcify.register(nnet_basic.CrossentropyCategorical1HotGrad)
def jax_funcify_CrossentropyCategorical1HotGrad(op, **kwargs):
    """The gradient of :class:`CrossentropyCategorical1Hot`."""
    def crossentropy_categorical_grad(g_y, coding, y_idx):
        rows = _rows(y_idx)
        return jnp.zeros_like(coding).at[rows, y_idx].set(
            -g_y / coding[rows, y_idx])

    return crossentropy_categorical_grad


@jax_funcify.register(PickPerRow)
def jax_funcify_PickPerRow(op, **kwargs):
    """A gather of one element per row."""
    def pick_per_row(matrix, indices):
        return jnp.take_along_axis(matrix, indices[:, None], axis=1)[:, 0]

    return pick_per_row


@jax_funcify.register(PickPerRowGrad)
def jax_funcify_PickPerRowGrad(op, **kwargs):
    """Zeros but for the gradient at the picked elements."""
    def pick_per_row_grad(matrix, indices, gradient):
        return jnp.zeros_like(matrix).at[_rows(indices), indices].set(
            gradient)

    return pick_per_row_grad


def _static_or_none(value):
    """`value` as an int, or None if JAX only knows it at run time."""
    concrete = _concrete(value)
    return None if concrete is None else int(concrete)


@jax_funcify.register(Reshape)
def jax_funcify_Reshape(op, node, **kwargs):
    """:func:`jax.numpy.reshape`, with one length JAX does not know when it
    traces (e.g. ``x.shape[0] * x.shape[1]``) left for it to infer.

    Aesara's own conversion refuses any shape not made by ``Shape`` Ops
    or constants, and fails when one of its lengths is computed, as in the
    reshapes Aesara makes of ``dot(x, W)`` for a 3-d ``x`` (a
    :class:`~blocks.bricks.Linear` applied to a sequence). A computed
    length is inferred by JAX from the others instead; with two or more,
    the shape is unknown and the conversion says so.

    """
    shape = node.inputs[1]
    if isinstance(shape, Constant):
        constant_shape = tuple(int(length) for length in shape.data)

        def reshape_constant(x, shape):
            return jnp.reshape(x, constant_shape)

        return reshape_constant

    def reshape(x, shape):
        concrete = _concrete(shape)
        if concrete is not None:
            # Indexing a concrete array while JAX traces (in a loop's
            # step) would make a traced length of each of its elements.
            lengths = [int(length) for length in concrete]
        else:
            lengths = [_static_or_none(shape[axis])
                       for axis in range(op.ndim)]
        unknown = [axis for axis, length in enumerate(lengths)
                   if length is None]
        if len(unknown) > 1:
            raise NotImplementedError(
                "No JAX conversion for the given `Op`: {} (the lengths of "
                "axes {} of its new shape are only known at run "
                "time)".format(op, unknown))
        if unknown:
            lengths[unknown[0]] = -1
        return jnp.reshape(x, tuple(lengths))

    return reshape


@jax_funcify.register(Subtensor)
def jax_funcify_Subtensor(op, node, **kwargs):
    """Basic indexing, with slice bounds JAX knows when it traces.

    Aesara's conversion refuses any slice whose bounds are not constants,
    such as ``x[:x.shape[0] - 1]`` or those Aesara puts around the loops
    of :func:`aesara.scan`; bounds computed from shapes are known at trace
    time (see :func:`jax_funcify_FunctionGraph`). A bound JAX only knows
    at run time makes JAX refuse the slice when it traces it.

    """
    idx_list = op.idx_list

    def subtensor(x, *indices):
        index = indices_from_subtensor(
            [_concrete_or_traced(value) for value in indices], idx_list)
        return x[index[0] if len(index) == 1 else index]

    return subtensor


def _concrete_or_traced(value):
    concrete = _concrete(value)
    return value if concrete is None else concrete


@jax_funcify.register(Split)
def jax_funcify_Split(op, node, **kwargs):
    """:func:`jax.numpy.split` at the given lengths, known at trace time
    (Aesara 2.9.4 has no conversion of ``Split``, the gradient of
    ``join`` and ``stack``)."""
    def split(x, axis, splits):
        concrete = _concrete(splits)
        if concrete is None:
            raise NotImplementedError(
                "No JAX conversion for the given `Op`: {} (the lengths of "
                "its parts are only known at run time)".format(op))
        ends = numpy.cumsum(concrete)[:-1]
        parts = jnp.split(x, [int(end) for end in ends], axis=int(axis))
        return parts[0] if len(parts) == 1 else tuple(parts)

    return split


@jax_funcify.register(SpecifyShape)
def jax_funcify_SpecifyShape(op, node, **kwargs):
    """Check the lengths that are given (Aesara's conversion compares
    ``None``, an unspecified length, with the actual one and fails)."""
    def specify_shape(x, *shape):
        for axis, length in enumerate(shape):
            expected = None if length is None else _concrete(length)
            if expected is not None and int(expected) != x.shape[axis]:
                raise ValueError(
                    "SpecifyShape: axis {} has length {}, expected "
                    "{}".format(axis, x.shape[axis], int(expected)))
        return x

    return specify_shape


@jax_funcify.register(MaxAndArgmax)
def jax_funcify_MaxAndArgmax(op, **kwargs):
    """The maximum and its position over the axes of `op`.

    Aesara's conversion builds the permutation of the axes as a JAX
    array, which is traced, and so refused by ``transpose``, inside a
    loop's step; here it is a tuple of ints.

    """
    def max_and_argmax(x):
        axes = (tuple(range(x.ndim)) if op.axis is None
                else tuple(int(axis) for axis in op.axis))
        kept = tuple(axis for axis in range(x.ndim) if axis not in axes)
        moved = jnp.transpose(x, kept + axes)
        flat = moved.reshape(moved.shape[:len(kept)] + (-1,))
        return (jnp.max(x, axis=axes),
                jnp.argmax(flat, axis=-1).astype('int64'))

    return max_and_argmax


@jax_funcify.register(RandomVariable)
def jax_funcify_RandomVariable(op, node, **kwargs):
    """Aesara's sampling functions, with a size JAX knows when it traces.

    Aesara's conversion takes a size it does not know statically only
    from a ``Shape`` Op, which ``normal(size=x.shape)`` is not once
    Aesara's rewrites have made it a vector of ``Shape_i``; such sizes,
    and those computed from shapes, are known at trace time.

    """
    dtype = node.outputs[1].type.dtype
    static_shape = node.outputs[1].type.shape
    if isinstance(op, MvNormalRV):
        # JAX takes the batch shape only.
        static_shape = static_shape[:-1]
    sample = jax_sample_fn(op)

    def random_variable(rng, size, dtype_, *parameters):
        if None not in static_shape:
            return sample(rng, static_shape, dtype, *parameters)
        concrete = _concrete(size)
        if concrete is None:
            raise NotImplementedError(
                "No JAX conversion for the given `Op`: {} (the size of its "
                "sample is only known at run time)".format(op))
        shape = tuple(int(length) for length in concrete)
        if not shape:
            shape = jnp.broadcast_shapes(*(jnp.shape(parameter)
                                           for parameter in parameters))
        return sample(rng, shape, dtype, *parameters)

    return random_variable


def _is_shape_arithmetic(node):
    """Whether `node` computes integers or truth values of at most one
    axis: lengths, shapes, indices (Aesara's arithmetic on shapes)."""
    return all((isinstance(output.type, ScalarType) or
                getattr(output.type, 'ndim', None) in (0, 1)) and
               getattr(output.type, 'dtype', 'float')[:3] in ('int', 'uin',
                                                              'boo')
               for output in node.outputs)


def _at_trace_time(function):
    """`function`, evaluated when JAX traces it if its inputs are known."""
    @functools.wraps(function)
    def evaluate_if_known(*arguments, **keywords):
        with jax.ensure_compile_time_eval():
            return function(*arguments, **keywords)
    return evaluate_if_known


def _convert_node(op, node=None, **kwargs):
    function = jax_funcify(op, node=node, **kwargs)
    if node is not None and _is_shape_arithmetic(node):
        return _at_trace_time(function)
    return function


@jax_funcify.register(FunctionGraph)
def jax_funcify_FunctionGraph(fgraph, node=None,
                              fgraph_name='jax_funcified_fgraph', **kwargs):
    """Aesara's conversion of a graph, but for the arithmetic on shapes.

    Under :func:`jax.jit` every operation is traced, so a length computed
    from the shapes of the inputs (``x.shape[0] * x.shape[1]``, as Aesara
    computes for many reshapes) is unknown while JAX traces the function,
    where it needs it as a constant. The Ops that compute integer scalars
    and vectors run in :func:`jax.ensure_compile_time_eval`: with lengths
    known at trace time (JAX knows the shapes then), so are their results.

    """
    return fgraph_to_python(fgraph, _convert_node,
                            const_conversion_fn=jax_typify,
                            fgraph_name=fgraph_name, **kwargs)


def _is_integer_scalar_input(variable):
    """Whether `variable`, an input of a function, is an integer scalar
    given when the function is called (not a shared variable)."""
    if isinstance(variable, (Constant, SharedVariable)):
        return False
    dtype = getattr(variable.type, 'dtype', '')
    return getattr(variable.type, 'ndim', 0) == 0 and \
        dtype.startswith(('int', 'uint'))


class BlocksJAXLinker(JAXLinker):
    """Aesara's JAX linker, with integer scalar inputs known when tracing.

    Under :func:`jax.jit` every argument is traced, so a length given as
    an input of the function (the ``batch_size`` of a beam search's
    initial states, the ``n_steps`` of a generation) is unknown when JAX
    needs it as a constant (to allocate an array of that length). This
    linker makes such inputs static arguments: JAX traces and compiles the
    function again for each new value, and reuses what it compiled for a
    value seen before. Shared variables stay traced (an integer counter
    updated at every step would otherwise recompile at every step).

    Like Aesara's, it gives the function a copy of each shared random
    generator (JAX draws from a key made of its state, not from NumPy's
    generator), but keeps the copy at the position of the original among
    the function's inputs: Aesara's linker moves it to the end, so that the
    function's updates of a graph drawing random numbers (noise or dropout
    in a training step) were written into the wrong shared variables. The
    function draws from and advances its copy; the generator in the shared
    variable, and so in checkpoints, stays as it was.

    """
    def fgraph_convert(self, fgraph, input_storage, storage_map, **kwargs):
        for position, variable in enumerate(list(fgraph.inputs)):
            if not (isinstance(variable, SharedVariable) and
                    isinstance(variable.type, RandomType)):
                continue
            copy = shared(variable.get_value(borrow=False))
            fgraph.replace_all([(variable, copy)], import_missing=True,
                               reason='BlocksJAXLinker.fgraph_convert')
            old_storage = storage_map.pop(variable)
            new_storage = [copy.get_value(borrow=True)]
            storage_map[copy] = new_storage
            index = next(index for index, storage in enumerate(input_storage)
                         if storage is old_storage)
            input_storage[index] = new_storage
            fgraph.remove_input(fgraph.inputs.index(variable),
                                reason='BlocksJAXLinker.fgraph_convert')
            fgraph.inputs.remove(copy)
            fgraph.inputs.insert(position, copy)
        return jax_funcify(fgraph, input_storage=input_storage,
                           storage_map=storage_map, **kwargs)

    def jit_compile(self, fn):
        inputs = self.fgraph.inputs
        static = [position for position, variable in enumerate(inputs)
                  if _is_integer_scalar_input(variable)]
        jitted = jax.jit(fn, static_argnums=[
            position for position, variable in enumerate(inputs)
            if isinstance(variable, Constant)] + static)
        if not static:
            return jitted

        def call_with_static_integers(*arguments):
            arguments = list(arguments)
            for position in static:
                arguments[position] = int(numpy.asarray(arguments[position]))
            return jitted(*arguments)
        return call_with_static_integers


_BLOCKS_JAX_MODES = {}


def blocks_jax_mode(mode):
    """`mode`, a JAX mode, with :class:`BlocksJAXLinker` as its linker.

    Parameters
    ----------
    mode : str or :class:`~aesara.compile.mode.Mode`
        A mode whose linker is Aesara's ``JAXLinker`` (e.g. ``'JAX'``);
        any other mode is returned as it is.

    """
    resolved = get_mode(mode)
    if type(resolved.linker) is not JAXLinker:
        return mode
    key = id(resolved)
    if key not in _BLOCKS_JAX_MODES:
        _BLOCKS_JAX_MODES[key] = (resolved, Mode(
            linker=BlocksJAXLinker(), optimizer=resolved.provided_optimizer))
    return _BLOCKS_JAX_MODES[key][1]


# Convolution and pooling, the fused recurrent Ops, Scan.
from blocks import jax_conv, jax_recurrent, jax_scan  # noqa: E402,F401
