"""Helpers to check step rules against NumPy reference implementations.

Every step rule is run on the same kind of problem: minimizing the
quadratic :math:`\\frac{1}{2} \\sum c (\\theta - \\theta^*)^2` of a tiny
shared parameter, whose gradient :math:`c (\\theta - \\theta^*)` NumPy
computes exactly. All the rules of a test module are compiled into a
single Aesara function (one C compilation), each on its own parameters.

"""
from collections import OrderedDict

import numpy
import aesara
from aesara import tensor
from aesara.compile.sharedvalue import SharedVariable

from blocks.utils import shared_floatx


def quadratic_terms(shape):
    """Return the curvature and the minimum of the quadratic for a shape."""
    size = int(numpy.prod(shape))
    curvature = numpy.linspace(0.5, 2., size).reshape(shape)
    minimum = numpy.linspace(-1., 1.5, size).reshape(shape)
    return curvature, minimum


def quadratic_gradient(value):
    """The gradient of the quadratic at a parameter value, in NumPy."""
    curvature, minimum = quadratic_terms(value.shape)
    return curvature * (value - minimum)


def run_step_rules(cases, num_steps, gradient_scale=None, before_step=None):
    """Run step rules on quadratics, all in one compiled function.

    Parameters
    ----------
    cases : dict
        Maps a case name to ``(step_rule, initial_values)``, where
        ``initial_values`` is a list of arrays or shared variables: one
        parameter each, trained together by the rule (which matters for
        rules such as :class:`~blocks.algorithms.StepClipping`). Arrays
        become shared variables named ``<case>_<index>``.
    num_steps : int
        The number of updates.
    gradient_scale : dict, optional
        Maps some of the parameters to a scalar shared variable that
        multiplies their cost, so that tests can make gradients
        non-finite.
    before_step : callable, optional
        Called with the step index (from 0) before each update, to change
        hyperparameters or `gradient_scale`.

    Returns
    -------
    trajectories : dict
        Maps a case name to a list, one per parameter, of the
        ``num_steps + 1`` values of the parameter, initial value included.
    parameters : dict
        Maps a case name to the list of its shared variables.

    """
    gradient_scale = gradient_scale or {}
    updates = []
    parameters = OrderedDict()
    for name, (rule, initial_values) in cases.items():
        case_parameters = [
            value if isinstance(value, SharedVariable) else
            shared_floatx(value, name='{}_{}'.format(name, index))
            for index, value in enumerate(initial_values)]
        gradients = OrderedDict()
        for parameter in case_parameters:
            curvature, minimum = quadratic_terms(
                parameter.get_value().shape)
            cost = 0.5 * (curvature *
                          tensor.square(parameter - minimum)).sum()
            if parameter in gradient_scale:
                cost = gradient_scale[parameter] * cost
            gradients[parameter] = aesara.grad(cost, parameter)
        steps, rule_updates = rule.compute_steps(gradients)
        updates.extend((parameter, parameter - steps[parameter])
                       for parameter in case_parameters)
        updates.extend(rule_updates)
        parameters[name] = case_parameters
    function = aesara.function([], [], updates=updates)
    trajectories = OrderedDict(
        (name, [[parameter.get_value()] for parameter in case_parameters])
        for name, case_parameters in parameters.items())
    for step in range(num_steps):
        if before_step is not None:
            before_step(step)
        function()
        for name, case_parameters in parameters.items():
            for history, parameter in zip(trajectories[name],
                                          case_parameters):
                history.append(parameter.get_value())
    return trajectories, parameters


def reference_trajectories(step_function, initial_values, num_steps,
                           gradient_scales=None):
    """Run a NumPy step rule on the quadratics.

    Parameters
    ----------
    step_function : callable
        Called as ``step_function(step, values, gradients, state)`` with
        the step index (from 0), the lists of parameter values and of
        gradients, and a dict to keep state in; returns the list of steps.
    initial_values : list of arrays
    num_steps : int
    gradient_scales : list, optional
        For each step, the scale of the cost of each parameter, a list
        (1 by default).

    Returns
    -------
    list
        One list of ``num_steps + 1`` values per parameter.

    """
    values = [numpy.array(value, dtype=float) for value in initial_values]
    histories = [[value.copy()] for value in values]
    state = {}
    for step in range(num_steps):
        scales = [1.] * len(values) if gradient_scales is None \
            else gradient_scales[step]
        with numpy.errstate(invalid='ignore'):
            gradients = [scale * quadratic_gradient(value)
                         for scale, value in zip(scales, values)]
        steps = step_function(step, values, gradients, state)
        values = [value - value_step
                  for value, value_step in zip(values, steps)]
        for history, value in zip(histories, values):
            history.append(value.copy())
    return histories


def assert_trajectories_close(actual, expected):
    """Compare the trajectories of all parameters of a case, step by step."""
    assert len(actual) == len(expected)
    for parameter_index, (actual_history, expected_history) in enumerate(
            zip(actual, expected)):
        assert len(actual_history) == len(expected_history)
        for step, (actual_value, expected_value) in enumerate(
                zip(actual_history, expected_history)):
            numpy.testing.assert_allclose(
                actual_value, expected_value, rtol=1e-9, atol=1e-12,
                err_msg="parameter {} after {} steps".format(
                    parameter_index, step))
