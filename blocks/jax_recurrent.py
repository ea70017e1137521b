"""JAX conversions of the fused recurrent Ops.

The Ops of :mod:`blocks.bricks.recurrent.fused` have a C implementation
only. This module, imported with :mod:`blocks.jax_ops` when a function is
first compiled in a JAX mode, registers for each of them a
:func:`jax.lax.scan` over the time steps computing the same equations
(see the docstring of :mod:`~blocks.bricks.recurrent.fused`): the states
(and cells) ``(time + 1, batch, dim)`` in the order of iteration, the
initial ones first, masks carrying the states through, ``reverse``
iterating from the last step.

The gradient Ops are converted to JAX's vector-Jacobian product of the
same forward computation, which is exact and recomputes the forward loop.
For that, the buffers the forward Ops return for their gradient Ops hold,
under JAX, the forward inputs instead of the gate activations of the C
kernels: ``inputs`` for
:class:`~blocks.bricks.recurrent.fused.FusedSimpleRecurrent` and
:class:`~blocks.bricks.recurrent.fused.FusedLSTM` (whose buffers have
their shapes), ``[inputs | gate_inputs | zeros]`` for
:class:`~blocks.bricks.recurrent.fused.FusedGatedRecurrent`. Only the
gradient Ops read those buffers, and a graph runs all its Ops on one
backend, so the two layouts never meet.

"""
import jax
from jax import numpy as jnp
from aesara.link.jax.dispatch import jax_funcify

from blocks.bricks.recurrent.fused import (
    FusedGatedRecurrent, FusedGatedRecurrentGrad, FusedLSTM, FusedLSTMGrad,
    FusedSimpleRecurrent, FusedSimpleRecurrentGrad)

__all__ = []


def _identity(x):
    return x


def _rectifier(x):
    # Zero gradient at zero, as the C kernel (jnp.maximum gives one half).
    return jnp.where(x > 0, x, jnp.zeros_like(x))


_ACTIVATIONS = {'tanh': jnp.tanh, 'logistic': jax.nn.sigmoid,
                'identity': _identity, 'rectifier': _rectifier}


def _loop(step, initial, sequences, mask, reverse):
    """Iterate `step` over the sequences; masks carry the states through.

    Parameters
    ----------
    step : callable
        ``step(carry, inputs_t)`` returns the new carry (a tuple of
        ``(batch, dim)`` arrays).
    initial : tuple of arrays
        The initial carry.
    sequences : tuple of arrays
        Time-major, iterated together.
    mask : array or None
        ``(time, batch)``.
    reverse : bool

    Returns
    -------
    tuple of arrays
        Each ``(time + 1, batch, dim)``, in the order of iteration.

    """
    if reverse:
        sequences = tuple(sequence[::-1] for sequence in sequences)
        mask = None if mask is None else mask[::-1]

    def body(carry, slices):
        if mask is None:
            new = step(carry, slices)
        else:
            slices, mask_t = slices[:-1], slices[-1][:, None]
            new = tuple(mask_t * value + (1 - mask_t) * old
                        for value, old in zip(step(carry, slices), carry))
        return new, new

    scanned = sequences if mask is None else sequences + (mask,)
    _, history = jax.lax.scan(body, tuple(initial), scanned)
    return tuple(jnp.concatenate([start[None], steps])
                 for start, steps in zip(initial, history))


def _simple(activation, reverse):
    function = _ACTIVATIONS[activation]

    def forward(inputs, initial_states, W, mask):
        def step(carry, slices):
            return (function(slices[0] + carry[0] @ W),)
        return _loop(step, (initial_states,), (inputs,), mask, reverse)[0]
    return forward


def _lstm(peepholes, reverse):
    def forward(inputs, initial_states, initial_cells, W_state,
                cell_to_in, cell_to_forget, cell_to_out, mask):
        dim = initial_states.shape[1]

        def step(carry, slices):
            states, cells = carry
            a = slices[0] + states @ W_state
            pre_in, pre_forget = a[:, :dim], a[:, dim:2 * dim]
            pre_out = a[:, 3 * dim:]
            if peepholes:
                pre_in = pre_in + cells * cell_to_in
                pre_forget = pre_forget + cells * cell_to_forget
            new_cells = (jax.nn.sigmoid(pre_forget) * cells
                         + jax.nn.sigmoid(pre_in)
                         * jnp.tanh(a[:, 2 * dim:3 * dim]))
            if peepholes:
                pre_out = pre_out + new_cells * cell_to_out
            return (jax.nn.sigmoid(pre_out) * jnp.tanh(new_cells), new_cells)
        return _loop(step, (initial_states, initial_cells), (inputs,), mask,
                     reverse)
    return forward


def _gated(reverse):
    def forward(inputs, gate_inputs, initial_states, state_to_state,
                state_to_gates, mask):
        dim = initial_states.shape[1]

        def step(carry, slices):
            states, = carry
            gates = jax.nn.sigmoid(slices[1] + states @ state_to_gates)
            update, reset = gates[:, :dim], gates[:, dim:]
            candidates = jnp.tanh(slices[0]
                                  + (states * reset) @ state_to_state)
            return (update * candidates + (1 - update) * states,)
        return _loop(step, (initial_states,), (inputs, gate_inputs), mask,
                     reverse)[0]
    return forward


def _mask_of(arrays, count):
    """The mask, the input after the `count` required ones, or None."""
    return arrays[count] if len(arrays) > count else None


@jax_funcify.register(FusedSimpleRecurrent)
def jax_funcify_FusedSimpleRecurrent(op, **kwargs):
    """The states; the inputs as the gradient's buffer."""
    forward = _simple(op.activation, op.reverse)

    def fused_simple_recurrent(inputs, initial_states, W, *mask):
        states = forward(inputs, initial_states, W, _mask_of(mask, 0))
        return states, inputs

    return fused_simple_recurrent


@jax_funcify.register(FusedSimpleRecurrentGrad)
def jax_funcify_FusedSimpleRecurrentGrad(op, **kwargs):
    """The gradients of the inputs, initial states and weights."""
    forward = _simple(op.activation, op.reverse)

    def fused_simple_recurrent_grad(W, states, inputs, grad_states, *mask):
        mask = _mask_of(mask, 0)
        _, pullback = jax.vjp(
            lambda x, h0, w: forward(x, h0, w, mask), inputs, states[0], W)
        return pullback(grad_states)

    return fused_simple_recurrent_grad


@jax_funcify.register(FusedLSTM)
def jax_funcify_FusedLSTM(op, **kwargs):
    """The states and cells; the inputs as the gradient's buffer."""
    forward = _lstm(op.peepholes, op.reverse)
    weights = 4 if op.peepholes else 1

    def fused_lstm(inputs, initial_states, initial_cells, *rest):
        W_state = rest[0]
        peepholes = rest[1:4] if op.peepholes else (None, None, None)
        states, cells = forward(inputs, initial_states, initial_cells,
                                W_state, *peepholes,
                                _mask_of(rest, weights))
        return states, cells, inputs

    return fused_lstm


@jax_funcify.register(FusedLSTMGrad)
def jax_funcify_FusedLSTMGrad(op, **kwargs):
    """The gradients of the inputs of :class:`FusedLSTM` but the mask."""
    forward = _lstm(op.peepholes, op.reverse)
    weights = 4 if op.peepholes else 1

    def fused_lstm_grad(*arrays):
        weight_arrays = arrays[:weights]
        states, cells, inputs, grad_states, grad_cells = \
            arrays[weights:weights + 5]
        mask = _mask_of(arrays, weights + 5)

        def loop(x, h0, c0, *weight_arrays):
            peepholes = (weight_arrays[1:] if op.peepholes
                         else (None, None, None))
            return forward(x, h0, c0, weight_arrays[0], *peepholes, mask)
        _, pullback = jax.vjp(loop, inputs, states[0], cells[0],
                              *weight_arrays)
        return pullback((grad_states, grad_cells))

    return fused_lstm_grad


@jax_funcify.register(FusedGatedRecurrent)
def jax_funcify_FusedGatedRecurrent(op, **kwargs):
    """The states; ``[inputs | gate_inputs | zeros]`` as the buffer."""
    forward = _gated(op.reverse)

    def fused_gated_recurrent(inputs, gate_inputs, initial_states,
                              state_to_state, state_to_gates, *mask):
        states = forward(inputs, gate_inputs, initial_states,
                         state_to_state, state_to_gates, _mask_of(mask, 0))
        return states, jnp.concatenate(
            [inputs, gate_inputs, jnp.zeros_like(inputs)], axis=2)

    return fused_gated_recurrent


@jax_funcify.register(FusedGatedRecurrentGrad)
def jax_funcify_FusedGatedRecurrentGrad(op, **kwargs):
    """The gradients of the inputs, gate inputs, initial states and of
    both weights."""
    forward = _gated(op.reverse)

    def fused_gated_recurrent_grad(state_to_state, state_to_gates, states,
                                   saved, grad_states, *mask):
        mask = _mask_of(mask, 0)
        dim = states.shape[2]
        inputs, gate_inputs = saved[:, :, :dim], saved[:, :, dim:3 * dim]
        _, pullback = jax.vjp(
            lambda x, g, h0, w_s, w_g: forward(x, g, h0, w_s, w_g, mask),
            inputs, gate_inputs, states[0], state_to_state, state_to_gates)
        return pullback(grad_states)

    return fused_gated_recurrent_grad
