"""Tests of Sequence, FeedforwardSequence and MLP."""
import numpy
import pytest
import aesara
from aesara import tensor
from numpy.testing import assert_allclose

from blocks.bricks import (FeedforwardSequence, Identity, Linear, Logistic,
                           MLP, Sequence, Tanh)
from blocks.bricks.base import NoneAllocation
from blocks.initialization import Constant
from blocks.roles import BIAS, WEIGHT, has_roles

FLOATX = aesara.config.floatX
X_VALUE = numpy.array([[1., -2., 0.5], [0., 1., 2.]], dtype=FLOATX)
W0 = numpy.linspace(-1, 1, 12).reshape((3, 4)).astype(FLOATX)
B0 = numpy.linspace(0, 0.3, 4).astype(FLOATX)
W1 = numpy.linspace(1, -1, 8).reshape((4, 2)).astype(FLOATX)
B1 = numpy.array([0.5, -0.5], dtype=FLOATX)


def numpy_logistic(x):
    return 1 / (1 + numpy.exp(-x))


@pytest.fixture(scope='module')
def networks():
    mlp = MLP([Tanh(), Logistic()], [3, 4, 2], weights_init=Constant(0),
              biases_init=Constant(0))
    mlp.initialize()
    for layer, W, b in zip(mlp.linear_transformations, [W0, W1], [B0, B1]):
        layer.W.set_value(W)
        layer.b.set_value(b)
    linear_only = MLP([None], [3, 2], weights_init=Constant(1),
                      biases_init=Constant(2), name='linear_only')
    linear_only.initialize()
    first = Linear(input_dim=3, output_dim=4, weights_init=Constant(0.5),
                   biases_init=Constant(0))
    second = Linear(input_dim=4, output_dim=1, weights_init=Constant(1),
                    biases_init=Constant(-1))
    sequence = FeedforwardSequence([first.apply, Tanh().apply,
                                    second.apply])
    sequence.initialize()
    x = tensor.matrix('x')
    outputs = [mlp.apply(x), linear_only.apply(x), sequence.apply(x)]
    values = aesara.function([x], outputs)(X_VALUE)
    return {'mlp': mlp, 'linear_only': linear_only, 'sequence': sequence,
            'outputs': outputs, 'values': values}


def test_mlp_values(networks):
    expected = numpy_logistic(numpy.tanh(X_VALUE.dot(W0) + B0).dot(W1) + B1)
    mlp_value = networks['values'][0]
    assert mlp_value.shape == (2, 2)
    assert_allclose(mlp_value, expected, rtol=1e-6)


def test_mlp_without_activation(networks):
    assert_allclose(networks['values'][1],
                    X_VALUE.sum(axis=1, keepdims=True) + 2 * numpy.ones(2))


def test_feedforward_sequence_values(networks):
    expected = numpy.tanh(X_VALUE.dot(numpy.full((3, 4), 0.5))).sum(
        axis=1, keepdims=True) - 1
    assert networks['values'][2].shape == (2, 1)
    assert_allclose(networks['values'][2], expected, rtol=1e-6)
    sequence = networks['sequence']
    assert (sequence.input_dim, sequence.output_dim) == (3, 1)


def test_mlp_structure_and_roles(networks):
    mlp = networks['mlp']
    assert [child.name for child in mlp.children] == [
        'linear_0', 'tanh', 'linear_1', 'logistic']
    assert (mlp.input_dim, mlp.output_dim) == (3, 2)
    assert mlp.linear_transformations == [mlp.children[0], mlp.children[2]]
    for layer, shape in zip(mlp.linear_transformations, [(3, 4), (4, 2)]):
        W, b = layer.parameters
        assert W.get_value().shape == shape
        assert has_roles(W, [WEIGHT]) and has_roles(b, [BIAS])
    assert networks['outputs'][0].name == 'mlp_apply_output'
    assert mlp.apply.inputs == ['input_']
    assert mlp.apply.outputs == ['output']


def test_mlp_dims_mismatch_with_a_static_shape():
    x = tensor.TensorType(FLOATX, shape=(None, 3))('x')
    mlp = MLP([Tanh(), None], dims=[784, 100, 10])
    with pytest.raises(ValueError, match=r"/mlp/linear_0.apply: argument "
                                         r"'input_': dimension mismatch: the "
                                         r"last axis of .* has length 3, "
                                         r"expected 784"):
        mlp.apply(x)


def test_mlp_needs_one_more_dim_than_activations():
    with pytest.raises(ValueError, match=r"/mlp: dims must have one more "
                                         r"element than activations.*got 2 "
                                         r"dims for 2 activations"):
        MLP([Tanh(), Tanh()], dims=[3, 2])


def test_mlp_lazy_dims():
    mlp = MLP([Tanh()], name='lazy')
    assert mlp.dims == [None, None]
    with pytest.raises(ValueError, match=r"allocation config not set: dims "
                                         r"\(brick /lazy: dims \[None, None\] "
                                         r"has no value at positions "
                                         r"\[0, 1\]\)"):
        mlp.allocate()
    mlp.input_dim = 3
    mlp.output_dim = 2
    mlp.allocate()
    assert mlp.linear_transformations[0].W.get_value().shape == (3, 2)


def test_mlp_without_biases():
    mlp = MLP([Tanh()], [2, 3], use_bias=False)
    mlp.allocate()
    assert [param.name for param in mlp.children[0].parameters] == ['W']
    prototyped = MLP([Tanh()], [2, 3], prototype=Linear(use_bias=False))
    prototyped.allocate()
    assert [param.name for param in prototyped.children[0].parameters] == [
        'W']


def test_mlp_accepts_application_methods_and_none():
    activation = Logistic()
    mlp = MLP([activation.apply, None], [2, 3, 4])
    assert [child.name for child in mlp.children] == [
        'linear_0', 'logistic', 'linear_1']


def test_mlp_initialize_without_weights_init():
    mlp = MLP([Tanh()], [2, 3], biases_init=Constant(0))
    with pytest.raises(ValueError, match=r"initialization config not set: "
                                         r"weights_init \(brick "
                                         r"/mlp/linear_0"):
        mlp.initialize()


def test_sequence_properties_and_children():
    first, second = Identity(name='first'), Tanh(name='second')
    sequence = Sequence([first.apply, second.apply, first.apply])
    assert sequence.children == [first, second]
    assert sequence.apply.inputs == ['input_']
    assert sequence.apply.outputs == ['output']


def test_sequence_of_non_applications():
    with pytest.raises(TypeError, match=r"seq: application_methods must be "
                                        r"application methods of bricks"):
        Sequence([Tanh()], name='seq')


def test_feedforward_sequence_dims_are_those_of_its_ends():
    first = Linear(input_dim=NoneAllocation, output_dim=3)
    last = Linear(input_dim=3, output_dim=NoneAllocation)
    sequence = FeedforwardSequence([first.apply, last.apply])
    sequence.input_dim = 5
    sequence.output_dim = 7
    assert (first.input_dim, last.output_dim) == (5, 7)
