r"""The step rule interface and the basic, composable step rules.

A step rule turns the gradient of the cost with respect to a parameter
(or a step proposed by a previous rule) into the step that
:class:`~blocks.algorithms.GradientDescent` *subtracts* from the
parameter. Subtracting rather than adding is what makes rules chainable
with :class:`CompositeRule`: each rule takes the previous step and returns
a new one.

Hyperparameters (a learning rate, a momentum coefficient) are shared
variables with the ``ALGORITHM_HYPERPARAMETER`` role, so that extensions
such as ``SharedVariableModifier`` can change them during training. The
state of stateful rules (velocities, running averages, time steps) lives in
shared variables with the ``ALGORITHM_BUFFER`` role, named after the
parameter they belong to (``W_velocity`` for a parameter named ``W``), so
that checkpoints save it together with the parameters.

"""
import math
import numbers
from collections import OrderedDict

import numpy
import aesara
from aesara import tensor
from aesara.tensor.type import TensorType

from blocks.roles import add_role, ALGORITHM_BUFFER, ALGORITHM_HYPERPARAMETER
from blocks.utils import shared_floatx

__all__ = ['StepRule', 'CompositeRule', 'Scale', 'BasicMomentum', 'Momentum',
           'Restrict', 'RemoveNotFinite']


def check_hyperparameter(owner: str, name: str, value, low=None, high=None,
                         low_inclusive: bool = True,
                         high_inclusive: bool = True) -> float:
    """Validate a real-valued hyperparameter and return it as a float.

    Parameters
    ----------
    owner : str
        The name of the class the hyperparameter belongs to, for messages.
    name : str
        The name of the argument.
    value : object
        The value given by the user.
    low, high : float, optional
        The bounds of the permitted interval; unbounded if None.
    low_inclusive, high_inclusive : bool, optional
        Whether the bounds themselves are permitted. True by default.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If `value` is not a real number.
    ValueError
        If `value` is not finite or lies outside the interval.

    Examples
    --------
    >>> check_hyperparameter('Scale', 'learning_rate', 0.1, low=0)
    0.1
    >>> check_hyperparameter('Scale', 'learning_rate', -1, low=0)
    Traceback (most recent call last):
      ...
    ValueError: Scale: learning_rate must be in [0, inf), got -1

    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError("{}: {} must be a real number, got {!r} of type {}"
                        .format(owner, name, value, type(value).__name__))
    interval = "{}{}, {}{}".format(
        '[' if low_inclusive and low is not None else '(',
        '-inf' if low is None else low, 'inf' if high is None else high,
        ']' if high_inclusive and high is not None else ')')
    too_low = low is not None and (value < low or
                                   (value == low and not low_inclusive))
    too_high = high is not None and (value > high or
                                     (value == high and not high_inclusive))
    if not math.isfinite(value) or too_low or too_high:
        raise ValueError("{}: {} must be in {}, got {!r}".format(
            owner, name, interval, value))
    return float(value)


def shared_hyperparameter(value: float, name: str):
    """Create a scalar shared variable with the hyperparameter role.

    Parameters
    ----------
    value : float
        The initial value.
    name : str
        The name of the shared variable.

    Returns
    -------
    :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
        A 0-dimensional variable of type ``floatX``.

    """
    variable = shared_floatx(value, name=name)
    add_role(variable, ALGORITHM_HYPERPARAMETER)
    return variable


def create_algorithm_buffer_for(parameter, suffix: str):
    """Create a zero-initialized buffer shaped and typed like a parameter.

    Parameters
    ----------
    parameter : :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
        The parameter the buffer belongs to.
    suffix : str
        The buffer is named ``<parameter name>_<suffix>``.

    Returns
    -------
    :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
        Zeros with the dtype, shape and static shape of `parameter`, with
        the ``ALGORITHM_BUFFER`` role and ``tag.for_parameter`` pointing at
        `parameter`.

    Examples
    --------
    >>> from blocks.utils import shared_floatx_zeros
    >>> W = shared_floatx_zeros((2, 3), name='W')
    >>> velocity = create_algorithm_buffer_for(W, 'velocity')
    >>> print(velocity.name, velocity.get_value().shape)
    W_velocity (2, 3)

    """
    value = numpy.zeros_like(parameter.get_value(borrow=True))
    return _make_buffer(value, parameter, suffix,
                        shape=getattr(parameter.type, 'shape', None))


def create_scalar_buffer_for(parameter, suffix: str):
    """Create a zero-initialized 0-d buffer (e.g. a time step counter).

    The buffer has dtype ``floatX`` and is named like those of
    :func:`create_algorithm_buffer_for`.

    """
    value = numpy.zeros((), dtype=aesara.config.floatX)
    return _make_buffer(value, parameter, suffix)


def _make_buffer(value, parameter, suffix, shape=None):
    name = suffix if parameter.name is None else \
        '{}_{}'.format(parameter.name, suffix)
    kwargs = {} if shape is None else {'shape': shape}
    buffer = aesara.shared(value, name=name, **kwargs)
    buffer.tag.for_parameter = parameter
    add_role(buffer, ALGORITHM_BUFFER)
    return buffer


def cast_update(shared_variable, update):
    """Cast an update expression to the float dtype of its shared variable.

    Only updates of float variables are cast, from float or integer
    expressions; other mismatches are left for Aesara to report.
    Hyperparameters have dtype ``floatX``; a step for a parameter of
    another float dtype (e.g. ``float32`` when ``floatX`` is ``float64``)
    would otherwise be upcast and refused by :func:`aesara.function`.

    """
    if not isinstance(getattr(shared_variable, 'type', None), TensorType):
        # E.g. the generator of a random stream: nothing to cast.
        return update
    update = tensor.as_tensor_variable(update)
    target = getattr(shared_variable, 'dtype', None)
    if target is None or update.dtype == target:
        return update
    if numpy.dtype(target).kind == 'f' and \
            numpy.dtype(update.dtype).kind in 'iuf':
        update = tensor.cast(update, target)
    return update


class StepRule:
    """A rule to compute steps for a gradient descent algorithm.

    Subclasses override :meth:`compute_step` when steps are computed
    parameter by parameter, or :meth:`compute_steps` when they depend on
    all parameters at once (e.g. clipping by the total norm).

    """
    def compute_step(self, parameter, previous_step):
        """Build an Aesara expression for the step for a parameter.

        This method is called by the default implementation of
        :meth:`compute_steps`; it relieves rules from writing a loop.

        Parameters
        ----------
        parameter : :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
            The parameter.
        previous_step : :class:`~aesara.tensor.TensorVariable`
            Some quantity related to the gradient of the cost with respect
            to the parameter, either the gradient itself or a step in a
            related direction.

        Returns
        -------
        step : :class:`~aesara.graph.basic.Variable`
            Aesara variable for the step to take.
        updates : list
            A list of ``(shared variable, new value)`` pairs, used by
            stateful rules such as :class:`BasicMomentum` to carry state
            from one iteration to the next.

        """
        raise NotImplementedError(
            "{} must implement compute_step or compute_steps".format(
                type(self).__name__))

    def compute_steps(self, previous_steps):
        """Build Aesara expressions for the steps for all parameters.

        Override this method to process the steps of all parameters as a
        whole rather than parameter-wise.

        Parameters
        ----------
        previous_steps : OrderedDict
            Maps the parameters being trained to the quantities related to
            the gradients of the cost with respect to them: either the
            gradients themselves or steps in related directions.

        Returns
        -------
        steps : OrderedDict
            The proposed steps, in the same form and order as
            `previous_steps`.
        updates : list
            A list of ``(shared variable, new value)`` pairs.

        """
        steps = OrderedDict()
        updates = []
        for parameter, previous_step in previous_steps.items():
            steps[parameter], parameter_updates = self.compute_step(
                parameter, previous_step)
            updates.extend(parameter_updates)
        return steps, updates


class CompositeRule(StepRule):
    """Chains several step rules.

    Parameters
    ----------
    components : list of :class:`StepRule`
        The step rules to chain, applied in the order given: the steps
        returned by one are the previous steps of the next.

    Examples
    --------
    Clip the gradient to a norm of 1, then scale it by 0.1:

    >>> from blocks.algorithms import StepClipping
    >>> rule = CompositeRule([StepClipping(threshold=1.), Scale(0.1)])

    """
    def __init__(self, components):
        components = list(components)
        for index, component in enumerate(components):
            if not isinstance(component, StepRule):
                raise TypeError(
                    "CompositeRule: components must be StepRule instances; "
                    "component {} is {!r} of type {}".format(
                        index, component, type(component).__name__))
        self.components = components

    def compute_steps(self, previous_steps):
        steps = previous_steps
        updates = []
        for rule in self.components:
            steps, rule_updates = rule.compute_steps(steps)
            updates.extend(rule_updates)
        return steps, updates


class Scale(StepRule):
    r"""A step in the direction proportional to the previous step.

    If used in :class:`~blocks.algorithms.GradientDescent` alone, this
    step rule implements steepest descent:
    :math:`s_t = \eta\, g_t`.

    Parameters
    ----------
    learning_rate : float, optional
        The learning rate :math:`\eta \geq 0` by which the previous step
        is multiplied to produce the step. Defaults to 1.

    Attributes
    ----------
    learning_rate : :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
        The shared variable storing the learning rate used; it has the
        ``ALGORITHM_HYPERPARAMETER`` role.

    Examples
    --------
    >>> from aesara import tensor
    >>> from blocks.utils import shared_floatx
    >>> W = shared_floatx([1., 2.], name='W')
    >>> gradient = tensor.vector('gradient')
    >>> step, updates = Scale(learning_rate=0.5).compute_step(W, gradient)
    >>> step.eval({gradient: [2., -4.]})
    array([ 1., -2.])

    """
    def __init__(self, learning_rate: float = 1.0):
        learning_rate = check_hyperparameter(
            'Scale', 'learning_rate', learning_rate, low=0)
        self.learning_rate = shared_hyperparameter(learning_rate,
                                                   'learning_rate')

    def compute_step(self, parameter, previous_step):
        return self.learning_rate * previous_step, []


class BasicMomentum(StepRule):
    r"""Accumulates steps with exponential discount.

    .. math::

        v_t = \mu\, v_{t-1} + s_t, \qquad \text{step}_t = v_t

    where :math:`s_t` is the previous step and :math:`v` the velocity,
    stored in a buffer named ``<parameter>_velocity``.

    Parameters
    ----------
    momentum : float, optional
        The momentum coefficient :math:`\mu \in [0, 1]`. Defaults to 0.

    Attributes
    ----------
    momentum : :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
        A variable for the momentum coefficient.

    Notes
    -----
    This step rule is intended to be used in conjunction with another step
    rule, *e.g.* :class:`Scale`. For an all-batteries-included experience,
    look at :class:`Momentum`.

    """
    def __init__(self, momentum: float = 0.):
        momentum = check_hyperparameter('BasicMomentum', 'momentum',
                                        momentum, low=0, high=1)
        self.momentum = shared_hyperparameter(momentum, 'momentum')

    def compute_step(self, parameter, previous_step):
        velocity = create_algorithm_buffer_for(parameter, 'velocity')
        step = self.momentum * velocity + previous_step
        return step, [(velocity, cast_update(velocity, step))]


class Momentum(CompositeRule):
    r"""Accumulates scaled steps with exponential discount.

    Combines :class:`Scale` and :class:`BasicMomentum` to form the usual
    momentum step rule:

    .. math::

        v_t = \mu\, v_{t-1} + \eta\, g_t, \qquad \text{step}_t = v_t

    Parameters
    ----------
    learning_rate : float, optional
        The learning rate :math:`\eta` by which the previous step is
        scaled. Defaults to 1.
    momentum : float, optional
        The momentum coefficient :math:`\mu \in [0, 1]`. Defaults to 0.

    Attributes
    ----------
    learning_rate : :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
        A variable for the learning rate.
    momentum : :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
        A variable for the momentum.

    See Also
    --------
    blocks.extensions.training.SharedVariableModifier

    """
    def __init__(self, learning_rate: float = 1.0, momentum: float = 0.):
        scale = Scale(learning_rate=learning_rate)
        basic_momentum = BasicMomentum(momentum=momentum)
        self.learning_rate = scale.learning_rate
        self.momentum = basic_momentum.momentum
        super().__init__([scale, basic_momentum])


class Restrict(StepRule):
    """Applies a given step rule only to certain variables.

    Example applications include clipping steps on only certain
    parameters, or scaling a certain kind of parameter's updates (e.g.
    adding an additional scalar multiplier to the steps taken on
    convolutional filters). The other parameters keep their previous
    steps unchanged.

    Parameters
    ----------
    step_rule : :class:`StepRule`
        The step rule to be applied.
    variables : iterable of shared variables
        The parameters the step rule is applied to. They must all be among
        the parameters being trained: :meth:`compute_steps` raises
        ``ValueError`` naming those that are not.

    Examples
    --------
    >>> from blocks.utils import shared_floatx_zeros
    >>> W = shared_floatx_zeros((2, 2), name='W')
    >>> rule = Restrict(Scale(0.1), [W])

    """
    def __init__(self, step_rule, variables):
        if not isinstance(step_rule, StepRule):
            raise TypeError("Restrict: step_rule must be a StepRule "
                            "instance, got {!r} of type {}".format(
                                step_rule, type(step_rule).__name__))
        self.step_rule = step_rule
        # A list rather than a set keeps the order deterministic.
        self.variables = []
        for variable in variables:
            if variable not in self.variables:
                self.variables.append(variable)

    def compute_steps(self, previous_steps):
        unknown = [variable for variable in self.variables
                   if variable not in previous_steps]
        if unknown:
            raise ValueError(
                "Restrict: variables {} are not among the parameters being "
                "trained ({})".format(_names(unknown),
                                      _names(previous_steps)))
        restricted = OrderedDict((parameter, step) for parameter, step
                                 in previous_steps.items()
                                 if parameter in self.variables)
        restricted_steps, updates = self.step_rule.compute_steps(restricted)
        steps = OrderedDict(
            (parameter, restricted_steps.get(parameter, previous_step))
            for parameter, previous_step in previous_steps.items())
        return steps, updates


class RemoveNotFinite(StepRule):
    r"""Replaces steps with non-finite elements by a parameter shrinkage.

    A step (the update of a single parameter) that contains NaN or
    infinite elements is replaced by :math:`(1 - \text{scaler})\,\theta`,
    so that the parameter :math:`\theta` becomes
    :math:`\text{scaler}\cdot\theta` instead of being filled with NaN.

    This is the remedy when training produces NaN or infinite gradients
    (an overflowing activation, a log of zero): place this rule last in a
    :class:`CompositeRule`, and the faulty batch is skipped instead of
    destroying the parameters.

    Parameters
    ----------
    scaler : float, optional
        The scaling in :math:`[0, 1]` applied to a parameter whose step
        contains non-finite elements. Defaults to 1, which leaves such
        parameters unchanged.

    Notes
    -----
    This rule should be applied last! The decision is taken per
    parameter: other parameters with finite steps are still updated.
    State of the rules applied before this one (e.g. the running averages
    of :class:`~blocks.algorithms.Adam`) is updated with the non-finite
    values regardless, so stateful rules may need a fresh start after such
    a batch; applying this rule to the gradients first as well
    (``CompositeRule([RemoveNotFinite(), Adam(), RemoveNotFinite()])``)
    keeps their state finite.

    This trick was originally used in the GroundHog framework.

    Examples
    --------
    >>> import numpy
    >>> from aesara import tensor
    >>> from blocks.utils import shared_floatx
    >>> W = shared_floatx([1., 2.], name='W')
    >>> gradient = tensor.vector('gradient')
    >>> step, _ = RemoveNotFinite(scaler=0.75).compute_step(W, gradient)
    >>> (W - step).eval({gradient: [numpy.nan, 1.]})
    array([0.75, 1.5 ])
    >>> (W - step).eval({gradient: [0.5, 1.]})
    array([0.5, 1. ])

    """
    def __init__(self, scaler: float = 1):
        self.scaler = check_hyperparameter('RemoveNotFinite', 'scaler',
                                           scaler, low=0, high=1)

    def compute_step(self, parameter, previous_step):
        not_finite = tensor.any(tensor.isnan(previous_step) |
                                tensor.isinf(previous_step))
        step = tensor.switch(not_finite, (1 - self.scaler) * parameter,
                             previous_step)
        return step, []


def _names(variables):
    """Format variables for error messages, by name where they have one."""
    return '[{}]'.format(', '.join(
        repr(variable.name) if getattr(variable, 'name', None) is not None
        else repr(variable) for variable in variables))
