"""Tests of AbstractModel and Model."""
from collections import OrderedDict

import numpy
import pytest
import aesara
from aesara import tensor
from numpy.testing import assert_equal

from blocks.bricks import Linear, MLP, Tanh
from blocks.graph import ComputationGraph
from blocks.initialization import Constant
from blocks.model import AbstractModel, Model
from blocks.roles import PARAMETER, add_role
from blocks.utils import shared_floatx

FLOATX = aesara.config.floatX
NAMES = ['/mlp/linear_0.W', '/mlp/linear_0.b', '/mlp/linear_1.W',
         '/mlp/linear_1.b', 'scale']


@pytest.fixture
def model():
    mlp = MLP([Tanh(), None], [2, 3, 2], weights_init=Constant(1),
              biases_init=Constant(0))
    mlp.initialize()
    scale = shared_floatx(2., name='scale')
    add_role(scale, PARAMETER)
    x = tensor.matrix('x')
    cost = (mlp.apply(x) * scale).sum()
    return Model(cost), mlp, scale


def test_model_is_a_computation_graph(model):
    model, mlp, scale = model
    assert isinstance(model, ComputationGraph)
    assert isinstance(model, AbstractModel)
    assert [var.name for var in model.inputs] == ['x']
    assert model.get_objective() is model.outputs[0]


def test_top_bricks(model):
    model, mlp, scale = model
    assert model.get_top_bricks() == [mlp]
    # The list returned is a copy.
    model.get_top_bricks().append(Tanh())
    assert model.get_top_bricks() == [mlp]


def test_top_bricks_are_the_roots_of_the_bricks_found():
    mlp = MLP([Tanh()], [2, 2])
    mlp.allocate()
    other = Linear(input_dim=2, output_dim=1, name='other')
    y = other.apply(mlp.linear_transformations[0].apply(tensor.matrix()))
    top_bricks = Model(y).get_top_bricks()
    assert len(top_bricks) == 2 and set(top_bricks) == {mlp, other}


def test_top_bricks_with_the_same_name():
    first = Linear(input_dim=2, output_dim=2, name='layer')
    second = Linear(input_dim=2, output_dim=2, name='layer')
    y = second.apply(first.apply(tensor.matrix()))
    with pytest.raises(ValueError, match=r"Model: different top bricks share "
                                         r"the name\(s\) layer"):
        Model(y)


def test_parameter_dict(model):
    model, mlp, scale = model
    parameters = model.get_parameter_dict()
    assert isinstance(parameters, OrderedDict)
    assert sorted(parameters) == sorted(NAMES)
    first, second = mlp.linear_transformations
    assert parameters['/mlp/linear_0.W'] is first.W
    assert parameters['/mlp/linear_1.b'] is second.b
    assert parameters['scale'] is scale


def test_duplicate_parameter_names():
    first = shared_floatx(numpy.zeros(2), name='w')
    second = shared_floatx(numpy.zeros(2), name='w')
    for param in (first, second):
        add_role(param, PARAMETER)
    with pytest.raises(ValueError, match=r"Model: several parameters are "
                                         r"named w"):
        Model((first + second).sum())


def test_unnamed_parameter_without_a_brick():
    param = shared_floatx(numpy.zeros(2))
    add_role(param, PARAMETER)
    with pytest.raises(ValueError, match=r"belongs to no brick and has no "
                                         r"name"):
        Model(param.sum())


def test_get_and_set_parameter_values(model):
    model, mlp, scale = model
    values = model.get_parameter_values()
    assert list(values) == list(model.get_parameter_dict())
    assert_equal(values['/mlp/linear_0.W'], numpy.ones((2, 3)))
    assert_equal(values['scale'], 2.)
    # Values are copies.
    values['/mlp/linear_0.W'][0, 0] = 5
    assert mlp.linear_transformations[0].W.get_value()[0, 0] == 1
    new_values = {name: numpy.full(value.shape, 3, dtype='int64')
                  for name, value in values.items()}
    model.set_parameter_values(new_values)
    W = mlp.linear_transformations[0].W.get_value()
    assert_equal(W, numpy.full((2, 3), 3.))
    assert W.dtype == FLOATX
    assert scale.get_value() == 3.


def test_set_parameter_values_checks_names_before_changing(model):
    model, mlp, scale = model
    values = model.get_parameter_values()
    values['/mlp/linear_9.W'] = numpy.zeros((2, 2))
    del values['scale']
    values['/mlp/linear_0.W'] = numpy.zeros((2, 3))
    with pytest.raises(ValueError, match=r"unknown parameter names: "
                                         r"/mlp/linear_9.W; missing values "
                                         r"for parameters: scale"):
        model.set_parameter_values(values)
    assert_equal(mlp.linear_transformations[0].W.get_value(),
                 numpy.ones((2, 3)))


def test_set_parameter_values_checks_shapes_before_changing(model):
    model, mlp, scale = model
    values = model.get_parameter_values()
    values['/mlp/linear_0.W'] = numpy.zeros((3, 2))
    values['/mlp/linear_1.b'] = numpy.zeros(3)
    values['scale'] = numpy.array(7.)
    with pytest.raises(ValueError) as error:
        model.set_parameter_values(values)
    message = str(error.value)
    assert "/mlp/linear_0.W: given shape (3, 2), expected (2, 3)" in message
    assert "/mlp/linear_1.b: given shape (3,), expected (2,)" in message
    assert "nothing was changed" in message
    assert scale.get_value() == 2.


def test_set_parameter_values_with_unconvertible_values(model):
    model, mlp, scale = model
    values = model.get_parameter_values()
    values['scale'] = 'two'
    with pytest.raises(ValueError, match=r"scale: cannot convert the given "
                                         r"value to float64"):
        model.set_parameter_values(values)


def test_objective_of_a_model_with_several_outputs():
    x = tensor.vector('x')
    with pytest.raises(ValueError, match=r"Model.get_objective: the model has "
                                         r"2 outputs .*, expected exactly "
                                         r"one"):
        Model([x.sum(), x.mean()]).get_objective()


def test_abstract_model_needs_its_methods():
    with pytest.raises(TypeError, match='abstract'):
        AbstractModel()
