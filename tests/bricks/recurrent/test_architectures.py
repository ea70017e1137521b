"""SimpleRecurrent, LSTM and GatedRecurrent against NumPy loops.

One Aesara function, compiled once for the module, computes for every
brick: the states over masked sequences (examples of different lengths)
from learned or explicit initial states, forward and in reverse, with the
initial states returned; one step (``iterate=False``); and the gradients of
a cost with respect to every parameter (learned initial states included),
the inputs and explicit initial states. The gradients are compared with
central differences of the NumPy loops. Gradients through a loop are what
makes compilation slow (Aesara rewrites the gradient's scan at length), so
each brick's cost uses two of its loops: a forward one from the learned
initial states and a reverse one from explicit initial states (the GRU's
the other way round). The LSTM without peepholes is only compared in
value.
"""
import collections

import aesara
import numpy
import pytest
from aesara import tensor

from blocks.bricks import Tanh
from blocks.bricks.recurrent import GatedRecurrent, LSTM, SimpleRecurrent
from blocks.filter import VariableFilter
from blocks.graph import ComputationGraph
from blocks.initialization import IsotropicGaussian
from blocks.roles import INITIAL_STATE, WEIGHT
from tests.bricks.recurrent import (
    FLOATX, GRADIENT_RTOL, RTOL, gru_loop, lengths_mask, lstm_loop,
    numeric_gradient, simple_loop)

T, B, DIM = 4, 3, 2
LENGTHS = [4, 2, 3]

Case = collections.namedtuple(
    'Case', ['brick', 'inputs', 'outputs', 'cost_indices', 'parameters',
             'gradients', 'reference', 'data'])


def _random(rng, *shape):
    return rng.normal(size=shape)


def _floatx(values):
    return {name: numpy.asarray(value, dtype=FLOATX)
            for name, value in values.items()}


def _randomize_parameters(brick, rng):
    """Non-zero values for everything, initial states included."""
    values = collections.OrderedDict()
    for parameter in brick.parameters:
        value = 0.5 * _random(rng, *parameter.get_value().shape)
        parameter.set_value(value.astype(FLOATX))
        values[parameter.name] = value
    return values


def _simple_case(rng):
    brick = SimpleRecurrent(DIM, Tanh(), name='simple',
                            weights_init=IsotropicGaussian(0.5))
    brick.initialize()
    parameters = _randomize_parameters(brick, rng)
    data = {'x': _random(rng, T, B, DIM), 'h0': _random(rng, B, DIM),
            'mask': lengths_mask(LENGTHS, T), 'x1': _random(rng, B, DIM),
            'h1': _random(rng, B, DIM), 'mask1': numpy.array([1., 0., 1.])}
    x, h0, mask = tensor.tensor3('x'), tensor.matrix('h0'), tensor.matrix('m')
    x1, h1, mask1 = tensor.matrix('x1'), tensor.matrix('h1'), \
        tensor.vector('mask1')
    outputs = [brick.apply(x, mask=mask),
               brick.apply(inputs=x, states=h0, mask=mask, reverse=True,
                           return_initial_states=True),
               brick.apply(x1, states=h1, mask=mask1, iterate=False),
               brick.apply(x1, iterate=False)]

    def reference(p, d):
        batch_initial = numpy.tile(p['initial_state'], (B, 1))
        step = simple_loop(d['x1'][None], d['h1'], p['state_to_state'])[1]
        carried = d['mask1'][:, None] * step + \
            (1 - d['mask1'][:, None]) * d['h1']
        return [simple_loop(d['x'], batch_initial, p['state_to_state'],
                            d['mask'])[1:],
                simple_loop(d['x'], d['h0'], p['state_to_state'], d['mask'],
                            reverse=True),
                carried,
                simple_loop(d['x1'][None], batch_initial[:1].repeat(B, 0),
                            p['state_to_state'])[1]]
    return Case(brick, [x, h0, mask, x1, h1, mask1], outputs, [0, 1],
                parameters, ['x', 'h0'], reference, data)


def _lstm_case(rng, peepholes=True):
    brick = LSTM(DIM, peepholes=peepholes,
                 name='lstm' if peepholes else 'lstm_without_peepholes',
                 weights_init=IsotropicGaussian(0.5))
    brick.initialize()
    parameters = _randomize_parameters(brick, rng)
    data = {'x': _random(rng, T, B, 4 * DIM), 'h0': _random(rng, B, DIM),
            'c0': _random(rng, B, DIM), 'mask': lengths_mask(LENGTHS, T),
            'x1': _random(rng, B, 4 * DIM), 'h1': _random(rng, B, DIM),
            'c1': _random(rng, B, DIM)}
    x, h0, c0 = tensor.tensor3('x'), tensor.matrix('h0'), tensor.matrix('c0')
    mask = tensor.matrix('mask')
    x1, h1, c1 = tensor.matrix('x1'), tensor.matrix('h1'), \
        tensor.matrix('c1')
    outputs = (brick.apply(x, mask=mask) +
               brick.apply(x, states=h0, cells=c0, mask=mask, reverse=True,
                           return_initial_states=True) +
               brick.apply(x1, states=h1, cells=c1, iterate=False))

    def reference(p, d):
        peeps = ((p['W_cell_to_in'], p['W_cell_to_forget'],
                  p['W_cell_to_out']) if peepholes else None)
        initial = (numpy.tile(p['initial_state'], (B, 1)),
                   numpy.tile(p['initial_cells'], (B, 1)))
        forward = lstm_loop(d['x'], *initial, p['W_state'], peeps, d['mask'])
        backward = lstm_loop(d['x'], d['h0'], d['c0'], p['W_state'], peeps,
                             d['mask'], reverse=True)
        step = lstm_loop(d['x1'][None], d['h1'], d['c1'], p['W_state'],
                         peeps)
        return [forward[0][1:], forward[1][1:], backward[0], backward[1],
                step[0][1], step[1][1]]
    return Case(brick, [x, h0, c0, mask, x1, h1, c1], outputs,
                [0, 2] if peepholes else [], parameters,
                ['x', 'h0', 'c0'] if peepholes else [], reference, data)


def _gru_case(rng):
    brick = GatedRecurrent(DIM, name='gru',
                           weights_init=IsotropicGaussian(0.5))
    brick.initialize()
    parameters = _randomize_parameters(brick, rng)
    data = {'x': _random(rng, T, B, DIM), 'g': _random(rng, T, B, 2 * DIM),
            'h0': _random(rng, B, DIM), 'mask': lengths_mask(LENGTHS, T),
            'x1': _random(rng, B, DIM), 'g1': _random(rng, B, 2 * DIM),
            'h1': _random(rng, B, DIM)}
    x, g, h0 = tensor.tensor3('x'), tensor.tensor3('g'), tensor.matrix('h0')
    mask = tensor.matrix('mask')
    x1, g1, h1 = tensor.matrix('x1'), tensor.matrix('g1'), \
        tensor.matrix('h1')
    outputs = [brick.apply(x, g, states=h0, mask=mask),
               brick.apply(inputs=x, gate_inputs=g, mask=mask,
                           reverse=True, return_initial_states=True),
               brick.apply(x1, g1, h1, iterate=False)]

    def reference(p, d):
        initial = numpy.tile(p['initial_state'], (B, 1))
        weights = p['state_to_state'], p['state_to_gates']
        return [gru_loop(d['x'], d['g'], d['h0'], *weights, d['mask'])[1:],
                gru_loop(d['x'], d['g'], initial, *weights, d['mask'],
                         reverse=True),
                gru_loop(d['x1'][None], d['g1'][None], d['h1'],
                         *weights)[1]]
    return Case(brick, [x, g, h0, mask, x1, g1, h1], outputs, [0, 1],
                parameters, ['x', 'g', 'h0'], reference, data)


@pytest.fixture(scope='module')
def cases():
    """Build every case and compile one function for all of them."""
    rng = numpy.random.RandomState(1)
    cases = {'simple': _simple_case(rng), 'lstm': _lstm_case(rng),
             'lstm_without_peepholes': _lstm_case(rng, peepholes=False),
             'gru': _gru_case(rng)}
    inputs, outputs, slices = [], [], {}
    for name, case in cases.items():
        expected = case.reference(case.parameters, case.data)
        weights = [rng.uniform(size=expected[index].shape)
                   for index in case.cost_indices]
        start = len(outputs)
        outputs.extend(case.outputs)
        if case.cost_indices:
            cost = sum((case.outputs[index] *
                        numpy.asarray(weight, dtype=FLOATX)).sum()
                       for index, weight in zip(case.cost_indices, weights))
            by_name = {variable.name: variable for variable in case.inputs}
            outputs.extend(aesara.grad(
                cost, list(case.brick.parameters) +
                [by_name[data_name] for data_name in case.gradients]))
        slices[name] = (start, len(case.outputs), weights)
        inputs.extend(case.inputs)
    function = aesara.function(inputs, outputs)
    values = function(*[
        numpy.asarray(case.data[_data_name(variable)], dtype=FLOATX)
        for case in cases.values() for variable in case.inputs])
    results = {}
    for name, case in cases.items():
        start, count, weights = slices[name]
        num_gradients = (len(case.brick.parameters) + len(case.gradients)
                         if case.cost_indices else 0)
        results[name] = (case, values[start:start + count],
                         values[start + count:start + count + num_gradients],
                         weights)
    return function, results


def _data_name(variable):
    return {'m': 'mask'}.get(variable.name, variable.name)


@pytest.mark.parametrize('name', ['simple', 'lstm', 'lstm_without_peepholes',
                                  'gru'])
def test_values_against_numpy(cases, name):
    _, results = cases
    case, values, _, _ = results[name]
    expected = case.reference(case.parameters, case.data)
    assert len(values) == len(expected)
    for value, wanted in zip(values, expected):
        assert value.shape == wanted.shape
        numpy.testing.assert_allclose(value, wanted, rtol=RTOL, atol=RTOL)


def test_masked_states_are_carried(cases):
    _, results = cases
    case, values, _, _ = results['lstm']
    states, cells = values[0], values[1]
    # The second example has 2 steps: its states stay those of step 2.
    for t in range(2, T):
        numpy.testing.assert_array_equal(states[t, 1], states[1, 1])
        numpy.testing.assert_array_equal(cells[t, 1], cells[1, 1])
    assert not numpy.allclose(states[2, 0], states[1, 0])


@pytest.mark.parametrize('name', ['simple', 'lstm', 'gru'])
def test_gradients_against_finite_differences(cases, name):
    _, results = cases
    case, _, gradients, weights = results[name]
    parameters = {key: numpy.array(value, dtype='float64')
                  for key, value in case.parameters.items()}
    data = {key: numpy.array(value, dtype='float64')
            for key, value in case.data.items()}

    def cost():
        outputs = case.reference(parameters, data)
        return sum((outputs[index] * weight).sum()
                   for index, weight in zip(case.cost_indices, weights))
    arrays = list(parameters.values()) + [data[key] for key in case.gradients]
    expected = numeric_gradient(cost, arrays)
    names = list(parameters) + case.gradients
    assert len(gradients) == len(expected)
    for gradient_name, gradient, wanted in zip(names, gradients, expected):
        assert numpy.abs(wanted).max() > 1e-3, gradient_name
        numpy.testing.assert_allclose(gradient, wanted, rtol=GRADIENT_RTOL,
                                      atol=GRADIENT_RTOL,
                                      err_msg=gradient_name)


def test_parameters_names_and_roles(cases):
    _, results = cases
    lstm = results['lstm'][0].brick
    assert [parameter.name for parameter in lstm.parameters] == [
        'W_state', 'W_cell_to_in', 'W_cell_to_forget', 'W_cell_to_out',
        'initial_state', 'initial_cells']
    assert lstm.W_state.get_value().shape == (DIM, 4 * DIM)
    no_peepholes = results['lstm_without_peepholes'][0].brick
    assert [parameter.name for parameter in no_peepholes.parameters] == [
        'W_state', 'initial_state', 'initial_cells']
    simple = results['simple'][0].brick
    assert simple.W is simple.parameters[0]
    assert simple.W.name == 'state_to_state'
    gru = results['gru'][0].brick
    assert gru.state_to_gates.get_value().shape == (DIM, 2 * DIM)
    for case, _, _, _ in results.values():
        cg = ComputationGraph(case.outputs)
        initial = VariableFilter(roles=[INITIAL_STATE])(cg.parameters)
        assert {parameter.name for parameter in initial} <= {
            'initial_state', 'initial_cells'}
        assert initial
        weights = VariableFilter(roles=[WEIGHT])(cg.parameters)
        assert not set(weights) & set(initial)
        # Parameters used only inside the loop are found.
        assert set(cg.parameters) == set(case.brick.parameters)


def test_a_mask_of_another_length_fails_at_run_time(cases):
    function, results = cases
    arguments = [numpy.asarray(case.data[_data_name(variable)], FLOATX)
                 for case, _, _, _ in results.values()
                 for variable in case.inputs]
    # The simple brick's mask is its third input.
    arguments[2] = arguments[2][:-1]
    with pytest.raises(AssertionError, match=r"/simple.apply: the sequence "
                                             r"'mask' and the sequence "
                                             r"'inputs' differ"):
        function(*arguments)


def test_initialization_by_blocks():
    lstm = LSTM(3, weights_init=IsotropicGaussian(1), seed=1)
    lstm.initialize()
    W_state = lstm.W_state.get_value()
    assert W_state.shape == (3, 12) and numpy.all(W_state != 0)
    for name in ('initial_state', 'initial_cells'):
        assert numpy.all(getattr(lstm, name).get_value() == 0)
    gru = GatedRecurrent(3, weights_init=IsotropicGaussian(1), seed=1)
    gru.initialize()
    assert numpy.all(gru.initial_state.get_value() == 0)
