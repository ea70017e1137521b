"""Value constraints and weight decay against NumPy, and across a
checkpoint."""
import pickle
from collections import OrderedDict

import numpy
import pytest
from aesara import tensor

from blocks.algorithms import (ClipValues, CompositeRule, ConstrainL2Norm,
                               FreezeValues, GradientDescent, L1Decay,
                               L2Decay, MaskValues, MaxNorm, Momentum,
                               Restrict, Scale)
from blocks.extensions import FinishAfter
from blocks.extensions.saveload import Checkpoint
from blocks.filter import VariableFilter
from blocks.main_loop import MainLoop
from blocks.roles import (add_role, ALGORITHM_HYPERPARAMETER, BIAS,
                          has_roles, WEIGHT)
from blocks.serialization import load
from blocks.utils import shared_floatx, shared_floatx_zeros
from tests.algorithms import (assert_trajectories_close, quadratic_terms,
                              reference_trajectories, run_step_rules)
from tests.extensions import batches_stream

# The numbers are checked with NumPy implementations; see conftest.py.
pytestmark = pytest.mark.usefixtures('python_linker')
NUM_STEPS = 4
VECTOR = numpy.array([2., -1., 0.5])
MATRIX = numpy.array([[2., -1.], [0.5, 3.], [-2., 1.]])
FILTERS = numpy.linspace(-2., 3., 24).reshape((2, 3, 2, 2))
MASK = numpy.array([[1., 0.], [0., 1.], [1., 1.]])


def with_role(value, name, role):
    variable = shared_floatx(value, name=name)
    add_role(variable, role)
    return variable


# The max-norm case selects its weights with a VariableFilter, as a user
# would, and leaves the bias alone.
NORM_WEIGHTS = with_role(MATRIX, 'norm_W', WEIGHT)
NORM_FILTERS = with_role(FILTERS, 'norm_filters', WEIGHT)
NORM_BIAS = with_role(VECTOR, 'norm_b', BIAS)
NORM_RULE = ConstrainL2Norm(2.)
INITIAL_VALUES = {NORM_WEIGHTS: MATRIX, NORM_FILTERS: FILTERS,
                  NORM_BIAS: VECTOR}


def change_hyperparameters(step):
    if step == 2:
        NORM_RULE.limit.set_value(1.5)


CASES = OrderedDict([
    ('clip', (CompositeRule([Scale(0.5), ClipValues(-0.6, 0.9)]),
              [VECTOR, MATRIX])),
    ('max_norm', (CompositeRule([
        Scale(0.5),
        Restrict(NORM_RULE, VariableFilter(roles=[WEIGHT])(
            [NORM_WEIGHTS, NORM_FILTERS, NORM_BIAS]))]),
        [NORM_WEIGHTS, NORM_FILTERS, NORM_BIAS])),
    ('max_norm_axis', (CompositeRule([Scale(0.5), MaxNorm(1., axis=1)]),
                       [MATRIX])),
    ('freeze', (CompositeRule([Scale(0.5), FreezeValues()]), [VECTOR])),
    ('freeze_at', (CompositeRule([Scale(0.5), FreezeValues(values=0.25)]),
                   [MATRIX])),
    ('mask', (CompositeRule([Scale(0.5), MaskValues(MASK)]), [MATRIX])),
    ('decay', (CompositeRule([L1Decay(0.1), L2Decay(0.2), Scale(0.5)]),
               [VECTOR, MATRIX])),
])


def numpy_max_norm(value, limit, axes):
    norms = numpy.sqrt((value ** 2).sum(axis=axes, keepdims=True))
    return value * numpy.minimum(1., limit / norms)


def clip_reference(step, values, gradients, state):
    return [value - numpy.clip(value - 0.5 * gradient, -0.6, 0.9)
            for value, gradient in zip(values, gradients)]


def max_norm_reference(step, values, gradients, state):
    limit = 2. if step < 2 else 1.5
    new = [value - 0.5 * gradient
           for value, gradient in zip(values, gradients)]
    new[0] = numpy_max_norm(new[0], limit, (0,))
    new[1] = numpy_max_norm(new[1], limit, (1, 2, 3))
    return [value - new_value for value, new_value in zip(values, new)]


def max_norm_axis_reference(step, values, gradients, state):
    new = values[0] - 0.5 * gradients[0]
    return [values[0] - numpy_max_norm(new, 1., (1,))]


def freeze_reference(step, values, gradients, state):
    return [numpy.zeros_like(value) for value in values]


def freeze_at_reference(step, values, gradients, state):
    return [value - 0.25 for value in values]


def mask_reference(step, values, gradients, state):
    return [values[0] - MASK * (values[0] - 0.5 * gradients[0])]


def decay_reference(step, values, gradients, state):
    return [0.5 * (gradient + 0.1 * numpy.sign(value) + 0.2 * value)
            for value, gradient in zip(values, gradients)]


REFERENCES = {'clip': clip_reference, 'max_norm': max_norm_reference,
              'max_norm_axis': max_norm_axis_reference,
              'freeze': freeze_reference, 'freeze_at': freeze_at_reference,
              'mask': mask_reference, 'decay': decay_reference}


@pytest.fixture(scope='module')
def trajectories():
    result, _ = run_step_rules(CASES, NUM_STEPS,
                               before_step=change_hyperparameters)
    return result


@pytest.mark.parametrize('name', list(CASES))
def test_constraint_matches_numpy(trajectories, name):
    _, parameters = CASES[name]
    initial_values = [parameter if isinstance(parameter, numpy.ndarray)
                      else INITIAL_VALUES[parameter]
                      for parameter in parameters]
    expected = reference_trajectories(REFERENCES[name], initial_values,
                                      NUM_STEPS)
    assert_trajectories_close(trajectories[name], expected)


def test_constraints_hold_after_every_step(trajectories):
    for value in trajectories['clip'][0][1:]:
        assert value.min() >= -0.6 and value.max() <= 0.9
    weights, filters, _ = trajectories['max_norm']
    for value in weights[1:]:
        assert numpy.sqrt((value ** 2).sum(axis=0)).max() <= 2. + 1e-12
    for value in filters[1:]:
        assert numpy.sqrt((value ** 2).sum(axis=(1, 2, 3))).max() <= \
            2. + 1e-12
    for value in trajectories['mask'][0][1:]:
        assert not value[MASK == 0].any()
    numpy.testing.assert_equal(trajectories['freeze'][0][-1], VECTOR)


def test_hyperparameters_are_shared_and_rules_pickle():
    for variable in (NORM_RULE.limit, L2Decay(0.1).factor):
        assert has_roles(variable, [ALGORITHM_HYPERPARAMETER])
    copy = pickle.loads(pickle.dumps(CompositeRule([
        ClipValues(-2, 3), MaskValues(MASK), FreezeValues(1.),
        ConstrainL2Norm(2., axis=(0, 1)), L1Decay(0.5)])))
    clip, mask, freeze, norm, decay = copy.components
    assert (clip.low, clip.high) == (-2., 3.)
    numpy.testing.assert_equal(mask.mask, MASK)
    assert freeze.values == 1. and norm.axis == (0, 1)
    assert norm.limit.get_value() == 2. and decay.factor.get_value() == 0.5


def test_constraints_report_parameters_that_do_not_fit():
    bias = shared_floatx_zeros((3,), name='b')
    weights = shared_floatx_zeros((2, 2), name='W')
    gradient = tensor.vector('gradient')
    with pytest.raises(ValueError, match=r"ConstrainL2Norm: the parameter "
                       r"'b' has 1 dimension\(s\), so it has no incoming "
                       r"weights per unit"):
        ConstrainL2Norm(1.).compute_step(bias, gradient)
    with pytest.raises(ValueError, match=r"ConstrainL2Norm: axis=\(2,\) does "
                       r"not fit the parameter 'W' with 2 dimension"):
        ConstrainL2Norm(1., axis=2).compute_step(weights, tensor.matrix())
    with pytest.raises(ValueError, match=r"MaskValues: the mask of shape "
                       r"\(3, 2\) does not fit the parameter 'b' of shape "
                       r"\(3,\)"):
        MaskValues(MASK).compute_step(bias, gradient)
    with pytest.raises(ValueError, match=r"FreezeValues: values of shape "
                       r"\(2,\) do not fit the parameter 'b' of shape"):
        FreezeValues([1., 2.]).compute_step(bias, gradient)


@pytest.mark.parametrize('factory, error, message', [
    (lambda: ClipValues(1, -1), ValueError,
     r"ClipValues: low must not exceed high, got low=1 and high=-1"),
    (lambda: ConstrainL2Norm(0), ValueError,
     r"ConstrainL2Norm: limit must be in \(0, inf\), got 0"),
    (lambda: ConstrainL2Norm(1, axis='rows'), TypeError,
     r"ConstrainL2Norm: axis must be an int or a tuple of ints"),
    (lambda: L2Decay(-1), ValueError,
     r"L2Decay: factor must be in \[0, inf\), got -1"),
    (lambda: MaskValues(['a']), TypeError, r"MaskValues: mask must be "
                                           r"numerical"),
])
def test_invalid_arguments_are_rejected(factory, error, message):
    with pytest.raises(error, match=message):
        factory()


def constrained_training(path):
    """Gradient descent on the quadratic with momentum and constraints,
    stopped after 3 batches with a checkpoint; 6 batches in all."""
    weights = shared_floatx(MATRIX, name='W')
    bias = shared_floatx(VECTOR, name='b')
    cost = 0
    for parameter in (weights, bias):
        curvature, minimum = quadratic_terms(
            parameter.get_value().shape)
        cost += 0.5 * (curvature * tensor.square(parameter - minimum)).sum()
    rule = CompositeRule([
        L2Decay(0.1), Momentum(learning_rate=0.3, momentum=0.5),
        Restrict(CompositeRule([ConstrainL2Norm(1.2), MaskValues(MASK)]),
                 [weights]),
        Restrict(ClipValues(-0.4, 0.8), [bias])])
    algorithm = GradientDescent(cost=cost, parameters=[weights, bias],
                                step_rule=rule, on_unused_sources='ignore')
    return MainLoop(algorithm, batches_stream(4, 2), extensions=[
        FinishAfter(after_n_batches=3), FinishAfter(after_n_batches=6),
        Checkpoint(path)])


def constrained_reference(step, values, gradients, state):
    velocities = state.setdefault('velocities',
                                  [numpy.zeros_like(g) for g in gradients])
    for index, (value, gradient) in enumerate(zip(values, gradients)):
        velocities[index] = (0.5 * velocities[index] +
                             0.3 * (gradient + 0.1 * value))
    new_weights = MASK * numpy_max_norm(values[0] - velocities[0], 1.2, (0,))
    new_bias = numpy.clip(values[1] - velocities[1], -0.4, 0.8)
    return [values[0] - new_weights, values[1] - new_bias]


def test_constraints_resume_exactly_from_a_checkpoint(tmp_path):
    path = str(tmp_path / 'constrained.zip')
    main_loop = constrained_training(path)
    main_loop.run()
    assert main_loop.status['iterations_done'] == 3
    resumed = load(path, allowed_modules=['tests'])
    resumed.run()
    assert resumed.status['iterations_done'] == 6
    expected = reference_trajectories(constrained_reference,
                                      [MATRIX, VECTOR], 6)
    for steps, algorithm in [(3, main_loop.algorithm),
                             (6, resumed.algorithm)]:
        for history, parameter in zip(expected, algorithm.parameters):
            numpy.testing.assert_allclose(parameter.get_value(),
                                          history[steps], rtol=1e-9,
                                          atol=1e-12)


def test_constraints_restricted_by_selector_path():
    from blocks.bricks import MLP, Tanh
    from blocks.select import Selector
    mlp = MLP([Tanh(), Tanh()], [3, 4, 2])
    mlp.allocate()
    selected = Selector([mlp]).select('/mlp/linear_0.W')
    assert selected == [mlp.linear_transformations[0].W]
    gradients = OrderedDict(
        (parameter, tensor.zeros_like(parameter))
        for layer in mlp.linear_transformations
        for parameter in layer.parameters)
    steps, _ = Restrict(MaxNorm(1.), selected).compute_steps(gradients)
    assert [parameter for parameter in gradients
            if steps[parameter] is not gradients[parameter]] == selected
