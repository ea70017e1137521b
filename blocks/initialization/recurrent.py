r"""Initializations for recurrent networks: echo state, random walk, LSTM.

- :class:`EchoState` scales a random square matrix to a given spectral
  radius;
- :class:`RandomWalk` draws a matrix whose gain keeps the norm of
  back-propagated gradients roughly constant over many layers or steps;
- :class:`LstmOptInit` initializes the four gate blocks of the
  concatenated parameters of an LSTM with separate schemes, e.g. a
  forget-gate bias of 1.

"""
import math
import numbers

import numpy
import aesara

from blocks.initialization import (Constant, NdarrayInitialization,
                                   _check_matrix_shape, _check_real,
                                   _check_shape, _name)

__all__ = ['EchoState', 'RandomWalk', 'LstmOptInit']


class EchoState(NdarrayInitialization):
    """A random square matrix with a given spectral radius.

    Brainstorm's ``EchoState``: a matrix of standard normal variates is
    rescaled so that the largest absolute value of its eigenvalues is
    `spectral_radius`. A radius below 1 gives the echo state property to
    the recurrent weights of a reservoir.

    Parameters
    ----------
    spectral_radius : float, optional
        The spectral radius (>= 0); 1 by default.

    Raises
    ------
    ValueError
        From :meth:`generate`, if the shape is not square.

    Examples
    --------
    >>> import numpy
    >>> matrix = EchoState(0.9).generate(numpy.random.RandomState(1),
    ...                                  (20, 20))
    >>> round(float(abs(numpy.linalg.eigvals(matrix)).max()), 6)
    0.9

    """
    def __init__(self, spectral_radius=1.):
        self.spectral_radius = _check_real(self, 'spectral_radius',
                                           spectral_radius, minimum=0)

    def generate(self, rng, shape):
        rows, columns = _check_matrix_shape(self, shape)
        if rows != columns:
            raise ValueError("EchoState: only works for square matrices, got "
                             "the shape {}".format(tuple(shape)))
        matrix = rng.normal(size=(rows, columns))
        radius = abs(numpy.linalg.eigvals(matrix)).max() if rows else 0.
        if radius > 0:
            matrix *= self.spectral_radius / radius
        return matrix.astype(aesara.config.floatX)

    def __repr__(self):
        return 'EchoState(spectral_radius={!r})'.format(self.spectral_radius)


class RandomWalk(NdarrayInitialization):
    r"""Random walk initialization of a weight matrix.

    Weights are drawn from :math:`\mathcal{N}(0, g^2 / N)`, where :math:`N`
    is the number of inputs of a unit (the number of rows, for Blocks'
    ``(input_dim, output_dim)`` matrices) and the gain depends on the
    activation [Sussillo2014]_:

    - linear: :math:`g = \exp\left(\frac{1}{2N}\right)`;
    - rectifier: :math:`g = \sqrt{2}\,\exp\left(\frac{1.2}{\max(N, 6) -
      2.4}\right)`.

    Parameters
    ----------
    act_func : {'linear', 'relu'}, optional
        The activation of the units; 'linear' by default. Brainstorm's
        'rel' means 'relu'.
    scale : float, optional
        The gain :math:`g`, instead of the one for `act_func`.

    References
    ----------
    .. [Sussillo2014] Sussillo, D., Abbott, L. F., *Random walk
       initialization for training very deep feedforward networks*,
       arXiv:1412.6558.

    Examples
    --------
    >>> RandomWalk('relu').gain(100)  # doctest: +ELLIPSIS
    1.43...

    """
    ACTIVATIONS = ('linear', 'relu', 'rel')

    def __init__(self, act_func='linear', scale=None):
        if act_func not in self.ACTIVATIONS:
            raise ValueError("RandomWalk: act_func must be one of {}, got "
                             "{!r}".format(self.ACTIVATIONS, act_func))
        if scale is not None:
            scale = _check_real(self, 'scale', scale, minimum=0)
        self.act_func = act_func
        self.scale = scale

    def gain(self, num_inputs):
        """The gain :math:`g` for :math:`N` inputs per unit."""
        if self.scale is not None:
            return self.scale
        if self.act_func == 'linear':
            return math.exp(1. / (2 * num_inputs))
        return math.sqrt(2.) * math.exp(1.2 / (max(num_inputs, 6) - 2.4))

    def generate(self, rng, shape):
        rows, columns = _check_matrix_shape(self, shape)
        if rows == 0:
            return numpy.zeros(shape, dtype=aesara.config.floatX)
        std = self.gain(rows) / math.sqrt(rows)
        return rng.normal(0., std, size=shape).astype(aesara.config.floatX)

    def __repr__(self):
        return 'RandomWalk(act_func={!r}, scale={!r})'.format(
            self.act_func, self.scale)


def _as_initialization(owner, argument, value):
    if isinstance(value, NdarrayInitialization):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError("{}: {} must be a number or an NdarrayInitialization, "
                        "got {!r}".format(owner, argument, value))
    return Constant(value)


class LstmOptInit(NdarrayInitialization):
    """Initialize the four gate blocks of LSTM parameters separately.

    An LSTM keeps the parameters of its four blocks side by side along the
    last axis (``W_state`` of shape ``(dim, 4 * dim)``, the biases of the
    input transformation of shape ``(4 * dim,)``); this initialization
    splits the last axis in four equal parts, in the order of
    :attr:`gate_order` (the order of Blocks' LSTM: input gate, forget
    gate, cell input, output gate), and initializes each with its own
    scheme. Brainstorm's ``LstmOptInit``.

    Parameters
    ----------
    input_block : float or NdarrayInitialization, optional
        The cell input ("block input"); 0 by default.
    input_gate : float or NdarrayInitialization, optional
        0 by default.
    forget_gate : float or NdarrayInitialization, optional
        0 by default; 1 is a common choice for the bias.
    output_gate : float or NdarrayInitialization, optional
        0 by default.

    Raises
    ------
    ValueError
        From :meth:`generate`, if the last axis is not a multiple of 4.

    Examples
    --------
    >>> import numpy
    >>> biases = LstmOptInit(forget_gate=1.).generate(
    ...     numpy.random.RandomState(1), (8,))
    >>> biases.tolist()
    [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]

    """
    #: The blocks along the last axis, in order.
    gate_order = ('input_gate', 'forget_gate', 'input_block', 'output_gate')

    def __init__(self, input_block=0., input_gate=0., forget_gate=0.,
                 output_gate=0.):
        arguments = {'input_block': input_block, 'input_gate': input_gate,
                     'forget_gate': forget_gate, 'output_gate': output_gate}
        for name, value in arguments.items():
            setattr(self, name, _as_initialization('LstmOptInit', name,
                                                   value))

    def generate(self, rng, shape):
        shape = _check_shape(self, shape)
        if not shape or shape[-1] % 4:
            raise ValueError("LstmOptInit: the last axis must hold the four "
                             "gate blocks of an LSTM, so its length must be "
                             "a multiple of 4; got the shape {}".format(
                                 shape))
        block_shape = shape[:-1] + (shape[-1] // 4,)
        blocks = [numpy.asarray(getattr(self, name).generate(rng,
                                                             block_shape))
                  for name in self.gate_order]
        return numpy.concatenate(blocks, axis=-1).astype(
            aesara.config.floatX)

    def __repr__(self):
        return '{}({})'.format(_name(self), ', '.join(
            '{}={!r}'.format(name, getattr(self, name))
            for name in ('input_block', 'input_gate', 'forget_gate',
                         'output_gate')))
