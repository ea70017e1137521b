"""Sequences of convolutional layers, configured one from the other."""
from blocks.bricks.base import Brick, lazy, NoneAllocation
from blocks.bricks.conv.convolutional import Convolutional
from blocks.bricks.conv.pooling import MaxPooling
from blocks.bricks.interfaces import Feedforward, Initializable
from blocks.bricks.sequences import Sequence

__all__ = ['ConvolutionalSequence', 'ConvolutionalActivation',
           'ConvolutionalLayer']

layer_mismatch_error = """

A ConvolutionalSequence sets the number of channels and the image size of \
each layer from the output of the layer before it (the sequence's own \
num_channels and image_size for the first layer). Leave num_channels and \
image_size unset in the layers, or make them agree."""


def _brick_of(layer):
    """The brick of a layer given as a brick or as an application."""
    return getattr(layer, 'brick', layer)


def _is_image_layer(brick):
    """Whether a brick takes ``num_channels`` and ``image_size``."""
    return all(hasattr(brick, attribute) for attribute in
               ('num_channels', 'image_size', 'num_output_channels'))


def _is_unset(value):
    return value is None or value is NoneAllocation or \
        (isinstance(value, tuple) and all(item is None for item in value))


class ConvolutionalSequence(Sequence, Initializable, Feedforward):
    """A sequence of convolutional operations.

    Parameters
    ----------
    layers : list
        The layers, in order: convolutional bricks (:class:`Convolutional`,
        :class:`ConvolutionalTranspose`, :class:`ConvolutionalActivation`,
        :class:`ConvolutionalLayer`), pooling bricks, bricks with an
        ``input_dim`` such as
        :class:`~blocks.bricks.bn.SpatialBatchNormalization`, and
        element-wise activations; bricks or their ``apply`` methods.
    num_channels : int
        The number of channels of the input images.
    batch_size : int, optional
        The number of images per batch, passed to the convolutions as a
        hint.
    image_size : tuple, optional
        The height and width of the input images.
    border_mode : str, int or tuple, optional
        If given, the border mode of every convolution of the sequence.
    tied_biases : bool, optional
        If given, the ``tied_biases`` of every convolution of the sequence.

    Notes
    -----
    Construct the layers "lazily", without ``num_channels``,
    ``image_size`` and ``batch_size``: :meth:`push_allocation_config` sets
    them from the output of the previous layer (the input dimensions of
    the sequence for the first one), and a layer given values that
    disagree is an error naming the layer. Bricks with an ``input_dim``
    are given ``(channels, rows, columns)``.

    Examples
    --------
    >>> from blocks.bricks import Rectifier
    >>> from blocks.bricks.conv import Convolutional, MaxPooling
    >>> sequence = ConvolutionalSequence(
    ...     [Convolutional((3, 3), 4, border_mode='half', tied_biases=True),
    ...      Rectifier(), MaxPooling((2, 2)),
    ...      Convolutional((3, 3), 6, tied_biases=True)],
    ...     num_channels=1, image_size=(8, 8))
    >>> sequence.get_dim('output')
    (6, 2, 2)

    """
    @lazy(allocation=['num_channels'])
    def __init__(self, layers, num_channels, batch_size=None,
                 image_size=(None, None), border_mode=None, tied_biases=None,
                 **kwargs):
        self.layers = [_brick_of(layer) for layer in layers]
        self.num_channels = num_channels
        self.batch_size = batch_size
        self.image_size = image_size
        self.border_mode = border_mode
        self.tied_biases = tied_biases
        # What this sequence last set in each layer, by position: a layer
        # value that differs from it was given by the user.
        self._pushed = {}
        super().__init__([layer.apply for layer in self.layers], **kwargs)

    def _set(self, index, layer, attribute, value, source):
        """Set a layer's input dimension, unless the user set another."""
        current = getattr(layer, attribute)
        if isinstance(current, list):
            current = tuple(current)
        if not _is_unset(current) and \
                current != self._pushed.get((index, attribute)):
            if isinstance(value, tuple) and isinstance(current, tuple) and \
                    len(value) == len(current):
                conflict = any(None not in (old, new) and old != new
                               for old, new in zip(current, value))
                value = tuple(new if new is not None else old
                              for old, new in zip(current, value))
            else:
                conflict = current != value
            if conflict:
                raise ValueError(
                    "{}: layer {} has {}={!r}, but {} gives it {!r}".format(
                        self.path_or_name(), layer.path_or_name(),
                        attribute, current, source, value) +
                    layer_mismatch_error)
        setattr(layer, attribute, value)
        self._pushed[(index, attribute)] = value

    def _push_allocation_config(self):
        self._check_config('allocation', NoneAllocation)
        num_channels = self.num_channels
        image_size = tuple(self.image_size or (None, None))
        source = 'the sequence input'
        for index, layer in enumerate(self.layers):
            if _is_image_layer(layer):
                self._set(index, layer, 'num_channels', num_channels, source)
                self._set(index, layer, 'image_size', image_size, source)
                for attribute in ('batch_size', 'border_mode', 'tied_biases'):
                    value = getattr(self, attribute)
                    if hasattr(layer, attribute) and (
                            value is not None or attribute == 'batch_size'):
                        setattr(layer, attribute, value)
            elif hasattr(layer, 'input_dim'):
                self._set(index, layer, 'input_dim',
                          (num_channels,) + image_size, source)
            else:
                continue
            layer.push_allocation_config()
            output = layer.get_dim('output')
            num_channels, image_size = output[0], tuple(output[1:])
            source = 'the output of {}'.format(layer.path_or_name())
        self._output_dim = (num_channels,) + image_size

    def get_dim(self, name):
        if name == 'input_':
            return (self.num_channels,) + tuple(self.image_size or
                                                (None, None))
        if name == 'output':
            self._push_allocation_config()
            return self._output_dim
        return super().get_dim(name)


class _ConvolutionalComposite(Sequence, Initializable):
    """Shared configuration of the spec's composite convolutional layers."""
    _convolution_attributes = ('filter_size', 'num_filters', 'num_channels',
                               'batch_size', 'image_size', 'border_mode',
                               'tied_biases')

    def _push_convolution_config(self):
        self._check_config('allocation', NoneAllocation)
        for attribute in self._convolution_attributes:
            setattr(self.convolution, attribute, getattr(self, attribute))
        self.convolution.step = self.conv_step

    @property
    def num_output_channels(self):
        return self.num_filters


class ConvolutionalActivation(_ConvolutionalComposite):
    """A convolution followed by an activation function.

    Parameters
    ----------
    activation : :class:`~blocks.bricks.base.BoundApplication`
        The application method to apply after the convolution (i.e. the
        nonlinear activation function); a brick stands for its ``apply``.

    Notes
    -----
    The other parameters are those of :class:`Convolutional` (``step`` is
    also accepted as ``conv_step``).

    """
    @lazy(allocation=['filter_size', 'num_filters', 'num_channels'])
    def __init__(self, activation, filter_size, num_filters, num_channels,
                 batch_size=None, image_size=(None, None), step=(1, 1),
                 border_mode='valid', tied_biases=False, **kwargs):
        self.convolution = Convolutional(name='convolution')
        self.filter_size = filter_size
        self.num_filters = num_filters
        self.num_channels = num_channels
        self.batch_size = batch_size
        self.image_size = image_size
        self.conv_step = step
        self.border_mode = border_mode
        self.tied_biases = tied_biases
        if isinstance(activation, Brick):
            activation = activation.apply
        super().__init__([self.convolution.apply, activation], **kwargs)

    def _push_allocation_config(self):
        self._push_convolution_config()

    def get_dim(self, name):
        if name in ('input_', 'output'):
            self._push_allocation_config()
            return self.convolution.get_dim(name)
        return super().get_dim(name)


class ConvolutionalLayer(_ConvolutionalComposite):
    """A complete convolutional layer: convolution, nonlinearity, pooling.

    Parameters
    ----------
    activation : :class:`~blocks.bricks.base.BoundApplication`
        The application method to apply in the detector stage (i.e. the
        nonlinearity before pooling); a brick stands for its ``apply``.
    pooling_size : tuple
        The height and width of the max pooling regions.
    conv_step : tuple, optional
        The step of the convolution; (1, 1) by default.
    pooling_step : tuple, optional
        The step of the pooling; ``pooling_size`` by default.

    Notes
    -----
    Uses max pooling (:class:`MaxPooling`). The other parameters are
    those of :class:`Convolutional`.

    """
    @lazy(allocation=['filter_size', 'num_filters', 'pooling_size',
                      'num_channels'])
    def __init__(self, activation, filter_size, num_filters, pooling_size,
                 num_channels, conv_step=(1, 1), pooling_step=None,
                 batch_size=None, image_size=(None, None),
                 border_mode='valid', tied_biases=False, **kwargs):
        self.convolution = Convolutional(name='convolution')
        self.pooling = MaxPooling(name='pooling')
        self.filter_size = filter_size
        self.num_filters = num_filters
        self.pooling_size = pooling_size
        self.num_channels = num_channels
        self.conv_step = conv_step
        self.pooling_step = pooling_step
        self.batch_size = batch_size
        self.image_size = image_size
        self.border_mode = border_mode
        self.tied_biases = tied_biases
        if isinstance(activation, Brick):
            activation = activation.apply
        super().__init__([self.convolution.apply, activation,
                          self.pooling.apply], **kwargs)

    def _push_allocation_config(self):
        self._push_convolution_config()
        self.pooling.pooling_size = self.pooling_size
        self.pooling.step = self.pooling_step
        self.pooling.input_dim = self.convolution.get_dim('output')

    def get_dim(self, name):
        if name == 'input_':
            self._push_allocation_config()
            return self.convolution.get_dim(name)
        if name == 'output':
            self._push_allocation_config()
            return self.pooling.get_dim(name)
        return super().get_dim(name)
