"""Tests of the attention bricks.

One compiled function computes the glimpses of a
:class:`SequenceContentAttention` and the gradients of a scalar of them;
the values are compared with NumPy, the gradients with finite differences
of the same function.
"""
import pickle

import numpy
import pytest
import aesara
from aesara import tensor

from blocks.bricks import Tanh
from blocks.bricks.attention import (
    AttentionRecurrent, SequenceContentAttention, ShallowEnergyComputer)
from blocks.bricks.recurrent import SimpleRecurrent
from blocks.initialization import Constant, IsotropicGaussian

TIME, BATCH, ATTENDED_DIM, STATE_DIM, MATCH_DIM = 3, 2, 2, 2, 3


def make_attention():
    attention = SequenceContentAttention(
        state_names=['states'], state_dims=[STATE_DIM],
        attended_dim=ATTENDED_DIM, match_dim=MATCH_DIM,
        weights_init=IsotropicGaussian(0.8), biases_init=IsotropicGaussian(
            0.3), seed=1, name='attention')
    attention.initialize()
    return attention


@pytest.fixture(scope='module')
def compiled():
    attention = make_attention()
    attended = tensor.tensor3('attended')
    mask = tensor.matrix('mask')
    states = tensor.matrix('states')
    projection = tensor.matrix('projection')
    averages, weights = attention.take_glimpses(
        attended, attended_mask=mask, states=states)
    scalar = (averages * projection).sum() + (weights ** 2).sum()
    gradients = aesara.grad(scalar, [attended, states])
    function = aesara.function([attended, mask, states, projection],
                               [averages, weights, scalar] + gradients)
    return attention, function


def inputs():
    rng = numpy.random.RandomState(3)
    attended = rng.normal(size=(TIME, BATCH, ATTENDED_DIM))
    mask = numpy.ones((TIME, BATCH))
    mask[2, 1] = 0  # the second sequence has two elements
    states = rng.normal(size=(BATCH, STATE_DIM))
    projection = rng.normal(size=(BATCH, ATTENDED_DIM))
    return attended, mask, states, projection


def numpy_glimpses(attention, attended, mask, states):
    """The attention computed by hand, step by step."""
    state_transform, = attention.state_transformers.children
    preprocess = attention.attended_transformer
    energy = attention.energy_computer.children[1]
    preprocessed = attended.dot(preprocess.W.get_value()) + \
        preprocess.b.get_value()
    match = preprocessed + states.dot(state_transform.W.get_value())
    energies = numpy.tanh(match).dot(energy.W.get_value())[:, :, 0]
    weights = numpy.zeros((TIME, BATCH))
    for example in range(BATCH):
        length = int(mask[:, example].sum())
        exponentials = numpy.exp(energies[:length, example])
        weights[:length, example] = exponentials / exponentials.sum()
    averages = (weights[:, :, None] * attended).sum(axis=0)
    return averages, weights.T


def test_weights_sum_to_one_and_vanish_at_masked_positions(compiled):
    attention, function = compiled
    _, weights, *_ = function(*inputs())
    assert weights.shape == (BATCH, TIME)
    assert numpy.allclose(weights.sum(axis=1), 1)
    assert weights[1, 2] == 0
    assert (weights[0] > 0).all()


def test_glimpses_equal_numpy(compiled):
    attention, function = compiled
    attended, mask, states, projection = inputs()
    averages, weights, *_ = function(attended, mask, states, projection)
    expected_averages, expected_weights = numpy_glimpses(
        attention, attended, mask, states)
    assert numpy.allclose(weights, expected_weights)
    assert numpy.allclose(averages, expected_averages)


def test_gradients_equal_finite_differences(compiled):
    _, function = compiled
    attended, mask, states, projection = inputs()
    _, _, _, attended_gradient, states_gradient = function(
        attended, mask, states, projection)
    epsilon = 1e-6
    for value, gradient in ((attended, attended_gradient),
                            (states, states_gradient)):
        numeric = numpy.zeros_like(value)
        for index in numpy.ndindex(value.shape):
            original = value[index]
            value[index] = original + epsilon
            plus = function(attended, mask, states, projection)[2]
            value[index] = original - epsilon
            minus = function(attended, mask, states, projection)[2]
            value[index] = original
            numeric[index] = (plus - minus) / (2 * epsilon)
        assert numpy.allclose(gradient, numeric, atol=1e-6)
    # Padding does not influence anything.
    assert numpy.all(attended_gradient[2, 1] == 0)


def test_mask_and_attended_shapes_disagree():
    attention = make_attention()
    attended = tensor.tensor(dtype='float64', shape=(3, 2, ATTENDED_DIM),
                             name='attended')
    mask = tensor.tensor(dtype='float64', shape=(4, 2), name='mask')
    with pytest.raises(ValueError, match=r"/attention.take_glimpses: "
                       r"argument 'attended_mask' has 4 time steps \(axis "
                       r"0\), but the attended has 3"):
        attention.take_glimpses(attended, attended_mask=mask,
                                states=tensor.matrix('states'))
    with pytest.raises(ValueError, match=r"'attended' must be a "
                       r"3-dimensional tensor \(time, batch, features\), "
                       r"got x with 2"):
        attention.take_glimpses(tensor.matrix('x'),
                                states=tensor.matrix('states'))
    with pytest.raises(TypeError, match="the states are"):
        attention.take_glimpses(tensor.tensor3('x'),
                                cells=tensor.matrix('states'))


def test_attention_recurrent_checks_shapes_in_the_graph():
    transition = SimpleRecurrent(dim=STATE_DIM, activation=Tanh(),
                                 name='transition')
    attention = SequenceContentAttention(
        state_names=['states'], attended_dim=ATTENDED_DIM,
        match_dim=MATCH_DIM, name='attention')
    recurrent = AttentionRecurrent(transition, attention, name='recurrent',
                                   weights_init=Constant(0.1),
                                   biases_init=Constant(0))
    recurrent.initialize()
    assert recurrent.get_dim('attended') == ATTENDED_DIM
    assert recurrent.get_dim('weighted_averages') == ATTENDED_DIM
    assert recurrent.apply.states == ['states', 'weighted_averages',
                                      'weights']
    assert recurrent.apply.contexts == ['attended', 'attended_mask']
    mask = tensor.tensor(dtype='float64', shape=(3, 3), name='mask')
    attended = tensor.tensor(dtype='float64', shape=(3, 2, ATTENDED_DIM),
                             name='attended')
    with pytest.raises(ValueError, match=r"/recurrent.apply: argument "
                       r"'attended_mask' has 3 batch steps \(axis 1\)"):
        recurrent.apply(inputs=tensor.tensor3('inputs'), attended=attended,
                        attended_mask=mask)
    with pytest.raises(TypeError, match=r"/recurrent.apply: the attended "
                       r"'attended' is missing"):
        recurrent.apply(inputs=tensor.tensor3('inputs'))
    with pytest.raises(TypeError, match="transition must be a recurrent"):
        AttentionRecurrent(Tanh(), attention)
    clone = pickle.loads(pickle.dumps(recurrent))
    assert clone.attention.match_dim == MATCH_DIM


def test_pickling_and_energy_computer_dims():
    attention = make_attention()
    clone = pickle.loads(pickle.dumps(attention))
    assert numpy.array_equal(
        clone.attended_transformer.W.get_value(),
        attention.attended_transformer.W.get_value())
    computer = ShallowEnergyComputer()
    computer.input_dim, computer.output_dim = 3, 1
    assert computer.children[1].input_dim == 3
    assert computer.output_dim == 1
