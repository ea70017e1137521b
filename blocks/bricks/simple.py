"""Simple bricks: linear transformations, maxout and activations."""
import numbers

import numpy
from aesara import tensor
from aesara.tensor.math import softplus
from aesara.tensor.special import log_softmax, softmax

from blocks.aesara_expressions import pick_per_row
from blocks.bricks.base import application, Brick, lazy
from blocks.bricks.cost import check_categorical_targets
from blocks.bricks.interfaces import (Activation, Feedforward, LinearLike,
                                      Initializable, check_input)
from blocks.bricks.wrappers import WithExtraDims
from blocks.initialization import Constant
from blocks.roles import add_role, WEIGHT, BIAS
from blocks.utils import shared_floatx_nans


class Linear(LinearLike, Feedforward):
    r"""A linear transformation with optional bias.

    Multiplies the input with a weight matrix and, by default, adds a bias
    (see :class:`~blocks.bricks.Initializable` to disable it).

    .. math:: f(\mathbf{x}) = \mathbf{x}\mathbf{W} + \mathbf{b}

    Parameters
    ----------
    input_dim : int
        The dimension of the input. Required by :meth:`allocate`.
    output_dim : int
        The dimension of the output. Required by :meth:`allocate`.

    Notes
    -----
    See :class:`~blocks.bricks.Initializable` for initialization parameters.
    The parameters are ``W`` (shape ``(input_dim, output_dim)``, role
    WEIGHT) and ``b`` (shape ``(output_dim,)``, role BIAS); their norms are
    attached as the auxiliary variables ``W_norm`` and ``b_norm``.

    Examples
    --------
    >>> from aesara import tensor
    >>> from blocks.initialization import Constant
    >>> linear = Linear(input_dim=3, output_dim=2,
    ...                 weights_init=Constant(1), biases_init=Constant(0.5))
    >>> x = tensor.matrix('x')
    >>> y = linear.apply(x)
    >>> linear.initialize()
    >>> y.eval({x: [[1., 2., 3.]]})
    array([[6.5, 6.5]])

    """
    @lazy(allocation=['input_dim', 'output_dim'])
    def __init__(self, input_dim, output_dim, **kwargs):
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim

    def _allocate(self):
        W = shared_floatx_nans((self.input_dim, self.output_dim), name='W')
        add_role(W, WEIGHT)
        self.parameters.append(W)
        self.add_auxiliary_variable(W.norm(2), name='W_norm')
        if self.use_bias:
            b = shared_floatx_nans((self.output_dim,), name='b')
            add_role(b, BIAS)
            self.parameters.append(b)
            self.add_auxiliary_variable(b.norm(2), name='b_norm')

    @application(inputs=['input_'], outputs=['output'])
    def apply(self, input_):
        """Apply the linear transformation.

        Parameters
        ----------
        input_ : :class:`~aesara.tensor.TensorVariable`
            The input on which to apply the transformation; its last axis
            has length ``input_dim``.

        Returns
        -------
        output : :class:`~aesara.tensor.TensorVariable`
            The transformed input plus optional bias.

        """
        check_input(self, 'input_', input_, min_ndim=1, dtype_kinds='f',
                    last_dim=self.input_dim)
        output = tensor.dot(input_, self.W)
        if self.use_bias:
            output += self.b
        return output

    def get_dim(self, name):
        if name == 'input_':
            return self.input_dim
        if name == 'output':
            return self.output_dim
        return super().get_dim(name)


class Bias(Feedforward, Initializable):
    """Add a bias (i.e. sum with a vector).

    Parameters
    ----------
    dim : int
        The dimension of the bias, the input and the output. Required by
        :meth:`allocate`.

    """
    @lazy(allocation=['dim'])
    def __init__(self, dim, **kwargs):
        super().__init__(**kwargs)
        self.dim = dim

    def _allocate(self):
        b = shared_floatx_nans((self.output_dim,), name='b')
        add_role(b, BIAS)
        self.parameters.append(b)

    def _initialize(self):
        b, = self.parameters
        self._require_init('biases_init').initialize(b, self.rng)

    @application(inputs=['input_'], outputs=['output'])
    def apply(self, input_):
        """Add the bias to the input.

        Parameters
        ----------
        input_ : :class:`~aesara.tensor.TensorVariable`
            The input; its last axis has length ``dim``.

        Returns
        -------
        output : :class:`~aesara.tensor.TensorVariable`
            The input plus the bias.

        """
        check_input(self, 'input_', input_, min_ndim=1, dtype_kinds='f',
                    last_dim=self.dim)
        b, = self.parameters
        return input_ + b

    def get_dim(self, name):
        if name in ['input_', 'output']:
            return self.dim
        return super().get_dim(name)

    def _get_dim(self):
        return self.dim

    def _set_dim(self, value):
        self.dim = value

    input_dim = output_dim = property(_get_dim, _set_dim)


class Maxout(Brick):
    """Maxout pooling transformation.

    A brick that takes the maximum over groups of ``num_pieces`` adjacent
    input units, as in [GWFM13]_: the last axis of length ``n`` becomes one
    of length ``n // num_pieces``.

    .. [GWFM13] Ian J. Goodfellow, David Warde-Farley, Mehdi Mirza, Aaron
       Courville, and Yoshua Bengio, *Maxout networks*, ICML (2013).

    Parameters
    ----------
    num_pieces : int
        The size of the groups the maximum is taken over.

    Examples
    --------
    >>> from aesara import tensor
    >>> x = tensor.matrix('x')
    >>> y = Maxout(num_pieces=2).apply(x)
    >>> y.eval({x: [[1., 3., 2., 0.]]})
    array([[3., 2.]])

    """
    @lazy(allocation=['num_pieces'])
    def __init__(self, num_pieces, **kwargs):
        super().__init__(**kwargs)
        self.num_pieces = num_pieces

    @application(inputs=['input_'], outputs=['output'])
    def apply(self, input_):
        """Apply the maxout transformation.

        Parameters
        ----------
        input_ : :class:`~aesara.tensor.TensorVariable`
            The input; its last axis must be divisible by ``num_pieces``.

        Returns
        -------
        output : :class:`~aesara.tensor.TensorVariable`
            The transformed input.

        """
        check_input(self, 'input_', input_, min_ndim=1)
        last_dim = input_.type.shape[-1]
        if last_dim is not None and last_dim % self.num_pieces:
            raise ValueError(
                "{}.apply: argument 'input_' has a last axis of length {}, "
                "which is not divisible by num_pieces={}".format(
                    self.path_or_name(), last_dim, self.num_pieces))
        num_channels = input_.shape[-1]
        output_dim = num_channels // self.num_pieces
        new_shape = ([input_.shape[i] for i in range(input_.ndim - 1)] +
                     [output_dim, self.num_pieces])
        output = tensor.max(input_.reshape(new_shape, ndim=input_.ndim + 1),
                            axis=input_.ndim)
        return output


class LinearMaxout(Initializable, Feedforward):
    """Maxout pooling following a linear transformation.

    Parameters
    ----------
    input_dim : int
        The dimension of the input. Required by :meth:`allocate`.
    output_dim : int
        The dimension of the output. Required by :meth:`allocate`.
    num_pieces : int
        The number of linear functions. Required by :meth:`allocate`.

    Notes
    -----
    See :class:`Initializable` for initialization parameters.

    """
    @lazy(allocation=['input_dim', 'output_dim', 'num_pieces'])
    def __init__(self, input_dim, output_dim, num_pieces, **kwargs):
        self.linear = Linear()
        self.maxout = Maxout()
        children = [self.linear, self.maxout]
        kwargs.setdefault('children', []).extend(children)
        super().__init__(**kwargs)

        self.input_dim = input_dim
        self.output_dim = output_dim
        self.num_pieces = num_pieces

    @property
    def input_dim(self):
        return self.linear.input_dim

    @input_dim.setter
    def input_dim(self, value):
        self.linear.input_dim = value

    def _push_allocation_config(self):
        self.linear.output_dim = self.output_dim * self.num_pieces
        self.maxout.num_pieces = self.num_pieces

    @application(inputs=['input_'], outputs=['output'])
    def apply(self, input_):
        """Apply the linear transformation followed by maxout.

        Parameters
        ----------
        input_ : :class:`~aesara.tensor.TensorVariable`
            The input on which to apply the transformations.

        Returns
        -------
        output : :class:`~aesara.tensor.TensorVariable`
            The transformed input.

        """
        pre_activation = self.linear.apply(input_)
        output = self.maxout.apply(pre_activation)
        return output


class Identity(Activation):
    """Elementwise application of the identity function."""
    def activation(self, input_):
        return input_


class Tanh(Activation):
    """Elementwise application of the tanh function."""
    def activation(self, input_):
        return tensor.tanh(input_)


class Logistic(Activation):
    """Elementwise application of the logistic (sigmoid) function."""
    def activation(self, input_):
        return tensor.sigmoid(input_)


class Softplus(Activation):
    r"""Elementwise application of the softplus function.

    .. math:: f(x) = \log(1 + e^x)

    """
    def activation(self, input_):
        return softplus(input_)


class Rectifier(Activation):
    """Elementwise application of the rectifier function, max(x, 0)."""
    def activation(self, input_):
        return tensor.maximum(input_, 0)


class LeakyRectifier(Activation):
    r"""Elementwise application of the leaky rectifier function.

    .. math:: f(x) = \max(x, ax)

    Parameters
    ----------
    leak : float, optional
        The slope :math:`a` for negative inputs. Defaults to 0.01.

    """
    def __init__(self, leak=0.01, **kwargs):
        super().__init__(**kwargs)
        self._leak = leak

    def activation(self, input_):
        return tensor.switch(input_ > 0, input_,
                             numpy.asarray(self._leak, dtype=input_.dtype) *
                             input_)


class Softmax(Brick):
    """A softmax brick.

    Works with 2-dimensional inputs only. If you need more, see
    :class:`NDimensionalSoftmax`.

    """
    @application(inputs=['input_'], outputs=['output'])
    def apply(self, input_):
        """Standard softmax.

        Parameters
        ----------
        input_ : :class:`~aesara.tensor.TensorVariable`
            A matrix, each row contains unnormalized log-probabilities of a
            distribution.

        Returns
        -------
        output : :class:`~aesara.tensor.TensorVariable`
            A matrix with probabilities in each row for each distribution
            from ``input_``.

        """
        check_input(self, 'input_', input_, ndim=2, dtype_kinds='f')
        return softmax(input_, axis=-1)

    @application(inputs=['input_'], outputs=['output'])
    def log_probabilities(self, input_):
        """Normalize log-probabilities.

        Converts unnormalized log-probabilities (exponents of which do not
        sum to one) into actual log-probabilities (exponents of which sum
        to one).

        Parameters
        ----------
        input_ : :class:`~aesara.tensor.TensorVariable`
            A matrix, each row contains unnormalized log-probabilities of a
            distribution.

        Returns
        -------
        output : :class:`~aesara.tensor.TensorVariable`
            A matrix with normalized log-probabilities in each row.

        """
        check_input(self, 'input_', input_, ndim=2, dtype_kinds='f',
                    application_name='log_probabilities')
        return log_softmax(input_, axis=-1)

    @application(inputs=['y', 'x'], outputs=['output'])
    def categorical_cross_entropy(self, application_call, y, x):
        """Computationally stable cross-entropy for pre-softmax values.

        Parameters
        ----------
        y : :class:`~aesara.tensor.TensorVariable`
            A matrix whose rows are probability distributions, or a vector
            of integer class indices (the positions of the 1 in one-hot
            rows).
        x : :class:`~aesara.tensor.TensorVariable`
            A matrix, each row contains unnormalized log-probabilities of a
            distribution.

        Returns
        -------
        cost : :class:`~aesara.tensor.TensorVariable`
            A vector of cross-entropies between respective distributions
            from ``y`` and ``x``.

        """
        name = 'categorical_cross_entropy'
        check_input(self, 'x', x, ndim=2, dtype_kinds='f',
                    application_name=name)
        y = check_categorical_targets(self, y, x, application_name=name,
                                      predictions='x')
        log_probabilities = log_softmax(x, axis=-1)
        if y.ndim == 1:
            return -pick_per_row(log_probabilities, y)
        return -(y * log_probabilities).sum(axis=1)


class NDimensionalSoftmax(Softmax):
    """A softmax brick for inputs with extra leading dimensions.

    Each application takes an ``extra_ndim`` keyword argument: the number
    of leading axes beyond the two that :class:`Softmax` expects. The
    softmax is taken over the last axis.

    Examples
    --------
    >>> from aesara import tensor
    >>> y = NDimensionalSoftmax().apply(tensor.tensor3('x'), extra_ndim=1)
    >>> y.ndim
    3

    """
    decorators = [WithExtraDims()]


class PReLU(Initializable, Feedforward):
    r"""Parametric rectifier: a rectifier with a learned slope per feature.

    .. math:: f(x_i) = \max(x_i, 0) + a_i \min(x_i, 0)

    as in [HZRS15]_: each feature (each channel of images) :math:`i` has
    its own slope :math:`a_i` for negative inputs.

    .. [HZRS15] Kaiming He, Xiangyu Zhang, Shaoqing Ren and Jian Sun,
       *Delving deep into rectifiers: surpassing human-level performance on
       ImageNet classification*, ICCV (2015).

    Parameters
    ----------
    input_dim : int or tuple
        An int: the length of the last axis of the input, one slope per
        element. A tuple ``(channels, rows, columns)``: the input is a
        batch of images, one slope per channel.
    slopes_init : :class:`~blocks.initialization.NdarrayInitialization`
        Initializes the slopes; ``Constant(0.25)`` by default, as in the
        paper.

    Notes
    -----
    The slopes (``slopes``, shape ``(input_dim,)`` or ``(channels,)``) have
    the role PARAMETER only: the paper advises against weight decay on
    them, and decay selected by the role WEIGHT leaves them alone.

    Examples
    --------
    >>> from aesara import tensor
    >>> prelu = PReLU(input_dim=2)
    >>> prelu.initialize()
    >>> x = tensor.matrix('x')
    >>> prelu.apply(x).eval({x: [[-4., 4.]]})
    array([[-1.,  4.]])

    """
    has_biases = False

    @lazy(allocation=['input_dim'])
    def __init__(self, input_dim, slopes_init=None, **kwargs):
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.slopes_init = slopes_init

    def _num_slopes(self):
        if isinstance(self.input_dim, numbers.Integral):
            return int(self.input_dim)
        return int(tuple(self.input_dim)[0])

    def _allocate(self):
        slopes = shared_floatx_nans((self._num_slopes(),), name='slopes')
        self.parameters.append(slopes)

    def _initialize(self):
        slopes_init = self.slopes_init
        if slopes_init is None:
            slopes_init = Constant(0.25)
        slopes_init.initialize(self.parameters[0], self.rng)

    @application(inputs=['input_'], outputs=['output'])
    def apply(self, input_):
        """Apply the parametric rectifier.

        Parameters
        ----------
        input_ : :class:`~aesara.tensor.TensorVariable`
            ``(..., input_dim)`` for an int ``input_dim``, ``(batch,
            channels, rows, columns)`` for a tuple.

        Returns
        -------
        output : :class:`~aesara.tensor.TensorVariable`
            Of the same shape.

        """
        slopes, = self.parameters
        if isinstance(self.input_dim, numbers.Integral):
            check_input(self, 'input_', input_, min_ndim=1, dtype_kinds='f',
                        last_dim=self.input_dim)
        else:
            ndim = len(tuple(self.input_dim)) + 1
            check_input(self, 'input_', input_, ndim=ndim, dtype_kinds='f')
            channels = input_.type.shape[1]
            if channels is not None and channels != self._num_slopes():
                raise ValueError(
                    "{}.apply: argument 'input_' has {} channels (static "
                    "shape {}), expected input_dim[0]={}".format(
                        self.path_or_name(), channels, input_.type.shape,
                        self._num_slopes()))
            slopes = slopes.dimshuffle(*(['x', 0] + ['x'] * (ndim - 2)))
        return tensor.maximum(input_, 0) + slopes * tensor.minimum(input_, 0)

    def get_dim(self, name):
        if name in ('input_', 'output'):
            return self.input_dim
        return super().get_dim(name)

    def _get_output_dim(self):
        return self.input_dim

    def _set_output_dim(self, value):
        self.input_dim = value

    output_dim = property(_get_output_dim, _set_output_dim)
