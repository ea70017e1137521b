"""Pooling bricks: max and average pooling over the last two axes."""
import numbers
import warnings

from blocks.bricks.base import application, lazy, NoneAllocation
from blocks.bricks.interfaces import Feedforward, Initializable, check_input

with warnings.catch_warnings():
    # ``aesara.tensor.signal`` warns that it is deprecated on import; it is
    # still where Aesara 2.9's pooling lives.
    warnings.simplefilter('ignore', DeprecationWarning)
    from aesara.tensor.signal.pool import Pool, pool_2d

__all__ = ['Pooling', 'MaxPooling', 'AveragePooling']


def check_pair(brick, argument, value, allow_none=False, minimum=1):
    """Return ``value`` as a pair of integers, or raise naming the brick."""
    expected = "a pair of integers >= {}{}".format(
        minimum, ' (or None)' if allow_none else '')
    try:
        pair = tuple(value)
    except TypeError:
        pair = None
    if pair is None or len(pair) != 2 or not all(
            (allow_none and item is None) or
            (isinstance(item, numbers.Integral) and
             not isinstance(item, bool) and item >= minimum)
            for item in pair):
        raise ValueError("{}: {} must be {}, got {!r}".format(
            brick.path_or_name(), argument, expected, value))
    return tuple(None if item is None else int(item) for item in pair)


class Pooling(Initializable, Feedforward):
    """The base class of pooling bricks.

    Pools the last two axes of its input over regions of ``pooling_size``.

    Parameters
    ----------
    mode : str
        ``'max'``, ``'sum'``, ``'average_inc_pad'`` or ``'average_exc_pad'``
        (Aesara's :func:`~aesara.tensor.signal.pool.pool_2d` modes).
    pooling_size : tuple
        The height and width of the pooling regions.
    step : tuple, optional
        The vertical and horizontal distance between pooling regions. By
        default equal to ``pooling_size``: the regions do not overlap.
    input_dim : tuple, optional
        The shape of an input example, e.g. ``(channels, rows, columns)``;
        needed by :meth:`get_dim` only.
    ignore_border : bool, optional
        If True (the default), regions that reach beyond the (padded) image
        are left out: a (5, 5) image pooled over (2, 2) gives (2, 2).
        If False, they are pooled over the pixels they cover, giving
        (3, 3), as long as they cover pixels that no earlier region
        covers.
    padding : tuple, optional
        Rows and columns added on each side of the image before pooling
        (only with ``ignore_border``, and smaller than the pooling size);
        (0, 0) by default. Max pooling takes no value from the padding;
        average pooling counts it as zeros if ``include_padding``.

    """
    has_biases = False
    modes = ('max', 'sum', 'average_inc_pad', 'average_exc_pad')

    @lazy(allocation=['pooling_size'])
    def __init__(self, mode, pooling_size, step=None, input_dim=None,
                 ignore_border=True, padding=(0, 0), **kwargs):
        super().__init__(**kwargs)
        if mode not in self.modes:
            raise ValueError("{}: mode must be one of {}, got {!r}".format(
                self.path_or_name(), self.modes, mode))
        self.mode = mode
        self.pooling_size = pooling_size
        self.step = step
        self.input_dim = input_dim
        self.ignore_border = ignore_border
        self.padding = padding

    def _check_configuration(self):
        self._check_config('allocation', NoneAllocation)
        pooling_size = check_pair(self, 'pooling_size', self.pooling_size)
        step = pooling_size if self.step is None else check_pair(
            self, 'step', self.step)
        padding = check_pair(self, 'padding', self.padding, minimum=0)
        if padding != (0, 0) and not self.ignore_border:
            raise ValueError("{}: padding {} needs ignore_border=True".format(
                self.path_or_name(), padding))
        if any(pad >= size for pad, size in zip(padding, pooling_size)):
            raise ValueError("{}: padding {} must be smaller than "
                             "pooling_size {}".format(self.path_or_name(),
                                                      padding, pooling_size))
        return pooling_size, step, padding

    @property
    def num_channels(self):
        return None if self.input_dim is None else self.input_dim[0]

    @num_channels.setter
    def num_channels(self, value):
        image_size = (None, None) if self.input_dim is None else \
            self.input_dim[1:]
        self.input_dim = (value,) + tuple(image_size)

    @property
    def image_size(self):
        return (None, None) if self.input_dim is None else \
            tuple(self.input_dim[-2:])

    @image_size.setter
    def image_size(self, value):
        self.input_dim = (self.num_channels,) + tuple(value)

    @property
    def num_output_channels(self):
        return self.num_channels

    def _output_image_size(self, image_size):
        pooling_size, step, padding = self._check_configuration()
        for image, size, pad in zip(image_size, pooling_size, padding):
            if image is not None and self.ignore_border and \
                    image + 2 * pad < size:
                raise ValueError(
                    "{}: pooling_size {} is larger than the (padded) image "
                    "of size {} with padding {}, and ignore_border is True"
                    .format(self.path_or_name(), pooling_size,
                            tuple(image_size), padding))
        known = [image if image is not None else 1 for image in image_size]
        output = Pool.out_shape(known, pooling_size, self.ignore_border,
                                step, padding)
        return tuple(int(size) if image is not None else None
                     for size, image in zip(output, image_size))

    @application(inputs=['input_'], outputs=['output'])
    def apply(self, input_):
        """Apply the pooling (subsampling) transformation.

        Parameters
        ----------
        input_ : :class:`~aesara.tensor.TensorVariable`
            A tensor with at least two dimensions; the last two are pooled.

        Returns
        -------
        output : :class:`~aesara.tensor.TensorVariable`
            A tensor with the same number of dimensions, the last two
            pooled.

        """
        check_input(self, 'input_', input_, min_ndim=2)
        pooling_size, step, padding = self._check_configuration()
        self._output_image_size(input_.type.shape[-2:])
        return pool_2d(input_, ws=pooling_size,
                       ignore_border=self.ignore_border, stride=step,
                       pad=padding, mode=self.mode)

    def get_dim(self, name):
        if self.input_dim is None:
            return super().get_dim(name)
        input_dim = tuple(self.input_dim)
        if name == 'input_':
            return input_dim
        if name == 'output':
            return input_dim[:-2] + self._output_image_size(input_dim[-2:])
        return super().get_dim(name)


class MaxPooling(Pooling):
    """Max pooling layer.

    Parameters
    ----------
    pooling_size : tuple
        The height and width of the pooling regions: the factor by which
        the last two axes are downscaled.
    step : tuple, optional
        The vertical and horizontal shift (stride) between pooling
        regions; ``pooling_size`` by default. A smaller step makes the
        regions overlap.
    input_dim : tuple, optional
        The shape of an input example; the last two dimensions are used
        to compute the output dimension.

    Notes
    -----
    See :class:`Pooling` for ``ignore_border`` and ``padding``.

    Examples
    --------
    >>> import numpy
    >>> from aesara import tensor
    >>> pooling = MaxPooling((2, 2), input_dim=(1, 4, 4))
    >>> pooling.get_dim('output')
    (1, 2, 2)
    >>> x = tensor.tensor4('x')
    >>> pooling.apply(x).eval({x: numpy.arange(16.).reshape((1, 1, 4, 4))})
    array([[[[ 5.,  7.],
             [13., 15.]]]])

    """
    @lazy(allocation=['pooling_size'])
    def __init__(self, pooling_size, step=None, input_dim=None,
                 ignore_border=True, padding=(0, 0), **kwargs):
        super().__init__('max', pooling_size, step=step, input_dim=input_dim,
                         ignore_border=ignore_border, padding=padding,
                         **kwargs)


class AveragePooling(Pooling):
    """Average pooling layer.

    Parameters
    ----------
    include_padding : bool, optional
        If True, the zeros of the padding count in the averages (each is
        a sum divided by the region's full size); if False (the default),
        each region is averaged over the image pixels it covers.

    Notes
    -----
    See :class:`Pooling` for the other parameters.

    """
    @lazy(allocation=['pooling_size'])
    def __init__(self, pooling_size, step=None, input_dim=None,
                 ignore_border=True, padding=(0, 0), include_padding=False,
                 **kwargs):
        mode = 'average_inc_pad' if include_padding else 'average_exc_pad'
        super().__init__(mode, pooling_size, step=step, input_dim=input_dim,
                         ignore_border=ignore_border, padding=padding,
                         **kwargs)
        self.include_padding = include_padding
