import pickle
from collections import OrderedDict

import numpy
import pytest
from aesara import tensor

from blocks.algorithms import (BasicMomentum, CompositeRule, Momentum,
                               RemoveNotFinite, Restrict, Scale, StepClipping,
                               StepRule)
from blocks.algorithms.step_rules import check_hyperparameter
from blocks.roles import (has_roles, ALGORITHM_BUFFER,
                          ALGORITHM_HYPERPARAMETER)
from blocks.utils import shared_floatx, shared_floatx_zeros
from tests.algorithms import (assert_trajectories_close,
                              reference_trajectories, run_step_rules)

NUM_STEPS = 4
VECTOR = numpy.array([2., -1., 0.5])
OTHER_VECTOR = numpy.array([-3., 4.])

# Parameters that rules must know at construction, and the variables
# that make the gradients of some parameters non-finite.
RESTRICTED = shared_floatx(OTHER_VECTOR, name='restricted')
UNRESTRICTED = shared_floatx(VECTOR, name='unrestricted')
NOT_FINITE = shared_floatx(VECTOR, name='not_finite')
FINITE = shared_floatx(OTHER_VECTOR, name='finite')
NAN_SCALE = shared_floatx(1., name='nan_scale')
INF_SCALE = shared_floatx(1., name='inf_scale')
SCALE_RULE = Scale(learning_rate=0.1)
INITIAL_VALUES = {RESTRICTED: OTHER_VECTOR, UNRESTRICTED: VECTOR,
                  NOT_FINITE: VECTOR, FINITE: OTHER_VECTOR}


def change_hyperparameters(step):
    # What SharedVariableModifier does during training.
    if step == 2:
        SCALE_RULE.learning_rate.set_value(0.05)
    NAN_SCALE.set_value(numpy.nan if step == 1 else 1.)
    INF_SCALE.set_value(numpy.inf if step == 3 else 1.)


CASES = OrderedDict([
    ('scale', (SCALE_RULE, [VECTOR])),
    ('basic_momentum', (BasicMomentum(momentum=0.5), [VECTOR])),
    ('momentum', (Momentum(learning_rate=0.1, momentum=0.9),
                  [VECTOR, OTHER_VECTOR])),
    ('composite', (CompositeRule([StepClipping(threshold=1.),
                                  Scale(learning_rate=0.5)]),
                   [VECTOR, OTHER_VECTOR])),
    ('restrict', (CompositeRule([Restrict(Scale(0.1), [RESTRICTED]),
                                 Scale(0.5)]),
                  [UNRESTRICTED, RESTRICTED])),
    ('remove_not_finite', (CompositeRule([Scale(0.1),
                                          RemoveNotFinite(scaler=0.8)]),
                           [NOT_FINITE, FINITE])),
])


def scale_reference(step, values, gradients, state):
    learning_rate = 0.1 if step < 2 else 0.05
    return [learning_rate * gradient for gradient in gradients]


def basic_momentum_reference(step, values, gradients, state):
    velocities = state.setdefault('velocities',
                                  [numpy.zeros_like(g) for g in gradients])
    for index, gradient in enumerate(gradients):
        velocities[index] = 0.5 * velocities[index] + gradient
    return list(velocities)


def momentum_reference(step, values, gradients, state):
    velocities = state.setdefault('velocities',
                                  [numpy.zeros_like(g) for g in gradients])
    for index, gradient in enumerate(gradients):
        velocities[index] = 0.9 * velocities[index] + 0.1 * gradient
    return list(velocities)


def composite_reference(step, values, gradients, state):
    norm = numpy.sqrt(sum((gradient ** 2).sum() for gradient in gradients))
    multiplier = min(1., 1. / norm)
    return [0.5 * multiplier * gradient for gradient in gradients]


def restrict_reference(step, values, gradients, state):
    return [0.5 * gradients[0], 0.05 * gradients[1]]


def remove_not_finite_reference(step, values, gradients, state):
    return [0.1 * gradient if numpy.all(numpy.isfinite(gradient))
            else 0.2 * value for value, gradient in zip(values, gradients)]


REFERENCES = {'scale': scale_reference,
              'basic_momentum': basic_momentum_reference,
              'momentum': momentum_reference,
              'composite': composite_reference,
              'restrict': restrict_reference,
              'remove_not_finite': remove_not_finite_reference}


@pytest.fixture(scope='module')
def trajectories():
    result, _ = run_step_rules(
        CASES, NUM_STEPS, gradient_scale={NOT_FINITE: NAN_SCALE,
                                          FINITE: INF_SCALE},
        before_step=change_hyperparameters)
    return result


@pytest.mark.parametrize('name', list(CASES))
def test_step_rule_matches_numpy(trajectories, name):
    scales = None
    if name == 'remove_not_finite':
        scales = [[1., 1.], [numpy.nan, 1.], [1., 1.], [1., numpy.inf]]
    _, parameters = CASES[name]
    initial_values = [parameter if isinstance(parameter, numpy.ndarray)
                      else INITIAL_VALUES[parameter]
                      for parameter in parameters]
    expected = reference_trajectories(REFERENCES[name], initial_values,
                                      NUM_STEPS, gradient_scales=scales)
    assert_trajectories_close(trajectories[name], expected)


def test_remove_not_finite_keeps_parameters_finite(trajectories):
    for history in trajectories['remove_not_finite']:
        assert numpy.all(numpy.isfinite(history[-1]))


def test_scale_learning_rate_is_hyperparameter():
    rule = Scale(learning_rate=0.25)
    assert rule.learning_rate.get_value() == 0.25
    assert rule.learning_rate.name == 'learning_rate'
    assert has_roles(rule.learning_rate, [ALGORITHM_HYPERPARAMETER])


def test_momentum_exposes_its_components_hyperparameters():
    rule = Momentum(learning_rate=0.3, momentum=0.8)
    scale, basic_momentum = rule.components
    assert rule.learning_rate is scale.learning_rate
    assert rule.momentum is basic_momentum.momentum
    assert rule.momentum.get_value() == 0.8
    assert has_roles(rule.momentum, [ALGORITHM_HYPERPARAMETER])


def test_velocity_buffer_named_after_parameter():
    weights = shared_floatx_zeros((2, 3), name='W')
    steps, updates = Momentum(0.1, 0.9).compute_steps(
        OrderedDict([(weights, tensor.matrix('gradient'))]))
    assert list(steps) == [weights]
    (velocity, _), = updates
    assert velocity.name == 'W_velocity'
    assert has_roles(velocity, [ALGORITHM_BUFFER])
    assert velocity.tag.for_parameter is weights
    assert velocity.get_value().shape == (2, 3)
    assert not velocity.get_value().any()


def test_buffer_and_update_follow_float32_parameter():
    weights = shared_floatx_zeros((2,), name='W', dtype='float32')
    _, updates = BasicMomentum(0.5).compute_steps(
        OrderedDict([(weights, tensor.vector('gradient', dtype='float64'))]))
    (velocity, update), = updates
    assert velocity.dtype == 'float32'
    assert update.dtype == 'float32'


def test_restrict_rejects_variables_that_are_not_parameters():
    weights = shared_floatx_zeros((2,), name='W')
    stranger = shared_floatx_zeros((2,), name='stranger')
    rule = Restrict(Scale(0.1), [stranger])
    with pytest.raises(ValueError, match=r"Restrict: variables \['stranger'\] "
                       r"are not among the parameters being trained "
                       r"\(\['W'\]\)"):
        rule.compute_steps(OrderedDict([(weights, tensor.vector())]))


def test_restrict_requires_a_step_rule():
    with pytest.raises(TypeError, match="Restrict: step_rule must be a "
                       "StepRule instance, got 0.1 of type float"):
        Restrict(0.1, [])


def test_composite_rule_requires_step_rules():
    with pytest.raises(TypeError, match="CompositeRule: components must be "
                       "StepRule instances; component 1 is 'adam'"):
        CompositeRule([Scale(), 'adam'])


def test_step_rule_without_compute_step_says_so():
    class Incomplete(StepRule):
        pass

    with pytest.raises(NotImplementedError, match="Incomplete must "
                       "implement compute_step or compute_steps"):
        Incomplete().compute_steps(
            OrderedDict([(shared_floatx_zeros((1,)), tensor.vector())]))


@pytest.mark.parametrize('factory, message', [
    (lambda: Scale(learning_rate=-0.1),
     r"Scale: learning_rate must be in \[0, inf\), got -0.1"),
    (lambda: BasicMomentum(momentum=1.5),
     r"BasicMomentum: momentum must be in \[0, 1\], got 1.5"),
    (lambda: Momentum(learning_rate=0.1, momentum=-0.5),
     r"BasicMomentum: momentum must be in \[0, 1\], got -0.5"),
    (lambda: RemoveNotFinite(scaler=2),
     r"RemoveNotFinite: scaler must be in \[0, 1\], got 2"),
    (lambda: Scale(learning_rate=float('nan')),
     r"Scale: learning_rate must be in \[0, inf\), got nan"),
])
def test_invalid_hyperparameters_are_rejected(factory, message):
    with pytest.raises(ValueError, match=message):
        factory()


def test_non_numeric_hyperparameter_is_a_type_error():
    with pytest.raises(TypeError, match="Scale: learning_rate must be a "
                       "real number, got '0.1' of type str"):
        Scale(learning_rate='0.1')
    with pytest.raises(TypeError, match="must be a real number"):
        check_hyperparameter('Scale', 'learning_rate', True)


def test_step_rules_pickle_with_their_hyperparameters():
    rule = CompositeRule([Momentum(learning_rate=0.3, momentum=0.8),
                          RemoveNotFinite(scaler=0.5)])
    copy = pickle.loads(pickle.dumps(rule))
    momentum, remove_not_finite = copy.components
    assert momentum.learning_rate.get_value() == 0.3
    assert momentum.momentum.get_value() == 0.8
    assert momentum.learning_rate is momentum.components[0].learning_rate
    assert has_roles(momentum.learning_rate, [ALGORITHM_HYPERPARAMETER])
    assert remove_not_finite.scaler == 0.5
