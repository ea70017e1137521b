"""Tests of VariableFilter and the annotation getters."""
import pytest
from aesara import tensor

from blocks.bricks import Brick, Linear, Logistic, MLP, Identity, application
from blocks.bricks.base import ApplicationCall
from blocks.filter import (VariableFilter, get_annotation,
                           get_application_call, get_brick)
from blocks.graph import ComputationGraph
from blocks.roles import (AUXILIARY, BIAS, INPUT, OUTPUT, PARAMETER, WEIGHT,
                          add_role)


class Pair(Brick):
    """A brick with two applications and a named auxiliary variable."""
    @application
    def apply(self, x, application_call):
        application_call.metadata['call_id'] = 'apply-call'
        application_call.add_auxiliary_variable(x.mean(), name='x_mean')
        return x + 1

    @application
    def other(self, x):
        return x - 1


@pytest.fixture(scope='module')
def graph():
    mlp = MLP(activations=[Identity(), Logistic()], dims=[20, 10, 20])
    pair = Pair()
    x = tensor.matrix('x')
    y = pair.other(pair.apply(mlp.apply(x)))
    return mlp, pair, x, ComputationGraph(y)


def test_filter_by_role_and_brick(graph):
    mlp, pair, x, cg = graph
    first, second = mlp.linear_transformations
    assert VariableFilter(roles=[BIAS], bricks=[first])(cg.variables) == [
        first.b]
    assert set(VariableFilter(roles=[WEIGHT])(cg)) == {first.W, second.W}
    assert VariableFilter(roles=[PARAMETER], bricks=[Linear])(cg) != []
    assert set(VariableFilter(roles=[PARAMETER])(cg)) == {
        first.W, first.b, second.W, second.b}


def test_filter_by_brick_class_and_instance(graph):
    mlp, pair, x, cg = graph
    by_class = VariableFilter(bricks=[Logistic])(cg)
    assert by_class and all(isinstance(get_brick(var), Logistic)
                            for var in by_class)
    by_instance = VariableFilter(bricks=[pair])(cg)
    assert {var.tag.name for var in by_instance} == {'x', 'output',
                                                     'x_mean'}
    # Variables without a brick are dropped by a brick filter.
    assert x not in VariableFilter(bricks=[Brick])(cg)


def test_filter_with_each_role():
    x = tensor.vector()
    add_role(x, AUXILIARY)
    add_role(x, WEIGHT)
    y = tensor.vector()
    add_role(y, WEIGHT)
    assert VariableFilter(roles=[AUXILIARY, WEIGHT])([x, y]) == [x, y]
    assert VariableFilter(roles=[AUXILIARY, WEIGHT], each_role=True)(
        [x, y]) == [x]
    assert VariableFilter(roles=[PARAMETER, AUXILIARY], each_role=True)(
        [x, y]) == [x]


def test_filter_by_names(graph):
    mlp, pair, x, cg = graph
    inputs = VariableFilter(name='input_')(cg)
    assert inputs and all(var.tag.name == 'input_' for var in inputs)
    assert [var.name for var in VariableFilter(name_regex='^x_m')(cg)] == [
        'x_mean']
    assert [var.name for var in VariableFilter(
        aesara_name='mlp_apply_output')(cg)] == ['mlp_apply_output']
    assert sorted(var.name for var in VariableFilter(
        aesara_name_regex=r'linear_\d_apply_output')(cg)) == [
        'linear_0_apply_output', 'linear_1_apply_output']


def test_filter_by_application_and_call_id(graph):
    mlp, pair, x, cg = graph
    bound = VariableFilter(applications=[pair.other])(cg)
    assert {var.name for var in bound} == {'pair_other_x',
                                           'pair_other_output'}
    unbound = VariableFilter(applications=[Pair.apply], roles=[OUTPUT])(cg)
    assert [var.name for var in unbound] == ['pair_apply_output']
    by_call = VariableFilter(call_id='apply-call', roles=[INPUT])(cg)
    assert [var.name for var in by_call] == ['pair_apply_x']


def test_annotation_getters(graph):
    mlp, pair, x, cg = graph
    output, = VariableFilter(applications=[pair.apply], roles=[OUTPUT])(cg)
    assert get_brick(output) is pair
    call = get_application_call(output)
    assert isinstance(call, ApplicationCall)
    assert call.application.brick is pair
    assert get_annotation(output, ApplicationCall) is call
    assert get_brick(x) is None and get_application_call(x) is None


def test_filter_with_an_unknown_role():
    with pytest.raises(TypeError, match=r"VariableFilter: roles must be "
                                        r"VariableRole instances such as "
                                        r"blocks.roles.WEIGHT; got 'weight' "
                                        r"\(str\)"):
        VariableFilter(roles=['weight'])


def test_filter_with_a_non_brick():
    with pytest.raises(TypeError, match=r"VariableFilter: bricks must be "
                                        r"Brick instances or Brick "
                                        r"subclasses; got 'mlp' \(str\)"):
        VariableFilter(bricks=['mlp'])
    with pytest.raises(TypeError, match=r"got <class 'int'> \(type\)"):
        VariableFilter(bricks=[int])


def test_filter_with_bad_applications_and_names():
    with pytest.raises(TypeError, match=r"VariableFilter: applications must "
                                        r"be application methods"):
        VariableFilter(applications=[Pair()])
    with pytest.raises(TypeError, match=r"VariableFilter: name_regex must be "
                                        r"a str, got 3"):
        VariableFilter(name_regex=3)
