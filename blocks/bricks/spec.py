r"""Networks from a one-line description (brainstorm's spec strings).

:func:`create_net_from_spec` builds the bricks, the input and target
variables, the output and the cost of a network for classification,
multi-label classification or regression from a string such as
``'F1200 D.2 F1200 D'``. Whitespace is ignored; each layer is a capital
letter followed by its arguments:

=======  ==============================================  =================
letter   layer                                           examples
=======  ==============================================  =================
``F``    fully connected: [activation] size              ``F100``, ``Ft50``
``D``    dropout of the previous output: [probability]   ``D``, ``D.2``
``B``    batch normalization                             ``B``
``C``    convolution: [activation] filters``:``kernel    ``C32:5p2``,
         [``p`` padding] [``s`` stride]                  ``Cs16:3s2``
``P``    pooling: [``m`` max or ``a`` average] kernel    ``P3s2``, ``Pa2``
         [``p`` padding] [``s`` stride]
``R``    simple recurrent: [activation] size             ``R100``
``L``    LSTM: [activation] size                         ``L100``
=======  ==============================================  =================

Activations are ``l`` (linear), ``r`` (rectifier, the default), ``s``
(logistic sigmoid) and ``t`` (tanh); dropout drops with probability 0.5
unless given one; a pooling stride defaults to its kernel size, a
convolution stride to 1.

:func:`parse_spec` reads a string into :class:`LayerSpec` objects, and
checks it fully, for all the letters. :func:`create_net_from_spec` builds
fully connected layers (:class:`~blocks.bricks.Linear` and an activation),
convolutions (:class:`~blocks.bricks.conv.Convolutional` with biases per
filter, and an activation), pooling (:class:`~blocks.bricks.conv.MaxPooling`
or :class:`~blocks.bricks.conv.AveragePooling`), batch normalization
(:class:`~blocks.bricks.bn.SpatialBatchNormalization` of images,
:class:`~blocks.bricks.bn.BatchNormalization` of features), dropout and the
output layer; images are flattened (:class:`~blocks.bricks.conv.Flattener`)
before the first fully connected layer. The recurrent layers ``R`` and
``L`` are not built yet: a spec using them is refused with a
:class:`NotImplementedError` that says so. The shape of each layer's output
is :meth:`LayerSpec.output_shape`.

>>> parse_spec('C32:5p2 P3s2 F64')
[LayerSpec('C', activation='r', num_filters=32, kernel=5, padding=2,
stride=1), LayerSpec('P', pool_type='m', kernel=3, padding=0, stride=2),
LayerSpec('F', activation='r', size=64)]

"""
import importlib
import math
import numbers
import re

import aesara
from aesara import tensor
from aesara.tensor.random.utils import RandomStream

from blocks.bricks.bn import BatchNormalization, SpatialBatchNormalization
from blocks.bricks.conv import (AveragePooling, Convolutional, Flattener,
                                MaxPooling)
from blocks.bricks.cost import BinaryCrossEntropy, SquaredError
from blocks.bricks.sequences import FeedforwardSequence
from blocks.bricks.simple import (Identity, Linear, Logistic, Rectifier,
                                  Softmax, Tanh)
from blocks.config import config
from blocks.filter import VariableFilter
from blocks.graph import ComputationGraph, apply_dropout
from blocks.graph.bn import apply_batch_normalization
from blocks.initialization import Constant
from blocks.initialization.scaled import DenseSqrtFanInOut
from blocks.roles import INPUT, OUTPUT

__all__ = ['LayerSpec', 'parse_spec', 'create_net_from_spec',
           'NetworkFromSpec']

#: Activation letters, the brick class and the scale name of
#: :class:`~blocks.initialization.DenseSqrtFanInOut`.
ACTIVATIONS = {'l': (Identity, 'linear'), 'r': (Rectifier, 'rel'),
               's': (Logistic, 'sigmoid'), 't': (Tanh, 'tanh')}

TASK_TYPES = ('classification', 'multilabel', 'regression')

_NUMBER = r'(\d+)'
_PATTERNS = {
    'F': re.compile(r'F([lrst]?)' + _NUMBER),
    'R': re.compile(r'R([lrst]?)' + _NUMBER),
    'L': re.compile(r'L([lrst]?)' + _NUMBER),
    'D': re.compile(r'D(\d*\.?\d*)'),
    'B': re.compile(r'B'),
    'C': re.compile(r'C([lrst]?)' + _NUMBER + ':' + _NUMBER +
                    r'((?:[ps]\d+)*)'),
    'P': re.compile(r'P([ma]?)' + _NUMBER + r'((?:[ps]\d+)*)'),
}

_SYNTAX = {
    'F': "F[activation]size, e.g. 'F100' or 'Ft100'",
    'R': "R[activation]size, e.g. 'R100'",
    'L': "L[activation]size, e.g. 'L100'",
    'D': "D[probability], e.g. 'D' or 'D.2'",
    'B': "B alone",
    'C': "C[activation]filters:kernel[p<padding>][s<stride>], e.g. "
         "'C32:5p2'",
    'P': "P[m|a]kernel[p<padding>][s<stride>], e.g. 'P3s2'",
}

_LAYER_NAMES = {'F': 'fully connected', 'R': 'simple recurrent',
                'L': 'LSTM', 'D': 'dropout', 'B': 'batch normalization',
                'C': 'convolution', 'P': 'pooling'}


class LayerSpec:
    """One layer of a spec string.

    Parameters
    ----------
    kind : str
        The letter of the layer.
    \\*\\*arguments
        Its arguments: `activation` and `size` (``F``, ``R``, ``L``),
        `probability` (``D``), `activation`, `num_filters`, `kernel`,
        `padding` and `stride` (``C``), `pool_type`, `kernel`, `padding`
        and `stride` (``P``).

    """
    def __init__(self, kind, **arguments):
        self.kind = kind
        self.arguments = arguments
        for name, value in arguments.items():
            setattr(self, name, value)

    def __eq__(self, other):
        return (isinstance(other, LayerSpec) and self.kind == other.kind and
                self.arguments == other.arguments)

    def __repr__(self):
        return 'LayerSpec({!r}{})'.format(self.kind, ''.join(
            ', {}={!r}'.format(name, value)
            for name, value in self.arguments.items()))

    def output_shape(self, input_shape):
        """The shape of an example after this layer.

        Parameters
        ----------
        input_shape : tuple of int
            The shape of an example before the layer: ``(features,)`` or
            ``(channels, height, width)``.

        Returns
        -------
        tuple of int

        Raises
        ------
        ValueError
            If the layer does not fit the shape.

        """
        if self.kind in 'FRL':
            return (self.size,)
        if self.kind in 'DB':
            return tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError("create_net_from_spec: the {} layer {!r} needs "
                             "images (channels, height, width), got the "
                             "shape {}".format(_LAYER_NAMES[self.kind], self,
                                               tuple(input_shape)))
        channels = self.num_filters if self.kind == 'C' else input_shape[0]
        sizes = []
        for size in input_shape[1:]:
            # Windows that do not fit in the padded image are dropped.
            padded = size + 2 * self.padding
            if padded < self.kernel:
                raise ValueError(
                    "create_net_from_spec: the {} layer {!r} has a kernel of "
                    "{} but its input is only {} wide after padding".format(
                        _LAYER_NAMES[self.kind], self, self.kernel, padded))
            sizes.append((padded - self.kernel) // self.stride + 1)
        return (channels,) + tuple(sizes)


def _options(spec, token, text):
    """Read the padding and stride options (``p2s2``) of a token."""
    options = {}
    for letter, value in re.findall(r'([ps])(\d+)', text):
        if letter in options:
            raise _malformed(spec, token, 'the option {!r} is given twice'
                             .format(letter))
        options[letter] = int(value)
    return options.get('p'), options.get('s')


def _malformed(spec, token, problem):
    return ValueError("create_net_from_spec: malformed token {!r} in the "
                      "spec {!r}: {}; the syntax is {}".format(
                          token, spec, problem, _SYNTAX[token[0]]))


def parse_spec(spec):
    """Read a spec string into a list of :class:`LayerSpec`.

    Parameters
    ----------
    spec : str
        E.g. ``'F1200 D.2 F1200 D'``; see :mod:`blocks.bricks.spec`.

    Returns
    -------
    list of :class:`LayerSpec`

    Raises
    ------
    ValueError
        For a malformed spec; the message names the bad token.
    TypeError
        If `spec` is not a string.

    Examples
    --------
    >>> parse_spec('Ft50 D')
    [LayerSpec('F', activation='t', size=50), \
LayerSpec('D', probability=0.5)]
    >>> parse_spec('F50 X3')
    Traceback (most recent call last):
      ...
    ValueError: create_net_from_spec: unknown layer 'X3' in the spec ...

    """
    if not isinstance(spec, str):
        raise TypeError("create_net_from_spec: spec must be a string, got "
                        "{!r}".format(spec))
    compact = ''.join(spec.split())
    prefix = re.match(r'[^A-Z]*', compact).group()
    if prefix:
        raise ValueError("create_net_from_spec: the spec {!r} must start "
                         "with a layer letter ({}), got {!r}".format(
                             spec, ', '.join(_PATTERNS), prefix))
    layers = []
    for token in re.findall(r'[A-Z][^A-Z]*', compact):
        kind = token[0]
        if kind not in _PATTERNS:
            raise ValueError("create_net_from_spec: unknown layer {!r} in "
                             "the spec {!r}; the layers are {}".format(
                                 token, spec, ', '.join(
                                     '{} ({})'.format(letter, name)
                                     for letter, name
                                     in _LAYER_NAMES.items())))
        match = _PATTERNS[kind].fullmatch(token)
        if match is None:
            raise _malformed(spec, token, 'cannot read it')
        layers.append(_layer_spec(spec, token, kind, match.groups()))
    return layers


def _positive(spec, token, name, value):
    if value < 1:
        raise _malformed(spec, token, '{} must be positive, got {}'.format(
            name, value))
    return value


def _layer_spec(spec, token, kind, groups):
    if kind in 'FRL':
        activation, size = groups
        return LayerSpec(kind, activation=activation or 'r',
                         size=_positive(spec, token, 'the size', int(size)))
    if kind == 'D':
        text, = groups
        try:
            probability = float(text) if text else 0.5
        except ValueError:
            raise _malformed(spec, token, 'the probability {!r} is not a '
                             'number'.format(text)) from None
        if not 0 <= probability < 1:
            raise _malformed(spec, token, 'the probability must be in '
                             '[0, 1), got {}'.format(probability))
        return LayerSpec('D', probability=probability)
    if kind == 'B':
        return LayerSpec('B')
    if kind == 'C':
        activation, num_filters, kernel, options = groups
        padding, stride = _options(spec, token, options)
        return LayerSpec(
            'C', activation=activation or 'r',
            num_filters=_positive(spec, token, 'the number of filters',
                                  int(num_filters)),
            kernel=_positive(spec, token, 'the kernel size', int(kernel)),
            padding=padding or 0,
            stride=_positive(spec, token, 'the stride',
                             1 if stride is None else stride))
    pool_type, kernel, options = groups
    padding, stride = _options(spec, token, options)
    kernel = _positive(spec, token, 'the kernel size', int(kernel))
    return LayerSpec('P', pool_type=pool_type or 'm', kernel=kernel,
                     padding=padding or 0,
                     stride=_positive(spec, token, 'the stride',
                                      kernel if stride is None else stride))


class NetworkFromSpec:
    """What :func:`create_net_from_spec` builds.

    Attributes
    ----------
    layers : list of :class:`LayerSpec`
        The parsed spec.
    net : :class:`~blocks.bricks.FeedforwardSequence`
        The top brick, named 'net', mapping the inputs to the
        pre-activations of the output layer (its last child is the output
        projection, a :class:`~blocks.bricks.Linear`).
    bricks : list of :class:`~blocks.bricks.base.Brick`
        The children of `net`, in order.
    output_brick : :class:`~blocks.bricks.base.Brick`
        The output activation (:class:`~blocks.bricks.Softmax`,
        :class:`~blocks.bricks.Logistic` or
        :class:`~blocks.bricks.Identity`).
    inputs : :class:`~aesara.tensor.TensorVariable`
        The input variable, named after the data source.
    targets : :class:`~aesara.tensor.TensorVariable`
        The target variable, named after the target source: class indices
        of shape ``(batch, 1)`` for classification, a matrix otherwise.
    cost : :class:`~aesara.tensor.TensorVariable`
        The cost (named 'cost') to train with: with dropout where the spec
        asks for it, and batch normalization by minibatch statistics (the
        updates of the population statistics are
        ``get_batch_normalization_updates(ComputationGraph(cost))``, from
        :mod:`blocks.graph.bn`).
    output : :class:`~aesara.tensor.TensorVariable`
        The output to train with (probabilities for classification,
        predictions for regression).
    inference_cost : :class:`~aesara.tensor.TensorVariable`
        The cost without dropout, and with batch normalization by the
        population statistics, to monitor with.
    inference_output : :class:`~aesara.tensor.TensorVariable`
        The output without dropout, to predict with.

    """
    def __init__(self, **attributes):
        for name, value in attributes.items():
            setattr(self, name, value)


def _require(module_name, layer, what):
    """Refuse a layer whose bricks are not available (yet)."""
    try:
        importlib.import_module(module_name)
    except ImportError as exc:
        raise NotImplementedError(
            "create_net_from_spec: the layer {!r} needs {} bricks, from {}, "
            "which this version of Blocks does not have".format(
                layer, what, module_name)) from exc
    raise NotImplementedError(
        "create_net_from_spec: the layer {!r} needs {} bricks; {} exists, "
        "but create_net_from_spec does not build them yet (see "
        "blocks.bricks.spec)".format(layer, what, module_name))


def _convolution_builder(layer, index, shape, weights_init, biases_init):
    activation_class, scale = ACTIVATIONS[layer.activation]
    # The weights have the shape (filters, channels, rows, columns), whose
    # fans DenseSqrtFanInOut computes with the kernel area counted in.
    convolution = Convolutional(
        filter_size=(layer.kernel, layer.kernel),
        num_filters=layer.num_filters, num_channels=shape[0],
        image_size=tuple(shape[1:]), step=(layer.stride, layer.stride),
        border_mode=layer.padding, tied_biases=True,
        name='convolutional_{}'.format(index),
        weights_init=weights_init or DenseSqrtFanInOut(scale),
        biases_init=biases_init or Constant(0))
    activation = activation_class(name='{}_{}'.format(
        activation_class.__name__.lower(), index))
    return [convolution, activation]


def _pooling_builder(layer, index, shape, weights_init, biases_init):
    pooling_class = MaxPooling if layer.pool_type == 'm' else AveragePooling
    return [pooling_class(
        pooling_size=(layer.kernel, layer.kernel),
        step=(layer.stride, layer.stride), input_dim=tuple(shape),
        padding=(layer.padding, layer.padding),
        name='{}_{}'.format(pooling_class.__name__.lower(), index))]


def _batch_norm_builder(layer, index, shape, weights_init, biases_init):
    if len(shape) == 1:
        return [BatchNormalization(input_dim=shape[0],
                                   name='batchnormalization_{}'.format(index))]
    return [SpatialBatchNormalization(
        input_dim=tuple(shape),
        name='spatialbatchnormalization_{}'.format(index))]


def _recurrent_builder(layer, index, shape):
    _require('blocks.bricks.recurrent', layer, 'recurrent')


def _fully_connected_builder(layer, index, shape, weights_init,
                             biases_init):
    activation_class, scale = ACTIVATIONS[layer.activation]
    linear = Linear(input_dim=math.prod(shape), output_dim=layer.size,
                    name='linear_{}'.format(index),
                    weights_init=weights_init or DenseSqrtFanInOut(scale),
                    biases_init=biases_init or Constant(0))
    activation = activation_class(name='{}_{}'.format(
        activation_class.__name__.lower(), index))
    return [linear, activation]


#: Builders of the layers that need bricks Blocks does not have yet.
_UNAVAILABLE_BUILDERS = {'R': _recurrent_builder, 'L': _recurrent_builder}

#: Builders of the layers, each returning the list of its bricks.
_BUILDERS = {'F': _fully_connected_builder, 'C': _convolution_builder,
             'P': _pooling_builder, 'B': _batch_norm_builder}


def _check_shape(name, value):
    shape = (value,) if isinstance(value, numbers.Integral) else value
    try:
        shape = tuple(shape)
    except TypeError:
        shape = ()
    if not shape or any(isinstance(size, bool) or
                        not isinstance(size, numbers.Integral) or size < 1
                        for size in shape):
        raise ValueError("create_net_from_spec: {} must be a positive "
                         "integer or a tuple of them, got {!r}".format(
                             name, value))
    return tuple(int(size) for size in shape)


def create_net_from_spec(task_type, in_shape, out_shape, spec,
                         data_name='features', targets_name='targets',
                         weights_init=None, biases_init=None, seed=None):
    """Build a network from a spec string, with its input, output and cost.

    Brainstorm's ``create_net_from_spec``.

    Parameters
    ----------
    task_type : {'classification', 'multilabel', 'regression'}
        Classification ends with a softmax and the categorical
        cross-entropy of integer targets; multi-label classification with
        logistic units and the binary cross-entropy; regression with a
        linear output and the squared error.
    in_shape : int or tuple of int
        The shape of an example: a number of features, or e.g.
        ``(channels, height, width)``; images are flattened before a fully
        connected layer.
    out_shape : int
        The number of classes, labels or outputs.
    spec : str
        The hidden layers; see :mod:`blocks.bricks.spec`.
    data_name, targets_name : str, optional
        The names of the input and target variables, hence of the data
        sources that feed them; 'features' and 'targets' by default.
    weights_init, biases_init : NdarrayInitialization, optional
        Override the initialization of all the layers. By default weights
        are drawn by
        :class:`~blocks.initialization.DenseSqrtFanInOut` scaled for the
        activation of their layer (linear for the output layer) and biases
        are zero.
    seed : int, optional
        Seeds the initialization and the dropout masks;
        ``config.default_seed`` by default.

    Returns
    -------
    :class:`NetworkFromSpec`
        With the bricks allocated and initialized.

    Raises
    ------
    ValueError
        For a malformed spec (naming the bad token), an unknown task type
        or shapes that do not fit.
    NotImplementedError
        For the recurrent layers (``R``, ``L``), not built yet.

    Examples
    --------
    brainstorm's ``mnist_pi`` example:

    >>> network = create_net_from_spec('classification', 784, 10,
    ...                                'D.2 F1200 D F1200 D')
    >>> [(brick.name, brick.input_dim, brick.output_dim)
    ...  for brick in network.bricks if hasattr(brick, 'input_dim')]
    [('linear_1', 784, 1200), ('linear_3', 1200, 1200), \
('output', 1200, 10)]
    >>> network.cost.name, network.inputs.name, network.targets.name
    ('cost', 'features', 'targets')

    A convolutional network on 32x32 colour images:

    >>> network = create_net_from_spec('classification', (3, 32, 32), 10,
    ...                                'C32:5p2 P3s2 F64')
    >>> for brick in network.bricks:
    ...     print(type(brick).__name__, brick.name)
    Convolutional convolutional_0
    Rectifier rectifier_0
    MaxPooling maxpooling_1
    Flattener flattener_2
    Linear linear_2
    Rectifier rectifier_2
    Linear output
    >>> shape = (3, 32, 32)
    >>> for layer in network.layers:
    ...     shape = layer.output_shape(shape)
    ...     print(layer.kind, shape)
    C (32, 32, 32)
    P (32, 15, 15)
    F (64,)
    >>> network.bricks[0].W.get_value().shape, network.bricks[4].input_dim
    ((32, 3, 5, 5), 7200)
    >>> network.inputs.ndim
    4

    """
    if task_type not in TASK_TYPES:
        raise ValueError("create_net_from_spec: task_type must be one of "
                         "{}, got {!r}".format(TASK_TYPES, task_type))
    in_shape = _check_shape('in_shape', in_shape)
    out_shape = _check_shape('out_shape', out_shape)
    if len(out_shape) != 1:
        raise ValueError("create_net_from_spec: out_shape must be a number "
                         "of outputs, got {!r}".format(out_shape))
    layers = parse_spec(spec)
    shape = in_shape
    for index, layer in enumerate(layers):
        # All the shapes are checked, and unavailable layers refused,
        # before any brick is built.
        if layer.kind in _UNAVAILABLE_BUILDERS:
            _UNAVAILABLE_BUILDERS[layer.kind](layer, index, shape)
        shape = layer.output_shape(shape)
    if seed is None:
        seed = config.default_seed

    bricks, dropouts, shape = [], [], in_shape
    for index, layer in enumerate(layers):
        if layer.kind == 'D':
            dropouts.append((len(bricks), layer.probability))
            continue
        if layer.kind == 'F' and len(shape) > 1:
            bricks.append(Flattener(name='flattener_{}'.format(index)))
            shape = (math.prod(shape),)
        bricks.extend(_BUILDERS[layer.kind](layer, index, shape,
                                            weights_init, biases_init))
        shape = layer.output_shape(shape)
    if len(shape) > 1:
        bricks.append(Flattener(name='flattener'))
    bricks.append(Linear(input_dim=math.prod(shape), output_dim=out_shape[0],
                         name='output',
                         weights_init=weights_init or
                         DenseSqrtFanInOut('linear'),
                         biases_init=biases_init or Constant(0)))
    net = FeedforwardSequence([brick.apply for brick in bricks], name='net')
    net.seed = seed
    net.initialize()

    inputs = tensor.tensor(dtype=aesara.config.floatX,
                           shape=(None,) * (len(in_shape) + 1),
                           name=data_name)
    pre_activation = net.apply(inputs)
    if task_type == 'classification':
        targets = tensor.lmatrix(targets_name)
        output_brick = Softmax(name='softmax')
        output = output_brick.apply(pre_activation)
        cost = output_brick.categorical_cross_entropy(
            targets.flatten(), pre_activation).mean()
    else:
        targets = tensor.matrix(targets_name)
        output_brick = Logistic(name='output_activation') \
            if task_type == 'multilabel' else Identity(
                name='output_activation')
        output = output_brick.apply(pre_activation)
        cost_brick = BinaryCrossEntropy() if task_type == 'multilabel' \
            else SquaredError()
        cost = cost_brick.apply(targets, output)
    cost.name = 'cost'

    graph = ComputationGraph([cost, output])
    if any(isinstance(brick, BatchNormalization) for brick in bricks):
        # Training normalizes by minibatch statistics, inference by the
        # population statistics.
        graph = apply_batch_normalization(graph)
    rng = RandomStream(seed)
    for position, probability in dropouts:
        # Dropout before the first brick drops its input; after a layer, the
        # output of its last brick.
        if position == 0:
            dropped = VariableFilter(bricks=[bricks[0]], roles=[INPUT])(
                graph.variables)
        else:
            dropped = VariableFilter(bricks=[bricks[position - 1]],
                                     roles=[OUTPUT])(graph.variables)
        graph = apply_dropout(graph, dropped, probability, rng=rng)
    training_cost, training_output = graph.outputs
    training_cost.name = 'cost'
    return NetworkFromSpec(
        layers=layers, net=net, bricks=bricks, output_brick=output_brick,
        inputs=inputs, targets=targets, cost=training_cost,
        output=training_output, inference_cost=cost,
        inference_output=output)
