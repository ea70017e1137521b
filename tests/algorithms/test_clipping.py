from collections import OrderedDict

import numpy
import pytest
from aesara import tensor

from blocks.algorithms import (CompositeRule, Scale, StepClipping,
                               VariableClipping)
from blocks.roles import has_roles, ALGORITHM_HYPERPARAMETER
from blocks.utils import shared_floatx_zeros
from tests.algorithms import (assert_trajectories_close,
                              reference_trajectories, run_step_rules)

NUM_STEPS = 3
VECTOR = numpy.array([2., -1., 0.5])
OTHER_VECTOR = numpy.array([-3., 4.])
MATRIX = numpy.array([[3., -2., 0.1], [4., 1., 0.2]])
TENSOR3 = numpy.arange(-6., 6.).reshape((2, 3, 2)) / 2


def clipped_descent(threshold, axis=None):
    return CompositeRule([Scale(learning_rate=0.5),
                          VariableClipping(threshold, axis=axis)])


CASES = OrderedDict([
    ('step_clipping', (StepClipping(threshold=1.), [VECTOR, OTHER_VECTOR])),
    ('step_clipping_loose', (StepClipping(threshold=100.),
                             [VECTOR, OTHER_VECTOR])),
    ('step_clipping_none', (StepClipping(), [VECTOR])),
    ('variable_clipping', (clipped_descent(1.), [VECTOR, OTHER_VECTOR])),
    ('variable_clipping_axis', (clipped_descent(2., axis=0), [MATRIX])),
    ('variable_clipping_axes', (clipped_descent(1.5, axis=(0, -1)),
                                [TENSOR3])),
])


def step_clipping_reference(threshold):
    def reference(step, values, gradients, state):
        norm = numpy.sqrt(sum((gradient ** 2).sum()
                              for gradient in gradients))
        multiplier = 1. if threshold is None or norm < threshold \
            else threshold / norm
        return [multiplier * gradient for gradient in gradients]
    return reference


def variable_clipping_reference(threshold, axis=None):
    def reference(step, values, gradients, state):
        steps = []
        for value, gradient in zip(values, gradients):
            updated = value - 0.5 * gradient
            norms = numpy.sqrt((updated ** 2).sum(axis=axis, keepdims=True))
            clipped = numpy.where(norms > threshold,
                                  updated * threshold / norms, updated)
            steps.append(value - clipped)
        return steps
    return reference


REFERENCES = {
    'step_clipping': step_clipping_reference(1.),
    'step_clipping_loose': step_clipping_reference(100.),
    'step_clipping_none': step_clipping_reference(None),
    'variable_clipping': variable_clipping_reference(1.),
    'variable_clipping_axis': variable_clipping_reference(2., axis=0),
    'variable_clipping_axes': variable_clipping_reference(1.5, axis=(0, 2)),
}


@pytest.fixture(scope='module')
def trajectories():
    result, _ = run_step_rules(CASES, NUM_STEPS)
    return result


@pytest.mark.parametrize('name', list(CASES))
def test_step_rule_matches_numpy(trajectories, name):
    _, initial_values = CASES[name]
    expected = reference_trajectories(REFERENCES[name], initial_values,
                                      NUM_STEPS)
    assert_trajectories_close(trajectories[name], expected)


def test_clipping_constrains_the_norms(trajectories):
    first, second = trajectories['variable_clipping']
    for value in first[1:] + second[1:]:
        assert numpy.sqrt((value ** 2).sum()) <= 1. + 1e-12
    column_norms = numpy.sqrt(
        (trajectories['variable_clipping_axis'][0][1] ** 2).sum(axis=0))
    assert numpy.all(column_norms <= 2. + 1e-12)
    numpy.testing.assert_allclose(column_norms.max(), 2.)
    assert (column_norms < 2. - 1e-6).sum() == 2  # only one is clipped


def test_step_clipping_threshold_is_hyperparameter():
    rule = StepClipping(threshold=3.)
    assert rule.threshold.get_value() == 3.
    assert has_roles(rule.threshold, [ALGORITHM_HYPERPARAMETER])
    assert StepClipping().threshold is None


@pytest.mark.parametrize('factory, error, message', [
    (lambda: StepClipping(threshold=0), ValueError,
     r"StepClipping: threshold must be in \(0, inf\), got 0"),
    (lambda: VariableClipping(-1.), ValueError,
     r"VariableClipping: threshold must be in \(0, inf\), got -1.0"),
    (lambda: VariableClipping(1., axis=(1, 1)), ValueError,
     r"VariableClipping: axis must not repeat an axis, got \(1, 1\)"),
    (lambda: VariableClipping(1., axis='rows'), TypeError,
     r"VariableClipping: axis must be None, an integer or an iterable of "
     r"integers, got 'rows'"),
])
def test_invalid_arguments_are_rejected(factory, error, message):
    with pytest.raises(error, match=message):
        factory()


def test_variable_clipping_axis_out_of_range_names_the_parameter():
    weights = shared_floatx_zeros((2, 3), name='W')
    with pytest.raises(ValueError, match=r"VariableClipping: axis \[2\] out "
                       r"of range for parameter W with 2 dimensions"):
        VariableClipping(1., axis=2).compute_steps(
            OrderedDict([(weights, tensor.matrix())]))
