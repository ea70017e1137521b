"""Batch and layer normalization.

:class:`BatchNormalization` normalizes each feature with statistics of the
minibatch while training and with population statistics at inference;
:func:`blocks.graph.bn.batch_normalization` and
:func:`blocks.graph.bn.apply_batch_normalization` switch between the two,
and :func:`blocks.graph.bn.get_batch_normalization_updates` gives the
minibatch estimates from which the population statistics are kept
current. :class:`LayerNormalization` normalizes each example over its
features, the same way in training and at inference.

"""
import numbers

import numpy
from aesara import tensor

from blocks.bricks.base import application, Brick, lazy
from blocks.bricks.interfaces import Feedforward, Initializable, check_input
from blocks.bricks.sequences import MLP, Sequence
from blocks.bricks.simple import Linear
from blocks.graph.annotations import add_annotation
from blocks.initialization import Constant
from blocks.roles import (add_role, BIAS, BATCH_NORM_MINIBATCH_ESTIMATE,
                          BATCH_NORM_POPULATION_MEAN,
                          BATCH_NORM_POPULATION_STDEV,
                          BATCH_NORM_SCALE_PARAMETER,
                          BATCH_NORM_SHIFT_PARAMETER)
from blocks.utils import shared_floatx, shared_floatx_nans

__all__ = ['BatchNormalization', 'SpatialBatchNormalization',
           'BatchNormalizedMLP', 'LayerNormalization']


def _as_dims(brick, input_dim, allow_none=False):
    """``input_dim`` as a tuple of positive integers (or None)."""
    try:
        dims = (input_dim,) if isinstance(input_dim, numbers.Integral) \
            else tuple(input_dim)
    except TypeError:
        dims = ()
    if not dims or not all((allow_none and dim is None) or
                           (isinstance(dim, numbers.Integral) and
                            not isinstance(dim, bool) and dim >= 1)
                           for dim in dims):
        raise ValueError("{}: input_dim must be a positive integer or a "
                         "tuple of them, got {!r}".format(
                             brick.path_or_name(), input_dim))
    return tuple(None if dim is None else int(dim) for dim in dims)


def _check_features(brick, input_, dims):
    """Check an input ``(batch,) + dims`` as far as its type tells."""
    check_input(brick, 'input_', input_, ndim=len(dims) + 1,
                dtype_kinds='f')
    static = input_.type.shape[1:]
    if any(None not in (given, dim) and given != dim
           for given, dim in zip(static, dims)):
        raise ValueError("{}.apply: argument 'input_' has the shape {} "
                         "(batch first), expected (batch,) + input_dim = "
                         "(batch,) + {}".format(brick.path_or_name(),
                                                input_.type.shape, dims))


class BatchNormalization(Initializable, Feedforward):
    r"""Normalizes each feature of its input over the batch.

    .. math::

        y = \gamma \frac{x - \mu}{\sigma} + \beta

    In training mode (see :func:`blocks.graph.bn.batch_normalization`),
    :math:`\mu` and :math:`\sigma = \sqrt{\mathrm{var}(x) + \epsilon}` are
    the mean and standard deviation of each feature over the minibatch
    (and over the ``broadcastable`` axes), and gradients flow through them.
    Otherwise (at inference, the default) they are the shared variables
    ``population_mean`` and ``population_stdev``, which training keeps
    current through :func:`~blocks.graph.bn.get_batch_normalization_updates`.

    Parameters
    ----------
    input_dim : int or tuple
        The shape of one example (without the batch axis).
    broadcastable : tuple of bool, optional
        For each axis of ``input_dim``, True if the statistics and
        parameters are shared along it (the spatial axes of images). All
        False by default.
    epsilon : float, optional
        Added to the minibatch variance before its square root is taken,
        so that features that are constant over a minibatch do not divide
        by zero; 1e-4 by default. ``population_stdev`` estimates this
        regularized standard deviation and is used as it is.
    scale_init : :class:`~blocks.initialization.NdarrayInitialization`
        Initializes :math:`\gamma`; ``Constant(1)`` by default.
    shift_init : :class:`~blocks.initialization.NdarrayInitialization`
        Initializes :math:`\beta`; ``Constant(0)`` by default.
    mean_only : bool, optional
        Only subtract the mean: no division by :math:`\sigma`, no
        ``population_stdev`` and no scale. False by default.
    learn_scale, learn_shift : bool, optional
        Whether :math:`\gamma` and :math:`\beta` are learned parameters (True
        by default); without them the normalized value is not scaled
        (respectively shifted).

    Notes
    -----
    Parameters: ``scale`` (role BATCH_NORM_SCALE_PARAMETER) and ``shift``
    (BATCH_NORM_SHIFT_PARAMETER, a kind of BIAS), shaped like
    ``input_dim`` less its broadcastable axes. The population statistics
    ``population_mean`` (BATCH_NORM_POPULATION_MEAN, zeros initially) and
    ``population_stdev`` (BATCH_NORM_POPULATION_STDEV, ones) have the same
    shape; they are persistent shared variables, not parameters: gradient
    descent does not change them, but checkpoints save them.

    Examples
    --------
    >>> import numpy
    >>> from aesara import tensor
    >>> from blocks.graph.bn import batch_normalization
    >>> brick = BatchNormalization(input_dim=2)
    >>> brick.initialize()
    >>> x = tensor.matrix('x')
    >>> with batch_normalization(brick):
    ...     y = brick.apply(x)
    >>> y.eval({x: [[1., 10.], [3., 30.]]}).round(3)
    array([[-1., -1.],
           [ 1.,  1.]])

    """
    has_biases = False

    @lazy(allocation=['input_dim'])
    def __init__(self, input_dim, broadcastable=None, epsilon=1e-4,
                 scale_init=None, shift_init=None, mean_only=False,
                 learn_scale=True, learn_shift=True, **kwargs):
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.broadcastable = broadcastable
        if not isinstance(epsilon, numbers.Real) or not epsilon >= 0:
            raise ValueError("{}: epsilon must be a non-negative number, got "
                             "{!r}".format(self.path_or_name(), epsilon))
        self.epsilon = epsilon
        self.scale_init = Constant(1) if scale_init is None else scale_init
        self.shift_init = Constant(0) if shift_init is None else shift_init
        self.mean_only = mean_only
        self.learn_scale = learn_scale and not mean_only
        self.learn_shift = learn_shift
        # A stack: batch_normalization() pushes True on entry, pops on exit.
        self._training_mode = []

    @property
    def training_mode(self):
        """Whether applications use minibatch statistics."""
        return bool(self._training_mode) and self._training_mode[-1]

    def _dims(self):
        """``(input_dim, broadcastable, parameter shape)``, checked."""
        dims = _as_dims(self, self.input_dim, allow_none=True)
        broadcastable = tuple(bool(flag) for flag in
                              self._broadcastable(dims))
        if len(broadcastable) != len(dims):
            raise ValueError("{}: broadcastable {!r} must have one flag per "
                             "axis of input_dim {}".format(
                                 self.path_or_name(), self.broadcastable,
                                 dims))
        if any(dim is None and not flag
               for dim, flag in zip(dims, broadcastable)):
            raise ValueError("{}: input_dim {} leaves unknown an axis that "
                             "is not broadcastable; the statistics of each "
                             "feature need its length".format(
                                 self.path_or_name(), dims))
        shape = tuple(dim for dim, flag in zip(dims, broadcastable)
                      if not flag)
        return dims, broadcastable, shape

    def _broadcastable(self, dims):
        if self.broadcastable is None:
            return (False,) * len(dims)
        return self.broadcastable

    def _allocate(self):
        _, _, shape = self._dims()
        if self.learn_scale:
            self.scale = shared_floatx_nans(shape, name='scale')
            add_role(self.scale, BATCH_NORM_SCALE_PARAMETER)
            self.parameters.append(self.scale)
        if self.learn_shift:
            self.shift = shared_floatx_nans(shape, name='shift')
            add_role(self.shift, BATCH_NORM_SHIFT_PARAMETER)
            self.parameters.append(self.shift)
        # Not parameters: no gradient step may change them.
        self.population_mean = shared_floatx(numpy.zeros(shape),
                                             name='population_mean')
        add_role(self.population_mean, BATCH_NORM_POPULATION_MEAN)
        add_annotation(self.population_mean, self)
        if not self.mean_only:
            self.population_stdev = shared_floatx(numpy.ones(shape),
                                                  name='population_stdev')
            add_role(self.population_stdev, BATCH_NORM_POPULATION_STDEV)
            add_annotation(self.population_stdev, self)

    def _initialize(self):
        if self.learn_scale:
            self.scale_init.initialize(self.scale, self.rng)
        if self.learn_shift:
            self.shift_init.initialize(self.shift, self.rng)
        self.population_mean.set_value(
            numpy.zeros_like(self.population_mean.get_value()))
        if not self.mean_only:
            self.population_stdev.set_value(
                numpy.ones_like(self.population_stdev.get_value()))

    def _estimate(self, variable, population, name):
        """Tag a minibatch statistic for get_batch_normalization_updates.

        The estimate stays in the main graph (the output depends on it),
        so graph transformations carry it and its tag along.

        """
        variable.name = '{}_minibatch_{}'.format(self.name, name)
        add_role(variable, BATCH_NORM_MINIBATCH_ESTIMATE)
        add_annotation(variable, self)
        variable.tag.batch_norm_population = population
        return variable

    @application(inputs=['input_'], outputs=['output'])
    def apply(self, input_):
        """Normalize the input.

        Parameters
        ----------
        input_ : :class:`~aesara.tensor.TensorVariable`
            A tensor ``(batch,) + input_dim``.

        Returns
        -------
        output : :class:`~aesara.tensor.TensorVariable`
            The normalized, scaled and shifted input, of the same shape.

        """
        dims, broadcastable, _ = self._dims()
        _check_features(self, input_, dims)
        axes = (0,) + tuple(axis + 1 for axis, flag in enumerate(broadcastable)
                            if flag)
        pattern = ['x']
        kept = 0
        for flag in broadcastable:
            pattern.append('x' if flag else kept)
            kept += not flag

        def expand(statistic):
            return statistic.dimshuffle(*pattern)

        if self.training_mode:
            mean = self._estimate(input_.mean(axis=axes),
                                  self.population_mean, 'mean')
        else:
            mean = self.population_mean
        output = input_ - expand(mean)
        if not self.mean_only:
            if self.training_mode:
                epsilon = numpy.asarray(self.epsilon, dtype=input_.dtype)
                stdev = self._estimate(
                    tensor.sqrt(tensor.sqr(output).mean(axis=axes) +
                                epsilon),
                    self.population_stdev, 'stdev')
            else:
                stdev = self.population_stdev
            output = output / expand(stdev)
        if self.learn_scale:
            output = output * expand(self.scale)
        if self.learn_shift:
            output = output + expand(self.shift)
        return output

    def get_dim(self, name):
        if name in ('input_', 'output'):
            return self.input_dim
        return super().get_dim(name)

    def _get_output_dim(self):
        return self.input_dim

    def _set_output_dim(self, value):
        self.input_dim = value

    output_dim = property(_get_output_dim, _set_output_dim)


class SpatialBatchNormalization(BatchNormalization):
    """Batch normalization of each channel of feature maps.

    The statistics and parameters of each channel are shared over all
    positions: they are computed over the batch and the spatial axes.

    Parameters
    ----------
    input_dim : tuple
        ``(channels, rows, columns)`` (or any number of spatial axes
        after the channels).

    Notes
    -----
    See :class:`BatchNormalization` for the other parameters.

    """
    @lazy(allocation=['input_dim'])
    def __init__(self, input_dim, **kwargs):
        if 'broadcastable' in kwargs:
            raise ValueError("{}: SpatialBatchNormalization shares its "
                             "statistics over all axes but the channels; "
                             "use BatchNormalization to choose them".format(
                                 '/' + kwargs.get(
                                     'name', 'spatialbatchnormalization')))
        super().__init__(input_dim, **kwargs)

    def _broadcastable(self, dims):
        if len(dims) < 2:
            raise ValueError("{}: input_dim must be (channels, rows, "
                             "columns) or similar, got {!r}".format(
                                 self.path_or_name(), self.input_dim))
        return (False,) + (True,) * (len(dims) - 1)


class BatchNormalizedMLP(MLP):
    """An MLP with batch normalization before each activation.

    Each linear transformation is followed by a :class:`BatchNormalization`
    (whose shift replaces the bias, so the linear transformations have
    none) and then the activation.

    Parameters
    ----------
    activations : list
        As for :class:`~blocks.bricks.MLP`; None for no activation.
    dims : list of int
        As for :class:`~blocks.bricks.MLP`.
    mean_only : bool, optional
        Passed to the :class:`BatchNormalization` bricks.
    epsilon : float, optional
        Passed to the :class:`BatchNormalization` bricks.

    Attributes
    ----------
    batch_normalizations : list of :class:`BatchNormalization`

    """
    @lazy(allocation=['dims'])
    def __init__(self, activations, dims, mean_only=False, epsilon=1e-4,
                 **kwargs):
        self.batch_normalizations = [
            BatchNormalization(mean_only=mean_only, epsilon=epsilon,
                               name='batch_norm_{}'.format(index))
            for index in range(len(activations))]
        layers = []
        for index, (normalization, activation) in enumerate(
                zip(self.batch_normalizations, activations)):
            methods = [normalization.apply]
            if activation is not None:
                methods.append(activation.apply
                               if isinstance(activation, Brick)
                               else activation)
            layers.append(Sequence(
                methods, name='batch_norm_activation_{}'.format(index)))
        kwargs.setdefault('prototype', Linear(use_bias=False))
        super().__init__(layers, dims, **kwargs)

    def _push_allocation_config(self):
        super()._push_allocation_config()
        for normalization, dim in zip(self.batch_normalizations,
                                      self.dims[1:]):
            normalization.input_dim = dim


class LayerNormalization(Initializable, Feedforward):
    r"""Normalizes each example over its features (the last axis).

    .. math::

        y = \gamma \frac{x - \mathrm{mean}(x)}{\sqrt{\mathrm{var}(x) +
        \epsilon}} + \beta

    with the mean and variance taken over the last axis of each example,
    and :math:`\gamma`, :math:`\beta` learned element-wise. Unlike batch
    normalization, training and inference compute the same thing and no
    statistic depends on the batch.

    Parameters
    ----------
    input_dim : int
        The length of the last axis.
    epsilon : float, optional
        Added to the variance before the square root; 1e-5 by default.
    scale_init : :class:`~blocks.initialization.NdarrayInitialization`
        Initializes :math:`\gamma`; ``Constant(1)`` by default.
    shift_init : :class:`~blocks.initialization.NdarrayInitialization`
        Initializes :math:`\beta`; ``Constant(0)`` by default.

    Notes
    -----
    Parameters: ``scale`` (role PARAMETER, so that weight decay on WEIGHT
    leaves it alone) and ``shift`` (role BIAS), both of shape
    ``(input_dim,)``.

    Examples
    --------
    >>> from aesara import tensor
    >>> brick = LayerNormalization(input_dim=3, epsilon=0)
    >>> brick.initialize()
    >>> x = tensor.matrix('x')
    >>> brick.apply(x).eval({x: [[1., 2., 3.]]}).round(4)
    array([[-1.2247,  0.    ,  1.2247]])

    """
    has_biases = False

    @lazy(allocation=['input_dim'])
    def __init__(self, input_dim, epsilon=1e-5, scale_init=None,
                 shift_init=None, **kwargs):
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.epsilon = epsilon
        self.scale_init = Constant(1) if scale_init is None else scale_init
        self.shift_init = Constant(0) if shift_init is None else shift_init

    def _allocate(self):
        dim, = _as_dims(self, self.input_dim)
        self.scale = shared_floatx_nans((dim,), name='scale')
        self.parameters.append(self.scale)
        self.shift = shared_floatx_nans((dim,), name='shift')
        add_role(self.shift, BIAS)
        self.parameters.append(self.shift)

    def _initialize(self):
        self.scale_init.initialize(self.scale, self.rng)
        self.shift_init.initialize(self.shift, self.rng)

    @application(inputs=['input_'], outputs=['output'])
    def apply(self, input_):
        """Normalize each example over the last axis.

        Parameters
        ----------
        input_ : :class:`~aesara.tensor.TensorVariable`
            A tensor whose last axis has length ``input_dim``.

        Returns
        -------
        output : :class:`~aesara.tensor.TensorVariable`
            The normalized input, of the same shape.

        """
        dim, = _as_dims(self, self.input_dim)
        check_input(self, 'input_', input_, min_ndim=1, dtype_kinds='f',
                    last_dim=dim)
        mean = input_.mean(axis=-1, keepdims=True)
        centered = input_ - mean
        epsilon = numpy.asarray(self.epsilon, dtype=input_.dtype)
        stdev = tensor.sqrt(tensor.sqr(centered).mean(axis=-1, keepdims=True)
                            + epsilon)
        return centered / stdev * self.scale + self.shift

    def get_dim(self, name):
        if name in ('input_', 'output'):
            return self.input_dim
        return super().get_dim(name)

    def _get_output_dim(self):
        return self.input_dim

    def _set_output_dim(self, value):
        self.input_dim = value

    output_dim = property(_get_output_dim, _set_output_dim)
