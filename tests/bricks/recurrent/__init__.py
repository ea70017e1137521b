"""NumPy references of the recurrent bricks, written independently of
them: loops over time, rows are examples, time first.

Every loop returns the states in the order they are computed, the initial
ones first (``T + 1`` entries); with ``reverse`` the sequences are read
from the end.
"""
import aesara
import numpy

FLOATX = aesara.config.floatX
#: Tolerances for comparing Aesara's values with NumPy's float64 ones.
RTOL = 1e-6 if FLOATX == 'float64' else 1e-4
GRADIENT_RTOL = 1e-5 if FLOATX == 'float64' else 2e-2


def sigmoid(value):
    return 1 / (1 + numpy.exp(-value))


def identity(value):
    return value


def _order(length, reverse):
    return range(length - 1, -1, -1) if reverse else range(length)


def _carry(mask, new, old):
    if mask is None:
        return new
    return mask[:, None] * new + (1 - mask[:, None]) * old


def simple_loop(inputs, h0, W, mask=None, activation=numpy.tanh,
                reverse=False):
    states = [h0]
    for t in _order(len(inputs), reverse):
        new = activation(inputs[t] + states[-1] @ W)
        states.append(_carry(None if mask is None else mask[t], new,
                             states[-1]))
    return numpy.stack(states)


def lstm_loop(inputs, h0, c0, W_state, peepholes=None, mask=None,
              reverse=False):
    """``peepholes`` is ``(to_in, to_forget, to_out)`` or None."""
    dim = h0.shape[1]
    if peepholes is None:
        peepholes = (0, 0, 0)
    to_in, to_forget, to_out = peepholes
    states, cells = [h0], [c0]
    for t in _order(len(inputs), reverse):
        h, c = states[-1], cells[-1]
        a = inputs[t] + h @ W_state
        i = sigmoid(a[:, :dim] + c * to_in)
        f = sigmoid(a[:, dim:2 * dim] + c * to_forget)
        new_c = f * c + i * numpy.tanh(a[:, 2 * dim:3 * dim])
        o = sigmoid(a[:, 3 * dim:] + new_c * to_out)
        new_h = o * numpy.tanh(new_c)
        m = None if mask is None else mask[t]
        states.append(_carry(m, new_h, h))
        cells.append(_carry(m, new_c, c))
    return numpy.stack(states), numpy.stack(cells)


def gru_loop(inputs, gate_inputs, h0, state_to_state, state_to_gates,
             mask=None, reverse=False):
    dim = h0.shape[1]
    states = [h0]
    for t in _order(len(inputs), reverse):
        h = states[-1]
        gates = sigmoid(gate_inputs[t] + h @ state_to_gates)
        update, reset = gates[:, :dim], gates[:, dim:]
        candidate = numpy.tanh(inputs[t] + (h * reset) @ state_to_state)
        new = update * candidate + (1 - update) * h
        states.append(_carry(None if mask is None else mask[t], new, h))
    return numpy.stack(states)


def lengths_mask(lengths, num_steps):
    """A (time, batch) mask of ones for the first `lengths` steps."""
    return (numpy.arange(num_steps)[:, None] <
            numpy.asarray(lengths)[None, :]).astype(FLOATX)


def numeric_gradient(function, arrays, epsilon=1e-6):
    """Central differences of the scalar ``function()`` with respect to
    every entry of every array (modified in place and restored)."""
    gradients = []
    for array in arrays:
        gradient = numpy.zeros_like(array, dtype='float64')
        for index in numpy.ndindex(array.shape):
            original = array[index]
            array[index] = original + epsilon
            plus = function()
            array[index] = original - epsilon
            minus = function()
            array[index] = original
            gradient[index] = (plus - minus) / (2 * epsilon)
        gradients.append(gradient)
    return gradients
