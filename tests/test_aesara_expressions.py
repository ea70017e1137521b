import numpy
import pytest
import aesara
from aesara import tensor
from numpy.testing import assert_allclose

from blocks.aesara_expressions import hessian_times_vector, l2_norm

FLOATX = aesara.config.floatX


def test_values_against_numpy():
    # Everything is checked through one compiled function to keep the test
    # cheap.
    matrix = tensor.matrix('matrix')
    vector = tensor.vector('vector')
    scalar = tensor.scalar('scalar')
    integers = tensor.lvector('integers')

    weights = tensor.vector('weights')
    direction = tensor.vector('direction')
    coefficients = tensor.matrix('coefficients')
    cost = (tensor.exp(coefficients.dot(weights)).sum() +
            weights.dot(weights) ** 2)
    gradient = aesara.grad(cost, weights)

    filters = tensor.matrix('filters')
    filter_direction = tensor.matrix('filter_direction')
    filter_gradient = aesara.grad(tensor.tanh(filters).sum(), filters)

    outputs = [
        l2_norm([matrix, vector, scalar]),
        l2_norm([matrix, vector, scalar], squared=True),
        l2_norm(matrix),
        l2_norm([integers]),
        hessian_times_vector(gradient, weights, direction),
        hessian_times_vector(gradient, weights, direction, r_op=True),
        hessian_times_vector(filter_gradient, filters, filter_direction),
        hessian_times_vector(filter_gradient, filters, filter_direction,
                             r_op=True),
    ]
    function = aesara.function(
        [matrix, vector, scalar, integers, weights, direction, coefficients,
         filters, filter_direction], outputs, on_unused_input='ignore')

    rng = numpy.random.RandomState(1)
    matrix_value = rng.normal(size=(2, 3)).astype(FLOATX)
    vector_value = rng.normal(size=(4,)).astype(FLOATX)
    scalar_value = numpy.asarray(-1.5, dtype=FLOATX)
    integer_value = numpy.array([3, 4], dtype='int64')
    weights_value = rng.normal(size=(3,)).astype(FLOATX)
    direction_value = rng.normal(size=(3,)).astype(FLOATX)
    coefficients_value = rng.normal(size=(2, 3)).astype(FLOATX)
    filters_value = rng.normal(size=(2, 2)).astype(FLOATX)
    filter_direction_value = rng.normal(size=(2, 2)).astype(FLOATX)
    (norm, squared, matrix_norm, integer_norm, product, r_product,
     filter_product, filter_r_product) = function(
        matrix_value, vector_value, scalar_value, integer_value,
        weights_value, direction_value, coefficients_value, filters_value,
        filter_direction_value)

    all_values = numpy.concatenate([matrix_value.ravel(), vector_value,
                                    [scalar_value]])
    assert_allclose(norm, numpy.linalg.norm(all_values), rtol=1e-5)
    assert_allclose(squared, numpy.sum(all_values ** 2), rtol=1e-5)
    assert_allclose(matrix_norm, numpy.linalg.norm(matrix_value), rtol=1e-5)
    assert_allclose(integer_norm, 5)

    # Hessian of sum(exp(C w)) + (w . w) ** 2.
    activations = numpy.exp(coefficients_value.dot(weights_value))
    hessian = (coefficients_value.T.dot(
        activations[:, None] * coefficients_value) +
        4 * weights_value.dot(weights_value) * numpy.eye(3) +
        8 * numpy.outer(weights_value, weights_value))
    assert product.shape == (3,)
    assert_allclose(product, hessian.dot(direction_value), rtol=1e-5)
    assert_allclose(r_product, hessian.dot(direction_value), rtol=1e-5)

    # The Hessian of sum(tanh(F)) is diagonal: -2 tanh(F) (1 - tanh(F)^2).
    tanh = numpy.tanh(filters_value)
    expected = -2 * tanh * (1 - tanh ** 2) * filter_direction_value
    assert filter_product.shape == (2, 2)
    assert_allclose(filter_product, expected, rtol=1e-5)
    assert_allclose(filter_r_product, expected, rtol=1e-5)


def test_l2_norm_squared_skips_square_root():
    squared = l2_norm([tensor.vector()], squared=True)
    assert squared.ndim == 0
    assert squared.owner.op != tensor.sqrt(tensor.scalar()).owner.op
    assert l2_norm([tensor.vector()]).owner.op == \
        tensor.sqrt(tensor.scalar()).owner.op


def test_l2_norm_of_nothing():
    with pytest.raises(ValueError, match="l2_norm: tensors must contain at "
                       "least one tensor, got an empty collection"):
        l2_norm([])


def test_hessian_times_vector_checks_dimensions():
    parameter = tensor.vector('w')
    gradient = aesara.grad((parameter ** 3).sum(), parameter)
    with pytest.raises(ValueError, match="hessian_times_vector: vector has 2 "
                       "dimensions, expected 1 like parameter w"):
        hessian_times_vector(gradient, parameter, tensor.matrix())
    with pytest.raises(ValueError, match="hessian_times_vector: gradient has "
                       "0 dimensions, expected 1 like parameter w"):
        hessian_times_vector(gradient.sum(), parameter, tensor.vector())
    with pytest.raises(TypeError, match="hessian_times_vector: parameter must "
                       "be an Aesara variable, got array"):
        hessian_times_vector(gradient, numpy.zeros(2), tensor.vector())
