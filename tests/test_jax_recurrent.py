"""The fused recurrent Ops under JAX against their C implementation.

For each architecture one graph holds a masked loop (ragged sequences,
given initial states), a masked reversed loop and a loop without a mask,
with the gradients of a cost of all their states. It is compiled twice,
once with the C kernels and once for JAX, and both are run on the same
float32 values.
"""
import importlib.util

import numpy
import pytest
import aesara
from aesara import tensor
from aesara.link.vm import VMLinker
from numpy.testing import assert_allclose

from blocks.backend import compile_function
from blocks.bricks import Linear
from blocks.bricks.recurrent import LSTM, SimpleRecurrent
from blocks.bricks.recurrent.fused import (
    FusedLSTM, fused_gated_recurrent, fused_lstm, fused_simple_recurrent)
from blocks.initialization import Constant, IsotropicGaussian
from tests.bricks.test_sequence_generators import VOCABULARY, make_generator

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec('jax') is None,
    reason="jax is not installed (pip install 'blocks[jax]')")

DTYPE = 'float32'
TIME, BATCH, DIM = 5, 3, 4
LENGTHS = (5, 3, 1)
#: FAST_RUN's rewrites, the Ops but the fused ones run in Python: only the
#: fused Ops need C compilation (shared with tests/bricks/recurrent).
C_MODE = aesara.compile.mode.Mode(
    linker=VMLinker(use_cloop=False, c_thunks=False), optimizer='fast_run')
TOLERANCE = dict(rtol=2e-4, atol=2e-5)
FLOATX = aesara.config.floatX
BRICK_TOLERANCE = (dict(rtol=1e-9, atol=1e-12) if FLOATX == 'float64'
                   else TOLERANCE)


def simple(sequences, initial, weights, mask, reverse):
    return [fused_simple_recurrent(sequences[0], initial[0], weights[0],
                                   mask, 'tanh', reverse)]


def lstm(sequences, initial, weights, mask, reverse):
    return list(fused_lstm(sequences[0], initial[0], initial[1], *weights,
                           mask=mask, reverse=reverse))


def gru(sequences, initial, weights, mask, reverse):
    return [fused_gated_recurrent(sequences[0], sequences[1], initial[0],
                                  weights[0], weights[1], mask, reverse)]


#: Each architecture: its loop, the widths of its sequences and weights
#: (in units of DIM; a weight of width None is a vector) and its number of
#: states.
ARCHITECTURES = {
    'simple': (simple, (1,), (1,), 1),
    'lstm': (lstm, (4,), (4, None, None, None), 2),
    'gru': (gru, (1, 2), (1, 2), 1)}


def build(name, c_kernels):
    """Inputs, outputs (states, then gradients) and values of `name`."""
    loop, sequence_widths, weight_widths, n_states = ARCHITECTURES[name]
    rng = numpy.random.RandomState(1)
    sequences = [tensor.tensor3('x{}'.format(i), dtype=DTYPE)
                 for i in range(len(sequence_widths))]
    initial = [tensor.matrix('h{}'.format(i), dtype=DTYPE)
               for i in range(n_states)]
    weights = [tensor.matrix('w{}'.format(i), dtype=DTYPE) if width
               else tensor.vector('w{}'.format(i), dtype=DTYPE)
               for i, width in enumerate(weight_widths)]
    mask = tensor.matrix('mask', dtype=DTYPE)
    values = ([rng.normal(size=(TIME, BATCH, width * DIM))
               for width in sequence_widths]
              + [rng.normal(size=(BATCH, DIM)) for _ in initial]
              + [0.5 * rng.normal(size=(DIM, width * DIM) if width
                                  else (DIM,))
                 for width in weight_widths]
              + [numpy.arange(TIME)[:, None] < numpy.array(LENGTHS)])
    values = [value.astype(DTYPE) for value in values]
    # The C kernels run the loop without a mask as one with a mask of ones.
    no_mask = tensor.ones_like(mask) if c_kernels else None
    states = (loop(sequences, initial, weights, mask, False)
              + loop(sequences, initial, weights, mask, True)
              + loop(sequences, initial, weights, no_mask, False))
    projections = [rng.normal(size=(TIME + 1, BATCH, DIM)).astype(DTYPE)
                   for _ in states]
    cost = sum((state * projection).sum()
               for state, projection in zip(states, projections))
    inputs = sequences + initial + weights
    gradients = aesara.grad(cost, inputs)
    return inputs + [mask], states + gradients, values


@pytest.fixture(scope='module')
def results():
    """For each architecture, the outputs in C and under JAX."""
    found = {}
    for name in ARCHITECTURES:
        outputs = []
        for c_kernels, mode in ((True, C_MODE), (False, 'JAX')):
            inputs, variables, values = build(name, c_kernels)
            function = compile_function(inputs, variables, mode=mode)
            outputs.append([numpy.asarray(output)
                            for output in function(*values)])
        found[name] = outputs
    return found


@pytest.mark.parametrize('name', sorted(ARCHITECTURES))
def test_values_and_gradients_match_c(results, name):
    c_outputs, jax_outputs = results[name]
    assert len(c_outputs) == len(jax_outputs)
    for position, (expected, given) in enumerate(zip(c_outputs,
                                                     jax_outputs)):
        assert given.shape == expected.shape, position
        assert given.dtype == expected.dtype, position
        assert_allclose(given, expected, err_msg='output {}'.format(position),
                        **TOLERANCE)
    # The masks did carry states: a sequence of length 1 keeps its state.
    n_states = ARCHITECTURES[name][3]
    states = jax_outputs[0]
    assert_allclose(states[2:, 2], numpy.broadcast_to(states[1, 2],
                                                      states[2:, 2].shape))
    reversed_states = jax_outputs[n_states]
    assert not numpy.allclose(reversed_states[1], states[1])


def lstm_brick_graph():
    """A Linear brick applied to a sequence (Aesara reshapes it to a
    matrix, which JAX must infer a length of), a masked LSTM brick (the
    fused loop), and the gradients of a cost."""
    linear = Linear(2, 4 * DIM, weights_init=IsotropicGaussian(0.5),
                    biases_init=Constant(0.1), name='linear', seed=4)
    brick = LSTM(dim=DIM, weights_init=IsotropicGaussian(0.5), name='lstm',
                 seed=3)
    linear.initialize()
    brick.initialize()
    x = tensor.tensor3('x')
    mask = tensor.matrix('mask')
    states, cells = brick.apply(linear.apply(x), mask=mask)
    cost = (states.sum(axis=2) * mask).sum() + tensor.square(cells).sum()
    outputs = [states, cells] + aesara.grad(
        cost, [x] + list(linear.parameters) + list(brick.parameters))
    rng = numpy.random.RandomState(2)
    values = [rng.normal(size=(TIME, BATCH, 2)).astype(FLOATX),
              (numpy.arange(TIME)[:, None] < numpy.array(LENGTHS))
              .astype(FLOATX)]
    return [x, mask], outputs, values


def test_lstm_brick_matches_c():
    inputs, outputs, values = lstm_brick_graph()
    assert any(isinstance(node.op, FusedLSTM) for node in
               aesara.graph.basic.io_toposort(inputs, outputs))
    c_outputs = compile_function(inputs, outputs, mode=C_MODE)(*values)
    jax_outputs = compile_function(inputs, outputs, mode='JAX')(*values)
    for expected, given in zip(c_outputs, jax_outputs):
        assert_allclose(given, expected, **BRICK_TOLERANCE)


def test_sequence_generator_cost_matches_c():
    """A sequence generator without attention: its transition is a fused
    loop, its readout and feedback reshape sequences with lengths Aesara
    computes from shapes, which JAX must know when it traces."""
    generator = make_generator()
    outputs = tensor.lmatrix('outputs')
    mask = tensor.matrix('mask')
    cost = generator.cost(outputs, mask=mask)
    variables = [cost] + aesara.grad(cost, list(generator.parameters))
    rng = numpy.random.RandomState(3)
    values = [rng.randint(0, VOCABULARY, size=(TIME, BATCH)),
              (numpy.arange(TIME)[:, None] < numpy.array(LENGTHS))
              .astype(FLOATX)]
    c_outputs = compile_function([outputs, mask], variables,
                                 mode=C_MODE)(*values)
    jax_outputs = compile_function([outputs, mask], variables,
                                   mode='JAX')(*values)
    for expected, given in zip(c_outputs, jax_outputs):
        assert_allclose(given, expected, **BRICK_TOLERANCE)
