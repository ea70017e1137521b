"""Bricks, computation graphs and models survive a pickle round-trip."""
import pickle

import numpy
import pytest
import aesara
from aesara import tensor
from numpy.testing import assert_allclose, assert_equal

from blocks.bricks import Linear, Logistic, MLP, NDimensionalSoftmax, Tanh
from blocks.bricks.base import NoneAllocation
from blocks.filter import VariableFilter, get_application_call, get_brick
from blocks.graph import ComputationGraph, apply_dropout
from blocks.initialization import Constant, IsotropicGaussian
from blocks.model import Model
from blocks.roles import BIAS, INPUT, OUTPUT, WEIGHT, has_roles

FLOATX = aesara.config.floatX
X_VALUE = numpy.array([[0.5, -1., 2.]], dtype=FLOATX)


def round_trip(obj):
    return pickle.loads(pickle.dumps(obj))


@pytest.fixture(scope='module')
def built():
    mlp = MLP([Tanh(), Logistic()], [3, 4, 2],
              weights_init=IsotropicGaussian(0.5, mean=0.1),
              biases_init=Constant(0.2), seed=4)
    mlp.initialize()
    x = tensor.matrix('x')
    y = mlp.apply(x)
    cost = y.sum()
    return mlp, x, y, cost


def test_brick_after_initialize(built):
    mlp = built[0]
    copy = round_trip(mlp)
    assert [child.name for child in copy.children] == [
        'linear_0', 'tanh', 'linear_1', 'logistic']
    assert all(child.parents == [copy] for child in copy.children)
    assert copy.allocated and copy.initialized
    for original, copied in zip(mlp.linear_transformations,
                                copy.linear_transformations):
        assert copied.get_path() == original.get_path()
        for param, copied_param in zip(original.parameters,
                                       copied.parameters):
            assert copied_param is not param
            assert copied_param.name == param.name
            assert_equal(copied_param.get_value(), param.get_value())
            assert get_brick(copied_param) is copied
        assert has_roles(copied.W, [WEIGHT]) and has_roles(copied.b, [BIAS])
    assert copy.apply.outputs == ['output']


def test_unpickled_brick_can_be_applied_and_configured():
    linear = round_trip(Linear(output_dim=2, weights_init=Constant(1),
                               biases_init=Constant(0)))
    assert linear.input_dim is NoneAllocation
    with pytest.raises(ValueError, match='allocation config not set: '
                                         'input_dim'):
        linear.allocate()
    linear.input_dim = 3
    y = linear.apply(tensor.matrix('x'))
    assert y.name == 'linear_apply_output'
    assert round_trip(NDimensionalSoftmax()).apply(
        tensor.tensor3(), extra_ndim=1).ndim == 3


def test_computation_graph(built):
    mlp, x, y, cost = built
    cg = ComputationGraph(cost)
    new_mlp, new_cg = round_trip((mlp, cg))
    assert len(new_cg.variables) == len(cg.variables)
    assert [var.name for var in new_cg.inputs] == ['x']
    assert [param.name for param in new_cg.parameters] == [
        param.name for param in cg.parameters]
    for param, new_param in zip(cg.parameters, new_cg.parameters):
        assert_equal(new_param.get_value(), param.get_value())
    # Roles and annotations still work with the unpickled bricks.
    first_layer = new_mlp.linear_transformations[0]
    assert VariableFilter(roles=[WEIGHT], bricks=[first_layer])(
        new_cg.variables) == [first_layer.W]
    outputs = VariableFilter(roles=[OUTPUT], bricks=[new_mlp])(new_cg)
    assert [var.name for var in outputs] == ['mlp_apply_output']
    call = get_application_call(outputs[0])
    assert call.application.brick is new_mlp
    assert [var.name for var in new_cg.auxiliary_variables] == [
        var.name for var in cg.auxiliary_variables]
    # The unpickled graph computes the same values.
    old_value, = cg.get_aesara_function()(X_VALUE)
    new_value, = new_cg.get_aesara_function()(X_VALUE)
    assert_allclose(new_value, old_value)


def test_dropout_graph(built):
    mlp, x, y, cost = built
    cg = ComputationGraph(cost)
    dropped = apply_dropout(cg, VariableFilter(roles=[INPUT])(cg), 0.5)
    copy = round_trip(dropped)
    assert len(copy.variables) == len(dropped.variables)

    def replaced_names(graph):
        return [var.tag.replacement_of.name for var in graph.variables
                if hasattr(var.tag, 'replacement_of')]
    assert replaced_names(copy) == replaced_names(dropped)
    assert sorted(replaced_names(copy)) == [
        'linear_0_apply_input_', 'linear_1_apply_input_',
        'logistic_apply_input_', 'mlp_apply_input_', 'tanh_apply_input_']


def test_model(built):
    mlp, x, y, cost = built
    model = Model(cost)
    copy = round_trip(model)
    assert list(copy.get_parameter_dict()) == list(model.get_parameter_dict())
    for name, value in model.get_parameter_values().items():
        assert_equal(copy.get_parameter_values()[name], value)
    top_brick, = copy.get_top_bricks()
    assert top_brick.name == 'mlp' and top_brick is not mlp
    assert copy.get_objective().name == model.get_objective().name
    # Setting values on the copy leaves the original alone.
    copy.set_parameter_values({name: numpy.zeros_like(value) for name, value
                               in copy.get_parameter_values().items()})
    assert not numpy.allclose(model.get_parameter_values()['/mlp/linear_0.W'],
                              0)
