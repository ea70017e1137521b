"""Tests of LookupTable."""
import pickle

import numpy
import pytest
import aesara
from aesara import tensor
from numpy.testing import assert_equal

from blocks.bricks.lookup import LookupTable
from blocks.initialization import Constant
from blocks.roles import BIAS, WEIGHT, has_roles

FLOATX = aesara.config.floatX
TABLE = numpy.arange(8, dtype=FLOATX).reshape((4, 2))


@pytest.fixture(scope='module')
def lookup():
    table = LookupTable(length=4, dim=2, weights_init=Constant(0))
    table.initialize()
    table.W.set_value(TABLE)
    indices = tensor.lmatrix('indices')
    vector_indices = tensor.ivector('vector_indices')
    outputs = [table.apply(indices), table.apply(vector_indices)]
    function = aesara.function([indices, vector_indices], outputs)
    return table, outputs, function


def test_lookup_values_and_shapes(lookup):
    table, outputs, function = lookup
    matrix_value, vector_value = function([[0, 3, 3], [1, 2, 0]], [2, 1])
    assert matrix_value.shape == (2, 3, 2)
    assert_equal(matrix_value, TABLE[numpy.array([[0, 3, 3], [1, 2, 0]])])
    assert vector_value.shape == (2, 2)
    assert_equal(vector_value, TABLE[[2, 1]])
    assert outputs[0].ndim == 3 and outputs[1].ndim == 2


def test_lookup_parameters(lookup):
    table = lookup[0]
    W, = table.parameters
    assert W is table.W
    assert W.name == 'W' and W.get_value().shape == (4, 2)
    assert has_roles(W, [WEIGHT]) and not has_roles(W, [BIAS])


def test_lookup_on_floats():
    with pytest.raises(TypeError, match=r"/lookuptable.apply: argument "
                                        r"'indices' must be integer or "
                                        r"unsigned integer, got .* of dtype "
                                        r"float64"):
        LookupTable(length=4, dim=2).apply(tensor.dmatrix())


def test_lookup_dims():
    table = LookupTable(length=5, dim=3)
    assert (table.input_dim, table.output_dim) == (0, 3)
    assert table.get_dims(['indices', 'output']) == [0, 3]
    table.output_dim = 4
    assert table.dim == 4
    with pytest.raises(ValueError, match=r"/lookuptable: the input of a "
                                         r"LookupTable holds indices "
                                         r"\(input_dim 0\), got "
                                         r"input_dim=7"):
        table.input_dim = 7


def test_lookup_lazy_allocation_and_initialization():
    table = LookupTable(dim=2)
    with pytest.raises(ValueError, match=r"allocation config not set: "
                                         r"length"):
        table.allocate()
    table.length = 3
    with pytest.raises(ValueError, match=r"initialization config not set: "
                                         r"weights_init \(brick "
                                         r"/lookuptable"):
        table.initialize()
    table.weights_init = Constant(7)
    table.initialize()
    assert_equal(table.W.get_value(), numpy.full((3, 2), 7.))


def test_lookup_pickles(lookup):
    table = pickle.loads(pickle.dumps(lookup[0]))
    assert_equal(table.W.get_value(), TABLE)
    assert has_roles(table.W, [WEIGHT])
