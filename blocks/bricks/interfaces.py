"""Interfaces shared by many bricks: activations, feedforward bricks,
initializable bricks and bricks that draw random numbers.

:class:`~blocks.bricks.base.ActivationDocumentation` is importable from
here, where later versions of Blocks defined it.

"""
import numpy
from aesara.graph.basic import Variable
from aesara.tensor.random.utils import RandomStream

from blocks.bricks.base import (ActivationDocumentation, application, Brick,
                                NoneAllocation)
from blocks.config import config

_KIND_NAMES = {'f': 'floating-point', 'i': 'integer', 'u': 'unsigned integer',
               'b': 'boolean', 'c': 'complex'}


def check_input(brick, argument, variable, ndim=None, min_ndim=None,
                dtype_kinds=None, last_dim=None, application_name='apply'):
    """Check an input variable of a brick's application.

    Raises a ``ValueError`` (wrong ndim or shape) or ``TypeError`` (wrong
    dtype) that names the brick by its path, the argument, what was given
    and what was expected. Checks use the static type of the variable, so
    a static shape is checked only where Aesara knows it.

    Parameters
    ----------
    brick : :class:`~blocks.bricks.base.Brick`
    argument : str
        The name of the argument checked.
    variable : :class:`~aesara.tensor.TensorVariable`
    ndim : int, optional
        The exact number of dimensions expected.
    min_ndim : int, optional
        The least number of dimensions expected.
    dtype_kinds : str, optional
        Allowed numpy dtype kinds, e.g. ``'f'`` or ``'iu'``.
    last_dim : int, optional
        The expected length of the last axis.

    """
    if not isinstance(variable, Variable) or \
            not hasattr(variable.type, 'ndim'):
        return
    where = "{}.{}: argument {!r}".format(brick.path_or_name(),
                                          application_name, argument)
    given_ndim = variable.type.ndim
    if ndim is not None and given_ndim != ndim:
        raise ValueError("{} must be a {}-dimensional tensor, got {} with "
                         "{} dimension(s)".format(where, ndim, variable,
                                                  given_ndim))
    if min_ndim is not None and given_ndim < min_ndim:
        raise ValueError("{} must have at least {} dimension(s), got {} "
                         "with {}".format(where, min_ndim, variable,
                                          given_ndim))
    if dtype_kinds is not None:
        kind = numpy.dtype(variable.dtype).kind
        if kind not in dtype_kinds:
            raise TypeError("{} must be {}, got {} of dtype {}".format(
                where, ' or '.join(_KIND_NAMES[expected]
                                   for expected in dtype_kinds),
                variable, variable.dtype))
    static_shape = getattr(variable.type, 'shape', None)
    if (last_dim is not None and last_dim is not NoneAllocation and
            static_shape and static_shape[-1] is not None and
            static_shape[-1] != last_dim):
        raise ValueError("{}: dimension mismatch: the last axis of {} has "
                         "length {}, expected {}".format(
                             where, variable, static_shape[-1], last_dim))


class Activation(Brick, metaclass=ActivationDocumentation):
    """Elementwise application of an activation function.

    Subclasses implement :meth:`activation`, or override :meth:`apply`
    with an application method. Those without a docstring are documented
    by :class:`~blocks.bricks.base.ActivationDocumentation`.

    Examples
    --------
    >>> class Cube(Activation):
    ...     def activation(self, input_):
    ...         return input_ ** 3
    >>> Cube.__doc__
    'Elementwise application of the cube function.'

    """
    @application(inputs=['input_'], outputs=['output'])
    def apply(self, input_):
        """Apply the activation function element-wise.

        Parameters
        ----------
        input_ : :class:`~aesara.tensor.TensorVariable`
            The variable to apply the activation to, element-wise.

        Returns
        -------
        output : :class:`~aesara.tensor.TensorVariable`
            The input with the activation function applied.

        """
        check_input(self, 'input_', input_, dtype_kinds='f')
        return self.activation(input_)

    def activation(self, input_):
        """The element-wise function; subclasses implement it."""
        raise NotImplementedError


class Feedforward(Brick):
    """Declares an interface for bricks with one input and one output.

    Many bricks have just one input and just one output (activations,
    :class:`~blocks.bricks.Linear`, :class:`~blocks.bricks.MLP`). To make
    such bricks interchangeable they share the attributes ``input_dim`` and
    ``output_dim``.

    Attributes
    ----------
    input_dim : int
        The input dimension of the brick.
    output_dim : int
        The output dimension of the brick.

    """


class RNGMixin:
    """Gives a class a NumPy random number generator that follows a seed.

    :attr:`rng` is created on first use from :attr:`seed`, which is drawn
    from the class-level generator :attr:`seed_rng` (seeded with
    ``config.default_seed``) when not set: a script builds the same
    generators on every run.

    Attributes
    ----------
    seed_rng : :class:`numpy.random.RandomState`
        Draws the seeds of instances that are not given one.
    seed : int
        The seed of :attr:`rng`. Setting another seed discards a generator
        already created, so that the next use of :attr:`rng` follows the
        new seed.
    rng : :class:`numpy.random.RandomState`
        The generator; may be set directly.

    Examples
    --------
    >>> class Noisy(RNGMixin):
    ...     pass
    >>> noisy = Noisy()
    >>> noisy.seed = 3
    >>> int(noisy.rng.randint(100))
    24

    """
    seed_rng = numpy.random.RandomState(config.default_seed)

    @property
    def seed(self):
        if getattr(self, '_seed', None) is None:
            self._seed = int(self.seed_rng.randint(
                numpy.iinfo(numpy.int32).max))
        return self._seed

    @seed.setter
    def seed(self, value):
        if getattr(self, '_seed', None) is not None and \
                value is not None and value != self._seed:
            self.__dict__.pop('_rng', None)
        self._seed = value

    @property
    def rng(self):
        if getattr(self, '_rng', None) is None:
            self._rng = numpy.random.RandomState(self.seed)
        return self._rng

    @rng.setter
    def rng(self, rng):
        self._rng = rng


class Initializable(RNGMixin, Brick):
    """Base class for bricks which push parameter initialization.

    Many bricks initialize children which perform a linear transformation,
    often with biases. This brick allows the weights and biases
    initialization to be configured in the parent brick and pushed down the
    hierarchy.

    Parameters
    ----------
    weights_init : :class:`~blocks.initialization.NdarrayInitialization`
        Initializes the weights. Required by :meth:`initialize` of bricks
        that have weights.
    biases_init : :class:`~blocks.initialization.NdarrayInitialization`,
        optional
        Initializes the biases. Required by :meth:`initialize` when
        ``use_bias`` is True. Only supported by bricks for which
        ``has_biases`` is True.
    use_bias : bool, optional
        Whether to use a bias. Defaults to True. Only supported by bricks
        for which ``has_biases`` is True.
    seed : int, optional
        The seed of :attr:`rng`. By default drawn from a generator seeded
        with ``config.default_seed``, so a script builds the same
        parameters on every run.
    rng : :class:`numpy.random.RandomState`, optional
        The generator used by the initialization schemes.

    Attributes
    ----------
    has_biases : bool
        False if the brick does not support biases.

    """
    has_biases = True
    use_bias = True
    # Its own generator, so that other users of RNGMixin do not change
    # the seeds drawn for bricks.
    seed_rng = numpy.random.RandomState(config.default_seed)

    def __init__(self, weights_init=None, biases_init=None, use_bias=None,
                 seed=None, rng=None, **kwargs):
        super().__init__(**kwargs)
        self.weights_init = weights_init
        if self.has_biases:
            self.biases_init = biases_init
        elif biases_init is not None or use_bias:
            raise ValueError("{}: this brick does not support biases, so "
                             "biases_init and use_bias must not be given"
                             .format(self.path_or_name()))
        if use_bias is not None:
            self.use_bias = use_bias
        self.seed = seed
        if rng is not None:
            self.rng = rng

    def _push_initialization_config(self):
        for child in self.children:
            if isinstance(child, Initializable):
                child.rng = self.rng
                if self.weights_init:
                    child.weights_init = self.weights_init
        if getattr(self, 'biases_init', None):
            for child in self.children:
                if isinstance(child, Initializable) and child.has_biases:
                    child.biases_init = self.biases_init

    def _require_init(self, attribute):
        scheme = getattr(self, attribute, None)
        if not scheme:
            raise ValueError(
                "initialization config not set: {0} (brick {1}: give "
                "{0}=... to the brick or its parent, or set {2}.{0} before "
                "initialize())".format(attribute, self.path_or_name(),
                                       self.name))
        return scheme


class LinearLike(Initializable):
    """Initializable subclass with logic for :class:`Linear`-like classes.

    Notes
    -----
    Provides ``W`` and ``b`` properties that can be overridden in
    subclasses to implement pre-application transformations on the weights
    and biases. Subclasses must put the weight first in ``parameters``
    and the bias (if ``use_bias``) second.

    """
    @property
    def W(self):
        return self.parameters[0]

    @property
    def b(self):
        if getattr(self, 'use_bias', True):
            return self.parameters[1]
        raise AttributeError("{}: use_bias is False, so there is no b".format(
            self.path_or_name()))

    def _initialize(self):
        if self.use_bias:
            self._require_init('biases_init').initialize(self.b, self.rng)
        self._require_init('weights_init').initialize(self.W, self.rng)


class PicklableRandomStream(RandomStream):
    """A :class:`~aesara.tensor.random.utils.RandomStream` that pickles.

    Aesara's stream keeps the modules it takes distributions from, which
    cannot be pickled; this one leaves them out of its pickle and takes the
    default ones (:mod:`aesara.tensor.random.basic`) back when unpickled.
    The seed sequence, which gives the seeds of the next generators, and
    the updates of the generators made so far are kept.

    """
    #: What the pickle keeps; the rest (the modules, and the distribution
    #: functions the stream caches as attributes) is made again.
    _PICKLED = ('default_instance_seed', 'state_updates', 'gen_seedgen',
                'rng_ctor')

    def __getstate__(self):
        return {name: self.__dict__[name] for name in self._PICKLED}

    def __setstate__(self, state):
        RandomStream.__init__(self, state['default_instance_seed'])
        self.__dict__.update(state)


class Random(Brick):
    """A mixin class for bricks which need Aesara random number streams.

    The stream is an :class:`aesara.tensor.random.utils.RandomStream`
    (a :class:`PicklableRandomStream`), which works with every Aesara
    backend (C and JAX); its state lives in shared variables, so it is
    saved and restored with the model.

    Parameters
    ----------
    aesara_seed : int, optional
        Seed of the stream. Drawn from a generator seeded with
        ``config.default_seed`` when not given.

    """
    seed_rng = numpy.random.RandomState(config.default_seed)

    def __init__(self, aesara_seed=None, **kwargs):
        super().__init__(**kwargs)
        self.aesara_seed = aesara_seed

    @property
    def aesara_seed(self):
        if getattr(self, '_aesara_seed', None) is None:
            self._aesara_seed = int(self.seed_rng.randint(
                numpy.iinfo(numpy.int32).max))
        return self._aesara_seed

    @aesara_seed.setter
    def aesara_seed(self, value):
        if getattr(self, '_aesara_rng', None) is not None:
            raise AttributeError("{}: cannot change aesara_seed after the "
                                 "random stream was created".format(
                                     self.path_or_name()))
        self._aesara_seed = value

    @property
    def aesara_rng(self):
        """The brick's random stream, created on first use."""
        if getattr(self, '_aesara_rng', None) is None:
            self._aesara_rng = PicklableRandomStream(self.aesara_seed)
        return self._aesara_rng

    @aesara_rng.setter
    def aesara_rng(self, aesara_rng):
        self._aesara_rng = aesara_rng
