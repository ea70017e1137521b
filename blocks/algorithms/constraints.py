r"""Value constraints and weight decay as step rules.

Brainstorm changes weights and gradients with *value modifiers*; here they
are step rules, which compose with the others in a
:class:`~blocks.algorithms.CompositeRule` and are applied to some
parameters only with :class:`~blocks.algorithms.Restrict` (select the
parameters with a :class:`~blocks.filter.VariableFilter` or a
:class:`~blocks.select.Selector` path).

Two kinds of rules are here:

- *decays* change the gradient (:class:`L1Decay`, :class:`L2Decay`); put
  them first, before the rule that scales by a learning rate;
- *constraints* change the new value of the parameter
  (:class:`ClipValues`, :class:`ConstrainL2Norm`, :class:`FreezeValues`,
  :class:`MaskValues`). A constraint turns the step :math:`s` proposed by
  the rules before it into :math:`\theta - c(\theta - s)`, so that the
  parameter becomes :math:`c(\theta - s)`, the constrained value of the
  update. Put constraints last.

Weight decay, momentum, and a bound on the norm of the columns of the
weight matrices (but not on the biases), selected by their role:

>>> from aesara import tensor
>>> from blocks.algorithms import (CompositeRule, GradientDescent, Momentum,
...                                Restrict)
>>> from blocks.bricks import MLP, Rectifier, Softmax
>>> from blocks.filter import VariableFilter
>>> from blocks.graph import ComputationGraph
>>> from blocks.roles import WEIGHT
>>> mlp = MLP([Rectifier(), Softmax()], [4, 8, 3])
>>> x = tensor.matrix('features')
>>> cost = mlp.apply(x).max(axis=1).mean()
>>> parameters = ComputationGraph(cost).parameters
>>> weights = VariableFilter(roles=[WEIGHT])(parameters)
>>> algorithm = GradientDescent(
...     cost=cost, parameters=parameters,
...     step_rule=CompositeRule([L2Decay(1e-4),
...                              Momentum(learning_rate=0.1, momentum=0.9),
...                              Restrict(ConstrainL2Norm(2.), weights)]))

"""
import numbers

import numpy
from aesara import tensor

from blocks.algorithms.step_rules import (check_hyperparameter,
                                          shared_hyperparameter, StepRule)

__all__ = ['ValueConstraint', 'ClipValues', 'ConstrainL2Norm', 'MaxNorm',
           'FreezeValues', 'MaskValues', 'L1Decay', 'L2Decay']


def _parameter_name(parameter):
    return repr(parameter.name) if parameter.name else repr(parameter)


def _value_shape(parameter):
    return parameter.get_value(borrow=True).shape


class ValueConstraint(StepRule):
    r"""A step rule that constrains the new value of each parameter.

    Subclasses implement :meth:`constrain`, which maps the value the
    parameter would have after the step to its constrained value; the
    step becomes :math:`\theta - c(\theta - s)`.

    """
    def constrain(self, parameter, new_value):
        """Return the constrained version of `new_value`.

        Parameters
        ----------
        parameter : :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
            The parameter, to read its shape or name.
        new_value : :class:`~aesara.tensor.TensorVariable`
            The value the parameter would have after the step.

        """
        raise NotImplementedError(
            "{} must implement constrain".format(type(self).__name__))

    def compute_step(self, parameter, previous_step):
        constrained = self.constrain(parameter, parameter - previous_step)
        return parameter - constrained, []


class ClipValues(ValueConstraint):
    r"""Clip every element of the parameters to an interval.

    Brainstorm's ``ClipValues``: after the step, each element of the
    parameter lies in :math:`[\text{low}, \text{high}]`.

    Parameters
    ----------
    low : float, optional
        The lower bound; -1 by default.
    high : float, optional
        The upper bound; 1 by default.

    Examples
    --------
    >>> rule = ClipValues(low=-0.5, high=0.5)
    >>> rule.low, rule.high
    (-0.5, 0.5)

    """
    def __init__(self, low: float = -1., high: float = 1.):
        self.low = check_hyperparameter('ClipValues', 'low', low)
        self.high = check_hyperparameter('ClipValues', 'high', high)
        if self.low > self.high:
            raise ValueError("ClipValues: low must not exceed high, got "
                             "low={!r} and high={!r}".format(low, high))

    def constrain(self, parameter, new_value):
        return tensor.clip(new_value, self.low, self.high)


class ConstrainL2Norm(ValueConstraint):
    r"""Bound the L2 norm of the incoming weights of every unit (max-norm).

    Brainstorm's ``ConstrainL2Norm``: after the step, the weights of a unit
    whose L2 norm exceeds `limit` are rescaled to have the norm `limit`;
    the others are left as they are.

    The incoming weights of a unit are, by default:

    - a column of a matrix (``axis=0``): Blocks' weight matrices have the
      shape ``(input_dim, output_dim)``;
    - a filter of a convolutional kernel with the shape ``(num_filters,
      num_channels, height, width)``: all axes but the first.

    Parameters
    ----------
    limit : float
        The largest permitted norm (> 0).
    axis : int or tuple of int, optional
        The axes the norm is taken over, overriding the default.

    Attributes
    ----------
    limit : :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
        The limit, a shared hyperparameter.

    Raises
    ------
    ValueError
        From :meth:`compute_step`, for a parameter with fewer than two
        dimensions (biases have no incoming weights) unless `axis` is
        given, or an `axis` the parameter does not have.

    Examples
    --------
    >>> rule = ConstrainL2Norm(limit=2.)
    >>> float(rule.limit.get_value())
    2.0

    """
    def __init__(self, limit: float, axis=None):
        limit = check_hyperparameter('ConstrainL2Norm', 'limit', limit,
                                     low=0, low_inclusive=False)
        self.limit = shared_hyperparameter(limit, 'limit')
        if axis is not None:
            axes = axis if isinstance(axis, (tuple, list)) else (axis,)
            if not axes or any(isinstance(one, bool) or
                               not isinstance(one, numbers.Integral)
                               for one in axes):
                raise TypeError("ConstrainL2Norm: axis must be an int or a "
                                "tuple of ints, got {!r}".format(axis))
            axis = tuple(int(one) for one in axes)
        self.axis = axis

    def _axes(self, parameter):
        ndim = parameter.ndim
        if self.axis is None:
            if ndim < 2:
                raise ValueError(
                    "ConstrainL2Norm: the parameter {} has {} dimension(s), "
                    "so it has no incoming weights per unit (a bias?); "
                    "restrict the rule to weight matrices and filters with "
                    "Restrict, or give axis".format(
                        _parameter_name(parameter), ndim))
            return (0,) if ndim == 2 else tuple(range(1, ndim))
        if any(not -ndim <= one < ndim for one in self.axis):
            raise ValueError("ConstrainL2Norm: axis={!r} does not fit the "
                             "parameter {} with {} dimension(s)".format(
                                 self.axis, _parameter_name(parameter),
                                 ndim))
        return tuple(one % ndim for one in self.axis)

    def constrain(self, parameter, new_value):
        axes = self._axes(parameter)
        norms = tensor.sqrt(tensor.sqr(new_value).sum(axis=axes,
                                                      keepdims=True))
        limit = tensor.cast(self.limit, new_value.dtype)
        # Units within the limit are multiplied by exactly 1, and zero
        # norms are never divided by.
        return new_value * (limit / tensor.maximum(norms, limit))


#: The usual name of :class:`ConstrainL2Norm`.
MaxNorm = ConstrainL2Norm


class FreezeValues(ValueConstraint):
    """Keep the parameters from changing.

    Brainstorm's ``FreezeValues``. Without `values`, the step is zero and
    the parameters keep their values; with `values`, the parameter is set
    to them on every step (and so stays there).

    Parameters
    ----------
    values : array, optional
        The values to hold the parameters at; it must broadcast to the
        shape of every parameter the rule applies to.

    Examples
    --------
    Hold some biases at zero:

    >>> rule = FreezeValues(values=0.)

    """
    def __init__(self, values=None):
        if values is not None:
            values = numpy.asarray(values)
            if values.dtype.kind not in 'biuf':
                raise TypeError("FreezeValues: values must be numerical, "
                                "got {!r}".format(values))
        self.values = values

    def compute_step(self, parameter, previous_step):
        if self.values is None:
            return tensor.zeros_like(previous_step), []
        return super().compute_step(parameter, previous_step)

    def constrain(self, parameter, new_value):
        shape = _value_shape(parameter)
        try:
            numpy.broadcast_to(self.values, shape)
        except ValueError as exc:
            raise ValueError("FreezeValues: values of shape {} do not fit "
                             "the parameter {} of shape {}".format(
                                 self.values.shape,
                                 _parameter_name(parameter), shape)) from exc
        values = tensor.as_tensor_variable(
            self.values.astype(new_value.dtype))
        return tensor.zeros_like(new_value) + values


class MaskValues(ValueConstraint):
    """Multiply the parameters element-wise by a fixed mask.

    Brainstorm's ``MaskValues``: with a mask of zeros and ones, the
    parameters keep a fixed sparsity pattern (the masked entries are zero
    after every step, whatever their initial value).

    Parameters
    ----------
    mask : array
        The mask; its shape must be that of every parameter the rule
        applies to.

    Examples
    --------
    Connect each of 3 outputs to 2 of 4 inputs only:

    >>> import numpy
    >>> mask = numpy.zeros((4, 3))
    >>> for output, inputs in enumerate([[0, 1], [1, 2], [2, 3]]):
    ...     mask[inputs, output] = 1
    >>> rule = MaskValues(mask)

    """
    def __init__(self, mask):
        mask = numpy.asarray(mask)
        if mask.dtype.kind not in 'biuf':
            raise TypeError("MaskValues: mask must be numerical, got {!r}"
                            .format(mask))
        self.mask = mask

    def constrain(self, parameter, new_value):
        shape = _value_shape(parameter)
        if self.mask.shape != shape:
            raise ValueError("MaskValues: the mask of shape {} does not fit "
                             "the parameter {} of shape {}".format(
                                 self.mask.shape, _parameter_name(parameter),
                                 shape))
        return new_value * self.mask.astype(new_value.dtype)


class L1Decay(StepRule):
    r"""Add the gradient of an L1 penalty: :math:`s + \lambda\,
    \mathrm{sign}(\theta)`.

    Brainstorm's ``L1Decay``. Place it before the rule that applies the
    learning rate, so that the penalty is scaled like the gradient.

    Parameters
    ----------
    factor : float
        :math:`\lambda \geq 0`.

    Attributes
    ----------
    factor : :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
        A shared hyperparameter.

    """
    def __init__(self, factor: float):
        self.factor = shared_hyperparameter(
            check_hyperparameter(type(self).__name__, 'factor', factor,
                                 low=0), 'factor')

    def penalty_gradient(self, parameter):
        """The gradient of the penalty with respect to `parameter`."""
        return tensor.sgn(parameter)

    def compute_step(self, parameter, previous_step):
        return (previous_step +
                self.factor * self.penalty_gradient(parameter)), []


class L2Decay(L1Decay):
    r"""Add the gradient of an L2 penalty: :math:`s + \lambda\,\theta`.

    Brainstorm's ``L2Decay`` (weight decay); the penalty is
    :math:`\frac{\lambda}{2}\lVert\theta\rVert^2`. Place it before the rule
    that applies the learning rate.

    Parameters
    ----------
    factor : float
        :math:`\lambda \geq 0`.

    Examples
    --------
    >>> rule = L2Decay(factor=1e-4)
    >>> float(rule.factor.get_value())
    0.0001

    """
    def penalty_gradient(self, parameter):
        return parameter
