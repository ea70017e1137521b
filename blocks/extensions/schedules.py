r"""Schedules of hyperparameters: learning rates, momentum coefficients.

A *schedule* is a picklable function of time (a number of epochs or of
iterations) that gives the value of a hyperparameter; the
:class:`HyperparameterSchedule` extension sets a shared variable (e.g.
``step_rule.learning_rate`` of :class:`~blocks.algorithms.Momentum`) to it
before every epoch or batch. :class:`ReduceOnPlateau` instead divides the
variable when a record of the log stops improving.

Schedules: :class:`StepSchedule`, :class:`ExponentialSchedule`,
:class:`InverseTimeSchedule`, :class:`LinearSchedule`,
:class:`CosineSchedule`, :class:`PiecewiseSchedule` and, wrapping any of
them, :class:`Warmup`. A schedule is also a valid `function` for
:class:`~blocks.extensions.training.SharedVariableModifier`.

Training resumed from a checkpoint continues exactly: a schedule depends
only on the time, which is in the log, and the state of
:class:`ReduceOnPlateau` is pickled with it.

>>> from blocks.algorithms import Momentum
>>> step_rule = Momentum(learning_rate=0.1, momentum=0.5)
>>> schedules = [
...     HyperparameterSchedule(step_rule.learning_rate,
...                            Warmup(CosineSchedule(0.1, 1000), 100),
...                            unit='iterations'),
...     HyperparameterSchedule(step_rule.momentum,
...                            LinearSchedule(0.5, 0.9, duration=10))]

"""
import logging
import math
import numbers

import numpy

from blocks.extensions.base import SimpleExtension

logger = logging.getLogger(__name__)

__all__ = ['Schedule', 'StepSchedule', 'ExponentialSchedule',
           'InverseTimeSchedule', 'LinearSchedule', 'CosineSchedule',
           'PiecewiseSchedule', 'Warmup', 'HyperparameterSchedule',
           'ReduceOnPlateau']


def _check_real(owner, name, value, minimum=None, positive=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError("{}: {} must be a real number, got {!r}"
                        .format(owner, name, value))
    if not math.isfinite(value):
        raise ValueError("{}: {} must be finite, got {!r}".format(
            owner, name, value))
    if positive and value <= 0:
        raise ValueError("{}: {} must be positive, got {!r}".format(
            owner, name, value))
    if minimum is not None and value < minimum:
        raise ValueError("{}: {} must be at least {}, got {!r}".format(
            owner, name, minimum, value))
    return float(value)


def _check_time(owner, time):
    if isinstance(time, bool) or not isinstance(time, numbers.Real) or \
            time < 0:
        raise ValueError("{}: the time must be a non-negative number of "
                         "epochs or iterations, got {!r}".format(owner, time))
    return time


class Schedule:
    """A hyperparameter value as a function of time.

    Subclasses implement :meth:`value`; calling the schedule checks the
    time and calls it. Schedules hold only their configuration, so they
    pickle.

    """
    def __call__(self, time):
        """The value after `time` epochs or iterations (from 0)."""
        return self.value(_check_time(type(self).__name__, time))

    def value(self, time):
        raise NotImplementedError(
            "{} must implement value".format(type(self).__name__))

    def __repr__(self):
        return '{}({})'.format(type(self).__name__, ', '.join(
            '{}={!r}'.format(key, value)
            for key, value in vars(self).items()))


class StepSchedule(Schedule):
    r"""Multiply the value by `factor` every `step_size` time units.

    .. math:: v(t) = v_0 \, \gamma^{\lfloor t / T \rfloor}

    Parameters
    ----------
    initial : float
        :math:`v_0`.
    factor : float
        :math:`\gamma`, e.g. 0.1.
    step_size : int
        :math:`T`.

    Examples
    --------
    >>> schedule = StepSchedule(1., 0.5, step_size=2)
    >>> [schedule(time) for time in range(5)]
    [1.0, 1.0, 0.5, 0.5, 0.25]

    """
    def __init__(self, initial, factor, step_size):
        self.initial = _check_real('StepSchedule', 'initial', initial)
        self.factor = _check_real('StepSchedule', 'factor', factor,
                                  minimum=0)
        if isinstance(step_size, bool) or \
                not isinstance(step_size, numbers.Integral) or step_size < 1:
            raise ValueError("StepSchedule: step_size must be a positive "
                             "integer, got {!r}".format(step_size))
        self.step_size = int(step_size)

    def value(self, time):
        return self.initial * self.factor ** (time // self.step_size)


class ExponentialSchedule(Schedule):
    r"""Decay the value exponentially.

    .. math:: v(t) = v_0 \, r^{t / T}

    Parameters
    ----------
    initial : float
        :math:`v_0`.
    rate : float
        :math:`r`, the factor per `decay_steps` time units.
    decay_steps : float, optional
        :math:`T`; 1 by default.

    Examples
    --------
    >>> ExponentialSchedule(2., 0.5, decay_steps=10)(20)
    0.5

    """
    def __init__(self, initial, rate, decay_steps=1):
        self.initial = _check_real('ExponentialSchedule', 'initial',
                                   initial)
        self.rate = _check_real('ExponentialSchedule', 'rate', rate,
                                minimum=0)
        self.decay_steps = _check_real('ExponentialSchedule', 'decay_steps',
                                       decay_steps, positive=True)

    def value(self, time):
        return self.initial * self.rate ** (time / self.decay_steps)


class InverseTimeSchedule(Schedule):
    r"""Decay the value as the inverse of time (pydnn's
    ``LearningRateDecay``).

    .. math:: v(t) = \max\left(\frac{v_0}{1 + d\,t}, v_{\min}\right)

    Parameters
    ----------
    initial : float
        :math:`v_0`.
    decay : float
        :math:`d \geq 0`.
    minimum : float, optional
        :math:`v_{\min}`; no bound by default.

    Examples
    --------
    >>> [InverseTimeSchedule(1., 1., minimum=0.3)(time) for time in (0, 1, 3)]
    [1.0, 0.5, 0.3]

    """
    def __init__(self, initial, decay, minimum=None):
        self.initial = _check_real('InverseTimeSchedule', 'initial', initial)
        self.decay = _check_real('InverseTimeSchedule', 'decay', decay,
                                 minimum=0)
        if minimum is not None:
            minimum = _check_real('InverseTimeSchedule', 'minimum', minimum)
        self.minimum = minimum

    def value(self, time):
        value = self.initial / (1 + self.decay * time)
        if self.minimum is not None:
            value = max(value, self.minimum)
        return value


class LinearSchedule(Schedule):
    r"""Go linearly from one value to another, then stay there.

    .. math:: v(t) = v_0 + (v_1 - v_0) \min(t / T, 1)

    It decays a learning rate or, with `final` above `initial`, increases a
    momentum coefficient (pydnn's ``Momentum(initial_momentum,
    max_momentum)``).

    Parameters
    ----------
    initial : float
        :math:`v_0`.
    final : float
        :math:`v_1`.
    duration : float
        :math:`T > 0`.

    Examples
    --------
    >>> [LinearSchedule(0.5, 0.9, duration=4)(time) for time in (0, 2, 8)]
    [0.5, 0.7, 0.9]

    """
    def __init__(self, initial, final, duration):
        self.initial = _check_real('LinearSchedule', 'initial', initial)
        self.final = _check_real('LinearSchedule', 'final', final)
        self.duration = _check_real('LinearSchedule', 'duration', duration,
                                    positive=True)

    def value(self, time):
        progress = min(time / self.duration, 1.)
        return self.initial + (self.final - self.initial) * progress


class CosineSchedule(Schedule):
    r"""Decay the value along half a cosine, then stay at the final value.

    .. math:: v(t) = v_1 + \frac{v_0 - v_1}{2}
              \left(1 + \cos\left(\pi \min(t / T, 1)\right)\right)

    Parameters
    ----------
    initial : float
        :math:`v_0`.
    duration : float
        :math:`T > 0`.
    final : float, optional
        :math:`v_1`; 0 by default.

    Examples
    --------
    >>> schedule = CosineSchedule(1., duration=10, final=0.1)
    >>> [round(schedule(time), 3) for time in (0, 5, 10, 20)]
    [1.0, 0.55, 0.1, 0.1]

    """
    def __init__(self, initial, duration, final=0.):
        self.initial = _check_real('CosineSchedule', 'initial', initial)
        self.duration = _check_real('CosineSchedule', 'duration', duration,
                                    positive=True)
        self.final = _check_real('CosineSchedule', 'final', final)

    def value(self, time):
        progress = min(time / self.duration, 1.)
        return self.final + (self.initial - self.final) * 0.5 * (
            1 + math.cos(math.pi * progress))


class PiecewiseSchedule(Schedule):
    """Values given explicitly from given times on.

    pydnn's ``LearningRateSchedule``: ``((0, .1), (200, .01), (300,
    .001))`` starts with 0.1, uses 0.01 from time 200 and 0.001 from time
    300.

    Parameters
    ----------
    schedule : sequence of (time, value) pairs
        The times must increase and the first must be 0.

    Examples
    --------
    >>> schedule = PiecewiseSchedule(((0, .1), (200, .01), (300, .001)))
    >>> [schedule(time) for time in (0, 199, 200, 1000)]
    [0.1, 0.1, 0.01, 0.001]

    """
    def __init__(self, schedule):
        try:
            pairs = [(time, value) for time, value in schedule]
        except (TypeError, ValueError) as exc:
            raise TypeError("PiecewiseSchedule: schedule must be a sequence "
                            "of (time, value) pairs, got {!r}".format(
                                schedule)) from exc
        if not pairs or pairs[0][0] != 0:
            raise ValueError("PiecewiseSchedule: the first pair of the "
                             "schedule must be for time 0, got {!r}".format(
                                 schedule))
        times = [_check_time('PiecewiseSchedule', time) for time, _ in pairs]
        if any(later <= earlier for earlier, later in zip(times, times[1:])):
            raise ValueError("PiecewiseSchedule: the times of the schedule "
                             "must increase, got {}".format(times))
        self.schedule = tuple(
            (time, _check_real('PiecewiseSchedule', 'value', value))
            for time, value in pairs)

    def value(self, time):
        current = self.schedule[0][1]
        for start, value in self.schedule:
            if time < start:
                break
            current = value
        return current


class Warmup(Schedule):
    r"""Warm up linearly, then follow another schedule.

    .. math:: v(t) = \begin{cases}
              w + (s(0) - w)\, t / T & t < T \\
              s(t - T) & t \geq T \end{cases}

    Parameters
    ----------
    schedule : :class:`Schedule` or callable
        :math:`s`, followed after the warm-up, its time starting at 0 when
        the warm-up ends.
    duration : float
        :math:`T > 0`.
    start : float, optional
        :math:`w`; 0 by default.

    Examples
    --------
    >>> schedule = Warmup(StepSchedule(1., 0.5, step_size=2), duration=4)
    >>> [schedule(time) for time in range(8)]
    [0.0, 0.25, 0.5, 0.75, 1.0, 1.0, 0.5, 0.5]

    """
    def __init__(self, schedule, duration, start=0.):
        if not callable(schedule):
            raise TypeError("Warmup: schedule must be a schedule (callable), "
                            "got {!r}".format(schedule))
        self.schedule = schedule
        self.duration = _check_real('Warmup', 'duration', duration,
                                    positive=True)
        self.start = _check_real('Warmup', 'start', start)

    def value(self, time):
        if time >= self.duration:
            return self.schedule(time - self.duration)
        target = self.schedule(0)
        return self.start + (target - self.start) * time / self.duration


_TIME_STATUS = {'epochs': 'epochs_done', 'iterations': 'iterations_done'}


def _check_shared(owner, variable):
    if not (hasattr(variable, 'get_value') and
            hasattr(variable, 'set_value')):
        raise TypeError("{}: variable must be a shared variable (e.g. "
                        "step_rule.learning_rate), got {!r}".format(
                            owner, variable))
    return variable


class HyperparameterSchedule(SimpleExtension):
    """Set a shared variable to the value of a schedule as training goes.

    With ``unit='epochs'`` the variable is set before every epoch to
    ``schedule(epochs_done)``; with ``unit='iterations'``, before every
    batch to ``schedule(iterations_done)``. Training resumed from a
    checkpoint (in the middle of an epoch too) sees the values it would
    have seen without the interruption.

    Parameters
    ----------
    variable : :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
        E.g. ``step_rule.learning_rate`` or ``step_rule.momentum``.
    schedule : callable
        A :class:`Schedule`, or any picklable function of the time
        (a module-level function, not a lambda).
    unit : {'epochs', 'iterations'}, optional
        The time the schedule is a function of; 'epochs' by default.
    \\*\\*kwargs
        Triggers and `name`, see :class:`SimpleExtension`; the defaults
        are ``before_epoch=True`` for epochs and ``before_batch=True`` for
        iterations.

    Examples
    --------
    >>> from blocks.algorithms import Scale
    >>> step_rule = Scale(learning_rate=0.1)
    >>> decay = HyperparameterSchedule(
    ...     step_rule.learning_rate,
    ...     PiecewiseSchedule(((0, .1), (20, .01), (30, .001))))

    """
    def __init__(self, variable, schedule, unit: str = 'epochs', **kwargs):
        self.variable = _check_shared('HyperparameterSchedule', variable)
        if not callable(schedule):
            raise TypeError("HyperparameterSchedule: schedule must be "
                            "callable, got {!r}".format(schedule))
        if unit not in _TIME_STATUS:
            raise ValueError("HyperparameterSchedule: unit must be 'epochs' "
                             "or 'iterations', got {!r}".format(unit))
        self.schedule = schedule
        self.unit = unit
        if not any(key in kwargs for key in
                   self.BOOLEAN_TRIGGERS | self.INTEGER_TRIGGERS):
            kwargs['before_epoch' if unit == 'epochs' else 'before_batch'] = \
                True
        super().__init__(**kwargs)

    def do(self, which_callback, *args):
        time = self.main_loop.status[_TIME_STATUS[self.unit]]
        value = self.schedule(time)
        self.variable.set_value(numpy.asarray(value,
                                              dtype=self.variable.dtype))


class ReduceOnPlateau(SimpleExtension):
    """Multiply a shared variable by a factor when a record stops improving.

    pydnn's annealer and Keras' ``ReduceLROnPlateau``. Each time the
    extension runs and finds `record_name` in the current row of the log,
    it compares the value with the best so far: an improvement by more
    than `threshold` resets the count of bad checks, anything else adds
    one. When the count exceeds `patience`, the variable is multiplied by
    `factor` (but not below `min_value`), the count restarts and, for
    `cooldown` checks, bad checks are not counted. A reduction is recorded
    in the log as ``<variable name>_reduced_to``.

    Parameters
    ----------
    variable : :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
        E.g. ``step_rule.learning_rate``.
    record_name : str
        The record to watch, e.g. a validation cost written by a
        monitoring extension placed before this one.
    factor : float, optional
        The multiplier, in (0, 1); 0.1 by default.
    patience : int, optional
        The number of checks without improvement to tolerate; 10 by
        default.
    mode : {'min', 'max'}, optional
        Whether lower ('min', the default) or higher values are better.
    threshold : float, optional
        The least improvement that counts; 1e-4 by default.
    threshold_mode : {'rel', 'abs'}, optional
        Whether `threshold` is relative to the best value ('rel', the
        default) or absolute.
    cooldown : int, optional
        Checks to wait after a reduction before counting bad ones again;
        0 by default.
    min_value : float, optional
        The variable is never reduced below this; 0 by default.
    \\*\\*kwargs
        Triggers and `name`; ``after_epoch=True`` by default.

    Attributes
    ----------
    best : float or None
        The best value of the record so far.
    num_bad_checks : int
        Checks without improvement since the last improvement or reduction.

    Examples
    --------
    >>> from blocks.algorithms import Scale
    >>> step_rule = Scale(learning_rate=0.1)
    >>> annealing = ReduceOnPlateau(step_rule.learning_rate, 'valid_cost',
    ...                             factor=0.5, patience=3)

    """
    def __init__(self, variable, record_name, factor=0.1, patience=10,
                 mode='min', threshold=1e-4, threshold_mode='rel',
                 cooldown=0, min_value=0., **kwargs):
        owner = 'ReduceOnPlateau'
        self.variable = _check_shared(owner, variable)
        if not isinstance(record_name, str):
            raise TypeError("ReduceOnPlateau: record_name must be a string, "
                            "got {!r}".format(record_name))
        self.record_name = record_name
        self.factor = _check_real(owner, 'factor', factor, positive=True)
        if self.factor >= 1:
            raise ValueError("ReduceOnPlateau: factor must be below 1, got "
                             "{!r}".format(factor))
        for name, value in (('patience', patience), ('cooldown', cooldown)):
            if isinstance(value, bool) or \
                    not isinstance(value, numbers.Integral) or value < 0:
                raise ValueError("ReduceOnPlateau: {} must be a "
                                 "non-negative integer, got {!r}".format(
                                     name, value))
        if mode not in ('min', 'max'):
            raise ValueError("ReduceOnPlateau: mode must be 'min' or 'max', "
                             "got {!r}".format(mode))
        if threshold_mode not in ('rel', 'abs'):
            raise ValueError("ReduceOnPlateau: threshold_mode must be 'rel' "
                             "or 'abs', got {!r}".format(threshold_mode))
        self.patience = int(patience)
        self.cooldown = int(cooldown)
        self.mode = mode
        self.threshold = _check_real(owner, 'threshold', threshold,
                                     minimum=0)
        self.threshold_mode = threshold_mode
        self.min_value = _check_real(owner, 'min_value', min_value)
        self.best = None
        self.num_bad_checks = 0
        self.cooldown_counter = 0
        kwargs.setdefault('after_epoch', True)
        super().__init__(**kwargs)

    def is_improvement(self, value, best):
        """Whether `value` improves on `best` by more than the threshold."""
        if best is None:
            return True
        if self.threshold_mode == 'rel':
            margin = abs(best) * self.threshold
        else:
            margin = self.threshold
        if self.mode == 'min':
            return value < best - margin
        return value > best + margin

    def do(self, which_callback, *args):
        log = self.main_loop.log
        value = log.current_row.get(self.record_name)
        if value is None:
            return
        value = float(value)
        if self.is_improvement(value, self.best):
            self.best = value
            self.num_bad_checks = 0
        else:
            self.num_bad_checks += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_checks = 0
        if self.num_bad_checks > self.patience:
            old_value = float(self.variable.get_value())
            new_value = max(old_value * self.factor, self.min_value)
            if new_value < old_value:
                self.variable.set_value(numpy.asarray(
                    new_value, dtype=self.variable.dtype))
                name = self.variable.name or 'hyperparameter'
                log.current_row[name + '_reduced_to'] = new_value
                logger.info('%s: %s has not improved for %d checks; %s '
                            'reduced to %s', self.name, self.record_name,
                            self.num_bad_checks, name, new_value)
            self.cooldown_counter = self.cooldown
            self.num_bad_checks = 0
