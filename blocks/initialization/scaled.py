r"""Initializations scaled by the numbers of inputs and outputs of units.

Every scheme here draws weights of variance

.. math:: \sigma^2 = \frac{s}{n}, \qquad
          n \in \left\{n_\text{in},\ n_\text{out},\
          \tfrac{1}{2}(n_\text{in} + n_\text{out})\right\}

from a normal distribution or from the uniform distribution on
:math:`[-\sqrt{3}\sigma, \sqrt{3}\sigma]` (:class:`VarianceScaling`); the
named schemes fix :math:`s`, :math:`n` and the distribution.

The fan-in :math:`n_\text{in}` and fan-out :math:`n_\text{out}` follow
Blocks' layouts (:func:`fans`): a weight matrix has the shape
``(input_dim, output_dim)``, a convolution kernel ``(num_filters,
num_channels, height, width)`` (or more spatial axes), so that

- dense: :math:`n_\text{in} =` ``input_dim``, :math:`n_\text{out} =`
  ``output_dim``;
- convolution: :math:`n_\text{in} =` ``num_channels * height * width``,
  :math:`n_\text{out} =` ``num_filters * height * width``.

>>> import numpy
>>> from blocks.bricks import MLP, Rectifier, Softmax
>>> from blocks.initialization import Constant
>>> mlp = MLP([Rectifier(), Softmax()], [784, 100, 10],
...           weights_init=HeNormal(), biases_init=Constant(0))
>>> mlp.initialize()
>>> weights = mlp.linear_transformations[0].W.get_value()
>>> round(float(weights.std() * numpy.sqrt(784 / 2.)), 1)
1.0

"""
import math

import aesara

from blocks.initialization import (NdarrayInitialization, _check_real,
                                   _check_shape, _name)

__all__ = ['fans', 'VarianceScaling', 'GlorotUniform', 'GlorotNormal',
           'XavierUniform', 'XavierNormal', 'HeUniform', 'HeNormal',
           'KaimingUniform', 'KaimingNormal', 'LeCunUniform', 'LeCunNormal',
           'DenseSqrtFanIn', 'DenseSqrtFanInOut']


def fans(shape, owner='fans'):
    """The fan-in and fan-out of a weight array of a given shape.

    Parameters
    ----------
    shape : tuple of int
        ``(input_dim, output_dim)`` for a dense weight matrix,
        ``(num_filters, num_channels, *spatial)`` for a convolution kernel.
    owner : str, optional
        Who asks, for the error message.

    Returns
    -------
    fan_in, fan_out : int

    Raises
    ------
    ValueError
        For fewer than two dimensions (biases have no fans).

    Examples
    --------
    >>> fans((784, 100))
    (784, 100)
    >>> fans((32, 3, 5, 5))
    (75, 800)

    """
    if len(shape) < 2:
        raise ValueError("{}: the fan-in and fan-out of a weight array need "
                         "at least 2 dimensions, got the shape {} (a bias? "
                         "initialize biases with e.g. Constant(0))".format(
                             owner, tuple(shape)))
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    receptive_field = math.prod(shape[2:])
    return int(shape[1] * receptive_field), int(shape[0] * receptive_field)


class VarianceScaling(NdarrayInitialization):
    r"""Draw weights with a variance inversely proportional to a fan.

    Parameters
    ----------
    scale : float, optional
        :math:`s > 0`; 1 by default.
    mode : {'fan_in', 'fan_out', 'fan_avg'}, optional
        Which :math:`n`: the fan-in (the default), the fan-out or their
        mean.
    distribution : {'normal', 'uniform'}, optional
        'normal' by default.

    Raises
    ------
    ValueError
        From :meth:`generate`, for a shape with fewer than two dimensions
        or a fan of zero.

    Examples
    --------
    >>> import numpy
    >>> sample = VarianceScaling(2., 'fan_out', 'uniform').generate(
    ...     numpy.random.RandomState(1), (50, 200))
    >>> bool(abs(sample).max() <= numpy.sqrt(3 * 2. / 200))
    True

    """
    MODES = ('fan_in', 'fan_out', 'fan_avg')
    DISTRIBUTIONS = ('normal', 'uniform')

    def __init__(self, scale=1., mode='fan_in', distribution='normal'):
        self.scale = _check_real(self, 'scale', scale, minimum=0)
        if mode not in self.MODES:
            raise ValueError("{}: mode must be one of {}, got {!r}".format(
                _name(self), self.MODES, mode))
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError("{}: distribution must be one of {}, got {!r}"
                             .format(_name(self), self.DISTRIBUTIONS,
                                     distribution))
        self.mode = mode
        self.distribution = distribution

    def std(self, shape):
        """The standard deviation of the weights for a shape."""
        fan_in, fan_out = fans(shape, _name(self))
        fan = {'fan_in': fan_in, 'fan_out': fan_out,
               'fan_avg': (fan_in + fan_out) / 2}[self.mode]
        if fan == 0:
            raise ValueError("{}: the shape {} has a {} of 0".format(
                _name(self), tuple(shape), self.mode))
        return math.sqrt(self.scale / fan)

    def generate(self, rng, shape):
        shape = _check_shape(self, shape)
        std = self.std(shape)
        if self.distribution == 'normal':
            sample = rng.normal(0., std, size=shape)
        else:
            limit = math.sqrt(3.) * std
            sample = rng.uniform(-limit, limit, size=shape)
        return sample.astype(aesara.config.floatX)

    def __repr__(self):
        return '{}(scale={!r}, mode={!r}, distribution={!r})'.format(
            _name(self), self.scale, self.mode, self.distribution)


class _GainScaling(VarianceScaling):
    """A named scheme with a gain :math:`g`, so that :math:`s = g^2`."""
    mode = None
    distribution = None
    default_gain = 1.

    def __init__(self, gain=None):
        if gain is None:
            gain = self.default_gain
        self.gain = _check_real(self, 'gain', gain, minimum=0)
        super().__init__(self.gain ** 2, type(self).mode,
                         type(self).distribution)

    def __repr__(self):
        return '{}(gain={!r})'.format(_name(self), self.gain)


class GlorotUniform(_GainScaling):
    r"""Glorot (Xavier) uniform: :math:`\sigma^2 = \frac{2 g^2}{n_\text{in}
    + n_\text{out}}`, uniform on :math:`\pm\sqrt{6 / (n_\text{in} +
    n_\text{out})}\, g`.

    Parameters
    ----------
    gain : float, optional
        :math:`g`; 1 by default (4 is the usual choice for logistic
        units).

    References
    ----------
    Glorot, X., Bengio, Y., *Understanding the difficulty of training
    deep feedforward neural networks*, AISTATS 2010.

    """
    mode = 'fan_avg'
    distribution = 'uniform'


class GlorotNormal(_GainScaling):
    r"""Glorot (Xavier) normal: :math:`\sigma^2 = \frac{2 g^2}{n_\text{in}
    + n_\text{out}}`.

    Parameters
    ----------
    gain : float, optional
        :math:`g`; 1 by default.

    """
    mode = 'fan_avg'
    distribution = 'normal'


class HeUniform(_GainScaling):
    r"""He (Kaiming) uniform: :math:`\sigma^2 = g^2 / n_\text{in}`.

    Parameters
    ----------
    gain : float, optional
        :math:`g`; :math:`\sqrt{2}` by default, for rectifiers.

    References
    ----------
    He, K., Zhang, X., Ren, S., Sun, J., *Delving deep into rectifiers:
    surpassing human-level performance on ImageNet classification*, ICCV
    2015.

    """
    mode = 'fan_in'
    distribution = 'uniform'
    default_gain = math.sqrt(2.)


class HeNormal(_GainScaling):
    r"""He (Kaiming) normal: :math:`\sigma^2 = g^2 / n_\text{in}`.

    Parameters
    ----------
    gain : float, optional
        :math:`g`; :math:`\sqrt{2}` by default, for rectifiers.

    """
    mode = 'fan_in'
    distribution = 'normal'
    default_gain = math.sqrt(2.)


class LeCunUniform(_GainScaling):
    r"""LeCun uniform: :math:`\sigma^2 = g^2 / n_\text{in}`, :math:`g = 1`.

    Parameters
    ----------
    gain : float, optional
        :math:`g`; 1 by default.

    """
    mode = 'fan_in'
    distribution = 'uniform'


class LeCunNormal(_GainScaling):
    r"""LeCun normal: :math:`\sigma^2 = g^2 / n_\text{in}`, :math:`g = 1`.

    Parameters
    ----------
    gain : float, optional
        :math:`g`; 1 by default.

    """
    mode = 'fan_in'
    distribution = 'normal'


#: Other names of the schemes.
XavierUniform = GlorotUniform
XavierNormal = GlorotNormal
KaimingUniform = HeUniform
KaimingNormal = HeNormal


class _BrainstormScaling(VarianceScaling):
    """Uniform on :math:`\\pm c / \\sqrt{m}`, with :math:`c` given by a
    number or by the name of an activation."""
    mode = None
    #: :math:`m` is this times the fan of the mode.
    fan_multiplier = 1.
    #: The scale :math:`c` for each activation.
    activation_scales = {}

    def __init__(self, scale='rel'):
        if isinstance(scale, str):
            if scale not in self.activation_scales:
                raise ValueError("{}: scale must be a number or one of {}, "
                                 "got {!r}".format(
                                     _name(self),
                                     sorted(self.activation_scales), scale))
            bound = self.activation_scales[scale]
        else:
            bound = _check_real(self, 'scale', scale, minimum=0)
        self.scale_argument = scale
        self.bound = bound
        # The uniform distribution on +-c / sqrt(m) has the variance
        # c^2 / (3 m).
        super().__init__(bound ** 2 / (3. * self.fan_multiplier),
                         type(self).mode, 'uniform')

    def __repr__(self):
        return '{}(scale={!r})'.format(_name(self), self.scale_argument)


class DenseSqrtFanIn(_BrainstormScaling):
    r"""Brainstorm's ``DenseSqrtFanIn``: uniform on :math:`\pm c /
    \sqrt{n_\text{in}}`.

    Parameters
    ----------
    scale : float or {'rel', 'tanh', 'sigmoid', 'linear'}, optional
        :math:`c`, or the activation that determines it:
        :math:`\sqrt{6}`, :math:`\sqrt{3}`, :math:`4\sqrt{3}` and 1; 'rel'
        (rectifier) by default, which is :class:`HeUniform`.

    Examples
    --------
    >>> import numpy
    >>> sample = DenseSqrtFanIn('tanh').generate(
    ...     numpy.random.RandomState(1), (300, 10))
    >>> bool(abs(sample).max() <= numpy.sqrt(3) / numpy.sqrt(300))
    True

    """
    mode = 'fan_in'
    activation_scales = {'rel': math.sqrt(6.), 'tanh': math.sqrt(3.),
                         'sigmoid': 4 * math.sqrt(3.), 'linear': 1.}


class DenseSqrtFanInOut(_BrainstormScaling):
    r"""Brainstorm's ``DenseSqrtFanInOut``: uniform on :math:`\pm c /
    \sqrt{n_\text{in} + n_\text{out}}`.

    Parameters
    ----------
    scale : float or {'rel', 'tanh', 'sigmoid', 'linear'}, optional
        :math:`c`, or the activation that determines it:
        :math:`\sqrt{12}`, :math:`\sqrt{6}`, :math:`4\sqrt{6}` and 1, as
        brainstorm documents them; 'rel' (rectifier) by default. 'tanh' is
        :class:`GlorotUniform`.

    """
    mode = 'fan_avg'
    # m = fan_in + fan_out is twice the mean of the fans.
    fan_multiplier = 2.
    activation_scales = {'rel': math.sqrt(12.), 'tanh': math.sqrt(6.),
                         'sigmoid': 4 * math.sqrt(6.), 'linear': 1.}
