"""Aesara's ``Scan`` under JAX (:mod:`blocks.jax_scan`) against C.

Each group of graphs is compiled once per mode: hand-built loops covering
every kind of output of a ``Scan`` (taps ``[-2, -1]``, no taps, the
``mit_mot`` outputs of a gradient, buffers shortened by Aesara's
``save_mem`` rewrite, shared variables updated in the loop); recurrent
bricks running their step with ``recurrent_implementation='scan'``; a
sequence generator with attention (its cost, its gradients and its
generation); the beam search.
"""
import importlib.util

import numpy
import pytest
import aesara
from aesara import tensor
from aesara.scan.op import Scan
from aesara.scan.utils import until
from numpy.testing import assert_allclose

from blocks.algorithms import GradientDescent, Scale
from blocks.backend import BackendError, compile_function
from blocks.bricks import Brick, Initializable, Linear, Random, Tanh
from blocks.bricks.base import application
from blocks.bricks.recurrent import LSTM, SimpleRecurrent, recurrent
from blocks.bricks.recurrent.base import BaseRecurrent
from blocks.graph import ComputationGraph
from blocks.initialization import IsotropicGaussian
from blocks.search import BeamSearch
from tests.bricks.test_sequence_generators import (
    ATTENDED_DIM, EOS, VOCABULARY, make_generator)

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec('jax') is None,
    reason="jax is not installed (pip install 'blocks[jax]')")

FLOATX = aesara.config.floatX
TOLERANCE = (dict(rtol=1e-7, atol=1e-9) if FLOATX == 'float64'
             else dict(rtol=2e-4, atol=2e-5))
TIME, BATCH, DIM = 5, 3, 2
LENGTHS = (5, 3, 1)


def floats(rng, *shape):
    return rng.normal(size=shape).astype(FLOATX)


def scans_of(function):
    return [node for node in function.maker.fgraph.toposort()
            if isinstance(node.op, Scan)]


def run_both(inputs, outputs, values, updates=None, reset=()):
    """The outputs of a graph compiled in C and for JAX (each run with the
    shared variables in `reset` at their initial values), and the two
    functions."""
    initial = [variable.get_value() for variable in reset]
    results, functions = [], []
    for mode in ('FAST_RUN', 'JAX'):
        function = compile_function(inputs, outputs, mode=mode,
                                    updates=updates)
        for variable, value in zip(reset, initial):
            variable.set_value(value)
        results.append([numpy.asarray(output)
                        for output in function(*values)])
        results.append([variable.get_value() for variable in reset])
        functions.append(function)
    return results, functions


def assert_all_close(expected, given):
    assert len(expected) == len(given)
    for position, (value, other) in enumerate(zip(expected, given)):
        assert other.shape == value.shape, position
        assert_allclose(other, value, err_msg='output {}'.format(position),
                        **TOLERANCE)


@pytest.fixture(scope='module')
def hand_built():
    x = tensor.matrix('x')
    h0 = tensor.vector('h0')
    W = tensor.matrix('W')

    def step(x_t, h_tm2, h_tm1, W):
        h = tensor.tanh(tensor.dot(h_tm1, W) + x_t) + 0.5 * h_tm2
        return h, tensor.square(h).sum()

    (states, squares), _ = aesara.scan(
        step, sequences=[x], non_sequences=[W],
        outputs_info=[dict(initial=tensor.stack([h0, 2 * h0]),
                           taps=[-2, -1]), None])
    # Only the last steps are needed: save_mem shortens the buffer.
    powers, _ = aesara.scan(lambda z: 1.5 * z + 1, outputs_info=[h0],
                            n_steps=7)
    cost = (states.sum() + squares.sum() + tensor.power(states[-1], 3).sum()
            + powers[-1].sum() * powers[-2].sum())
    counter = aesara.shared(numpy.asarray(0., dtype=FLOATX), name='counter')
    counted, updates = aesara.scan(
        lambda x_t: (x_t.sum() * counter, {counter: counter + 1}),
        sequences=[x])
    outputs = ([states, squares, powers[-1], powers[-2], counted]
               + aesara.grad(cost, [x, h0, W]))
    rng = numpy.random.RandomState(0)
    values = [floats(rng, TIME, 3), floats(rng, 3), 0.5 * floats(rng, 3, 3)]
    results, functions = run_both([x, h0, W], outputs, values,
                                 updates=updates, reset=[counter])
    return results, scans_of(functions[1])


def test_hand_built_scans_match_c(hand_built):
    (c_outputs, c_shared, jax_outputs, jax_shared), scans = hand_built
    assert_all_close(c_outputs, jax_outputs)
    assert_all_close(c_shared, jax_shared)
    assert float(jax_shared[0]) == TIME
    # The graph JAX ran has all kinds of Scan outputs.
    infos = [node.op.info for node in scans]
    assert any(info.n_mit_mot for info in infos)
    assert any(info.mit_sot_in_slices == ((-2, -1),) for info in infos)
    assert any(info.n_nit_sot for info in infos)
    shortened = [
        node for node in scans for buffer, taps in zip(
            node.inputs[1 + node.op.info.n_seqs:],
            node.op.info.sit_sot_in_slices)
        if buffer.type.shape[0] is not None and buffer.type.shape[0] < 8]
    assert shortened


@pytest.fixture(scope='module')
def recurrent_bricks():
    """SimpleRecurrent and LSTM bricks looping with ``scan`` under JAX:
    ragged masks, given initial states, reversed; the states and the
    gradients of a cost of them with respect to the inputs, initial states
    and parameters, against the same bricks' fused loops under JAX. (The
    fused loops under JAX equal C's in ``test_jax_recurrent.py``, and C's
    scan equals C's fused loops in ``tests/bricks/recurrent``; compiling
    the gradient of a scan in C takes longer than the rest of this file.)"""
    simple = SimpleRecurrent(dim=DIM, activation=Tanh(), name='simple',
                             weights_init=IsotropicGaussian(0.5), seed=1)
    lstm = LSTM(dim=DIM, weights_init=IsotropicGaussian(0.5), name='lstm',
                seed=2)
    bricks = [simple, lstm]
    for brick in bricks:
        brick.initialize()
    x = tensor.tensor3('x')
    mask = tensor.matrix('mask')
    h0 = tensor.matrix('h0')
    c0 = tensor.matrix('c0')
    rng = numpy.random.RandomState(3)
    weights = [floats(rng, TIME, BATCH, DIM) for _ in range(3)]
    parameters = [parameter for brick in bricks
                  for parameter in brick.parameters]

    def states_and_gradients(implementation):
        for brick in bricks:
            brick.recurrent_implementation = implementation
        states = [simple.apply(x, mask=mask, states=h0, reverse=True)]
        states += lstm.apply(tensor.concatenate([x] * 4, axis=2), mask=mask,
                             states=h0, cells=c0)
        cost = sum((state * weight).sum()
                   for state, weight in zip(states, weights))
        # The LSTM's initial state and cells are given: disconnected.
        return states + aesara.grad(cost, [x, h0, c0] + parameters,
                                    disconnected_inputs='ignore')

    values = [floats(rng, TIME, BATCH, DIM),
              (numpy.arange(TIME)[:, None] < numpy.array(LENGTHS))
              .astype(FLOATX),
              floats(rng, BATCH, DIM), floats(rng, BATCH, DIM)]
    results, functions = [], []
    for implementation in ('scan', 'fused'):
        function = compile_function([x, mask, h0, c0],
                                    states_and_gradients(implementation),
                                    mode='JAX')
        results.append([numpy.asarray(output)
                        for output in function(*values)])
        functions.append(function)
    return results, [scans_of(function) for function in functions]


def test_recurrent_bricks_with_scan_match_fused(recurrent_bricks):
    (scan_outputs, fused_outputs), (scans, none) = recurrent_bricks
    assert scans and not none
    assert_all_close(fused_outputs, scan_outputs)
    # The mask carried the LSTM's state of the sequence of length 1.
    states = scan_outputs[1]
    assert_allclose(states[1:, 2], numpy.broadcast_to(states[0, 2],
                                                      states[1:, 2].shape))


@pytest.fixture(scope='module')
def attention_generator():
    """A sequence generator with attention: the cost of given sequences
    and its gradients, and a generation of a fixed number of steps."""
    generator = make_generator(attention=True)
    outputs = tensor.lmatrix('outputs')
    mask = tensor.matrix('mask')
    attended = tensor.tensor3('attended')
    attended_mask = tensor.matrix('attended_mask')
    contexts = dict(attended=attended, attended_mask=attended_mask)
    cost = generator.cost(outputs, mask=mask, **contexts)
    variables = ([cost, generator.cost_matrix(outputs, mask=mask, **contexts)]
                 + aesara.grad(cost, list(generator.parameters)))
    rng = numpy.random.RandomState(5)
    source_mask = numpy.ones((4, BATCH), dtype=FLOATX)
    source_mask[2:, 1] = 0
    values = [rng.randint(0, VOCABULARY, size=(TIME, BATCH)),
              (numpy.arange(TIME)[:, None] < numpy.array(LENGTHS))
              .astype(FLOATX),
              floats(rng, 4, BATCH, ATTENDED_DIM), source_mask]
    results, functions = run_both([outputs, mask, attended, attended_mask],
                                  variables, values)
    generated = generator.generate(n_steps=TIME, batch_size=BATCH,
                                   as_dict=True, **contexts)
    generate = compile_function([attended, attended_mask],
                                list(generated.values()), mode='JAX')
    samples = [generate(*values[2:]) for _ in range(2)]
    # The cost in C of the first sequences generated.
    generated_outputs = dict(zip(generated, samples[0]))['outputs']
    c_costs = functions[0](generated_outputs,
                           numpy.ones((TIME, BATCH), dtype=FLOATX),
                           *values[2:])[1]
    # The beam search's functions (the generator's step), under JAX.
    search = BeamSearch(beam_size=3, samples=generator.generate(
        n_steps=TIME, batch_size=attended.shape[1], as_dict=True,
        **contexts)['outputs'], mode='JAX')
    source = {'attended': values[2][:, :1], 'attended_mask': values[3][:, :1]}
    hypotheses, costs = search.search(source, EOS, TIME)
    # The C cost of each hypothesis, as the first sequence of a batch.
    c_hypothesis_costs = []
    for hypothesis in hypotheses:
        padded = numpy.zeros((TIME, BATCH), dtype='int64')
        padded[:len(hypothesis), 0] = hypothesis
        mask = numpy.zeros((TIME, BATCH), dtype=FLOATX)
        mask[:len(hypothesis)] = 1
        c_hypothesis_costs.append(functions[0](
            padded, mask, *values[2:])[1][:, 0].sum())
    return (results, list(generated), samples, c_costs,
            (hypotheses, costs, c_hypothesis_costs))


def test_attention_generator_cost_and_gradients_match_c(
        attention_generator):
    (c_outputs, _, jax_outputs, _), _, _, _, _ = attention_generator
    assert_all_close(c_outputs, jax_outputs)


def test_generation_under_jax(attention_generator):
    _, names, samples, c_costs, _ = attention_generator
    first = dict(zip(names, samples[0]))
    outputs = first['outputs']
    assert outputs.shape == (TIME, BATCH)
    assert outputs.dtype == numpy.int64
    assert ((0 <= outputs) & (outputs < VOCABULARY)).all()
    assert first['states'].shape == (TIME, BATCH, 3)
    # The costs reported are those of the sequences generated.
    assert_allclose(first['costs'], c_costs, **TOLERANCE)
    # Sampling varies from step to step and sequence to sequence, and
    # the function is deterministic given the generator's random state
    # (which the function does not update).
    assert len(numpy.unique(outputs)) > 1
    for name, value in zip(names, samples[1]):
        assert_allclose(value, first[name])


def test_beam_search_under_jax(attention_generator):
    hypotheses, costs, c_costs = attention_generator[4]
    assert len(hypotheses) == 3
    assert len(set(map(tuple, hypotheses))) == 3
    for hypothesis in hypotheses:
        assert 1 <= len(hypothesis) <= TIME
        assert all(0 <= symbol < VOCABULARY for symbol in hypothesis)
        assert EOS not in hypothesis[:-1]
    # Best first, each with the cost C computes for it.
    assert list(costs) == sorted(costs)
    assert_allclose(costs, c_costs, **TOLERANCE)


def test_number_of_steps_given_as_an_input():
    # Integer scalar inputs are constants for JAX: a loop whose length is
    # an input runs, traced again for each new length.
    x, steps = tensor.vector('x'), tensor.lscalar('steps')
    powers, _ = aesara.scan(lambda previous: 2 * previous, outputs_info=[x],
                            n_steps=steps)
    function = compile_function([x, steps], [powers, powers.sum()],
                                mode='JAX')
    start = numpy.array([1, -1], dtype=x.dtype)
    for length in (3, 1, 3):
        values, total = function(start, length)
        expected = start * 2. ** numpy.arange(1, length + 1)[:, None]
        assert_allclose(values, expected)
        assert_allclose(total, expected.sum())


class TanhRecurrent(BaseRecurrent, Initializable):
    """A recurrent brick of the test's own: a child brick in its step."""
    def __init__(self, dim, **kwargs):
        super().__init__(**kwargs)
        self.dim = dim
        self.step = Linear(dim, dim, name='step')
        self.children = [self.step]

    @recurrent(sequences=['inputs'], states=['states'], outputs=['states'],
               contexts=[])
    def apply(self, inputs, states=None):
        return tensor.tanh(inputs + self.step.apply(states))

    def get_dim(self, name):
        if name in ('inputs', 'states'):
            return self.dim
        return super().get_dim(name)


def test_custom_recurrent_brick_trains_under_jax():
    brick = TanhRecurrent(DIM, weights_init=IsotropicGaussian(0.5),
                          biases_init=IsotropicGaussian(0.1), seed=4,
                          name='custom')
    brick.initialize()
    x = tensor.tensor3('x')
    cost = tensor.square(brick.apply(x) - 0.5).mean()
    cost.name = 'cost'
    parameters = ComputationGraph(cost).parameters
    algorithm = GradientDescent(cost=cost, parameters=parameters,
                                step_rule=Scale(0.5), mode='JAX')
    algorithm.initialize()
    scans = scans_of(algorithm._function)
    assert scans and any(scan.op.info.n_mit_mot for scan in scans)
    batch = {'x': numpy.random.RandomState(7).normal(
        size=(TIME, BATCH, DIM)).astype(FLOATX)}
    evaluate = compile_function([x], cost, mode='JAX')
    before = float(evaluate(batch['x']))
    for _ in range(20):
        algorithm.process_batch(batch)
    assert numpy.isfinite([parameter.get_value() for parameter
                           in parameters][0]).all()
    assert float(evaluate(batch['x'])) < 0.8 * before


class NoisyRecurrent(SimpleRecurrent, Random):
    """Noise on the previous states in every step (so its loop is a
    scan drawing random numbers)."""
    def step(self, inputs, states):
        noisy = states + 0.1 * self.aesara_rng.normal(size=states.shape,
                                                      dtype=states.dtype)
        return super().step(inputs, noisy)


def test_noise_inside_a_step_trains_under_jax():
    brick = NoisyRecurrent(DIM, Tanh(), weights_init=IsotropicGaussian(0.5),
                           seed=3, name='noisy')
    brick.initialize()
    x = tensor.tensor3('x')
    states = brick.apply(x)
    cost = tensor.square(states - 0.5).mean()
    cost.name = 'cost'
    graph = ComputationGraph(cost)
    assert graph.updates  # the generator's
    algorithm = GradientDescent(cost=cost, parameters=graph.parameters,
                                step_rule=Scale(0.5), mode='JAX')
    algorithm.add_updates(graph.updates)
    algorithm.initialize()
    batch = {'x': numpy.random.RandomState(7).normal(
        size=(TIME, BATCH, DIM)).astype(FLOATX)}
    costs = []
    for _ in range(20):
        algorithm.process_batch(batch)
        costs.append(algorithm.last_cost)
    # Every update went to its own variable: the learning rate is intact
    # and the parameters trained.
    assert float(algorithm.step_rule.learning_rate.get_value()) == 0.5
    assert numpy.mean(costs[-3:]) < 0.97 * numpy.mean(costs[:3])
    # A function that advances the generator draws new noise each call.
    draw = compile_function([x], states, updates=graph.updates, mode='JAX')
    first, second = draw(batch['x']), draw(batch['x'])
    assert first.shape == (TIME, BATCH, DIM)
    assert not numpy.allclose(first, second)


class WhileLoop(Brick):
    """Doubles its input until it exceeds a bound: a loop ``Scan`` stops
    on a condition."""
    @application(inputs=['x'], outputs=['doubled'])
    def apply(self, x):
        doubled, _ = aesara.scan(
            lambda value: (2 * value, until(
                value.sum() > 100)),
            outputs_info=[x], n_steps=10, name='doubling')
        return doubled


def test_unconvertible_loop_names_loop_and_brick():
    x = tensor.vector('x')
    with pytest.raises(BackendError, match=r"the loop doubling \(a Scan\) "
                                           r"made in the application "
                                           r"/while\.apply: it stops on a "
                                           r"condition"):
        compile_function([x], WhileLoop(name='while').apply(x), mode='JAX')
