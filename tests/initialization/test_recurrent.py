"""Echo state, random walk and LSTM gate-block initializations."""
import math
import pickle

import numpy
import pytest

from blocks.initialization import (Constant, EchoState, IsotropicGaussian,
                                   LstmOptInit, Orthogonal, RandomWalk)


@pytest.mark.parametrize('radius', [0.5, 0.95, 1.3])
def test_echo_state_has_the_spectral_radius(radius):
    scheme = pickle.loads(pickle.dumps(EchoState(radius)))
    matrix = scheme.generate(numpy.random.RandomState(2), (30, 30))
    assert abs(numpy.linalg.eigvals(matrix)).max() == \
        pytest.approx(radius, rel=1e-10)
    numpy.testing.assert_array_equal(
        matrix, EchoState(radius).generate(numpy.random.RandomState(2),
                                           (30, 30)))


def test_echo_state_needs_a_square_matrix():
    with pytest.raises(ValueError, match=r"EchoState: only works for square "
                                         r"matrices, got the shape \(3, 4\)"):
        EchoState().generate(numpy.random.RandomState(1), (3, 4))


@pytest.mark.parametrize('act_func, num_inputs', [
    ('linear', 50), ('relu', 50), ('rel', 4), ('linear', 400)])
def test_random_walk_gain_and_statistics(act_func, num_inputs):
    if act_func == 'linear':
        gain = math.exp(1. / (2 * num_inputs))
    else:
        gain = math.sqrt(2.) * math.exp(1.2 / (max(num_inputs, 6) - 2.4))
    scheme = RandomWalk(act_func)
    assert scheme.gain(num_inputs) == pytest.approx(gain, rel=1e-12)
    sample = scheme.generate(numpy.random.RandomState(1),
                             (num_inputs, 20000 // num_inputs))
    assert abs(sample.std() * math.sqrt(num_inputs) / gain - 1) < 0.02
    assert RandomWalk(scale=3.).gain(10) == 3.
    with pytest.raises(ValueError, match="RandomWalk: act_func must be one "
                                         "of"):
        RandomWalk('tanh')


def test_lstm_opt_init_initializes_each_gate_block():
    scheme = LstmOptInit(input_block=Orthogonal(), input_gate=0.5,
                         forget_gate=Constant(1.),
                         output_gate=IsotropicGaussian(0.1))
    scheme = pickle.loads(pickle.dumps(scheme))
    matrix = scheme.generate(numpy.random.RandomState(1), (6, 24))
    input_gate, forget_gate, input_block, output_gate = numpy.split(
        matrix, 4, axis=1)
    assert (input_gate == 0.5).all() and (forget_gate == 1.).all()
    numpy.testing.assert_allclose(input_block.T.dot(input_block),
                                  numpy.eye(6), atol=1e-12)
    assert 0.05 < output_gate.std() < 0.15
    biases = LstmOptInit(forget_gate=1.).generate(
        numpy.random.RandomState(1), (12,))
    assert biases.tolist() == [0.] * 3 + [1.] * 3 + [0.] * 6
    assert LstmOptInit.gate_order == ('input_gate', 'forget_gate',
                                      'input_block', 'output_gate')
    assert 'forget_gate=Constant(constant=1.0)' in repr(scheme)


def test_lstm_opt_init_checks_its_arguments():
    with pytest.raises(ValueError, match=r"LstmOptInit: the last axis must "
                       r"hold the four gate blocks of an LSTM, so its length "
                       r"must be a multiple of 4; got the shape \(3, 6\)"):
        LstmOptInit().generate(numpy.random.RandomState(1), (3, 6))
    with pytest.raises(TypeError, match="LstmOptInit: forget_gate must be a "
                                        "number or an NdarrayInitialization"):
        LstmOptInit(forget_gate='one')
