"""Convolutions and their transposes, and the flattening of feature maps."""
import numbers
import warnings

from aesara import tensor
from aesara.gradient import DisconnectedType
from aesara.graph.basic import Apply
from aesara.graph.op import Op

from blocks.bricks.base import application, Brick, lazy, NoneAllocation
from blocks.bricks.conv.pooling import check_pair
from blocks.bricks.interfaces import LinearLike, check_input
from blocks.roles import add_role, BIAS, FILTER
from blocks.utils import shared_floatx_nans

with warnings.catch_warnings():
    warnings.simplefilter('ignore', DeprecationWarning)
    from aesara.tensor.nnet import conv2d
    from aesara.tensor.nnet.abstract_conv import AbstractConv2d_gradInputs

__all__ = ['Convolutional', 'ConvolutionalTranspose', 'Flattener',
           'InputCheck']

BORDER_MODES = ('valid', 'full', 'half')


class InputCheck(Op):
    """Return the input unchanged, or raise a ValueError if a condition fails.

    Bricks use it to check, when the compiled function runs, what cannot be
    checked when the graph is built (a shape Aesara does not know
    statically), so that the error names the brick instead of coming from
    deep inside an Aesara Op. It runs in Python: it compiles no C code, so
    each brick's message costs no compilation.

    Parameters
    ----------
    message : str
        The message of the ``ValueError``.

    """
    __props__ = ('message',)
    view_map = {0: [0]}

    def __init__(self, message):
        self.message = message

    def make_node(self, value, condition):
        value = tensor.as_tensor_variable(value)
        condition = tensor.as_tensor_variable(condition)
        return Apply(self, [value, condition], [value.type()])

    def perform(self, node, inputs, outputs):
        value, condition = inputs
        if not condition:
            raise ValueError(self.message)
        outputs[0][0] = value

    def grad(self, inputs, output_gradients):
        """The gradient passes through to the checked input."""
        return [output_gradients[0], DisconnectedType()()]

    def connection_pattern(self, node):
        """Only the checked input is connected to the output."""
        return [[True], [False]]

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]]


def _check_border_mode(brick, border_mode):
    if isinstance(border_mode, str) and border_mode in BORDER_MODES:
        return border_mode
    if isinstance(border_mode, numbers.Integral) and \
            not isinstance(border_mode, bool) and border_mode >= 0:
        return (int(border_mode),) * 2
    try:
        return check_pair(brick, 'border_mode', border_mode, minimum=0)
    except ValueError:
        raise ValueError(
            "{}: border_mode must be one of {}, a non-negative integer or a "
            "pair of them (the zero padding of rows and columns), got "
            "{!r}".format(brick.path_or_name(), BORDER_MODES,
                          border_mode)) from None


def _padding(border_mode, filter_size):
    """The zero padding on each side of each axis."""
    if border_mode == 'valid':
        return (0, 0)
    if border_mode == 'full':
        return tuple(size - 1 for size in filter_size)
    if border_mode == 'half':
        return tuple(size // 2 for size in filter_size)
    return tuple(border_mode)


def _image_size_from(brick, input_, image_size):
    """Merge the configured image size with the input's static shape."""
    static = input_.type.shape[2:]
    for axis, (given, configured) in enumerate(zip(static, image_size)):
        if None not in (given, configured) and given != configured:
            raise ValueError(
                "{}.apply: argument 'input_' has images of size {} (static "
                "shape {}), but the brick's image_size is {}".format(
                    brick.path_or_name(), tuple(static), input_.type.shape,
                    tuple(image_size)))
    return tuple(configured if configured is not None else given
                 for given, configured in zip(static, image_size))


def _check_shape_at_run_time(brick, input_, num_channels, image_size):
    """Wrap ``input_`` in an :class:`InputCheck` of what is not static."""
    conditions = []
    static = input_.type.shape
    if static[1] is None:
        conditions.append(tensor.eq(input_.shape[1], num_channels))
    for axis, size in enumerate(image_size):
        if size is not None and static[2 + axis] is None:
            conditions.append(tensor.eq(input_.shape[2 + axis], size))
    if not conditions:
        return input_
    message = ("{}.apply: argument 'input_' must have the shape (batch, {}, "
               "{}, {}) (num_channels, image_size), got an input of another "
               "shape".format(brick.path_or_name(), num_channels,
                              *(size if size is not None else 'any'
                                for size in image_size)))
    return InputCheck(message)(input_, tensor.all(tensor.stack(conditions)))


class Convolutional(LinearLike):
    """Performs a 2D convolution.

    A convolution as :func:`scipy.signal.convolve2d` and Aesara's ``conv2d``
    define it: the filters are flipped, so this is not a correlation. Each
    output channel sums the convolutions of all input channels with their
    filters:

    .. math::

        y_{b,f} = \\sum_c x_{b,c} * W_{f,c} + b_f

    Parameters
    ----------
    filter_size : tuple
        The height and width of the filters (also called kernels).
    num_filters : int
        The number of filters, i.e. of output channels.
    num_channels : int
        The number of input channels: 1 for grayscale and 3 for RGB images
        in a first layer, the number of filters of the previous layer
        after that.
    batch_size : int, optional
        The number of examples per batch. If given, it is passed to Aesara's
        convolution as a hint.
    image_size : tuple, optional
        The height and width of the input images. Needed for untied biases
        and for :meth:`get_dim`; either may be None when unknown.
    step : tuple, optional
        The step (stride) with which the filters slide over the image.
        Defaults to (1, 1).
    border_mode : {'valid', 'full', 'half'}, int or tuple, optional
        ``'valid'`` (no padding, the default): the filters stay inside
        the image; ``'full'``: every overlap of filter and image, i.e. a
        padding of ``filter_size - 1``; ``'half'``: a padding of
        ``filter_size // 2``, which keeps the image size with odd filters
        and a step of 1; an integer or a pair: that many rows and columns
        of zeros on each side.
    tied_biases : bool, optional
        If True, each filter has one bias, shared by all positions. If
        False (the default), each output position of each filter has its
        own bias, which needs ``image_size``.

    Notes
    -----
    See :class:`~blocks.bricks.Initializable` for initialization parameters.
    The parameters are ``W``, of shape ``(num_filters, num_channels) +
    filter_size`` with the role FILTER, and ``b``, with the role BIAS, of
    shape ``(num_filters,)`` (tied) or ``(num_filters,) + output size``
    (untied).

    Examples
    --------
    >>> import numpy
    >>> from aesara import tensor
    >>> from blocks.initialization import Constant
    >>> conv = Convolutional(filter_size=(2, 2), num_filters=1,
    ...                      num_channels=1, image_size=(3, 3),
    ...                      tied_biases=True, weights_init=Constant(1.),
    ...                      biases_init=Constant(0.))
    >>> conv.get_dim('output')
    (1, 2, 2)
    >>> x = tensor.tensor4('x')
    >>> y = conv.apply(x)
    >>> conv.initialize()
    >>> y.eval({x: numpy.arange(9.).reshape((1, 1, 3, 3))})
    array([[[[ 8., 12.],
             [20., 24.]]]])

    """
    @lazy(allocation=['filter_size', 'num_filters', 'num_channels'])
    def __init__(self, filter_size, num_filters, num_channels,
                 batch_size=None, image_size=(None, None), step=(1, 1),
                 border_mode='valid', tied_biases=False, **kwargs):
        super().__init__(**kwargs)
        self.filter_size = filter_size
        self.num_filters = num_filters
        self.num_channels = num_channels
        self.batch_size = batch_size
        self.image_size = image_size
        self.step = step
        self.border_mode = border_mode
        self.tied_biases = tied_biases

    @property
    def num_output_channels(self):
        return self.num_filters

    def _check_configuration(self):
        """Validate the configuration; return it normalized."""
        self._check_config('allocation', NoneAllocation)
        for argument in ('num_filters', 'num_channels'):
            value = getattr(self, argument)
            if isinstance(value, bool) or \
                    not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError("{}: {} must be a positive integer, got "
                                 "{!r}".format(self.path_or_name(), argument,
                                               value))
        filter_size = check_pair(self, 'filter_size', self.filter_size)
        image_size = check_pair(self, 'image_size',
                                 self.image_size or (None, None),
                                 allow_none=True)
        step = check_pair(self, 'step', self.step)
        border_mode = _check_border_mode(self, self.border_mode)
        return filter_size, image_size, step, border_mode

    def get_W_shape(self):
        """The shape of the filters, ``(num_filters, num_channels, ...)``."""
        filter_size = check_pair(self, 'filter_size', self.filter_size)
        return (self.num_filters, self.num_channels) + filter_size

    def _output_image_size(self, image_size):
        """The output's (rows, columns) for an input of ``image_size``."""
        filter_size, _, step, border_mode = self._check_configuration()
        padding = _padding(border_mode, filter_size)
        output_size = []
        for image, filter_, stride, pad in zip(image_size, filter_size, step,
                                               padding):
            if image is None:
                output_size.append(None)
                continue
            if image + 2 * pad < filter_:
                raise ValueError(
                    "{}: filter_size {} is larger than the image: images of "
                    "size {} with border_mode {!r} (padding {}) fit filters "
                    "of at most {}".format(
                        self.path_or_name(), filter_size, tuple(image_size),
                        self.border_mode, padding,
                        tuple(size + 2 * pad if size is not None else None
                              for size, pad in zip(image_size, padding))))
            output_size.append((image + 2 * pad - filter_) // stride + 1)
        return tuple(output_size)

    def _allocate(self):
        _, image_size, _, _ = self._check_configuration()
        output_size = self._output_image_size(image_size)
        W = shared_floatx_nans(self.get_W_shape(), name='W')
        add_role(W, FILTER)
        self.parameters.append(W)
        self.add_auxiliary_variable(W.norm(2), name='W_norm')
        if self.use_bias:
            if self.tied_biases:
                bias_shape = (self.num_filters,)
            elif None in output_size:
                raise ValueError(
                    "{}: untied biases (tied_biases=False) need the image "
                    "size, got image_size={!r}; give image_size or set "
                    "tied_biases=True".format(self.path_or_name(),
                                              self.image_size))
            else:
                bias_shape = (self.num_filters,) + output_size
            b = shared_floatx_nans(bias_shape, name='b')
            add_role(b, BIAS)
            self.parameters.append(b)
            self.add_auxiliary_variable(b.norm(2), name='b_norm')

    def _checked_input(self, input_):
        """Check the input statically and, where needed, at run time."""
        check_input(self, 'input_', input_, ndim=4, dtype_kinds='f')
        _, image_size, _, _ = self._check_configuration()
        channels = input_.type.shape[1]
        if channels is not None and channels != self.num_channels:
            raise ValueError(
                "{}.apply: argument 'input_' has {} channels (static shape "
                "{}), expected num_channels={}".format(
                    self.path_or_name(), channels, input_.type.shape,
                    self.num_channels))
        image_size = _image_size_from(self, input_, image_size)
        output_size = self._output_image_size(image_size)
        checked = _check_shape_at_run_time(self, input_, self.num_channels,
                                           self.image_size or (None, None))
        return checked, image_size, output_size

    def _add_bias(self, output):
        if not self.use_bias:
            return output
        if self.tied_biases:
            return output + self.b.dimshuffle('x', 0, 'x', 'x')
        return output + self.b.dimshuffle('x', 0, 1, 2)

    @application(inputs=['input_'], outputs=['output'])
    def apply(self, input_):
        """Perform the convolution.

        Parameters
        ----------
        input_ : :class:`~aesara.tensor.TensorVariable`
            A 4-tensor ``(batch, channels, rows, columns)``.

        Returns
        -------
        output : :class:`~aesara.tensor.TensorVariable`
            A 4-tensor ``(batch, filters, rows, columns)``: the rows are
            ``(image + 2 * padding - filter) // step + 1``, i.e. ``image -
            filter + 1`` for ``'valid'`` and ``image + filter - 1`` for
            ``'full'`` with a step of 1; the columns likewise.

        """
        input_, image_size, _ = self._checked_input(input_)
        _, _, step, border_mode = self._check_configuration()
        output = conv2d(input_, self.W,
                        input_shape=(self.batch_size, self.num_channels) +
                        image_size,
                        filter_shape=self.get_W_shape(),
                        border_mode=border_mode, subsample=step,
                        filter_flip=True)
        return self._add_bias(output)

    def get_dim(self, name):
        if name == 'input_':
            _, image_size, _, _ = self._check_configuration()
            return (self.num_channels,) + image_size
        if name == 'output':
            _, image_size, _, _ = self._check_configuration()
            return ((self.num_output_channels,) +
                    self._output_image_size(image_size))
        return super().get_dim(name)


class ConvolutionalTranspose(Convolutional):
    """The transpose of a convolution (a "deconvolution").

    It maps an image of ``num_channels`` channels to one of ``num_filters``
    channels as the gradient of a :class:`Convolutional` (from
    ``num_filters`` to ``num_channels`` channels, with the same filter
    size, step and border mode) maps the gradient of its output to the
    gradient of its input: each input pixel spreads its value, weighted by
    the filter, over a patch of the output.

    Parameters
    ----------
    original_image_size : tuple, optional
        The size of the output images, i.e. of the input images of the
        convolution this transposes. With a step larger than 1, several
        image sizes convolve to the same size, and this picks one. By
        default, the smallest: ``(image_size - 1) * step + filter_size -
        2 * padding``.

    Notes
    -----
    The other parameters are those of :class:`Convolutional`. The filters
    ``W`` have the shape ``(num_channels, num_filters) + filter_size``,
    those of the convolution this transposes.

    """
    @lazy(allocation=['filter_size', 'num_filters', 'num_channels'])
    def __init__(self, filter_size, num_filters, num_channels,
                 original_image_size=None, **kwargs):
        super().__init__(filter_size, num_filters, num_channels, **kwargs)
        self.original_image_size = original_image_size

    def get_W_shape(self):
        filter_size = check_pair(self, 'filter_size', self.filter_size)
        return (self.num_channels, self.num_filters) + filter_size

    def _output_image_size(self, image_size):
        filter_size, _, step, border_mode = self._check_configuration()
        padding = _padding(border_mode, filter_size)
        smallest = tuple(
            None if image is None else
            (image - 1) * stride + filter_ - 2 * pad
            for image, filter_, stride, pad in zip(image_size, filter_size,
                                                   step, padding))
        if any(size is not None and size < 1 for size in smallest):
            raise ValueError(
                "{}: images of size {} are too small for filter_size {} "
                "with border_mode {!r}: the transposed convolution would "
                "have no output".format(self.path_or_name(),
                                        tuple(image_size), filter_size,
                                        self.border_mode))
        if self.original_image_size is None:
            return smallest
        original = check_pair(self, 'original_image_size',
                               self.original_image_size)
        for size, least, stride in zip(original, smallest, step):
            if least is not None and not least <= size < least + stride:
                raise ValueError(
                    "{}: original_image_size {} does not fit images of size "
                    "{}: a convolution with filter_size {}, step {} and "
                    "border_mode {!r} maps images of {} up to {} rows and "
                    "columns (exclusive) to them".format(
                        self.path_or_name(), original, tuple(image_size),
                        filter_size, step, self.border_mode, smallest,
                        tuple(least + stride for least, stride
                              in zip(smallest, step))))
        return original

    @application(inputs=['input_'], outputs=['output'])
    def apply(self, input_):
        """Apply the transposed convolution.

        Parameters
        ----------
        input_ : :class:`~aesara.tensor.TensorVariable`
            A 4-tensor ``(batch, num_channels, rows, columns)``.

        Returns
        -------
        output : :class:`~aesara.tensor.TensorVariable`
            A 4-tensor ``(batch, num_filters, rows, columns)``.

        """
        input_, image_size, output_size = self._checked_input(input_)
        filter_size, _, step, border_mode = self._check_configuration()
        padding = _padding(border_mode, filter_size)
        shape = [size if size is not None else
                 (input_.shape[2 + axis] - 1) * step[axis] +
                 filter_size[axis] - 2 * padding[axis]
                 for axis, size in enumerate(output_size)]
        transpose = AbstractConv2d_gradInputs(
            imshp=(self.batch_size, self.num_filters) + output_size,
            kshp=self.get_W_shape(), border_mode=border_mode,
            subsample=step, filter_flip=True)
        output = transpose(self.W, input_, tensor.as_tensor_variable(shape))
        return self._add_bias(output)


class Flattener(Brick):
    """Flattens the input.

    It may be used to pass multidimensional objects like images or feature
    maps of convolutional bricks into bricks which allow only two
    dimensional input (batch, features) like an MLP.

    """
    @application(inputs=['input_'], outputs=['output'])
    def apply(self, input_):
        """Flatten all axes but the first.

        Parameters
        ----------
        input_ : :class:`~aesara.tensor.TensorVariable`
            A tensor of at least two dimensions, batch first.

        Returns
        -------
        output : :class:`~aesara.tensor.TensorVariable`
            A matrix ``(batch, features)``.

        """
        check_input(self, 'input_', input_, min_ndim=2)
        return input_.flatten(ndim=2)
