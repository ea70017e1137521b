"""Schedules against closed forms, and schedules in training resumed from
a checkpoint."""
import math
import pickle

import numpy
import pytest
from aesara import tensor

from blocks.algorithms import CompositeRule, GradientDescent, Momentum, Scale
from blocks.extensions import FinishAfter, SimpleExtension
from blocks.extensions.saveload import Checkpoint
from blocks.extensions.schedules import (
    CosineSchedule, ExponentialSchedule, HyperparameterSchedule,
    InverseTimeSchedule, LinearSchedule, PiecewiseSchedule, ReduceOnPlateau,
    StepSchedule, Warmup)
from blocks.extensions.training import SharedVariableModifier
from blocks.main_loop import MainLoop
from blocks.serialization import load
from blocks.utils import shared_floatx
from tests.algorithms import quadratic_gradient, quadratic_terms
from tests.extensions import (FakeAlgorithm, WriteRecord, batches_stream,
                              examples_stream)

# The numbers are checked with NumPy implementations; see conftest.py.
pytestmark = pytest.mark.usefixtures('python_linker')
TIMES = range(25)


def cosine(time, initial, final, duration):
    progress = min(time / duration, 1)
    return final + (initial - final) * (1 + numpy.cos(numpy.pi * progress)) / 2


@pytest.mark.parametrize('schedule, reference', [
    (StepSchedule(0.8, 0.1, step_size=7),
     lambda t: 0.8 * 0.1 ** (t // 7)),
    (ExponentialSchedule(0.8, 0.5, decay_steps=4),
     lambda t: 0.8 * numpy.exp(numpy.log(0.5) * t / 4)),
    (InverseTimeSchedule(0.8, 0.5, minimum=0.1),
     lambda t: max(0.8 / (1 + 0.5 * t), 0.1)),
    (LinearSchedule(0.5, 0.95, duration=10),
     lambda t: numpy.interp(t, [0, 10], [0.5, 0.95])),
    (CosineSchedule(0.8, duration=20, final=0.05),
     lambda t: cosine(t, 0.8, 0.05, 20)),
    (PiecewiseSchedule([(0, 0.1), (5, 0.01), (12, 0.001)]),
     lambda t: 0.1 if t < 5 else 0.01 if t < 12 else 0.001),
    (Warmup(CosineSchedule(0.8, duration=20), 5, start=0.1),
     lambda t: (numpy.interp(t, [0, 5], [0.1, 0.8]) if t < 5
                else cosine(t - 5, 0.8, 0., 20))),
])
def test_schedule_matches_its_formula(schedule, reference):
    copy = pickle.loads(pickle.dumps(schedule))
    for time in TIMES:
        assert math.isclose(copy(time), reference(time), rel_tol=1e-12,
                            abs_tol=1e-15), time
    assert repr(schedule).startswith(type(schedule).__name__ + '(')


@pytest.mark.parametrize('factory, error, message', [
    (lambda: StepSchedule(1, 0.5, step_size=0), ValueError,
     "StepSchedule: step_size must be a positive integer, got 0"),
    (lambda: CosineSchedule(1, duration=0), ValueError,
     "CosineSchedule: duration must be positive, got 0"),
    (lambda: LinearSchedule('a', 1, 2), TypeError,
     "LinearSchedule: initial must be a real number, got 'a'"),
    (lambda: ExponentialSchedule(1, float('nan')), ValueError,
     "ExponentialSchedule: rate must be finite"),
    (lambda: PiecewiseSchedule([(1, 0.1)]), ValueError,
     "PiecewiseSchedule: the first pair of the schedule must be for time 0"),
    (lambda: PiecewiseSchedule([(0, 0.1), (5, 1), (5, 2)]), ValueError,
     r"PiecewiseSchedule: the times of the schedule must increase, got "
     r"\[0, 5, 5\]"),
    (lambda: PiecewiseSchedule(3), TypeError,
     "PiecewiseSchedule: schedule must be a sequence of"),
    (lambda: Warmup(0.1, 5), TypeError, "Warmup: schedule must be"),
    (lambda: StepSchedule(1, 0.5, 2)(-1), ValueError,
     "StepSchedule: the time must be a non-negative number"),
    (lambda: HyperparameterSchedule(0.1, StepSchedule(1, 0.5, 2)),
     TypeError, "HyperparameterSchedule: variable must be a shared "
                "variable"),
    (lambda: HyperparameterSchedule(shared_floatx(0.), StepSchedule(1, 1, 1),
                                    unit='batches'), ValueError,
     "unit must be 'epochs' or 'iterations', got 'batches'"),
    (lambda: ReduceOnPlateau(shared_floatx(0.), 'cost', factor=1.5),
     ValueError, "ReduceOnPlateau: factor must be below 1, got 1.5"),
    (lambda: ReduceOnPlateau(shared_floatx(0.), 'cost', patience=-1),
     ValueError, "ReduceOnPlateau: patience must be a non-negative integer"),
])
def test_invalid_schedules_are_rejected(factory, error, message):
    with pytest.raises(error, match=message):
        factory()


def test_a_schedule_is_a_shared_variable_modifier_function():
    learning_rate = shared_floatx(1.)
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(3), extensions=[
        SharedVariableModifier(learning_rate, StepSchedule(1., 0.5, 2)),
        FinishAfter(after_n_batches=5)])
    main_loop.run()
    assert learning_rate.get_value() == 0.25


def plateau_values(records, **kwargs):
    """The values a variable takes under ReduceOnPlateau, one per epoch."""
    variable = shared_floatx(1., name='learning_rate')
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(1), extensions=[
        WriteRecord('cost', records, after_epoch=True),
        ReduceOnPlateau(variable, 'cost', **kwargs),
        RecordValues([variable], after_epoch=True),
        FinishAfter(after_n_epochs=len(records))])
    main_loop.run()
    return [main_loop.log[epoch]['learning_rate'] for epoch in
            range(1, len(records) + 1)], main_loop


def test_reduce_on_plateau():
    # Bad checks: -, -, 1, 2 -> reduce, 1 (cooldown: 0), 1, 2 -> reduce.
    values, main_loop = plateau_values(
        [5., 4., 4., 4.1, 4.2, 4.3, 4.4, 4.5], factor=0.5, patience=1,
        cooldown=1, threshold=0.)
    assert values == [1., 1., 1., 0.5, 0.5, 0.5, 0.25, 0.25]
    assert main_loop.log[4]['learning_rate_reduced_to'] == 0.5
    # Relative threshold: 4 does not improve on 4.0001 by 1e-4 * 4.0001.
    values, _ = plateau_values([4.0001, 4., 4.], factor=0.1, patience=0)
    assert values == pytest.approx([1., 0.1, 0.01])
    values, _ = plateau_values([1., 1.5, 1.2, 1.3], mode='max', patience=0,
                               threshold=0.1, threshold_mode='abs',
                               factor=0.5, min_value=0.3)
    assert values == [1., 1., 0.5, 0.3]


class RecordValues(SimpleExtension):
    """Write the values of shared variables in the log."""
    def __init__(self, variables, **kwargs):
        super().__init__(**kwargs)
        self.variables = variables

    def do(self, which_callback, *args):
        for variable in self.variables:
            self.main_loop.log.current_row[variable.name] = float(
                variable.get_value())


MATRIX = numpy.array([[2., -1.], [0.5, 3.], [-2., 1.]])
LEARNING_RATE = Warmup(CosineSchedule(0.5, duration=8, final=0.1), 3,
                       start=0.05)
MOMENTUM = LinearSchedule(0.2, 0.8, duration=3)
COSTS = [1.0, 0.9, 0.95, 0.97]


def scheduled_training(path):
    """Momentum with a scheduled learning rate (per batch) and momentum (per
    epoch) and a factor reduced on a plateau of a record; 3 batches per
    epoch, 4 epochs, stopped with a checkpoint after 7 batches."""
    weights = shared_floatx(MATRIX, name='W')
    curvature, minimum = quadratic_terms(MATRIX.shape)
    cost = 0.5 * (curvature * tensor.square(weights - minimum)).sum()
    factor = Scale(1.)
    factor.learning_rate.name = 'factor'
    momentum = Momentum(learning_rate=1., momentum=0.)
    algorithm = GradientDescent(
        cost=cost, parameters=[weights], on_unused_sources='ignore',
        step_rule=CompositeRule([factor, momentum]))
    return MainLoop(algorithm, batches_stream(5, 2), extensions=[
        HyperparameterSchedule(momentum.learning_rate, LEARNING_RATE,
                               unit='iterations'),
        HyperparameterSchedule(momentum.momentum, MOMENTUM),
        WriteRecord('valid_cost', COSTS, after_epoch=True),
        ReduceOnPlateau(factor.learning_rate, 'valid_cost', factor=0.5,
                        patience=0),
        RecordValues([momentum.learning_rate, momentum.momentum,
                      factor.learning_rate], before_batch=True),
        FinishAfter(after_n_batches=7), FinishAfter(after_n_epochs=4),
        Checkpoint(path)])


def scheduled_reference():
    """The 12 steps of :func:`scheduled_training` in NumPy."""
    value = MATRIX.copy()
    velocity = numpy.zeros_like(value)
    factor = 1.
    hyperparameters = []
    for iteration in range(12):
        epoch = iteration // 3
        if iteration in (9,):
            factor = 0.5
        learning_rate = LEARNING_RATE(iteration)
        momentum = MOMENTUM(epoch)
        hyperparameters.append((learning_rate, momentum, factor))
        velocity = (momentum * velocity +
                    learning_rate * factor * quadratic_gradient(value))
        value = value - velocity
    return value, hyperparameters


def test_schedules_resume_exactly_from_a_checkpoint(tmp_path):
    main_loop = scheduled_training(str(tmp_path / 'interrupted.zip'))
    main_loop.run()
    assert main_loop.status['iterations_done'] == 7
    resumed = load(str(tmp_path / 'interrupted.zip'),
                   allowed_modules=['tests'])
    resumed.run()
    uninterrupted = scheduled_training(str(tmp_path / 'whole.zip'))
    uninterrupted.extensions.pop(-3)
    uninterrupted.run()
    assert resumed.status['iterations_done'] == \
        uninterrupted.status['iterations_done'] == 12
    expected_value, expected_hyperparameters = scheduled_reference()
    names = ['learning_rate', 'momentum', 'factor']
    for iteration in range(12):
        row = resumed.log[iteration]
        assert [row[name] for name in names] == \
            [uninterrupted.log[iteration][name] for name in names]
        assert [row[name] for name in names] == pytest.approx(
            expected_hyperparameters[iteration], rel=1e-12)
    assert resumed.log[9]['factor_reduced_to'] == 0.5
    resumed_weights, = resumed.algorithm.parameters
    weights, = uninterrupted.algorithm.parameters
    numpy.testing.assert_array_equal(resumed_weights.get_value(),
                                     weights.get_value())
    numpy.testing.assert_allclose(weights.get_value(), expected_value,
                                  rtol=1e-9)
