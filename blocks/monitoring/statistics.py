r"""Statistics of parameters, gradients and steps, per parameter or brick.

Brainstorm's ``MonitorLayerParameters`` and ``MonitorLayerGradients`` as
ready-made variables to monitor: :func:`layer_statistics` takes a
:class:`~blocks.algorithms.GradientDescent` and returns, for every
parameter (or every brick), the L2 norm, the mean, ... of its values, of
its gradient and of the step taken. Give them to
:class:`~blocks.extensions.monitoring.TrainingDataMonitoring`, which
computes them in the training function itself, before the update.

The record names are the path of the parameter (``/mlp/linear_0.W``, as
:meth:`~blocks.model.Model.get_parameter_dict` names it) or of the brick
(``/mlp/linear_0``), then the quantity and the statistic:
``/mlp/linear_0.W.gradient.l2_norm``.

>>> from aesara import tensor
>>> from blocks.algorithms import GradientDescent, Scale
>>> from blocks.bricks import MLP, Tanh
>>> from blocks.initialization import Constant
>>> mlp = MLP([Tanh()], [3, 2], weights_init=Constant(1.),
...           biases_init=Constant(0.))
>>> mlp.initialize()
>>> x = tensor.matrix('x')
>>> cost = mlp.apply(x).sum()
>>> algorithm = GradientDescent(
...     cost=cost, parameters=mlp.linear_transformations[0].parameters,
...     step_rule=Scale(0.1))
>>> [variable.name for variable in layer_statistics(
...     algorithm, quantities=('gradients',), statistics=('l2_norm',))]
['/mlp/linear_0.W.gradient.l2_norm', '/mlp/linear_0.b.gradient.l2_norm']

"""
from collections import OrderedDict

from aesara import tensor

from blocks.filter import get_brick

__all__ = ['STATISTICS', 'QUANTITIES', 'parameter_statistics',
           'layer_statistics']


def _l2_norm(values):
    return tensor.sqrt(tensor.sqr(values).sum())


def _mean(values):
    return values.mean()


def _abs_mean(values):
    return abs(values).mean()


def _std(values):
    return values.std()


def _min(values):
    return values.min()


def _max(values):
    return values.max()


#: The statistics, functions of the flattened values.
STATISTICS = OrderedDict([('l2_norm', _l2_norm), ('mean', _mean),
                          ('abs_mean', _abs_mean), ('std', _std),
                          ('min', _min), ('max', _max)])

#: The quantities, with the attribute of the algorithm holding them and
#: their name in records.
QUANTITIES = OrderedDict([('parameters', (None, 'parameter')),
                          ('gradients', ('gradients', 'gradient')),
                          ('steps', ('steps', 'step'))])


def _parameter_name(parameter):
    brick = get_brick(parameter)
    if brick is not None:
        try:
            return brick.get_hierarchical_name(parameter)
        except ValueError:
            pass
    if parameter.name is None:
        raise ValueError("layer_statistics: the parameter {!r} belongs to no "
                         "brick and has no name; give it a name".format(
                             parameter))
    return parameter.name


def _brick_name(parameter):
    brick = get_brick(parameter)
    if brick is None:
        return _parameter_name(parameter)
    return brick.path_or_name()


def _check_choice(argument, values, choices):
    if isinstance(values, str):
        values = (values,)
    values = tuple(values)
    unknown = [value for value in values if value not in choices]
    if unknown or not values:
        raise ValueError("layer_statistics: {} must be a non-empty list of "
                         "{}, got {!r}".format(argument, list(choices),
                                               values))
    return values


def _group(parameters, values, per):
    """Group (parameter, value) pairs by parameter or by brick name."""
    groups = OrderedDict()
    for parameter, value in zip(parameters, values):
        name = _parameter_name(parameter) if per == 'parameter' \
            else _brick_name(parameter)
        groups.setdefault(name, []).append(value)
    return groups


def _statistics_of(groups, quantity_name, statistics):
    variables = []
    for name, values in groups.items():
        flat = values[0].flatten() if len(values) == 1 else \
            tensor.concatenate([value.flatten() for value in values])
        for statistic in statistics:
            variable = STATISTICS[statistic](flat)
            variable.name = '{}.{}.{}'.format(name, quantity_name, statistic)
            variables.append(variable)
    return variables


def parameter_statistics(parameters, statistics=('l2_norm', 'mean'),
                         per='parameter'):
    """Statistics of the values of parameters.

    Parameters
    ----------
    parameters : list of shared variables
        The parameters.
    statistics : list of str, optional
        Among ``l2_norm``, ``mean``, ``abs_mean``, ``std``, ``min`` and
        ``max``; the L2 norm and the mean by default.
    per : {'parameter', 'brick'}, optional
        Whether each parameter has its statistics (the default) or the
        parameters of a brick are taken together.

    Returns
    -------
    list of :class:`~aesara.tensor.TensorVariable`
        Named ``<path>.parameter.<statistic>``.

    """
    return layer_statistics(_Parameters(parameters),
                            quantities=('parameters',),
                            statistics=statistics, per=per)


class _Parameters:
    """Stands for an algorithm that only has parameters."""
    def __init__(self, parameters):
        self.parameters = list(parameters)


def layer_statistics(algorithm, quantities=('parameters', 'gradients',
                                            'steps'),
                     statistics=('l2_norm', 'mean'), per='parameter'):
    """Statistics of the parameters, gradients and steps of an algorithm.

    Parameters
    ----------
    algorithm : :class:`~blocks.algorithms.GradientDescent`
        Its ``parameters``, ``gradients`` and ``steps`` are used.
    quantities : list of str, optional
        Among ``parameters``, ``gradients`` and ``steps``; all three by
        default.
    statistics : list of str, optional
        See :func:`parameter_statistics`.
    per : {'parameter', 'brick'}, optional
        See :func:`parameter_statistics`.

    Returns
    -------
    list of :class:`~aesara.tensor.TensorVariable`
        Named ``<path>.<quantity>.<statistic>``, where the quantity is
        ``parameter``, ``gradient`` or ``step``; by quantity, then by
        parameter or brick, then by statistic.

    Raises
    ------
    ValueError
        For an unknown quantity, statistic or `per`.
    TypeError
        If the algorithm lacks a requested quantity.

    """
    quantities = _check_choice('quantities', quantities, QUANTITIES)
    statistics = _check_choice('statistics', statistics, STATISTICS)
    if per not in ('parameter', 'brick'):
        raise ValueError("layer_statistics: per must be 'parameter' or "
                         "'brick', got {!r}".format(per))
    parameters = getattr(algorithm, 'parameters', None)
    if parameters is None:
        raise TypeError("layer_statistics: the algorithm must have "
                        "parameters (e.g. a GradientDescent), got {!r}"
                        .format(algorithm))
    variables = []
    for quantity in quantities:
        attribute, quantity_name = QUANTITIES[quantity]
        if attribute is None:
            values = list(parameters)
        else:
            by_parameter = getattr(algorithm, attribute, None)
            if by_parameter is None:
                raise TypeError("layer_statistics: the algorithm {!r} has no "
                                "{}; use a GradientDescent, or ask only for "
                                "parameters".format(algorithm, attribute))
            values = [by_parameter[parameter] for parameter in parameters]
        variables.extend(_statistics_of(_group(parameters, values, per),
                                        quantity_name, statistics))
    return variables
