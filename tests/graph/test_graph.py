"""Tests of ComputationGraph and of the graph transformations."""
from collections import OrderedDict

import numpy
import pytest
import aesara
from aesara import tensor
from aesara.tensor.random.utils import RandomStream
from numpy.testing import assert_allclose

from blocks.bricks import Brick, Identity, Linear, MLP, Tanh, application
from blocks.filter import VariableFilter, get_brick
from blocks.graph import (Annotation, ComputationGraph, add_annotation,
                          apply_dropout, apply_noise, collect_parameters)
from blocks.initialization import Constant
from blocks.roles import (AUXILIARY, COLLECTED, COLLECTOR, DROPOUT, INPUT,
                          OUTPUT, PARAMETER, WEIGHT, add_role, has_roles)
from blocks.utils import shared_floatx

FLOATX = aesara.config.floatX
X_VALUE = numpy.array([[1., 2.], [-1., 0.5]], dtype=FLOATX)


@pytest.fixture(scope='module')
def mlp_graph():
    x = tensor.matrix('x')
    mlp = MLP([Tanh(), Identity()], [2, 3, 2], weights_init=Constant(0.5),
              biases_init=Constant(0.1))
    mlp.initialize()
    y = mlp.apply(x)
    return x, mlp, y, ComputationGraph(y)


class Counter(Brick):
    """Counts its applications in a shared variable, through an update."""
    def _allocate(self):
        self.count = shared_floatx(0., name='count')

    @application
    def apply(self, x, application_call):
        application_call.updates[self.count] = self.count + 1
        application_call.add_auxiliary_variable(x.sum(), name='x_sum')
        return x + self.count


def test_inputs_outputs_and_parameters(mlp_graph):
    x, mlp, y, cg = mlp_graph
    assert cg.inputs == [x]
    assert cg.outputs == [y]
    assert cg.dict_of_inputs() == {'x': x}
    parameters = [param for layer in mlp.linear_transformations
                  for param in layer.parameters]
    assert set(cg.parameters) == set(parameters) and \
        len(cg.parameters) == 4
    assert set(cg.shared_variables) == set(parameters)
    assert all(has_roles(param, [PARAMETER]) for param in cg.parameters)


def test_variables_are_topologically_ordered(mlp_graph):
    x, mlp, y, cg = mlp_graph
    first_W, second_W = [layer.W for layer in mlp.linear_transformations]
    position = {var: index for index, var in enumerate(cg.variables)}
    assert position[first_W] < position[second_W]
    assert position[x] < position[y]
    for var in cg.variables:
        if var.owner is not None:
            assert all(position[input_] < position[var]
                       for input_ in var.owner.inputs
                       if input_ in position)
    assert len(set(cg.variables)) == len(cg.variables)
    assert list(cg) == cg.variables


def test_auxiliary_variables(mlp_graph):
    x, mlp, y, cg = mlp_graph
    auxiliary = cg.auxiliary_variables
    assert [var.name for var in auxiliary] == [
        'W_norm', 'b_norm', 'W_norm', 'b_norm']
    assert sorted((get_brick(var).name, var.name) for var in auxiliary) == [
        ('linear_0', 'W_norm'), ('linear_0', 'b_norm'),
        ('linear_1', 'W_norm'), ('linear_1', 'b_norm')]
    assert all(has_roles(var, [AUXILIARY]) for var in auxiliary)
    assert set(auxiliary) < set(cg.variables)


def test_intermediary_variables(mlp_graph):
    x, mlp, y, cg = mlp_graph
    intermediary = cg.intermediary_variables
    assert x not in intermediary and y not in intermediary
    assert all(var.owner is not None for var in intermediary)
    assert VariableFilter(roles=[OUTPUT], bricks=[mlp.children[0]])(
        intermediary)


def test_manual_annotation():
    x = tensor.vector('x')
    annotation = Annotation()
    annotation.add_auxiliary_variable(x + 1, name='x_plus_1')
    add_annotation(x, annotation)
    add_annotation(x, annotation)
    assert x.tag.annotations == [annotation]
    cg = ComputationGraph([x ** 2])
    assert [var.name for var in cg.auxiliary_variables] == ['x_plus_1']


def test_updates_from_annotations():
    x = tensor.vector('x')
    counter = Counter()
    y = counter.apply(x)
    cg = ComputationGraph(y)
    assert list(cg.updates) == [counter.count]
    assert [var.name for var in cg.auxiliary_variables] == ['x_sum']
    function = cg.get_aesara_function()
    assert_allclose(function([1., 2.])[0], [1., 2.])
    assert_allclose(function([1., 2.])[0], [2., 3.])
    assert counter.count.get_value() == 2


def test_get_aesara_function_with_additional_updates():
    x = tensor.vector('x')
    total = shared_floatx(0., name='total')
    cg = ComputationGraph([x.sum()])
    function = cg.get_aesara_function(
        additional_updates=[(total, total + x.sum())])
    function([1., 2.])
    assert total.get_value() == 3.


def test_replace_with_dependent_replacements():
    x = tensor.scalar('x')
    y = x + 2
    z = y + 3
    a = z + 5
    cg = ComputationGraph([a])
    new_cg = cg.replace({y: x * 2, z: y * 3})
    assert aesara.pprint(new_cg.outputs[0]) == '(((x * 2) * 3) + 5)'
    assert new_cg.inputs == [x]
    # The original graph is unchanged.
    assert aesara.pprint(cg.outputs[0]) == '(((x + 2) + 3) + 5)'


def test_replace_errors():
    x = tensor.vector('x')
    cg = ComputationGraph([x + 1])
    with pytest.raises(ValueError, match=r"cannot replace x \(ndim 1\) by "
                                         r".* \(ndim 2\)"):
        cg.replace({x: tensor.matrix()})
    with pytest.raises(TypeError, match=r"keys and values must be Aesara "
                                        r"variables"):
        cg.replace({x: 3})


def test_outputs_must_be_variables():
    with pytest.raises(TypeError, match=r"ComputationGraph: outputs must be "
                                        r"Aesara variables; output 1 is 3 of "
                                        r"type int"):
        ComputationGraph([tensor.vector(), 3])


def test_get_snapshot(mlp_graph):
    x, mlp, y, cg = mlp_graph
    snapshot = cg.get_snapshot({'x': X_VALUE})
    assert isinstance(snapshot, OrderedDict)
    first_output, = VariableFilter(roles=[OUTPUT],
                                   bricks=[mlp.children[0]])(cg)
    expected = X_VALUE.dot(numpy.full((2, 3), 0.5)) + 0.1
    assert_allclose(snapshot[first_output], expected)
    assert_allclose(snapshot[y], numpy.tanh(expected).dot(
        numpy.full((3, 2), 0.5)) + 0.1)
    norms = [var for var in snapshot if var.name == 'W_norm']
    assert_allclose(snapshot[norms[0]], numpy.sqrt(6 * 0.25))
    assert all(not isinstance(var, aesara.compile.SharedVariable)
               for var in snapshot)


def test_has_inputs(mlp_graph):
    x, mlp, y, cg = mlp_graph
    assert cg.has_inputs(y)
    assert cg.has_inputs(x)
    assert not cg.has_inputs(mlp.linear_transformations[0].W)
    assert not cg.has_inputs(mlp.linear_transformations[0].W * 2)


def test_scans():
    x = tensor.vector('x')
    linear = Linear(input_dim=2, output_dim=2, weights_init=Constant(1),
                    biases_init=Constant(0))
    outputs, _ = aesara.scan(lambda h: linear.apply(h), outputs_info=[x],
                             n_steps=2)
    cg = ComputationGraph(outputs)
    assert len(cg.scans) == 1
    scan_names = [var.name for var in cg.scan_variables]
    assert 'linear_apply_output' in scan_names
    assert VariableFilter(roles=[OUTPUT], bricks=[linear])(
        cg.scan_variables)
    # Shared variables used by the step function are inputs of the Scan op.
    assert set(cg.parameters) == {linear.W, linear.b}
    assert cg.inputs == [x]


@pytest.fixture(scope='module')
def dropout_graph():
    x = tensor.matrix('x')
    linear = Linear(input_dim=100, output_dim=1, weights_init=Constant(1),
                    biases_init=Constant(0))
    linear.initialize()
    y = linear.apply(x)
    cg = ComputationGraph(y)
    inputs = VariableFilter(roles=[INPUT])(cg)
    dropped_cg = apply_dropout(cg, inputs, 0.25, seed=7)
    dropped, = VariableFilter(roles=[DROPOUT])(dropped_cg)
    function = aesara.function([x], [dropped, dropped_cg.outputs[0]])
    return inputs, cg, dropped_cg, dropped, function


def test_dropout_masks_and_scales(dropout_graph):
    inputs, cg, dropped_cg, dropped, function = dropout_graph
    x_value = numpy.full((40, 100), 3., dtype=FLOATX)
    masked, output = function(x_value)
    dropped_fraction = (masked == 0).mean()
    assert 0.2 < dropped_fraction < 0.3
    assert_allclose(masked[masked != 0], 3. / 0.75)
    assert_allclose(output[:, 0], masked.sum(axis=1), rtol=1e-6)
    # A new mask is drawn on every call.
    second_masked, _ = function(x_value)
    assert not numpy.array_equal(masked == 0, second_masked == 0)


def test_dropout_roles_and_replacement_of(dropout_graph):
    inputs, cg, dropped_cg, dropped, function = dropout_graph
    assert has_roles(dropped, [DROPOUT])
    assert dropped.tag.replacement_of is inputs[0]
    assert dropped_cg.inputs == cg.inputs
    assert set(dropped_cg.parameters) == set(cg.parameters)
    assert not VariableFilter(roles=[DROPOUT])(cg)


def test_dropout_probability_must_be_valid(dropout_graph):
    inputs, cg = dropout_graph[:2]
    with pytest.raises(ValueError, match=r"apply_dropout: drop_prob must be "
                                         r"in \[0, 1\), got 1.5"):
        apply_dropout(cg, inputs, 1.5)


def test_dropout_with_custom_divisor_and_rng():
    x = tensor.vector('x')
    cg = ComputationGraph([x * 1])
    dropped_cg = apply_dropout(cg, [x], 0.5, rng=RandomStream(3),
                               custom_divisor=4.)
    value = dropped_cg.outputs[0].eval({x: numpy.ones(50, dtype=FLOATX)})
    assert set(numpy.unique(value)) <= {0., 0.25}
    assert 0 < (value == 0).sum() < 50


def test_apply_noise():
    x = tensor.vector('x')
    cg = ComputationGraph([x * 1])
    noisy_cg = apply_noise(cg, [x], 0.5, seed=3)
    noisy_value = noisy_cg.outputs[0].eval(
        {x: numpy.full(2000, 2., dtype=FLOATX)})
    noise = noisy_value - 2
    assert abs(noise.mean()) < 0.05
    assert 0.45 < noise.std() < 0.55
    assert noisy_cg.inputs == [x]


def test_collect_parameters_preserves_values(mlp_graph):
    x, mlp, y, cg = mlp_graph
    new_cg = collect_parameters(cg, cg.parameters)
    collector, = new_cg.shared_variables
    assert collector.name == 'collected_parameters'
    assert has_roles(collector, [COLLECTOR])
    assert new_cg.parameters == []
    collected = VariableFilter(roles=[COLLECTED])(new_cg)
    assert sorted(var.name for var in collected) == ['W', 'W', 'b', 'b']
    assert collector.get_value().size == 2 * 3 + 3 + 3 * 2 + 2
    old_value, new_value = aesara.function(
        [x], [y, new_cg.outputs[0]])(X_VALUE)
    assert_allclose(new_value, old_value)
    # The original parameters are not shared with the new graph.
    for param in cg.parameters:
        assert param not in new_cg.variables


def test_collect_parameters_needs_parameters(mlp_graph):
    with pytest.raises(ValueError, match='collect_parameters: no parameters '
                                         'given'):
        collect_parameters(mlp_graph[3], [])


def test_auxiliary_variable_with_extra_roles():
    x = tensor.vector('x')
    annotation = Annotation()
    norm = x.norm(2)
    annotation.add_auxiliary_variable(norm, roles=[WEIGHT], name='norm')
    add_annotation(x, annotation)
    cg = ComputationGraph([x + 1])
    assert VariableFilter(roles=[AUXILIARY], each_role=True)(cg) == [norm]
    assert has_roles(norm, [AUXILIARY, WEIGHT], match_all=True)
    add_role(norm, PARAMETER)
    assert has_roles(norm, [WEIGHT])
