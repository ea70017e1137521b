"""Bidirectional and RecurrentStack against compositions of NumPy loops.

Two functions, each compiled once, compute a bidirectional simple recurrent
network, and stacks of an LSTM under a gated recurrent layer (with and
without skip connections, in one scan (``low_memory=False``) or one loop
per layer (``low_memory=True``, the default for these layers), forward and
reverse; gradients through one scan only for the stack with skip
connections, compiling them being slow), and the gradients of costs on the
bidirectional network and on two stacks. (The combinations are spread over
few loops: compiling gradients through loops is slow.) The gradients of
the stack with skip connections are taken with respect to its skip inputs
and explicit initial states too.
"""
import aesara
import numpy
import pytest
from aesara import tensor

from blocks.bricks.recurrent import (
    Bidirectional, GatedRecurrent, LSTM, RecurrentStack, SimpleRecurrent)
from blocks.bricks import Tanh
from blocks.graph import ComputationGraph
from blocks.initialization import Constant, IsotropicGaussian
from tests.bricks.recurrent import (
    FLOATX, GRADIENT_RTOL, RTOL, gru_loop, lengths_mask, lstm_loop,
    numeric_gradient, simple_loop)

T, B, DIM = 4, 3, 2
LENGTHS = [4, 1, 3]


def _randomize(brick, rng):
    for parameter in brick.parameters:
        parameter.set_value((0.5 * rng.normal(size=parameter.get_value(
        ).shape)).astype(FLOATX))


def _values(brick):
    """Every parameter of a brick and its descendants, by path, float64."""
    values = {}
    stack = [brick]
    while stack:
        current = stack.pop()
        for parameter in current.parameters:
            values[current.get_hierarchical_name(parameter)] = numpy.array(
                parameter.get_value(), dtype='float64')
        stack.extend(current.children)
    return values


def bidirectional_reference(p, x, mask):
    def simple(prefix, reverse):
        return simple_loop(
            x, numpy.tile(p[prefix + '.initial_state'], (B, 1)),
            p[prefix + '.state_to_state'], mask, reverse=reverse)
    forward = simple('/bidirectional/forward', False)
    backward = simple('/bidirectional/backward', True)
    return [numpy.concatenate([forward[1:], backward[1:][::-1]], axis=2)]


def stack_reference(p, name, x, mask, skip=None, reverse=False,
                    initial=None):
    """The stack's outputs: states, cells, states#1 (initial ones first).

    `initial` holds explicit initial states, cells and states#1; the
    learned ones are used without it.

    """
    lstm, gru = '/{}/lstm#0'.format(name), '/{}/gru#1'.format(name)
    fork = '/{}/fork#1/transform_'.format(name)
    if initial is None:
        initial = (numpy.tile(p[lstm + '.initial_state'], (B, 1)),
                   numpy.tile(p[lstm + '.initial_cells'], (B, 1)),
                   numpy.tile(p[gru + '.initial_state'], (B, 1)))
    states, cells = lstm_loop(
        x, initial[0], initial[1], p[lstm + '.W_state'],
        (p[lstm + '.W_cell_to_in'], p[lstm + '.W_cell_to_forget'],
         p[lstm + '.W_cell_to_out']), mask, reverse=reverse)
    # The upper layer sees the lower one's states in the order computed.
    below = states[1:]
    inputs = below @ p[fork + 'inputs.W']
    gates = below @ p[fork + 'gate_inputs.W']
    if skip is None:
        inputs = inputs + p[fork + 'inputs.b']
        gates = gates + p[fork + 'gate_inputs.b']
    else:
        order = slice(None, None, -1) if reverse else slice(None)
        inputs = inputs + skip[0][order]
        gates = gates + skip[1][order]
    upper = gru_loop(inputs, gates, initial[2],
                     p[gru + '.state_to_state'], p[gru + '.state_to_gates'],
                     mask[::-1] if reverse else mask)
    return [states, cells, upper]


def _stack(name, skip_connections, rng):
    stack = RecurrentStack(
        [LSTM(DIM, name='lstm'), GatedRecurrent(DIM, name='gru')],
        skip_connections=skip_connections, name=name,
        weights_init=IsotropicGaussian(0.5), biases_init=Constant(0.1))
    stack.initialize()
    _randomize(stack, rng)
    for fork_child in stack.forks[0].children:
        _randomize(fork_child, rng)
    for transition in stack.transitions:
        _randomize(transition, rng)
    return stack


def _compile(inputs, data, groups, costs):
    """Compile the outputs of `groups` and the gradients of `costs` (name:
    (weights, variables)) with respect to the parameters they use and the
    given variables (inputs, initial states)."""
    gradients = {}
    for name, (weights, variables) in costs.items():
        cost = sum((output * numpy.asarray(weight, FLOATX)).sum()
                   for output, weight in zip(groups[name], weights))
        parameters = ComputationGraph(cost).parameters
        gradients[name] = (parameters,
                           aesara.grad(cost, list(parameters) + variables))
    flat = [output for outputs in groups.values() for output in outputs]
    for name in costs:
        flat.extend(gradients[name][1])
    function = aesara.function(inputs, flat)
    values = iter(function(*[numpy.asarray(data[variable.name], FLOATX)
                             for variable in inputs]))
    results = {name: [next(values) for _ in outputs]
               for name, outputs in groups.items()}
    gradient_values = {name: [next(values) for _ in gradients[name][1]]
                       for name in costs}
    return results, gradients, gradient_values


@pytest.fixture(scope='module')
def compiled():
    rng = numpy.random.RandomState(2)
    data = {'x': rng.normal(size=(T, B, 4 * DIM)),
            'mask': lengths_mask(LENGTHS, T),
            'x1': rng.normal(size=(T, B, DIM)),
            'g1': rng.normal(size=(T, B, 2 * DIM)),
            'xs': rng.normal(size=(T, B, DIM)),
            'h0': rng.normal(size=(B, DIM)), 'c0': rng.normal(size=(B, DIM)),
            'h1': rng.normal(size=(B, DIM))}
    x, mask = tensor.tensor3('x'), tensor.matrix('mask')
    x1, g1 = tensor.tensor3('x1'), tensor.tensor3('g1')
    h0, c0, h1 = (tensor.matrix(name) for name in ('h0', 'c0', 'h1'))
    xs = tensor.tensor3('xs')

    bidirectional = Bidirectional(SimpleRecurrent(DIM, Tanh()),
                                  weights_init=IsotropicGaussian(0.5))
    bidirectional.initialize()
    for child in bidirectional.children:
        _randomize(child, rng)
    plain = _stack('plain', False, rng)
    skip = _stack('skip', True, rng)
    skip_inputs = {'inputs#1': x1, 'gate_inputs#1': g1}
    stacks = {
        'plain': plain.apply(x, mask=mask, return_initial_states=True),
        'plain_reverse_scan': plain.apply(x, mask=mask, reverse=True,
                                          return_initial_states=True,
                                          low_memory=False),
        'skip_reverse': skip.apply(inputs=x, mask=mask, reverse=True,
                                   return_initial_states=True, states=h0,
                                   low_memory=False,
                                   cells=c0, **{'states#1': h1},
                                   **skip_inputs),
        'skip_low': skip.apply(inputs=x, mask=mask,
                               return_initial_states=True, low_memory=True,
                               **skip_inputs),
    }
    weights = {'bidirectional': [rng.uniform(size=(T, B, 2 * DIM))]}
    for name in ('plain', 'skip_reverse'):
        weights[name] = [rng.uniform(size=(T + 1, B, DIM)) for _ in range(3)]
    results, gradients, gradient_values = _compile(
        [x, mask, x1, g1, h0, c0, h1], data, stacks, {
            'plain': (weights['plain'], [x]),
            'skip_reverse': (weights['skip_reverse'],
                             [x, x1, g1, h0, c0, h1])})
    bidirectional_outputs = {'bidirectional': bidirectional.apply(
        xs, mask=mask, as_list=True)}
    data_xs = dict(data, x=data['xs'])
    xs.name = 'x'
    more = _compile([xs, mask], data_xs, bidirectional_outputs, {
        'bidirectional': (weights['bidirectional'], [xs])})
    results.update(more[0])
    gradients.update(more[1])
    gradient_values.update(more[2])
    stacks.update(bidirectional_outputs)
    bricks = {'bidirectional': bidirectional, 'plain': plain, 'skip': skip}
    return (bricks, data, results, stacks, gradients, gradient_values,
            weights)


def _assert_all_close(values, expected):
    assert len(values) == len(expected)
    for value, wanted in zip(values, expected):
        assert value.shape == wanted.shape
        numpy.testing.assert_allclose(value, wanted, rtol=RTOL, atol=RTOL)


def test_bidirectional_against_numpy(compiled):
    bricks, data, results = compiled[:3]
    parameters = _values(bricks['bidirectional'])
    _assert_all_close(results['bidirectional'], bidirectional_reference(
        parameters, data['xs'], data['mask']))
    assert bricks['bidirectional'].get_dim('states') == 2 * DIM
    assert [child.name for child in bricks['bidirectional'].children] == [
        'forward', 'backward']


@pytest.mark.parametrize('name', ['plain', 'plain_reverse_scan',
                                  'skip_reverse', 'skip_low'])
def test_stack_against_numpy(compiled, name):
    bricks, data, results = compiled[:3]
    skip = (data['x1'], data['g1']) if name.startswith('skip') else None
    brick_name = name.split('_')[0]
    initial = ((data['h0'], data['c0'], data['h1'])
               if name == 'skip_reverse' else None)
    expected = stack_reference(_values(bricks[brick_name]), brick_name,
                               data['x'], data['mask'], skip=skip,
                               reverse='reverse' in name, initial=initial)
    _assert_all_close(results[name], expected)


def test_stack_names(compiled):
    bricks = compiled[0]
    plain, skip = bricks['plain'], bricks['skip']
    assert plain.apply.sequences == ['inputs', 'mask']
    assert skip.apply.sequences == ['inputs', 'mask', 'inputs#1',
                                    'gate_inputs#1']
    assert plain.apply.states == ['states', 'cells', 'states#1']
    assert plain.apply.outputs == ['states', 'cells', 'states#1']
    assert plain.apply.contexts == []
    assert [transition.name for transition in plain.transitions] == [
        'lstm#0', 'gru#1']
    assert plain.get_dim('inputs') == 4 * DIM
    assert plain.get_dim('states#1') == DIM
    assert skip.get_dim('gate_inputs#1') == 2 * DIM
    assert RecurrentStack.split_suffix('states#12') == ('states', 12)
    assert RecurrentStack.suffixes(['mask', 'states'], 2) == ['mask',
                                                             'states#2']
    # The fork between layers has a bias without skip connections only.
    assert plain.forks[0].children[0].use_bias
    assert not skip.forks[0].children[0].use_bias
    outputs = compiled[3]
    assert [output.name for output in outputs['plain']] == [
        'plain_apply_states', 'plain_apply_cells', 'plain_apply_states#1']


@pytest.mark.parametrize('name', ['bidirectional', 'plain', 'skip_reverse'])
def test_gradients_against_finite_differences(compiled, name):
    """With respect to the parameters (learned initial states included
    where they are used), the inputs (skip connections included) and the
    explicit initial states."""
    bricks, data, _, _, gradients, gradient_values, weights = compiled
    parameters, _ = gradients[name]
    brick_name = name.split('_')[0]
    brick = bricks[brick_name]
    values = _values(brick)
    by_variable = {}
    stack = [brick]
    while stack:
        current = stack.pop()
        for parameter in current.parameters:
            by_variable[parameter] = current.get_hierarchical_name(parameter)
        stack.extend(current.children)
    keys = [by_variable[parameter] for parameter in parameters]
    if name == 'skip_reverse':
        # The explicit initial states replace the learned ones.
        assert set(values) - set(keys) == {
            '/skip/lstm#0.initial_state', '/skip/lstm#0.initial_cells',
            '/skip/gru#1.initial_state'}
        inputs = ['x', 'x1', 'g1', 'h0', 'c0', 'h1']
    else:
        assert set(keys) == set(values)
        inputs = ['xs' if name == 'bidirectional' else 'x']
    arrays = {key: numpy.array(data[key], dtype='float64') for key in inputs}

    def cost():
        if name == 'bidirectional':
            outputs = bidirectional_reference(values, arrays['xs'],
                                              data['mask'])
        elif name == 'plain':
            outputs = stack_reference(values, 'plain', arrays['x'],
                                      data['mask'])
        else:
            outputs = stack_reference(
                values, 'skip', arrays['x'], data['mask'],
                skip=(arrays['x1'], arrays['g1']), reverse=True,
                initial=(arrays['h0'], arrays['c0'], arrays['h1']))
        return sum((output * weight).sum()
                   for output, weight in zip(outputs, weights[name]))
    expected = numeric_gradient(cost, [values[key] for key in keys] +
                                [arrays[key] for key in inputs])
    assert len(gradient_values[name]) == len(expected)
    for key, gradient, wanted in zip(keys + inputs, gradient_values[name],
                                     expected):
        assert numpy.abs(wanted).max() > 1e-4, key
        numpy.testing.assert_allclose(gradient, wanted, rtol=GRADIENT_RTOL,
                                      atol=GRADIENT_RTOL, err_msg=key)


def test_bidirectional_refuses_reverse_and_one_step():
    bidirectional = Bidirectional(SimpleRecurrent(2, Tanh()))
    x = tensor.tensor3('x')
    for option in ('reverse', 'iterate'):
        with pytest.raises(ValueError, match=r"/bidirectional.apply: {} is "
                                             r"not an option".format(option)):
            bidirectional.apply(x, **{option: False})
    with pytest.raises(TypeError, match='prototype must be a recurrent '
                                        'brick'):
        Bidirectional(Tanh())


def test_stack_checks_its_transitions():
    with pytest.raises(ValueError, match=r"states_name 'hidden' must be a "
                                         r"state and an output"):
        RecurrentStack([SimpleRecurrent(2, Tanh())], states_name='hidden')
    with pytest.raises(TypeError, match='transitions must be recurrent'):
        RecurrentStack([Tanh()])


def test_compositions_refuse_a_brick_that_is_not_recurrent():
    from blocks.bricks import Linear
    from blocks.bricks.attention import AttentionRecurrent
    from blocks.bricks.sequence_generators import SequenceGenerator
    from blocks.bricks.sequence_generators.base import FakeAttentionRecurrent
    linear = Linear(2, 2, name='linear')
    expected = ("{}: {} must be a recurrent brick \\(a BaseRecurrent\\), "
                "got <blocks.bricks.simple.Linear object")
    with pytest.raises(TypeError, match=expected.format(
            '/bidirectional', 'prototype')):
        Bidirectional(linear)
    with pytest.raises(TypeError, match=expected.format(
            '/fakeattentionrecurrent', 'transition')):
        FakeAttentionRecurrent(linear)
    with pytest.raises(TypeError, match=expected.format(
            '/attentionrecurrent', 'transition')):
        AttentionRecurrent(linear, None)
    with pytest.raises(TypeError, match=expected.format(
            '/generator', 'transition')):
        SequenceGenerator(None, linear, name='generator')
