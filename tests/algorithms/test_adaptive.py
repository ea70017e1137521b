import pickle
import warnings
from collections import OrderedDict

import numpy
import pytest
from aesara import tensor

from blocks.algorithms import (AdaDelta, AdaGrad, Adam, BasicRMSProp,
                               RMSProp)
from blocks.roles import (has_roles, ALGORITHM_BUFFER,
                          ALGORITHM_HYPERPARAMETER)
from blocks.utils import shared_floatx_zeros
from tests.algorithms import (assert_trajectories_close, quadratic_terms,
                              reference_trajectories, run_step_rules)

NUM_STEPS = 4
VECTOR = numpy.array([2., -1., 0.5])
MATRIX = numpy.array([[1., -2.], [0.5, 3.]])
# Close to the minimum, where the gradients are small enough for RMSProp's
# max_scaling to bind.
NEAR_MINIMUM = quadratic_terms((3,))[1] + 0.1

CASES = OrderedDict([
    ('adadelta', (AdaDelta(decay_rate=0.9, epsilon=1e-4), [VECTOR, MATRIX])),
    ('adagrad', (AdaGrad(learning_rate=0.1, epsilon=1e-6), [VECTOR, MATRIX])),
    ('adam', (Adam(learning_rate=0.05), [VECTOR, MATRIX])),
    ('adam_decay', (Adam(learning_rate=0.05, beta1=0.8, beta2=0.99,
                         epsilon=1e-3, decay_factor=0.9), [VECTOR])),
    ('basic_rmsprop', (BasicRMSProp(decay_rate=0.8), [VECTOR])),
    ('rmsprop', (RMSProp(learning_rate=0.1, decay_rate=0.8),
                 [VECTOR, MATRIX])),
    ('rmsprop_max_scaling', (RMSProp(learning_rate=0.1, decay_rate=0.5,
                                     max_scaling=2.), [NEAR_MINIMUM])),
])


def adadelta_reference(step, values, gradients, state, decay=0.9,
                       epsilon=1e-4):
    if not state:
        state['square_gradients'] = [numpy.zeros_like(g) for g in gradients]
        state['square_deltas'] = [numpy.zeros_like(g) for g in gradients]
    steps = []
    for index, gradient in enumerate(gradients):
        square_gradient = (decay * state['square_gradients'][index] +
                           (1 - decay) * gradient ** 2)
        delta = (numpy.sqrt(state['square_deltas'][index] + epsilon) /
                 numpy.sqrt(square_gradient + epsilon) * gradient)
        state['square_gradients'][index] = square_gradient
        state['square_deltas'][index] = (
            decay * state['square_deltas'][index] + (1 - decay) * delta ** 2)
        steps.append(delta)
    return steps


def adagrad_reference(step, values, gradients, state):
    sums = state.setdefault('sums', [numpy.zeros_like(g) for g in gradients])
    steps = []
    for index, gradient in enumerate(gradients):
        sums[index] = sums[index] + gradient ** 2
        steps.append(0.1 * gradient / (numpy.sqrt(sums[index]) + 1e-6))
    return steps


def adam_reference(step, values, gradients, state, learning_rate=0.05,
                   beta1=0.9, beta2=0.999, epsilon=1e-8, decay_factor=1.):
    # Algorithm 1 of Kingma & Ba, with beta1 decayed as in its first
    # versions.
    if not state:
        state['means'] = [numpy.zeros_like(g) for g in gradients]
        state['variances'] = [numpy.zeros_like(g) for g in gradients]
    time = step + 1
    decayed_beta1 = beta1 * decay_factor ** (time - 1)
    steps = []
    for index, gradient in enumerate(gradients):
        mean = (decayed_beta1 * state['means'][index] +
                (1 - decayed_beta1) * gradient)
        variance = (beta2 * state['variances'][index] +
                    (1 - beta2) * gradient ** 2)
        state['means'][index], state['variances'][index] = mean, variance
        corrected_mean = mean / (1 - beta1 ** time)
        corrected_variance = variance / (1 - beta2 ** time)
        steps.append(learning_rate * corrected_mean /
                     (numpy.sqrt(corrected_variance) + epsilon))
    return steps


def adam_decay_reference(step, values, gradients, state):
    return adam_reference(step, values, gradients, state, beta1=0.8,
                          beta2=0.99, epsilon=1e-3, decay_factor=0.9)


def rmsprop_reference(step, values, gradients, state, learning_rate=0.1,
                      decay=0.8, max_scaling=1e5):
    averages = state.setdefault('averages',
                                [numpy.zeros_like(g) for g in gradients])
    steps = []
    for index, gradient in enumerate(gradients):
        averages[index] = (decay * averages[index] +
                           (1 - decay) * gradient ** 2)
        root = numpy.maximum(numpy.sqrt(averages[index]), 1. / max_scaling)
        steps.append(learning_rate * gradient / root)
    return steps


def basic_rmsprop_reference(step, values, gradients, state):
    return rmsprop_reference(step, values, gradients, state,
                             learning_rate=1.)


def rmsprop_max_scaling_reference(step, values, gradients, state):
    return rmsprop_reference(step, values, gradients, state, decay=0.5,
                             max_scaling=2.)


REFERENCES = {'adadelta': adadelta_reference,
              'adagrad': adagrad_reference,
              'adam': adam_reference,
              'adam_decay': adam_decay_reference,
              'basic_rmsprop': basic_rmsprop_reference,
              'rmsprop': rmsprop_reference,
              'rmsprop_max_scaling': rmsprop_max_scaling_reference}


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


def test_max_scaling_binds_near_the_minimum(trajectories):
    def unbounded_reference(step, values, gradients, state):
        return rmsprop_reference(step, values, gradients, state, decay=0.5)

    unbounded = reference_trajectories(unbounded_reference, [NEAR_MINIMUM],
                                       NUM_STEPS)
    assert not numpy.allclose(trajectories['rmsprop_max_scaling'][0][1],
                              unbounded[0][1])


@pytest.mark.parametrize('rule, names', [
    (Adam(), ['W_adam_mean', 'W_adam_variance', 'W_adam_time']),
    (AdaDelta(), ['W_adadelta_mean_square_step',
                  'W_adadelta_mean_square_delta_x']),
    (AdaGrad(), ['W_adagrad_sum_squares']),
    (RMSProp(), ['W_rmsprop_mean_square_step']),
])
def test_buffers_are_named_after_the_parameter(rule, names):
    weights = shared_floatx_zeros((2, 3), name='W')
    _, updates = rule.compute_steps(
        OrderedDict([(weights, tensor.matrix('gradient'))]))
    assert [variable.name for variable, _ in updates] == names
    for variable, _ in updates:
        assert has_roles(variable, [ALGORITHM_BUFFER])
        assert variable.tag.for_parameter is weights


def test_adam_uses_the_modern_beta_convention():
    rule = Adam()
    assert rule.beta1.get_value() == 0.9
    assert rule.beta2.get_value() == 0.999
    assert rule.decay_factor.get_value() == 1.
    for hyperparameter in [rule.learning_rate, rule.beta1, rule.beta2,
                           rule.epsilon, rule.decay_factor]:
        assert has_roles(hyperparameter, [ALGORITHM_HYPERPARAMETER])


def test_adam_warns_about_old_convention_arguments():
    with pytest.warns(UserWarning, match=r"Adam: beta2=0.001 is smaller "
                      r"than beta1=0.1; .* not one minus them"):
        Adam(beta1=0.1, beta2=0.001)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        Adam(beta1=0.9, beta2=0.99)


def test_rmsprop_exposes_its_components_hyperparameters():
    rule = RMSProp(learning_rate=0.3, decay_rate=0.7)
    basic_rms_prop, scale = rule.components
    assert rule.learning_rate is scale.learning_rate
    assert rule.decay_rate is basic_rms_prop.decay_rate
    assert rule.decay_rate.get_value() == 0.7


@pytest.mark.parametrize('factory, message', [
    (lambda: AdaDelta(decay_rate=1.5),
     r"AdaDelta: decay_rate must be in \[0, 1\], got 1.5"),
    (lambda: AdaDelta(epsilon=0),
     r"AdaDelta: epsilon must be in \(0, inf\), got 0"),
    (lambda: AdaGrad(learning_rate=-1),
     r"AdaGrad: learning_rate must be in \[0, inf\), got -1"),
    (lambda: Adam(beta1=1),
     r"Adam: beta1 must be in \[0, 1\), got 1"),
    (lambda: Adam(beta2=-0.1),
     r"Adam: beta2 must be in \[0, 1\), got -0.1"),
    (lambda: Adam(decay_factor=0),
     r"Adam: decay_factor must be in \(0, 1\], got 0"),
    (lambda: BasicRMSProp(decay_rate=-0.1),
     r"BasicRMSProp: decay_rate must be in \[0, 1\], got -0.1"),
    (lambda: RMSProp(max_scaling=0),
     r"BasicRMSProp: max_scaling must be in \(0, inf\), got 0"),
    (lambda: RMSProp(learning_rate=-0.5),
     r"Scale: learning_rate must be in \[0, inf\), got -0.5"),
])
def test_invalid_hyperparameters_are_rejected(factory, message):
    with pytest.raises(ValueError, match=message):
        factory()


def test_adam_pickles_with_its_hyperparameters():
    copy = pickle.loads(pickle.dumps(Adam(learning_rate=0.01, beta1=0.8)))
    assert copy.learning_rate.get_value() == 0.01
    assert copy.beta1.get_value() == 0.8
    assert has_roles(copy.beta1, [ALGORITHM_HYPERPARAMETER])
