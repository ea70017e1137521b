"""Step rules that bound the norm of steps or of parameters."""
import numbers
from collections import OrderedDict

from aesara import tensor

from blocks.aesara_expressions import l2_norm
from blocks.algorithms.step_rules import (check_hyperparameter,
                                          shared_hyperparameter, StepRule)

__all__ = ['StepClipping', 'VariableClipping']


class StepClipping(StepRule):
    r"""Rescales an entire step if its L2 norm exceeds a threshold.

    The norm is taken over the steps of all parameters together; when it
    exceeds the threshold :math:`c`, every step is multiplied by
    :math:`c / \lVert s \rVert_2`. When the previous steps are the
    gradients, this step rule performs gradient clipping.

    Parameters
    ----------
    threshold : float, optional
        The maximum permitted L2 norm (:math:`> 0`) for the step. The step
        will be rescaled to be not higher than this quantity. If None, no
        rescaling will be applied.

    Attributes
    ----------
    threshold : :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
        The shared variable storing the clipping threshold used, or None.

    Examples
    --------
    >>> from blocks.utils import shared_floatx
    >>> W = shared_floatx([0., 0.], name='W')
    >>> gradient = shared_floatx([3., 4.])
    >>> steps, _ = StepClipping(threshold=1.).compute_steps({W: gradient})
    >>> steps[W].eval()
    array([0.6, 0.8])

    """
    def __init__(self, threshold: float | None = None):
        if threshold is not None:
            threshold = shared_hyperparameter(
                check_hyperparameter('StepClipping', 'threshold', threshold,
                                     low=0, low_inclusive=False),
                'threshold')
        self.threshold = threshold

    def compute_steps(self, previous_steps):
        if self.threshold is None:
            return OrderedDict(previous_steps), []
        norm = l2_norm([previous_steps[parameter]
                        for parameter in previous_steps])
        multiplier = tensor.switch(norm < self.threshold, 1,
                                   self.threshold / norm)
        steps = OrderedDict((parameter, step * multiplier)
                            for parameter, step in previous_steps.items())
        return steps, []


class VariableClipping(StepRule):
    r"""Clip the maximum norm of individual variables along certain axes.

    This step rule can be used to implement L2 norm constraints on e.g.
    the weight vectors of individual hidden units, convolutional filters
    or entire weight tensors. Combine with
    :class:`~blocks.algorithms.Restrict` (and possibly
    :class:`~blocks.algorithms.CompositeRule`), to apply such constraints
    only to certain variables and/or apply different norm constraints to
    different variables.

    Parameters
    ----------
    threshold : float
        Maximum norm (:math:`> 0`) for a given (portion of a) tensor.
    axis : int or iterable of int, optional
        A single axis, or a collection of axes over which to sum in order
        to calculate the L2 norm; negative axes count from the end. If
        None (the default), the norm is computed over all elements of the
        tensor.

    Attributes
    ----------
    threshold : :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
    axis : tuple of int

    Notes
    -----
    Because of the way the step rule API works, this particular rule
    implements norm clipping of the value *after* update in the following
    way: it computes ``parameter - previous_step``, scales it to have
    (possibly axes-wise) norm(s) of at most `threshold`, then subtracts
    that value from ``parameter`` to yield an "equivalent step" that
    respects the desired norm constraints. This procedure implicitly
    assumes one is doing simple (stochastic) gradient descent, and so
    steps computed by this step rule may not make sense for use in other
    contexts.

    Investigations into max-norm regularization date from [SREBRO2005]_.
    The first appearance of this technique as a regularization method for
    the weight vectors of individual hidden units in feed-forward neural
    networks may be [HINTON2012]_.

    .. [SREBRO2005] Nathan Srebro and Adi Shraibman. "Rank, Trace-Norm and
       Max-Norm". 18th Annual Conference on Learning Theory (COLT), June
       2005.

    .. [HINTON2012] Geoffrey E. Hinton, Nitish Srivastava, Alex
       Krizhevsky, Ilya Sutskever, Ruslan R. Salakhutdinov. "Improving
       neural networks by preventing co-adaptation of feature detectors".
       arXiv:1207.0580.

    Examples
    --------
    Keep the columns (the weight vectors of the output units) of a weight
    matrix within the unit ball:

    >>> from blocks.utils import shared_floatx
    >>> W = shared_floatx([[3., 0.], [4., 0.5]], name='W')
    >>> step, _ = VariableClipping(1., axis=0).compute_step(W, W * 0)
    >>> (W - step).eval()
    array([[0.6, 0. ],
           [0.8, 0.5]])

    """
    def __init__(self, threshold: float, axis=None):
        threshold = check_hyperparameter('VariableClipping', 'threshold',
                                         threshold, low=0,
                                         low_inclusive=False)
        if axis is None:
            axes = ()
        elif isinstance(axis, numbers.Integral):
            axes = (axis,)
        else:
            axes = tuple(axis)
        for single_axis in axes:
            if isinstance(single_axis, bool) or \
                    not isinstance(single_axis, numbers.Integral):
                raise TypeError("VariableClipping: axis must be None, an "
                                "integer or an iterable of integers, got "
                                "{!r}".format(axis))
        if len(set(axes)) != len(axes):
            raise ValueError("VariableClipping: axis must not repeat an "
                             "axis, got {!r}".format(axis))
        self.axis = tuple(int(single_axis) for single_axis in axes)
        self.threshold = shared_hyperparameter(threshold, 'threshold')

    def compute_step(self, parameter, previous_step):
        ndim = previous_step.ndim
        invalid = [axis for axis in self.axis if not -ndim <= axis < ndim]
        if invalid:
            raise ValueError(
                "VariableClipping: axis {} out of range for parameter {} "
                "with {} dimensions".format(invalid, parameter.name, ndim))
        updated = parameter - previous_step
        if self.axis:
            axes = tuple(sorted({axis % ndim for axis in self.axis}))
            norms = tensor.sqrt(tensor.square(updated).sum(axis=axes,
                                                        keepdims=True))
        else:
            norms = l2_norm([updated])
        # The step that takes the parameter to the rescaled value.
        shrinking_step = parameter - (self.threshold / norms) * updated
        step = tensor.switch(norms > self.threshold, shrinking_step,
                             previous_step)
        return step, []
