"""Schemes to initialize the numerical values of parameters.

Every scheme is an :class:`NdarrayInitialization`: its :meth:`generate`
method draws an array of a requested shape from a NumPy random number
generator, and its :meth:`initialize` method writes such an array into a
shared variable. Arrays have the dtype ``aesara.config.floatX`` and, for a
given generator state, always the same values.

The schemes of the spec are defined here; the others are in sub-modules
and importable from here too:

- :mod:`blocks.initialization.scaled`: schemes scaled by the fan-in and
  fan-out (Glorot/Xavier, He/Kaiming, LeCun, brainstorm's
  ``DenseSqrtFanIn`` and ``DenseSqrtFanInOut``);
- :mod:`blocks.initialization.recurrent`: :class:`EchoState`,
  :class:`RandomWalk` and :class:`LstmOptInit`.

>>> import numpy
>>> from blocks.utils import shared_floatx_nans
>>> weights = shared_floatx_nans((2, 3))
>>> Constant(0.5).initialize(weights, numpy.random.RandomState(1))
>>> weights.get_value().tolist()
[[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]

"""
import math
import numbers
from abc import ABC, abstractmethod

import numpy
import aesara


def _name(owner):
    return type(owner).__name__


def _check_real(owner, argument, value, minimum=None):
    """Check that a constructor argument is a real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError("{}: {} must be a real number, got {!r}"
                        .format(_name(owner), argument, value))
    if not math.isfinite(value):
        raise ValueError("{}: {} must be finite, got {!r}"
                         .format(_name(owner), argument, value))
    if minimum is not None and value < minimum:
        raise ValueError("{}: {} must be at least {}, got {!r}"
                         .format(_name(owner), argument, minimum, value))
    return value


def _check_initialization(owner, argument, value):
    if not isinstance(value, NdarrayInitialization):
        raise TypeError("{}: {} must be an NdarrayInitialization instance, "
                        "got {!r}".format(_name(owner), argument, value))
    return value


def _check_shape(owner, shape):
    """Return ``shape`` as a tuple of non-negative Python integers."""
    try:
        dimensions = tuple(shape)
    except TypeError as exc:
        raise TypeError("{}: shape must be a tuple of integers, got {!r}"
                        .format(_name(owner), shape)) from exc
    for dimension in dimensions:
        if (isinstance(dimension, bool) or
                not isinstance(dimension, numbers.Integral)):
            raise TypeError("{}: shape must be a tuple of integers, got {!r}"
                            .format(_name(owner), shape))
        if dimension < 0:
            raise ValueError("{}: shape must be a tuple of non-negative "
                             "integers, got {!r}".format(_name(owner), shape))
    return tuple(int(dimension) for dimension in dimensions)


def _check_matrix_shape(owner, shape):
    shape = _check_shape(owner, shape)
    if len(shape) != 2:
        raise ValueError("{}: only works for 2D arrays, got the shape {} "
                         "({} dimensions), expected (rows, columns)"
                         .format(_name(owner), shape, len(shape)))
    return shape


class NdarrayInitialization(ABC):
    """Base class specifying the interface for ndarray initialization.

    Subclasses implement :meth:`generate`; :meth:`initialize` is built on
    it. Instances hold only their configuration, so they pickle.

    """
    @abstractmethod
    def generate(self, rng: numpy.random.RandomState,
                 shape: tuple) -> numpy.ndarray:
        """Generate an initial set of parameters from a given distribution.

        Parameters
        ----------
        rng : :class:`numpy.random.RandomState`
            The random number generator to draw from. Schemes that draw no
            random numbers ignore it.
        shape : tuple
            A shape tuple for the requested parameter array shape.

        Returns
        -------
        output : :class:`~numpy.ndarray`
            An ndarray with values drawn from the distribution specified by
            this object, of shape `shape`, with dtype
            ``aesara.config.floatX``.

        """

    def initialize(self, var, rng: numpy.random.RandomState,
                   shape: tuple | None = None) -> None:
        """Initialize a shared variable with generated parameters.

        Parameters
        ----------
        var : :class:`~aesara.compile.sharedvalue.SharedVariable`
            A shared variable whose value will be set with values drawn
            from this :class:`NdarrayInitialization` instance. The values
            are cast to the variable's dtype.
        rng : :class:`numpy.random.RandomState`
            The random number generator to draw from.
        shape : tuple, optional
            A shape tuple for the requested parameter array shape. Defaults
            to the shape of the variable's current value.

        Raises
        ------
        TypeError
            If `var` is not a shared variable.
        ValueError
            If `shape` does not have the variable's number of dimensions,
            or the generated array does not have the requested shape.

        Examples
        --------
        >>> import numpy
        >>> from blocks.utils import shared_floatx_zeros
        >>> biases = shared_floatx_zeros((3,))
        >>> Constant(1).initialize(biases, numpy.random.RandomState(1))
        >>> biases.get_value().tolist()
        [1.0, 1.0, 1.0]

        """
        if not (hasattr(var, 'get_value') and hasattr(var, 'set_value')):
            raise TypeError("{}: var must be a shared variable, got {!r}"
                            .format(_name(self), var))
        if shape is None:
            shape = var.get_value(borrow=True,
                                  return_internal_type=True).shape
        shape = _check_shape(self, shape)
        ndim = getattr(var, 'ndim', len(shape))
        if len(shape) != ndim:
            raise ValueError("{}: the shape {} requested for {} has {} "
                             "dimensions, expected {} like the variable"
                             .format(_name(self), shape, var, len(shape),
                                     ndim))
        value = numpy.asarray(self.generate(rng, shape))
        if value.shape != shape:
            raise ValueError("{}: generated an array of shape {} for {}, "
                             "expected the requested shape {}"
                             .format(_name(self), value.shape, var, shape))
        dtype = getattr(var, 'dtype', aesara.config.floatX)
        var.set_value(value.astype(dtype, copy=False))


class Constant(NdarrayInitialization):
    """Initialize parameters to a constant.

    The constant may be a scalar or a ndarray of any shape that is
    broadcastable with the requested parameter arrays.

    Parameters
    ----------
    constant : ndarray
        The initialization value to use. Must be a scalar or an ndarray (or
        compatible object, such as a nested list) that has a shape that is
        broadcastable with any shape requested by `initialize`.

    Raises
    ------
    TypeError
        If `constant` is not numerical.
    ValueError
        From :meth:`generate`, if `constant` cannot be broadcast to the
        requested shape.

    Examples
    --------
    >>> import numpy
    >>> rng = numpy.random.RandomState(1)
    >>> Constant([1, 2, 3]).generate(rng, (2, 3)).tolist()
    [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
    >>> Constant([1, 2]).generate(rng, (2, 3))
    Traceback (most recent call last):
      ...
    ValueError: Constant: a constant of shape (2,) cannot be broadcast ...

    """
    def __init__(self, constant):
        try:
            self.constant = numpy.asarray(constant)
        except ValueError as exc:
            raise ValueError("Constant: constant must be a scalar or a "
                             "rectangular array, got {!r}"
                             .format(constant)) from exc
        if self.constant.dtype.kind not in 'biuf':
            raise TypeError("Constant: constant must be numerical, got {!r} "
                            "of dtype {}".format(constant,
                                                 self.constant.dtype))

    def generate(self, rng, shape):
        shape = _check_shape(self, shape)
        try:
            broadcast = numpy.broadcast_to(self.constant, shape)
        except ValueError as exc:
            raise ValueError("Constant: a constant of shape {} cannot be "
                             "broadcast to the requested shape {}"
                             .format(self.constant.shape, shape)) from exc
        return numpy.array(broadcast, dtype=aesara.config.floatX)

    def __repr__(self):
        return 'Constant(constant={!r})'.format(self.constant.tolist())


class IsotropicGaussian(NdarrayInitialization):
    """Initialize parameters from an isotropic Gaussian distribution.

    Parameters
    ----------
    std : float, optional
        The standard deviation of the Gaussian distribution. Defaults to 1.
    mean : float, optional
        The mean of the Gaussian distribution. Defaults to 0.

    Notes
    -----
    Be careful: the standard deviation goes first and the mean goes second!

    Examples
    --------
    >>> import numpy
    >>> sample = IsotropicGaussian(0.1, mean=5).generate(
    ...     numpy.random.RandomState(1), (1000,))
    >>> print(round(float(sample.mean()), 1), round(float(sample.std()), 1))
    5.0 0.1

    """
    def __init__(self, std=1, mean=0):
        self.std = _check_real(self, 'std', std, minimum=0)
        self.mean = _check_real(self, 'mean', mean)

    def generate(self, rng, shape):
        shape = _check_shape(self, shape)
        sample = rng.normal(self.mean, self.std, size=shape)
        return sample.astype(aesara.config.floatX)

    def __repr__(self):
        return 'IsotropicGaussian(std={!r}, mean={!r})'.format(self.std,
                                                               self.mean)


class Uniform(NdarrayInitialization):
    """Initialize parameters from a uniform distribution.

    Parameters
    ----------
    mean : float, optional
        The mean of the uniform distribution (i.e. the center of mass for
        the density function); Defaults to 0.
    width : float, optional
        One way of specifying the range of the uniform distribution. The
        support will be [mean - width/2, mean + width/2]. **Exactly one** of
        `width` or `std` must be specified.
    std : float, optional
        An alternative method of specifying the range of the uniform
        distribution. Chooses the width of the uniform such that random
        variates will have a desired standard deviation, :math:`width =
        \\sqrt{12} \\, std`. **Exactly one** of `width` or `std` must be
        specified.

    Raises
    ------
    ValueError
        If neither or both of `width` and `std` are given.

    Examples
    --------
    >>> import numpy
    >>> sample = Uniform(mean=1, width=2).generate(
    ...     numpy.random.RandomState(1), (1000,))
    >>> bool(sample.min() >= 0 and sample.max() <= 2)
    True
    >>> Uniform(width=1, std=1)
    Traceback (most recent call last):
      ...
    ValueError: Uniform: exactly one of width and std must be given, ...

    """
    def __init__(self, mean=0., width=None, std=None):
        if (width is None) == (std is None):
            raise ValueError("Uniform: exactly one of width and std must be "
                             "given, got width={!r} and std={!r}"
                             .format(width, std))
        self.mean = _check_real(self, 'mean', mean)
        self.std = std
        if std is not None:
            # The variance of a uniform distribution is width ** 2 / 12.
            self.width = math.sqrt(12) * _check_real(self, 'std', std,
                                                     minimum=0)
        else:
            self.width = _check_real(self, 'width', width, minimum=0)

    def generate(self, rng, shape):
        shape = _check_shape(self, shape)
        half_width = self.width / 2
        sample = rng.uniform(self.mean - half_width, self.mean + half_width,
                             size=shape)
        return sample.astype(aesara.config.floatX)

    def __repr__(self):
        if self.std is not None:
            return 'Uniform(mean={!r}, std={!r})'.format(self.mean, self.std)
        return 'Uniform(mean={!r}, width={!r})'.format(self.mean, self.width)


class Identity(NdarrayInitialization):
    """Initialize to the identity matrix.

    Only works for 2D arrays. If the number of columns is not equal to the
    number of rows, the array is the rectangular identity
    ``numpy.eye(rows, columns)``: the square identity truncated or padded
    with zeros.

    Parameters
    ----------
    mult : float, optional
        Multiply the identity matrix with a scalar. Defaults to 1.

    Raises
    ------
    ValueError
        From :meth:`generate`, if the requested shape is not 2D.

    Examples
    --------
    >>> import numpy
    >>> Identity(2).generate(numpy.random.RandomState(1), (2, 3)).tolist()
    [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]

    """
    def __init__(self, mult=1):
        self.mult = _check_real(self, 'mult', mult)

    def generate(self, rng, shape):
        rows, columns = _check_matrix_shape(self, shape)
        return (self.mult * numpy.eye(rows, columns)).astype(
            aesara.config.floatX)

    def __repr__(self):
        return 'Identity(mult={!r})'.format(self.mult)


class Orthogonal(NdarrayInitialization):
    """Initialize a random orthogonal matrix.

    Only works for 2D arrays. A square matrix is drawn uniformly (from the
    Haar distribution) among orthogonal matrices. A non-square matrix is
    semi-orthogonal: its rows are orthonormal if it is wide, its columns
    if it is tall; it is the first columns (or the transposed first
    columns) of such a square matrix. The QR decomposition of a matrix of
    standard normal variates provides it, with the signs corrected so that
    the distribution is uniform.

    Parameters
    ----------
    scale : float, optional
        Multiply the resulting matrix with a scalar. Defaults to 1. For a
        discussion of the importance of scale for training time and
        generalization refer to [Saxe2013]_.

    Raises
    ------
    ValueError
        From :meth:`generate`, if the requested shape is not 2D.

    References
    ----------
    .. [Saxe2013] Saxe, A.M., McClelland, J.L., Ganguli, S., 2013., *Exact
       solutions to the nonlinear dynamics of learning in deep linear
       neural networks*, arXiv:1312.6120 [cond-mat, q-bio, stat].

    Examples
    --------
    >>> import numpy
    >>> matrix = Orthogonal().generate(numpy.random.RandomState(1), (2, 4))
    >>> numpy.allclose(matrix.dot(matrix.T), numpy.eye(2))
    True

    """
    def __init__(self, scale=1):
        self.scale = _check_real(self, 'scale', scale)

    def generate(self, rng, shape):
        rows, columns = _check_matrix_shape(self, shape)
        normal = rng.normal(size=(max(rows, columns), min(rows, columns)))
        orthonormal, triangular = numpy.linalg.qr(normal)
        # NumPy does not make the diagonal of R non-negative; without this
        # correction the distribution of Q would not be uniform.
        signs = numpy.where(numpy.diag(triangular) < 0, -1., 1.)
        orthonormal = orthonormal * signs
        if rows < columns:
            orthonormal = orthonormal.T
        return (self.scale * orthonormal).astype(aesara.config.floatX)

    def __repr__(self):
        return 'Orthogonal(scale={!r})'.format(self.scale)


class Sparse(NdarrayInitialization):
    """Initialize only a fraction of the weights, row-wise.

    In each row, `num_init` weights chosen at random are drawn from
    `weights_init`; the others are taken from `sparse_init`.

    Parameters
    ----------
    num_init : int or float
        If int, this is the number of weights to initialize per row. If
        float, it's the fraction of the weights per row to initialize: the
        number is ``floor(num_init * columns)``.
    weights_init : :class:`NdarrayInitialization` instance
        The initialization scheme to initialize the weights with.
    sparse_init : :class:`NdarrayInitialization` instance, optional
        What to set the non-initialized weights to (0. by default)

    Raises
    ------
    ValueError
        From :meth:`generate`, if the shape is not 2D or a row has fewer
        than `num_init` columns.

    Examples
    --------
    >>> import numpy
    >>> weights = Sparse(2, Constant(1)).generate(
    ...     numpy.random.RandomState(1), (3, 5))
    >>> (weights != 0).sum(axis=1).tolist()
    [2, 2, 2]

    """
    def __init__(self, num_init, weights_init, sparse_init=None):
        if isinstance(num_init, bool) or not isinstance(num_init,
                                                        numbers.Real):
            raise TypeError("{}: num_init must be an int or a float, got {!r}"
                            .format(_name(self), num_init))
        if isinstance(num_init, numbers.Integral):
            if num_init <= 0:
                raise ValueError("{}: num_init must be a positive number of "
                                 "weights, got {!r}"
                                 .format(_name(self), num_init))
            num_init = int(num_init)
        elif not 0 < num_init <= 1:
            raise ValueError("{}: num_init must be a fraction in (0, 1] when "
                             "it is a float, got {!r}"
                             .format(_name(self), num_init))
        self.num_init = num_init
        self.weights_init = _check_initialization(self, 'weights_init',
                                                  weights_init)
        if sparse_init is None:
            sparse_init = Constant(0.)
        self.sparse_init = _check_initialization(self, 'sparse_init',
                                                 sparse_init)

    def generate(self, rng, shape):
        shape = _check_matrix_shape(self, shape)
        return self._generate_along(rng, shape, (0,))

    def _generate_along(self, rng, shape, axes):
        """Initialize `num_init` weights per index along `axes`."""
        others = tuple(axis for axis in range(len(shape)) if axis not in axes)
        order = axes + others
        rows = math.prod(shape[axis] for axis in axes)
        columns = math.prod(shape[axis] for axis in others)
        num_init = self._num_per_row(shape, columns)
        background = numpy.asarray(self.sparse_init.generate(rng, shape))
        weights = numpy.array(background.transpose(order).reshape(
            (rows, columns)), dtype=aesara.config.floatX)
        values = self.weights_init.generate(rng, (rows, num_init))
        # Sorting i.i.d. uniform variates gives a uniform random
        # permutation of the columns of every row at once.
        chosen = rng.uniform(size=(rows, columns)).argsort(axis=1)
        weights[numpy.arange(rows)[:, None], chosen[:, :num_init]] = values
        unflattened = weights.reshape(tuple(shape[axis] for axis in order))
        return unflattened.transpose(numpy.argsort(order))

    def _num_per_row(self, shape, columns):
        if isinstance(self.num_init, int):
            if self.num_init > columns:
                raise ValueError(
                    "{}: cannot initialize num_init={} weights per row of "
                    "the shape {}, whose rows have {} weights"
                    .format(_name(self), self.num_init, shape, columns))
            return self.num_init
        # Rounding first keeps e.g. 0.29 * 100 from flooring to 28.
        return math.floor(round(self.num_init * columns, 9))

    def __repr__(self):
        return '{}(num_init={!r}, weights_init={!r}, sparse_init={!r})'.format(
            _name(self), self.num_init, self.weights_init, self.sparse_init)


class SparseND(Sparse):
    """Initialize only a fraction of the weights with configurable axes.

    Parameters
    ----------
    axis : int or sequence of int
        Which axis or axes are to be treated as a "unit" for the purpose of
        the number of elements initialized. For example, an axis of (0, 1)
        when initializing a 4D tensor ``W`` will treat the first two axes of
        the weight tensor as a grid and initialize `num_init` elements of
        ``W[0, 0, :, :]``, another `num_init` elements of ``W[0, 1, :, :]``,
        and so on. With a fraction, `num_init` is relative to the number of
        elements of such a unit.
    num_init : int or float
        See :class:`Sparse`.
    weights_init : :class:`NdarrayInitialization` instance
        See :class:`Sparse`.
    sparse_init : :class:`NdarrayInitialization` instance, optional
        See :class:`Sparse`.

    Raises
    ------
    ValueError
        From :meth:`generate`, if an axis does not exist in the requested
        shape, or a unit has fewer than `num_init` elements.

    Examples
    --------
    >>> import numpy
    >>> filters = SparseND(axis=(0, 1), num_init=3,
    ...                    weights_init=Constant(1)).generate(
    ...     numpy.random.RandomState(1), (2, 4, 3, 3))
    >>> (filters != 0).sum(axis=(2, 3)).tolist()
    [[3, 3, 3, 3], [3, 3, 3, 3]]

    """
    def __init__(self, axis, num_init, weights_init, sparse_init=None):
        axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
        if not axes or any(isinstance(one_axis, bool) or
                           not isinstance(one_axis, numbers.Integral)
                           for one_axis in axes):
            raise TypeError("SparseND: axis must be an int or a non-empty "
                            "sequence of ints, got {!r}".format(axis))
        if len(set(axes)) != len(axes):
            raise ValueError("SparseND: axis must not repeat an axis, got {!r}"
                             .format(axis))
        self.axis = axis
        super().__init__(num_init, weights_init, sparse_init)

    def generate(self, rng, shape):
        shape = _check_shape(self, shape)
        axes = tuple(self.axis) if isinstance(self.axis, (tuple, list)) \
            else (self.axis,)
        if any(not -len(shape) <= axis < len(shape) for axis in axes):
            raise ValueError("SparseND: axis={!r} does not fit the requested "
                             "shape {} with {} dimensions"
                             .format(self.axis, shape, len(shape)))
        normalized = tuple(int(axis) % len(shape) for axis in axes)
        if len(set(normalized)) != len(normalized):
            raise ValueError("SparseND: axis={!r} names the same axis of the "
                             "shape {} twice".format(self.axis, shape))
        return self._generate_along(rng, shape, normalized)

    def __repr__(self):
        return ('SparseND(axis={!r}, num_init={!r}, weights_init={!r}, '
                'sparse_init={!r})'.format(self.axis, self.num_init,
                                           self.weights_init,
                                           self.sparse_init))


# The sub-modules build on the classes above.
from blocks.initialization.scaled import (  # noqa: E402
    fans, VarianceScaling, GlorotUniform, GlorotNormal, XavierUniform,
    XavierNormal, HeUniform, HeNormal, KaimingUniform, KaimingNormal,
    LeCunUniform, LeCunNormal, DenseSqrtFanIn, DenseSqrtFanInOut)
from blocks.initialization.recurrent import (  # noqa: E402
    EchoState, RandomWalk, LstmOptInit)

__all__ = ['NdarrayInitialization', 'Constant', 'IsotropicGaussian',
           'Uniform', 'Identity', 'Orthogonal', 'Sparse', 'SparseND', 'fans',
           'VarianceScaling', 'GlorotUniform', 'GlorotNormal',
           'XavierUniform', 'XavierNormal', 'HeUniform', 'HeNormal',
           'KaimingUniform', 'KaimingNormal', 'LeCunUniform', 'LeCunNormal',
           'DenseSqrtFanIn', 'DenseSqrtFanInOut', 'EchoState', 'RandomWalk',
           'LstmOptInit']
