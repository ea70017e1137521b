r"""Step rules that adapt the step size per parameter element.

All of them keep running statistics of the previous steps (usually the
gradients) in buffers with the ``ALGORITHM_BUFFER`` role, named
``<parameter>_<rule>_<statistic>`` (e.g. ``W_adam_mean``), so that
checkpoints save them and training resumes exactly where it stopped.

In the formulas below :math:`g_t` is the previous step at iteration
:math:`t` (the gradient when the rule comes first), squares and square
roots are element-wise.

"""
import warnings

from aesara import tensor

from blocks.algorithms.step_rules import (
    check_hyperparameter, create_algorithm_buffer_for,
    create_scalar_buffer_for, cast_update, shared_hyperparameter,
    CompositeRule, Scale, StepRule)

__all__ = ['AdaDelta', 'AdaGrad', 'Adam', 'BasicRMSProp', 'RMSProp']


class AdaDelta(StepRule):
    r"""Adapts the step size over time using only first order information.

    .. math::

        E[g^2]_t &= \rho\, E[g^2]_{t-1} + (1 - \rho)\, g_t^2 \\
        \Delta_t &= \frac{\sqrt{E[\Delta^2]_{t-1} + \epsilon}}
                         {\sqrt{E[g^2]_t + \epsilon}}\, g_t \\
        E[\Delta^2]_t &= \rho\, E[\Delta^2]_{t-1} + (1 - \rho)\, \Delta_t^2

    and the step is :math:`\Delta_t`. The buffers are named
    ``<parameter>_adadelta_mean_square_step`` (:math:`E[g^2]`) and
    ``<parameter>_adadelta_mean_square_delta_x`` (:math:`E[\Delta^2]`).

    Parameters
    ----------
    decay_rate : float, optional
        Decay rate :math:`\rho` in [0, 1]. Defaults to 0.95.
    epsilon : float, optional
        Stabilizing constant :math:`\epsilon > 0` for the RMS. Defaults to
        1e-6.

    Notes
    -----
    For more information, see [ADADELTA]_.

    .. [ADADELTA] Matthew D. Zeiler, *ADADELTA: An Adaptive Learning
       Rate Method*, arXiv:1212.5701.

    """
    def __init__(self, decay_rate: float = 0.95, epsilon: float = 1e-6):
        decay_rate = check_hyperparameter('AdaDelta', 'decay_rate',
                                          decay_rate, low=0, high=1)
        epsilon = check_hyperparameter('AdaDelta', 'epsilon', epsilon,
                                       low=0, low_inclusive=False)
        self.decay_rate = shared_hyperparameter(decay_rate, 'decay_rate')
        self.epsilon = shared_hyperparameter(epsilon, 'epsilon')

    def compute_step(self, parameter, previous_step):
        mean_square_step_tm1 = create_algorithm_buffer_for(
            parameter, 'adadelta_mean_square_step')
        mean_square_delta_x_tm1 = create_algorithm_buffer_for(
            parameter, 'adadelta_mean_square_delta_x')
        mean_square_step_t = (
            self.decay_rate * mean_square_step_tm1 +
            (1 - self.decay_rate) * tensor.square(previous_step))
        rms_delta_x_tm1 = tensor.sqrt(mean_square_delta_x_tm1 + self.epsilon)
        rms_step_t = tensor.sqrt(mean_square_step_t + self.epsilon)
        delta_x_t = rms_delta_x_tm1 / rms_step_t * previous_step
        mean_square_delta_x_t = (
            self.decay_rate * mean_square_delta_x_tm1 +
            (1 - self.decay_rate) * tensor.square(delta_x_t))
        updates = [(mean_square_step_tm1,
                    cast_update(mean_square_step_tm1, mean_square_step_t)),
                   (mean_square_delta_x_tm1,
                    cast_update(mean_square_delta_x_tm1,
                                mean_square_delta_x_t))]
        return delta_x_t, updates


class AdaGrad(StepRule):
    r"""Implements the AdaGrad learning rule.

    .. math::

        G_t = G_{t-1} + g_t^2, \qquad
        \text{step}_t = \frac{\eta\, g_t}{\sqrt{G_t} + \epsilon}

    The sum of squares :math:`G` is kept in a buffer named
    ``<parameter>_adagrad_sum_squares``.

    Parameters
    ----------
    learning_rate : float, optional
        Step size :math:`\eta \geq 0`. Defaults to 0.002.
    epsilon : float, optional
        Stabilizing constant :math:`\epsilon \geq 0` added to the root of
        the sum of squares. Defaults to 1e-6.

    Attributes
    ----------
    learning_rate : :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
    epsilon : :class:`~aesara.tensor.sharedvar.TensorSharedVariable`

    Notes
    -----
    For more information, see [ADAGRAD]_.

    .. [ADAGRAD] Duchi J, Hazan E, Singer Y., *Adaptive subgradient methods
       for online learning and stochastic optimization*, JMLR 12 (2011).

    """
    def __init__(self, learning_rate: float = 0.002,
                 epsilon: float = 1e-6):
        learning_rate = check_hyperparameter('AdaGrad', 'learning_rate',
                                             learning_rate, low=0)
        epsilon = check_hyperparameter('AdaGrad', 'epsilon', epsilon, low=0)
        self.learning_rate = shared_hyperparameter(learning_rate,
                                                   'learning_rate')
        self.epsilon = shared_hyperparameter(epsilon, 'epsilon')

    def compute_step(self, parameter, previous_step):
        sum_squares = create_algorithm_buffer_for(parameter,
                                                  'adagrad_sum_squares')
        sum_squares_t = sum_squares + tensor.square(previous_step)
        step = (self.learning_rate * previous_step /
                (tensor.sqrt(sum_squares_t) + self.epsilon))
        return step, [(sum_squares, cast_update(sum_squares, sum_squares_t))]


class Adam(StepRule):
    r"""Adam optimizer as described in [KING2014]_.

    With :math:`t` counting the updates from 1:

    .. math::

        \beta_{1,t} &= \beta_1 \lambda^{t - 1} \\
        m_t &= \beta_{1,t}\, m_{t-1} + (1 - \beta_{1,t})\, g_t \\
        v_t &= \beta_2\, v_{t-1} + (1 - \beta_2)\, g_t^2 \\
        \hat m_t &= m_t / (1 - \beta_1^t), \qquad
        \hat v_t = v_t / (1 - \beta_2^t) \\
        \text{step}_t &= \eta\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    The moments and the time step are kept in buffers named
    ``<parameter>_adam_mean``, ``<parameter>_adam_variance`` and
    ``<parameter>_adam_time``.

    Parameters
    ----------
    learning_rate : float, optional
        Step size :math:`\eta \geq 0`. Defaults to 0.002.
    beta1 : float, optional
        Exponential decay rate :math:`\beta_1 \in [0, 1)` of the first
        moment estimates. Defaults to 0.9.
    beta2 : float, optional
        Exponential decay rate :math:`\beta_2 \in [0, 1)` of the second
        moment estimates. Defaults to 0.999.
    epsilon : float, optional
        Stabilizing constant :math:`\epsilon \geq 0`. Defaults to 1e-8.
    decay_factor : float, optional
        Decay :math:`\lambda \in (0, 1]` of :math:`\beta_1` over time, as
        in the first versions of the paper. Defaults to 1 (no decay).

    Attributes
    ----------
    learning_rate, beta1, beta2, epsilon, decay_factor : shared variables
        The hyperparameters, with the ``ALGORITHM_HYPERPARAMETER`` role.

    Warns
    -----
    UserWarning
        If ``beta2 < beta1``, which is what arguments written for the old
        convention (see the notes) look like.

    Notes
    -----
    **Convention change.** The original Blocks ``Adam`` took
    ``beta1=0.1, beta2=0.001`` and ``decay_factor=1 - 1e-8``: its betas
    were *one minus* the decay rates of the paper. This version uses the
    paper's convention, shared by today's libraries: pass ``beta1=0.9``
    where old code passed ``beta1=0.1``, and ``beta2=0.999`` where it
    passed ``beta2=0.001``. The step is the one of Algorithm 1 of the
    paper (``torch.optim.Adam`` computes the same): :math:`\epsilon` is
    added to the bias-corrected :math:`\sqrt{\hat v_t}`, where old Blocks
    added it before the correction.

    .. [KING2014] Diederik Kingma, Jimmy Ba, *Adam: A Method for
       Stochastic Optimization*, http://arxiv.org/abs/1412.6980

    """
    def __init__(self, learning_rate: float = 0.002, beta1: float = 0.9,
                 beta2: float = 0.999, epsilon: float = 1e-8,
                 decay_factor: float = 1):
        learning_rate = check_hyperparameter('Adam', 'learning_rate',
                                             learning_rate, low=0)
        beta1 = check_hyperparameter('Adam', 'beta1', beta1, low=0, high=1,
                                     high_inclusive=False)
        beta2 = check_hyperparameter('Adam', 'beta2', beta2, low=0, high=1,
                                     high_inclusive=False)
        epsilon = check_hyperparameter('Adam', 'epsilon', epsilon, low=0)
        decay_factor = check_hyperparameter('Adam', 'decay_factor',
                                            decay_factor, low=0, high=1,
                                            low_inclusive=False)
        if beta2 < beta1:
            warnings.warn(
                "Adam: beta2={} is smaller than beta1={}; the betas are the "
                "decay rates of the moment estimates (default beta1=0.9, "
                "beta2=0.999), not one minus them as in the old Blocks "
                "convention (beta1=0.1, beta2=0.001)".format(beta2, beta1))
        self.learning_rate = shared_hyperparameter(learning_rate,
                                                   'learning_rate')
        self.beta1 = shared_hyperparameter(beta1, 'beta1')
        self.beta2 = shared_hyperparameter(beta2, 'beta2')
        self.epsilon = shared_hyperparameter(epsilon, 'epsilon')
        self.decay_factor = shared_hyperparameter(decay_factor,
                                                  'decay_factor')

    def compute_step(self, parameter, previous_step):
        mean = create_algorithm_buffer_for(parameter, 'adam_mean')
        variance = create_algorithm_buffer_for(parameter, 'adam_variance')
        time = create_scalar_buffer_for(parameter, 'adam_time')
        time_t = time + 1
        beta1_t = self.beta1 * self.decay_factor ** (time_t - 1)
        mean_t = beta1_t * mean + (1 - beta1_t) * previous_step
        variance_t = (self.beta2 * variance +
                      (1 - self.beta2) * tensor.square(previous_step))
        corrected_mean = mean_t / (1 - self.beta1 ** time_t)
        corrected_variance = variance_t / (1 - self.beta2 ** time_t)
        step = (self.learning_rate * corrected_mean /
                (tensor.sqrt(corrected_variance) + self.epsilon))
        updates = [(mean, cast_update(mean, mean_t)),
                   (variance, cast_update(variance, variance_t)),
                   (time, cast_update(time, time_t))]
        return step, updates


class BasicRMSProp(StepRule):
    r"""Scales the step size by a running average of the recent step norms.

    .. math::

        E[g^2]_t = \rho\, E[g^2]_{t-1} + (1 - \rho)\, g_t^2, \qquad
        \text{step}_t = \frac{g_t}{\max(\sqrt{E[g^2]_t}, 1 / S)}

    where :math:`S` is `max_scaling`. The running average is kept in a
    buffer named ``<parameter>_rmsprop_mean_square_step``.

    Parameters
    ----------
    decay_rate : float, optional
        How fast the running average decays, value :math:`\rho` in [0, 1]
        (lower is faster). Defaults to 0.9.
    max_scaling : float, optional
        Maximum scaling :math:`S > 0` of the step size, in case the running
        average is really small. Defaults to 1e5.

    Attributes
    ----------
    decay_rate : :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
    max_scaling : float

    Notes
    -----
    This step rule is intended to be used in conjunction with another step
    rule, *e.g.* :class:`~blocks.algorithms.Scale`. For an
    all-batteries-included experience, look at :class:`RMSProp`.

    In general, this step rule should be used *before* other step rules,
    because it has normalization properties that may undo their work. For
    instance, it should be applied first when used in conjunction with
    :class:`~blocks.algorithms.Scale`.

    For more information, see [HINT2014]_.

    """
    def __init__(self, decay_rate: float = 0.9, max_scaling: float = 1e5):
        decay_rate = check_hyperparameter('BasicRMSProp', 'decay_rate',
                                          decay_rate, low=0, high=1)
        self.max_scaling = check_hyperparameter(
            'BasicRMSProp', 'max_scaling', max_scaling, low=0,
            low_inclusive=False)
        self.decay_rate = shared_hyperparameter(decay_rate, 'decay_rate')
        self.epsilon = 1. / self.max_scaling

    def compute_step(self, parameter, previous_step):
        mean_square_step_tm1 = create_algorithm_buffer_for(
            parameter, 'rmsprop_mean_square_step')
        mean_square_step_t = (
            self.decay_rate * mean_square_step_tm1 +
            (1 - self.decay_rate) * tensor.square(previous_step))
        rms_step_t = tensor.maximum(tensor.sqrt(mean_square_step_t),
                                    self.epsilon)
        step = previous_step / rms_step_t
        return step, [(mean_square_step_tm1,
                       cast_update(mean_square_step_tm1, mean_square_step_t))]


class RMSProp(CompositeRule):
    r"""Scales the step size by a running average of the recent step norms.

    Combines :class:`BasicRMSProp` and :class:`~blocks.algorithms.Scale`
    to form the step rule described in [HINT2014]_:
    :math:`\text{step}_t = \eta\, g_t / \max(\sqrt{E[g^2]_t}, 1 / S)`.

    .. [HINT2014] Geoff Hinton, *Neural Networks for Machine Learning*,
       lecture 6a,
       http://cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf

    Parameters
    ----------
    learning_rate : float, optional
        The learning rate :math:`\eta` by which the previous step is
        scaled. Defaults to 1.
    decay_rate : float, optional
        How fast the running average decays (lower is faster), in [0, 1].
        Defaults to 0.9.
    max_scaling : float, optional
        Maximum scaling :math:`S > 0` of the step size, in case the running
        average is really small. Defaults to 1e5.

    Attributes
    ----------
    learning_rate : :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
        A variable for the learning rate.
    decay_rate : :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
        A variable for the decay rate.

    See Also
    --------
    blocks.extensions.training.SharedVariableModifier

    """
    def __init__(self, learning_rate: float = 1.0, decay_rate: float = 0.9,
                 max_scaling: float = 1e5):
        basic_rms_prop = BasicRMSProp(decay_rate=decay_rate,
                                      max_scaling=max_scaling)
        scale = Scale(learning_rate=learning_rate)
        self.learning_rate = scale.learning_rate
        self.decay_rate = basic_rms_prop.decay_rate
        super().__init__([basic_rms_prop, scale])
