"""Per-layer statistics of parameters, gradients and steps against NumPy."""
from collections import OrderedDict

import numpy
import pytest
import aesara
from aesara import tensor

from blocks.algorithms import GradientDescent, Scale
from blocks.bricks import MLP, Identity
from blocks.initialization import IsotropicGaussian
from blocks.monitoring.statistics import (layer_statistics,
                                          parameter_statistics)
from blocks.utils import shared_floatx
from tests.algorithms import quadratic_terms

# The numbers are checked with NumPy implementations; see conftest.py.
pytestmark = pytest.mark.usefixtures('python_linker')
NUMPY_STATISTICS = OrderedDict([
    ('l2_norm', lambda values: numpy.sqrt((values ** 2).sum())),
    ('mean', numpy.mean), ('abs_mean', lambda values: abs(values).mean()),
    ('std', numpy.std), ('min', numpy.min), ('max', numpy.max)])


def quadratic_algorithm():
    """GradientDescent on a quadratic of the parameters of an MLP and of a
    parameter without a brick."""
    mlp = MLP([Identity(), Identity()], [3, 4, 2],
              weights_init=IsotropicGaussian(1.),
              biases_init=IsotropicGaussian(1.), seed=2)
    mlp.initialize()
    loose = shared_floatx(numpy.array([1., -2.]), name='loose')
    parameters = [parameter for layer in mlp.linear_transformations
                  for parameter in layer.parameters] + [loose]
    cost = 0
    for parameter in parameters:
        curvature, minimum = quadratic_terms(
            parameter.get_value().shape)
        cost += 0.5 * (curvature * tensor.square(parameter - minimum)).sum()
    return GradientDescent(cost=cost, parameters=parameters,
                           step_rule=Scale(0.25)), parameters


def test_statistics_match_numpy():
    algorithm, parameters = quadratic_algorithm()
    # Every statistic of the parameters, two of the gradients and steps.
    by_parameter = layer_statistics(algorithm, quantities='parameters',
                                    statistics=list(NUMPY_STATISTICS)) + \
        layer_statistics(algorithm, quantities=['gradients', 'steps'],
                         statistics=['l2_norm', 'abs_mean'])
    by_brick = layer_statistics(algorithm, quantities='gradients',
                                statistics=['l2_norm', 'mean'], per='brick')
    only_parameters = parameter_statistics(parameters[:2],
                                           statistics=['max'])
    variables = by_parameter + by_brick + only_parameters
    values = dict(zip([variable.name for variable in variables],
                      aesara.function([], variables)()))
    names = ['/mlp/linear_0.W', '/mlp/linear_0.b', '/mlp/linear_1.W',
             '/mlp/linear_1.b', 'loose']
    expected = {}
    for name, parameter in zip(names, parameters):
        value = parameter.get_value()
        curvature, minimum = quadratic_terms(value.shape)
        gradient = curvature * (value - minimum)
        for quantity, array in [('parameter', value),
                                ('gradient', gradient),
                                ('step', 0.25 * gradient)]:
            for statistic, function in NUMPY_STATISTICS.items():
                if quantity == 'parameter' or \
                        statistic in ('l2_norm', 'abs_mean'):
                    expected['{}.{}.{}'.format(name, quantity,
                                               statistic)] = function(array)
        expected.setdefault('brick_gradients', {}).setdefault(
            name.split('.')[0], []).append(gradient.ravel())
    for brick, gradients in expected.pop('brick_gradients').items():
        together = numpy.concatenate(gradients)
        expected[brick + '.gradient.l2_norm'] = \
            NUMPY_STATISTICS['l2_norm'](together)
        expected[brick + '.gradient.mean'] = together.mean()
    assert len(by_parameter) == 5 * 6 + 5 * 2 * 2
    assert [variable.name for variable in by_brick] == [
        '/mlp/linear_0.gradient.l2_norm', '/mlp/linear_0.gradient.mean',
        '/mlp/linear_1.gradient.l2_norm', '/mlp/linear_1.gradient.mean',
        'loose.gradient.l2_norm', 'loose.gradient.mean']
    assert [variable.name for variable in only_parameters] == [
        '/mlp/linear_0.W.parameter.max', '/mlp/linear_0.b.parameter.max']
    assert set(values) == set(expected)
    for name, value in values.items():
        numpy.testing.assert_allclose(value, expected[name], rtol=1e-12,
                                      err_msg=name)


@pytest.mark.parametrize('kwargs, error, message', [
    ({'quantities': ['weights']}, ValueError,
     r"quantities must be a non-empty list of \['parameters', 'gradients', "
     r"'steps'\], got \('weights',\)"),
    ({'statistics': ['median']}, ValueError, "statistics must be"),
    ({'per': 'layer'}, ValueError,
     "per must be 'parameter' or 'brick', got 'layer'"),
])
def test_invalid_arguments(kwargs, error, message):
    algorithm, _ = quadratic_algorithm()
    with pytest.raises(error, match=message):
        layer_statistics(algorithm, **kwargs)


def test_gradients_need_an_algorithm_that_has_them():
    loose = shared_floatx([1.], name='loose')
    with pytest.raises(TypeError, match="has no gradients"):
        layer_statistics(type('Fake', (), {'parameters': [loose]})())
    with pytest.raises(ValueError, match="belongs to no brick and has no "
                                         "name"):
        parameter_statistics([shared_floatx([1.])])
