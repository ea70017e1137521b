"""Tests of the cost bricks against NumPy."""
import pickle

import numpy
import pytest
import aesara
from aesara import tensor
from aesara.compile.mode import Mode
from aesara.graph.basic import applys_between, graph_inputs
from numpy.testing import assert_allclose

from blocks.bricks.cost import (AbsoluteError, BinaryCrossEntropy,
                                CategoricalCrossEntropy, Cost, CostMatrix,
                                MisclassificationRate, SquaredError,
                                TargetShapeCheck)
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


def test_the_gradient_passes_through_the_target_check():
    # Targets may be differentiable too (e.g. in an autoencoder).
    y, y_hat = tensor.matrix('y'), tensor.matrix('y_hat')
    gradient = aesara.grad(SquaredError().apply(y, y_hat), y)
    assert any(isinstance(node.op, TargetShapeCheck)
               for node in applys_between([y, y_hat], [gradient]))
    function = aesara.function([y, y_hat], gradient,
                               mode=Mode(linker='py', optimizer='fast_run'))
    assert_allclose(function(Y_VALUE, Y_HAT_VALUE),
                    2 * (Y_VALUE - Y_HAT_VALUE) / len(Y_VALUE), rtol=1e-6)


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
    # (batch,) targets against (batch, 1) predictions would broadcast into a
    # (batch, batch) matrix of costs.
    with pytest.raises(ValueError, match=r"/{}.apply: arguments 'y' and "
                                         r"'y_hat' must have the same number "
                                         r"of dimensions, got y with 1 and "
                                         r"y_hat with 2; .*\(batch, batch\).*"
                                         r"`y\[:, None\]`".format(cost.name)):
        cost.apply(tensor.vector(), tensor.matrix())
    with pytest.raises(ValueError, match=r"/{}.apply: arguments 'y' and "
                                         r"'y_hat' must be matrices \(batch, "
                                         r"features\), got tensors with 1 "
                                         r"dimension".format(cost.name)):
        cost.apply(tensor.vector(), tensor.vector())


def test_categorical_cross_entropy_bad_inputs():
    cost = CategoricalCrossEntropy()
    with pytest.raises(ValueError, match=r"/categoricalcrossentropy.apply: "
                                         r"argument 'y' must be a vector of "
                                         r"integer class indices or a float "
                                         r"matrix of target distributions, "
                                         r"got a 3-dimensional float64 "):
        cost.apply(tensor.dtensor3(), tensor.matrix())
    with pytest.raises(TypeError, match=r"/categoricalcrossentropy.apply: "
                                        r"argument 'y' is a 1-dimensional "
                                        r"float64 tensor .*; class indices "
                                        r"must be integers"):
        cost.apply(tensor.dvector(), tensor.matrix())
    with pytest.raises(ValueError, match=r"argument 'y_hat' must be a "
                                         r"2-dimensional tensor"):
        cost.apply(tensor.lvector(), tensor.vector())


@pytest.mark.parametrize('cost', [CategoricalCrossEntropy(),
                                  MisclassificationRate()],
                         ids=lambda cost: cost.name)
def test_integer_labels_in_a_column_are_refused(cost):
    """Labels of shape (batch, 1) are not read as distributions."""
    with pytest.raises(ValueError, match=r"/{}.apply: argument 'y' is a "
                                         r"2-dimensional int64 tensor "
                                         r"\(static shape \(None, None\)\), "
                                         r"but integer targets are class "
                                         r"indices and must be a vector.*"
                                         r"pass `y.flatten\(\)`".format(
                                             cost.name)):
        cost.apply(tensor.lmatrix('targets'), tensor.matrix('probs'))


def test_static_shape_mismatches_are_refused_when_building():
    labels = tensor.TensorType('int64', shape=(3,))('labels')
    probabilities = tensor.TensorType(FLOATX, shape=(2, 4))('probabilities')
    with pytest.raises(ValueError, match=r"/categoricalcrossentropy.apply: "
                                         r"argument 'y' has shape \(3,\), "
                                         r"expected \(2,\): one class index "
                                         r"per row of 'y_hat' \(shape "
                                         r"\(2, 4\)\)"):
        CategoricalCrossEntropy().apply(labels, probabilities)
    column = tensor.TensorType(FLOATX, shape=(2, 1))('column')
    with pytest.raises(ValueError, match=r"/squarederror.cost_matrix: "
                                         r"argument 'y' has shape \(2, 1\), "
                                         r"expected \(2, 4\), the shape of "
                                         r"'y_hat': .* must not broadcast"):
        SquaredError().apply(column, probabilities)
    # Known and equal shapes need no run-time check.
    agreeing = tensor.TensorType('int64', shape=(2,))('agreeing')
    cost = CategoricalCrossEntropy().apply(agreeing, probabilities)
    assert not any(isinstance(node.op, TargetShapeCheck)
                   for node in applys_between([agreeing, probabilities],
                                              [cost]))


RUNTIME_CASES = {
    # name: (cost, y, y_hat, y value, y_hat value, message)
    'indices': (
        CategoricalCrossEntropy(), tensor.lvector('y'), tensor.matrix('p'),
        [0, 1, 1], [[0.5, 0.5], [0.5, 0.5]],
        r"/categoricalcrossentropy.apply: argument 'y' has shape \(3,\), "
        r"expected \(2,\): one class index per row of 'y_hat' \(shape "
        r"\(2, 2\)\)"),
    'distributions': (
        CategoricalCrossEntropy(), tensor.matrix('y'), tensor.matrix('p'),
        [[0.], [1.]], [[0.5, 0.5], [0.5, 0.5]],
        r"/categoricalcrossentropy.apply: argument 'y' has shape \(2, 1\), "
        r"expected \(2, 2\), the shape of 'y_hat': one target distribution "
        r"per row of predictions. Class labels are an integer vector "
        r"\(`y.flatten\(\)` for a column of labels\)"),
    'squared_error': (
        SquaredError(), tensor.matrix('y'), tensor.matrix('p'),
        [[0.], [1.]], [[0.5, 0.5], [0.5, 0.5]],
        r"/squarederror.cost_matrix: argument 'y' has shape \(2, 1\), "
        r"expected \(2, 2\), the shape of 'y_hat'"),
    'binary': (
        BinaryCrossEntropy(), tensor.matrix('y'), tensor.matrix('p'),
        [[0., 1.]], [[0.5, 0.5], [0.5, 0.5]],
        r"/binarycrossentropy.cost_matrix: argument 'y' has shape \(1, 2\), "
        r"expected \(2, 2\)"),
    'misclassification': (
        MisclassificationRate(), tensor.lvector('y'), tensor.matrix('p'),
        [1], [[0.5, 0.5], [0.5, 0.5]],
        r"/misclassificationrate.apply: argument 'y' has shape \(1,\), "
        r"expected \(2,\)"),
}


@pytest.mark.parametrize('case', sorted(RUNTIME_CASES))
def test_shape_mismatches_are_refused_at_run_time(case):
    cost_brick, y, y_hat, y_value, y_hat_value, message = RUNTIME_CASES[case]
    cost = cost_brick.apply(y, y_hat)
    # The check is Python code: no need to compile C for it.
    function = aesara.function([y, y_hat], cost, mode='FAST_COMPILE')
    with pytest.raises(ValueError, match=message):
        function(numpy.asarray(y_value, dtype=y.dtype),
                 numpy.asarray(y_hat_value, dtype=FLOATX))


def test_cross_entropy_of_a_softmax_uses_the_log_softmax():
    """The cost of a softmax's output is computed from the log-softmax of
    its input, with Ops every backend runs (none of aesara.tensor.nnet's
    deprecated cross-entropy Ops): exact and finite, value and gradient,
    where a probability underflows; the run-time check and pickling stay
    intact."""
    from aesara.tensor.special import LogSoftmax
    from blocks.aesara_expressions import PickPerRow
    from blocks.bricks import Softmax

    x, y = tensor.matrix('x'), tensor.lvector('y')
    cost = CategoricalCrossEntropy().apply(y, Softmax().apply(x))
    cost = pickle.loads(pickle.dumps(cost))
    x, y = [variable for variable in graph_inputs([cost])
            if variable.name in ('x', 'y')]
    # All of Aesara's rewrites, but Python implementations instead of
    # compiled C code: the check is about the graph.
    function = aesara.function([x, y], [cost, aesara.grad(cost, x)],
                               mode=Mode(linker='py', optimizer='fast_run'))
    ops = {type(node.op) for node in function.maker.fgraph.apply_nodes}
    assert {LogSoftmax, PickPerRow, TargetShapeCheck} <= ops
    assert not [op for op in ops if 'nnet' in op.__module__]
    logits = numpy.array([[1., 2., 3.], [1., 1., 1.]], dtype=FLOATX)
    value, gradient = function(logits, numpy.array([2, 0]))
    probabilities = numpy.exp(logits) / numpy.exp(logits).sum(
        axis=1, keepdims=True)
    assert_allclose(value, -numpy.log(probabilities[[0, 1], [2, 0]]).mean(),
                    rtol=1e-6)
    assert_allclose(gradient, (probabilities - numpy.eye(3)[[2, 0]]) / 2,
                    rtol=1e-5)
    # exp(-200) underflows in float32 and float64 alike.
    value, gradient = function(
        numpy.array([[200., 0., 0.]], dtype=FLOATX), numpy.array([1]))
    assert_allclose(value, 200., rtol=1e-6)
    assert_allclose(gradient, [[1., -1., 0.]], atol=1e-6)
    with pytest.raises(ValueError, match=r"argument 'y' has shape \(1,\), "
                                         r"expected \(2,\)"):
        function(logits, numpy.array([2]))
