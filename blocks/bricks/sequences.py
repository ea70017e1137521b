"""Bricks that apply other bricks in sequence."""
from toolz import interleave

from blocks.bricks.base import application, lazy
from blocks.bricks.interfaces import Feedforward, Initializable
from blocks.bricks.simple import Linear
from blocks.utils import pack


class Sequence(Initializable):
    """A sequence of bricks.

    Applies a sequence of application methods, feeding the outputs of
    each to the next, assuming that their inputs and outputs are
    compatible.

    Parameters
    ----------
    application_methods : list
        :class:`~blocks.bricks.base.BoundApplication` objects to apply,
        in order (e.g. ``[linear.apply, tanh.apply]``).

    Examples
    --------
    >>> from aesara import tensor
    >>> from blocks.bricks import Linear, Tanh
    >>> from blocks.initialization import Constant
    >>> linear = Linear(input_dim=2, output_dim=2, weights_init=Constant(1),
    ...                 biases_init=Constant(0))
    >>> sequence = Sequence([linear.apply, Tanh().apply])
    >>> sequence.initialize()
    >>> x = tensor.matrix('x')
    >>> y = sequence.apply(x)
    >>> y.eval({x: [[0.5, 0.5]]}).round(4)
    array([[0.7616, 0.7616]])

    """
    def __init__(self, application_methods, **kwargs):
        application_methods = list(application_methods)
        for method in application_methods:
            if not hasattr(method, 'brick') or \
                    not hasattr(method, 'application'):
                raise TypeError(
                    "{}: application_methods must be application methods "
                    "of bricks (e.g. linear.apply), got {!r}".format(
                        kwargs.get('name', type(self).__name__.lower()),
                        method))
        self.application_methods = application_methods
        seen = set()
        children = [method.brick for method in application_methods
                    if not (method.brick in seen or seen.add(method.brick))]
        kwargs.setdefault('children', []).extend(children)
        super().__init__(**kwargs)

    @application
    def apply(self, *args):
        child_input = args
        for application_method in self.application_methods:
            output = application_method(*pack(child_input))
            child_input = output
        return output

    @apply.property('inputs')
    def apply_inputs(self):
        return self.application_methods[0].inputs

    @apply.property('outputs')
    def apply_outputs(self):
        return self.application_methods[-1].outputs


class FeedforwardSequence(Sequence, Feedforward):
    """A sequence where the first and last bricks are feedforward.

    Parameters
    ----------
    application_methods : list
        :class:`~blocks.bricks.base.BoundApplication` objects to apply. The
        first and last ones should belong to a
        :class:`~blocks.bricks.Feedforward` brick.

    """
    @property
    def input_dim(self):
        return self.children[0].input_dim

    @input_dim.setter
    def input_dim(self, value):
        self.children[0].input_dim = value

    @property
    def output_dim(self):
        return self.children[-1].output_dim

    @output_dim.setter
    def output_dim(self, value):
        self.children[-1].output_dim = value


class MLP(FeedforwardSequence, Initializable):
    """A simple multi-layer perceptron.

    Parameters
    ----------
    activations : list of :class:`~blocks.bricks.base.Brick`,
        :class:`~blocks.bricks.base.BoundApplication` or None
        Activations to apply after each linear transformation; None for no
        activation. For a brick, its ``apply`` method is used. Required by
        ``__init__``.
    dims : list of ints
        The input dimension, followed by the output dimension of each
        layer. Required by :meth:`allocate`.
    prototype : :class:`~blocks.bricks.Brick`, optional
        The transformation prototype: a brick whose class (and ``use_bias``
        setting) is used for the linear transformations. Defaults to
        :class:`~blocks.bricks.Linear`.

    Notes
    -----
    See :class:`~blocks.bricks.Initializable` for initialization parameters.

    The ``weights_init``, ``biases_init`` and ``use_bias`` configurations
    overwrite those of the layers each time the MLP is initialized. For
    finer control, push the configuration to the child layers manually
    before initialization:

    >>> from blocks.bricks import Tanh
    >>> from blocks.initialization import IsotropicGaussian, Constant
    >>> mlp = MLP(activations=[Tanh(), None], dims=[30, 20, 10],
    ...           weights_init=IsotropicGaussian(),
    ...           biases_init=Constant(1))
    >>> mlp.push_initialization_config()  # Configure children
    >>> mlp.children[0].weights_init = IsotropicGaussian(0.1)
    >>> mlp.initialize()

    """
    @lazy(allocation=['dims'])
    def __init__(self, activations, dims, prototype=None, **kwargs):
        activations = list(activations)
        self.activations = activations
        self.prototype = Linear() if prototype is None else prototype
        self.linear_transformations = []
        for i in range(len(activations)):
            linear = self.prototype.__class__(name='linear_{}'.format(i))
            if hasattr(self.prototype, 'use_bias') and \
                    'use_bias' not in kwargs:
                linear.use_bias = self.prototype.use_bias
            self.linear_transformations.append(linear)
        if not dims:
            dims = [None] * (len(activations) + 1)
        self.dims = list(dims)
        if len(self.dims) != len(activations) + 1:
            raise ValueError(
                "{}: dims must have one more element than activations (an "
                "input dimension and one output dimension per layer); got "
                "{} dims for {} activations".format(
                    '/' + kwargs.get('name', 'mlp'), len(self.dims),
                    len(activations)))
        # Interleave the transformations and activations
        applications = []
        for activation in activations:
            if activation is None:
                applications.append(None)
            elif hasattr(activation, 'apply') and \
                    not hasattr(activation, 'application'):
                applications.append(activation.apply)
            else:
                applications.append(activation)
        application_methods = [
            method for method in interleave(
                [[linear.apply for linear in self.linear_transformations],
                 applications])
            if method is not None]
        super().__init__(application_methods, **kwargs)

    @property
    def input_dim(self):
        return self.dims[0]

    @input_dim.setter
    def input_dim(self, value):
        self.dims[0] = value

    @property
    def output_dim(self):
        return self.dims[-1]

    @output_dim.setter
    def output_dim(self, value):
        self.dims[-1] = value

    def _push_allocation_config(self):
        if not len(self.dims) - 1 == len(self.linear_transformations):
            raise ValueError(
                "{}: dims has {} elements, but the MLP has {} layers (dims "
                "needs one more element than there are layers)".format(
                    self.path_or_name(), len(self.dims),
                    len(self.linear_transformations)))
        missing = [index for index, dim in enumerate(self.dims)
                   if dim is None or not dim]
        if missing:
            raise ValueError(
                "allocation config not set: dims (brick {}: dims {} has "
                "no value at positions {})".format(self.path_or_name(),
                                                   self.dims, missing))
        for input_dim, output_dim, layer in zip(self.dims[:-1],
                                                self.dims[1:],
                                                self.linear_transformations):
            layer.input_dim = input_dim
            layer.output_dim = output_dim
            if 'use_bias' in self.__dict__:
                layer.use_bias = self.use_bias
