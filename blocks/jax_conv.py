"""JAX conversions of Aesara's CPU convolution and pooling Ops.

Aesara 2.9.4's JAX backend converts no convolution or pooling Op; under
the ``JAX`` mode its rewrites turn the convolutions of
:mod:`blocks.bricks.conv` into ``CorrMM`` and its gradients, and pooling
is ``Pool`` and its gradients. This module, imported with
:mod:`blocks.jax_ops`, registers for them:

- ``CorrMM``: :func:`jax.lax.conv_general_dilated` (a cross-correlation,
  like ``CorrMM``; Aesara flips the filters before it where needed);
- ``Pool``: :func:`jax.lax.reduce_window`, with Aesara's output shapes
  (partial windows at the border unless ``ignore_border``);
- the gradients of both: JAX's vector-Jacobian products of the forward
  computations.

Unshared convolutions and 3-d pooling are not converted, and raise the
error of :func:`blocks.backend.compile_function` naming the Op.

"""
import warnings

import numpy
import jax
from jax import numpy as jnp
from aesara.link.jax.dispatch import jax_funcify
from aesara.tensor.signal import pool

with warnings.catch_warnings():
    # aesara.tensor.nnet warns that it is deprecated on import.
    warnings.simplefilter('ignore', DeprecationWarning)
    from aesara.tensor.nnet import corr

__all__ = []


def _static(value, what, op):
    try:
        return tuple(int(item) for item in numpy.asarray(value).ravel())
    except (jax.errors.TracerArrayConversionError,
            jax.errors.ConcretizationTypeError):
        raise NotImplementedError(
            "No JAX conversion for the given `Op`: {} (its {} is only known "
            "at run time)".format(op, what)) from None


def _padding(op, kernel_size):
    """Zero padding before and after each image axis."""
    dilation = op.filter_dilation
    if op.border_mode == 'valid':
        return [(0, 0), (0, 0)]
    if op.border_mode == 'full':
        return [((size - 1) * dil,) * 2
                for size, dil in zip(kernel_size, dilation)]
    if op.border_mode == 'half':
        return [((size // 2) * dil,) * 2
                for size, dil in zip(kernel_size, dilation)]
    return [tuple(pair) for pair in op.border_mode]


def _check_shared(op):
    if op.unshared:
        raise NotImplementedError(
            "No JAX conversion for the given `Op`: {} (unshared "
            "convolution)".format(op))


def _correlate(op, image, kernel):
    return jax.lax.conv_general_dilated(
        image, kernel, window_strides=tuple(op.subsample),
        padding=_padding(op, kernel.shape[-2:]),
        rhs_dilation=tuple(op.filter_dilation),
        feature_group_count=op.num_groups,
        dimension_numbers=('NCHW', 'OIHW', 'NCHW'))


@jax_funcify.register(corr.CorrMM)
def jax_funcify_CorrMM(op, **kwargs):
    """A 2-d cross-correlation, as ``CorrMM``."""
    _check_shared(op)

    def correlate(image, kernel):
        return _correlate(op, image, kernel)

    return correlate


def _known(shape, what, op):
    """The optional shape input of a gradient Op, if JAX knows it."""
    if not shape:
        return None
    try:
        return _static(shape[0], what, op)
    except NotImplementedError:
        return None


def _kernel_size(op, image_size, top_size):
    """The filter size that gives ``top_size`` (unit strides)."""
    if tuple(op.subsample) != (1, 1) or op.border_mode == 'half':
        raise NotImplementedError(
            "No JAX conversion for the given `Op`: {} (the filter shape is "
            "only known at run time)".format(op))
    if op.border_mode == 'full':
        return tuple((top - length) // dil + 1 for length, top, dil in zip(
            image_size, top_size, op.filter_dilation))
    padding = _padding(op, (1, 1))
    return tuple((length + before + after - top) // dil + 1
                 for length, top, dil, (before, after) in zip(
                     image_size, top_size, op.filter_dilation, padding))


def _spatial(op, top_size, kernel_size):
    """The image size that gives ``top_size``: the smallest one."""
    padding = _padding(op, kernel_size)
    return tuple(
        (top - 1) * stride + (size - 1) * dil + 1 - before - after
        for top, stride, size, dil, (before, after) in zip(
            top_size, op.subsample, kernel_size, op.filter_dilation, padding))


@jax_funcify.register(corr.CorrMM_gradWeights)
def jax_funcify_CorrMM_gradWeights(op, node, **kwargs):
    """The gradient of ``CorrMM`` with respect to its filters."""
    _check_shared(op)

    def grad_weights(image, top, *shape):
        kernel_size = _known(shape, 'filter shape', op)
        if kernel_size is None:
            kernel_size = _kernel_size(op, image.shape[-2:], top.shape[-2:])
        kernel_shape = (top.shape[1], image.shape[1] // op.num_groups) + \
            tuple(kernel_size)
        _, backward = jax.vjp(
            lambda kernel: _correlate(op, image, kernel),
            jnp.zeros(kernel_shape, image.dtype))
        return backward(top)[0]

    return grad_weights


@jax_funcify.register(corr.CorrMM_gradInputs)
def jax_funcify_CorrMM_gradInputs(op, node, **kwargs):
    """The gradient of ``CorrMM`` with respect to its images."""
    _check_shared(op)

    def grad_inputs(kernel, top, *shape):
        image_size = _known(shape, 'image shape', op)
        if image_size is None:
            image_size = _spatial(op, top.shape[-2:], kernel.shape[-2:])
        image_shape = (top.shape[0], kernel.shape[1] * op.num_groups) + \
            tuple(image_size)
        _, backward = jax.vjp(
            lambda image: _correlate(op, image, kernel),
            jnp.zeros(image_shape, kernel.dtype))
        return backward(top)[0]

    return grad_inputs


def _scalar(value, like):
    """A NumPy scalar: JAX differentiates reductions with constant
    initial values only."""
    return numpy.asarray(value, dtype=like.dtype)


def _pool(op, x, ws, stride, pad):
    """Aesara's ``Pool`` of the last two axes of ``x``."""
    if op.ndim != 2:
        raise NotImplementedError(
            "No JAX conversion for the given `Op`: {} ({}-d pooling)".format(
                op, op.ndim))
    out_shape = pool.Pool.out_shape(x.shape, ws, op.ignore_border, stride,
                                    pad, ndim=2)[-2:]
    spatial = []
    for length, window, step, margin, out in zip(x.shape[-2:], ws, stride,
                                                 pad, out_shape):
        needed = (int(out) - 1) * step + window
        spatial.append((margin, max(0, needed - length - 2 * margin)))
    padding = [(0, 0)] * (x.ndim - 2) + spatial
    window = (1,) * (x.ndim - 2) + tuple(ws)
    strides = (1,) * (x.ndim - 2) + tuple(stride)
    if op.mode == 'max':
        padded = jnp.pad(x, padding, constant_values=-jnp.inf)
        return jax.lax.reduce_window(padded, _scalar(-numpy.inf, x),
                                     jax.lax.max, window, strides, 'VALID')
    padded = jnp.pad(x, padding)
    total = jax.lax.reduce_window(padded, _scalar(0, x),
                                  jax.lax.add, window, strides, 'VALID')
    if op.mode == 'sum':
        return total
    # The elements each window averages: those of the image, and for
    # average_inc_pad those of the zero padding too.
    if op.mode == 'average_inc_pad':
        ones = numpy.ones([length + 2 * margin for length, margin in zip(
            x.shape[-2:], pad)], x.dtype)
        extra = [(0, after) for _, after in spatial]
    else:
        ones = numpy.ones(x.shape[-2:], x.dtype)
        extra = spatial
    # Computed by NumPy when the function is traced: shapes are static.
    counted = _window_sums(numpy.pad(ones, extra), ws, stride)
    return total / counted


def _window_sums(array, ws, stride):
    rows = range(0, array.shape[0] - ws[0] + 1, stride[0])
    columns = range(0, array.shape[1] - ws[1] + 1, stride[1])
    return numpy.array([[array[row:row + ws[0], column:column + ws[1]].sum()
                         for column in columns] for row in rows],
                       dtype=array.dtype)


def _pool_parameters(op, ws, stride, pad):
    ws = _static(ws, 'window size', op)
    stride = ws if stride is None else _static(stride, 'stride', op)
    pad = (0,) * len(ws) if pad is None else _static(pad, 'padding', op)
    return ws, stride, pad


@jax_funcify.register(pool.Pool)
def jax_funcify_Pool(op, **kwargs):
    """Max, sum or average pooling."""
    def pool_(x, ws, stride=None, pad=None):
        return _pool(op, x, *_pool_parameters(op, ws, stride, pad))

    return pool_


def _pool_grad(op, x, gz, ws, stride, pad):
    parameters = _pool_parameters(op, ws, stride, pad)
    _, backward = jax.vjp(lambda x: _pool(op, x, *parameters), x)
    return backward(gz)[0]


@jax_funcify.register(pool.MaxPoolGrad)
def jax_funcify_MaxPoolGrad(op, **kwargs):
    """The gradient of max pooling."""
    def max_pool_grad(x, maxout, gz, ws, stride=None, pad=None):
        return _pool_grad(op, x, gz, ws, stride, pad)

    return max_pool_grad


@jax_funcify.register(pool.AveragePoolGrad)
def jax_funcify_AveragePoolGrad(op, **kwargs):
    """The gradient of sum and average pooling."""
    def average_pool_grad(x, gz, ws, stride=None, pad=None, dummy=None):
        return _pool_grad(op, x, gz, ws, stride, pad)

    return average_pool_grad
