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
- The Ops of the deprecated ``aesara.tensor.nnet`` module that Aesara's
  rewrites put into graphs Blocks builds (``softmax(x + b)`` becomes
  ``SoftmaxWithBias``), and its cross-entropy Ops, so that graphs written
  with them run under JAX too.

"""
import functools
import warnings

import numpy
import jax
from jax import numpy as jnp
from aesara.link.jax.dispatch import jax_funcify

from blocks.aesara_expressions import PickPerRow, PickPerRowGrad
from blocks.bricks.conv.convolutional import InputCheck
from blocks.bricks.cost import TargetShapeCheck, _format_shape

__all__ = []


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


# Convolution and pooling.
from blocks import jax_conv  # noqa: E402,F401
