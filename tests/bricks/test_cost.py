"""Tests of the cost bricks against NumPy."""
import numpy
import pytest
import aesara
from aesara import tensor
from numpy.testing import assert_allclose

from blocks.bricks.cost import (AbsoluteError, BinaryCrossEntropy,
                                CategoricalCrossEntropy, Cost, CostMatrix,
                                MisclassificationRate, SquaredError)
from blocks.roles import OUTPUT, has_roles

FLOATX = aesara.config.floatX
Y_VALUE = numpy.array([[1., 0., 1.], [0., 0., 1.]], dtype=FLOATX)
Y_HAT_VALUE = numpy.array([[0.9, 0.2, 0.6], [0.4, 0.1, 0.7]], dtype=FLOATX)
CLASSES_VALUE = numpy.array([0, 2, 1, 1], dtype='int64')
SCORES_VALUE = numpy.array([[0.7, 0.2, 0.1],   # right
                            [0.5, 0.3, 0.2],   # true class last
                            [0.1, 0.6, 0.3],   # right
                            [0.4, 0.4, 0.2]],  # tie for first place
                           dtype=FLOATX)


@pytest.fixture(scope='module')
def costs():
    y = tensor.matrix('y')
    y_hat = tensor.matrix('y_hat')
    classes = tensor.lvector('classes')
    scores = tensor.matrix('scores')
    graph = {
        'binary': BinaryCrossEntropy().apply(y, y_hat),
        'binary_matrix': BinaryCrossEntropy().cost_matrix(y, y_hat),
        'absolute': AbsoluteError().apply(y, y_hat),
        'squared': SquaredError().apply(y, y_hat),
        'categorical_indices': CategoricalCrossEntropy().apply(classes,
                                                               scores),
        'categorical_distributions': CategoricalCrossEntropy().apply(
            y / y.sum(axis=1, keepdims=True), y_hat),
        'top_1': MisclassificationRate().apply(classes, scores),
        'top_2': MisclassificationRate(top_k=2).apply(classes, scores),
        'top_3': MisclassificationRate(top_k=3).apply(classes, scores),
    }
    names = sorted(graph)
    values = aesara.function([y, y_hat, classes, scores],
                             [graph[name] for name in names])(
        Y_VALUE, Y_HAT_VALUE, CLASSES_VALUE, SCORES_VALUE)
    return {'graph': graph, **dict(zip(names, values))}


def test_binary_cross_entropy(costs):
    matrix = -(Y_VALUE * numpy.log(Y_HAT_VALUE) +
               (1 - Y_VALUE) * numpy.log(1 - Y_HAT_VALUE))
    assert costs['binary_matrix'].shape == (2, 3)
    assert_allclose(costs['binary_matrix'], matrix, rtol=1e-6)
    assert costs['binary'].shape == ()
    assert_allclose(costs['binary'], matrix.sum(axis=1).mean(), rtol=1e-6)


def test_absolute_and_squared_error(costs):
    difference = Y_VALUE - Y_HAT_VALUE
    assert_allclose(costs['absolute'], abs(difference).sum(axis=1).mean())
    assert_allclose(costs['squared'], (difference ** 2).sum(axis=1).mean())


def test_categorical_cross_entropy(costs):
    expected = -numpy.log(SCORES_VALUE[numpy.arange(4), CLASSES_VALUE])
    assert_allclose(costs['categorical_indices'], expected.mean(), rtol=1e-6)
    targets = Y_VALUE / Y_VALUE.sum(axis=1, keepdims=True)
    expected = -(targets * numpy.log(Y_HAT_VALUE)).sum(axis=1)
    assert_allclose(costs['categorical_distributions'], expected.mean(),
                    rtol=1e-6)


def test_misclassification_rate_top_k_and_ties(costs):
    # Example 1 is wrong for top_k < 3; example 3 ties its true class with
    # another for first place, which counts as a mistake for top_k=1.
    assert_allclose(costs['top_1'], 2 / 4)
    assert_allclose(costs['top_2'], 1 / 4)
    assert_allclose(costs['top_3'], 0)


def test_cost_outputs_are_named_and_tagged(costs):
    assert costs['graph']['squared'].name == 'squarederror_apply_cost'
    assert costs['graph']['top_1'].name == \
        'misclassificationrate_apply_error_rate'
    assert has_roles(costs['graph']['binary'], [OUTPUT])
    assert issubclass(SquaredError, CostMatrix)
    assert issubclass(MisclassificationRate, Cost)


@pytest.mark.parametrize('top_k', [0, -1, 1.5])
def test_misclassification_rate_bad_top_k(top_k):
    with pytest.raises(ValueError, match=r"MisclassificationRate: top_k must "
                                         r"be a positive integer, got "
                                         r"{}".format(top_k)):
        MisclassificationRate(top_k=top_k)


def test_misclassification_rate_bad_inputs():
    with pytest.raises(TypeError, match=r"/misclassificationrate.apply: "
                                        r"argument 'y' must be integer"):
        MisclassificationRate().apply(tensor.vector(), tensor.matrix())
    with pytest.raises(ValueError, match=r"/misclassificationrate.apply: "
                                         r"argument 'y_hat' must be a "
                                         r"2-dimensional tensor"):
        MisclassificationRate().apply(tensor.lvector(), tensor.tensor3())


@pytest.mark.parametrize('cost', [BinaryCrossEntropy(), AbsoluteError(),
                                  SquaredError()],
                         ids=lambda cost: cost.name)
def test_cost_matrix_dimension_mismatch(cost):
    with pytest.raises(ValueError, match=r"/{}.apply: arguments 'y' and "
                                         r"'y_hat' must have the same number "
                                         r"of dimensions, got y with 2 and "
                                         r"y_hat with 1".format(cost.name)):
        cost.apply(tensor.matrix(), tensor.vector())


def test_categorical_cross_entropy_bad_inputs():
    cost = CategoricalCrossEntropy()
    with pytest.raises(ValueError, match=r"/categoricalcrossentropy.apply: "
                                         r"argument 'y' must be a vector of "
                                         r"class indices or a matrix of "
                                         r"distributions, got 3 dimensions"):
        cost.apply(tensor.tensor3(), tensor.matrix())
    with pytest.raises(TypeError, match=r"/categoricalcrossentropy.apply: "
                                        r"argument 'y' must be integer"):
        cost.apply(tensor.vector(), tensor.matrix())
    with pytest.raises(ValueError, match=r"argument 'y_hat' must be a "
                                         r"2-dimensional tensor"):
        cost.apply(tensor.lvector(), tensor.vector())
