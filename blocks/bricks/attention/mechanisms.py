"""Attention mechanisms: :class:`AbstractAttention` and its implementations.

See :mod:`blocks.bricks.attention` for the terminology.

"""
from abc import abstractmethod

import aesara
from aesara import tensor
from aesara.raise_op import Assert

from blocks.bricks.base import Brick, application, lazy
from blocks.bricks.interfaces import Feedforward, Initializable
from blocks.bricks.parallel import Parallel
from blocks.bricks.recurrent.checks import _given
from blocks.bricks.sequences import Sequence
from blocks.bricks.simple import Linear, Tanh


def check_attended(brick, attended, attended_mask, application_name,
                   in_graph=True):
    """Check the attended and its mask; return the mask (or None).

    The attended is ``(time, batch, features)``, its mask ``(time,
    batch)``; where Aesara knows both lengths statically they must agree,
    otherwise an assertion in the graph compares them.

    """
    where = "{}.{}".format(brick.path_or_name(), application_name)
    if attended.ndim != 3:
        raise ValueError("{}: argument 'attended' must be a 3-dimensional "
                         "tensor (time, batch, features), got {} with {} "
                         "dimension(s)".format(where, _given(attended),
                                               attended.ndim))
    if attended_mask is None:
        return None
    attended_mask = tensor.as_tensor_variable(attended_mask)
    if attended_mask.ndim != 2:
        raise ValueError("{}: argument 'attended_mask' must be a "
                         "2-dimensional tensor (time, batch), got {} with {} "
                         "dimension(s)".format(where, _given(attended_mask),
                                               attended_mask.ndim))
    for axis, what in ((0, 'time'), (1, 'batch')):
        given = attended_mask.type.shape[axis]
        wanted = attended.type.shape[axis]
        if given is not None and wanted is not None and given != wanted:
            raise ValueError(
                "{}: argument 'attended_mask' has {} {} steps (axis {}), "
                "but the attended has {}; the mask must be (time, batch) "
                "of the attended".format(where, given, what, axis, wanted))
    if not in_graph:
        return attended_mask
    message = ("{}: the shapes of 'attended_mask' and 'attended' disagree "
               "(the mask must be (time, batch) of the attended)".format(
                   where))
    return Assert(message)(
        attended_mask,
        tensor.eq(attended_mask.shape[0], attended.shape[0]),
        tensor.eq(attended_mask.shape[1], attended.shape[1]))


class AbstractAttention(Brick):
    """The common interface for attention bricks.

    An attention mechanism takes the states of the network and the
    attended and produces glimpses. For efficiency the work is split in
    two stages:

    1. :meth:`preprocess` does the computations that do not involve the
       states; they can be done once, before the network runs over a
       sequence. Its result is the *preprocessed attended*.
    2. :meth:`take_glimpses` does the rest.

    When the mechanism is applied at every step of a recurrent network,
    some glimpses of the previous step may be needed to compute the new
    ones (e.g. the previous focus position). Such glimpses appear both in
    the inputs and in the outputs of :meth:`take_glimpses`, and
    :meth:`initial_glimpses` gives their values for the first step.

    Parameters
    ----------
    state_names : list of str
        The names of the network states.
    state_dims : list of int
        The dimensions of the states. Required by :meth:`allocate`.
    attended_dim : int
        The dimension of the attended. Required by :meth:`allocate`.

    """
    @lazy(allocation=['state_names', 'state_dims', 'attended_dim'])
    def __init__(self, state_names, state_dims, attended_dim, **kwargs):
        if isinstance(state_names, str):
            raise TypeError("/{}: state_names must be a list of names, got "
                            "the string {!r}".format(
                                kwargs.get('name',
                                           type(self).__name__.lower()),
                                state_names))
        self.state_names = list(state_names)
        self.state_dims = state_dims
        self.attended_dim = attended_dim
        super().__init__(**kwargs)

    @application(inputs=['attended'], outputs=['preprocessed_attended'])
    def preprocess(self, attended):
        """Perform the preprocessing of the attended.

        Stage 1 of the attention mechanism (see :class:`AbstractAttention`).
        The default implementation returns the attended unchanged.

        Parameters
        ----------
        attended : :class:`~aesara.tensor.TensorVariable`
            The attended.

        Returns
        -------
        preprocessed_attended : :class:`~aesara.tensor.TensorVariable`

        """
        return attended

    @abstractmethod
    def take_glimpses(self, attended, preprocessed_attended=None,
                      attended_mask=None, **kwargs):
        """Extract glimpses from the attended given the current states.

        Stage 2 of the attention mechanism. If ``preprocessed_attended`` is
        not given, :meth:`preprocess` is applied first. Implementations
        declare their inputs and outputs: the attended first, the
        preprocessed attended second; the glimpses carried over from the
        previous step are those that are both inputs and outputs.

        Parameters
        ----------
        attended : :class:`~aesara.tensor.TensorVariable`
        preprocessed_attended : :class:`~aesara.tensor.TensorVariable`
            Optional.
        attended_mask : :class:`~aesara.tensor.TensorVariable`, optional
            1 where the attended holds data, 0 at padding.
        \\*\\*kwargs
            The states, and the glimpses carried over from the previous
            step.

        """

    @abstractmethod
    def initial_glimpses(self, batch_size, attended):
        """Return sensible initial values for carried over glimpses.

        Parameters
        ----------
        batch_size : int or scalar :class:`~aesara.tensor.TensorVariable`
        attended : :class:`~aesara.tensor.TensorVariable`

        Returns
        -------
        list of :class:`~aesara.tensor.TensorVariable`

        """

    def get_dim(self, name):
        if name in ('attended', 'preprocessed_attended'):
            return self.attended_dim
        if name == 'attended_mask':
            return 0
        if name in self.state_names:
            return self.state_dims[self.state_names.index(name)]
        return super().get_dim(name)


class GenericSequenceAttention(AbstractAttention):
    """Logic common to attention mechanisms over sequences.

    The attended is ``(time, batch, features)``; weights are ``(time,
    batch)`` inside these methods.

    """
    @application
    def compute_weights(self, energies, attended_mask):
        r"""Compute weights from energies in softmax-like fashion.

        .. math:: w_t = \frac{m_t \exp(e_t - \max_s e_s)}
                              {\sum_s m_s \exp(e_s - \max_s e_s)}

        Parameters
        ----------
        energies : :class:`~aesara.tensor.TensorVariable`
            The energies, ``(time, batch)``.
        attended_mask : :class:`~aesara.tensor.TensorVariable` or None
            The mask of the attended, ``(time, batch)``.

        Returns
        -------
        weights : :class:`~aesara.tensor.TensorVariable`
            Non-negative weights summing to 1 over time, 0 where the mask
            is 0, of the shape of ``energies``.

        """
        if attended_mask is not None:
            # Masked positions must not set the maximum: a large energy
            # at padding would underflow every real weight to zero.
            energies = tensor.switch(attended_mask, energies,
                                     energies.min(axis=0, keepdims=True))
        unnormalized = tensor.exp(energies - energies.max(axis=0,
                                                          keepdims=True))
        if attended_mask is not None:
            unnormalized = unnormalized * attended_mask
        return unnormalized / unnormalized.sum(axis=0, keepdims=True)

    @application
    def compute_weighted_averages(self, weights, attended):
        """Compute weighted averages of the attended sequence vectors.

        Parameters
        ----------
        weights : :class:`~aesara.tensor.TensorVariable`
            ``(time, batch)``: the attended's shape without its last axis.
        attended : :class:`~aesara.tensor.TensorVariable`
            ``(time, batch, features)``.

        Returns
        -------
        weighted_averages : :class:`~aesara.tensor.TensorVariable`
            ``(batch, features)``.

        """
        return (weights[:, :, None] * attended).sum(axis=0)


class SequenceContentAttention(GenericSequenceAttention, Initializable):
    r"""Attention mechanism that looks for relevant content in a sequence.

    This is the attention mechanism of [BCB]_:

    1. the states and the sequence are transformed independently,
    2. the transformed states are added to every transformed sequence
       element to give *match vectors*,
    3. a match vector is transformed into a single number, its *energy*,
    4. the energies are normalised in softmax-like fashion into the
       attention *weights*, which sum to one over the (unmasked) sequence,
    5. the weighted average of the sequence elements is computed.

    The weighted averages of step 5 and the weights of step 4 are the
    glimpses (``weighted_averages``, ``weights``).

    Parameters
    ----------
    state_names : list of str
        The names of the network states.
    attended_dim : int
        The dimension of the sequence elements.
    match_dim : int
        The dimension of the match vectors.
    state_transformer : :class:`~blocks.bricks.Feedforward`, optional
        A prototype for the state transformations; a linear transformation
        without bias by default.
    attended_transformer : :class:`~blocks.bricks.Feedforward`, optional
        The transformation of the sequence; affine by default.
    energy_computer : :class:`~blocks.bricks.Feedforward`, optional
        Computes the energy from a match vector; a
        :class:`ShallowEnergyComputer` (tanh, then a weighted sum) by
        default.

    Notes
    -----
    See :class:`~blocks.bricks.Initializable` for initialization
    parameters. ``get_dim('weights')`` is None: the weights are as long as
    the attended, which varies from batch to batch.

    Examples
    --------
    >>> import numpy
    >>> from aesara import tensor
    >>> from blocks.initialization import Constant
    >>> attention = SequenceContentAttention(
    ...     state_names=['states'], state_dims=[2], attended_dim=3,
    ...     match_dim=4, weights_init=Constant(0.5), biases_init=Constant(0))
    >>> attention.initialize()
    >>> attended = tensor.tensor3('attended')
    >>> mask = tensor.matrix('mask')
    >>> states = tensor.matrix('states')
    >>> averages, weights = attention.take_glimpses(
    ...     attended, attended_mask=mask, states=states)
    >>> weights.eval({attended: numpy.ones((2, 1, 3)),
    ...               mask: [[1.], [0.]], states: [[1., 1.]]})
    array([[1., 0.]])

    """
    @lazy(allocation=['match_dim'])
    def __init__(self, match_dim, state_transformer=None,
                 attended_transformer=None, energy_computer=None, **kwargs):
        if state_transformer is None:
            state_transformer = Linear(use_bias=False)
        if attended_transformer is None:
            attended_transformer = Linear(name='preprocess')
        if energy_computer is None:
            energy_computer = ShallowEnergyComputer(name='energy_comp')
        if not kwargs.get('state_names'):
            raise ValueError("/{}: state_names must be given (the names of "
                             "the states the attention looks from)".format(
                                 kwargs.get('name',
                                            'sequencecontentattention')))
        self.match_dim = match_dim
        self.state_transformer = state_transformer
        self.state_transformers = Parallel(
            input_names=kwargs['state_names'], prototype=state_transformer,
            name='state_trans')
        self.attended_transformer = attended_transformer
        self.energy_computer = energy_computer
        kwargs.setdefault('children', []).extend([
            self.state_transformers, attended_transformer, energy_computer])
        super().__init__(**kwargs)

    def _push_allocation_config(self):
        self.state_transformers.input_dims = self.state_dims
        self.state_transformers.output_dims = [self.match_dim
                                               for _ in self.state_names]
        self.attended_transformer.input_dim = self.attended_dim
        self.attended_transformer.output_dim = self.match_dim
        self.energy_computer.input_dim = self.match_dim
        self.energy_computer.output_dim = 1

    @application
    def compute_energies(self, attended, preprocessed_attended, states):
        """The energies ``(time, batch)`` of the attended's elements.

        ``states`` is a dict of the network states by name.

        """
        if preprocessed_attended is None:
            preprocessed_attended = self.preprocess(attended)
        transformed_states = self.state_transformers.apply(as_dict=True,
                                                           **states)
        match_vectors = sum(transformed_states.values())
        match_vectors = preprocessed_attended + match_vectors[None, :, :]
        # The energy computer sees a matrix: a product of a 3-dimensional
        # tensor inside a loop makes Aesara 2.9 move a one-element shape
        # vector out of the loop, whose type the scan rewrites then reject
        # (logging errors and skipping their rewrites).
        flat = match_vectors.reshape((-1, match_vectors.shape[-1]), ndim=2)
        energies = self.energy_computer.apply(flat)
        return energies.reshape((match_vectors.shape[0],
                                 match_vectors.shape[1]), ndim=2)

    @application(outputs=['weighted_averages', 'weights'])
    def take_glimpses(self, attended, preprocessed_attended=None,
                      attended_mask=None, **states):
        """Compute the attention weights and the weighted averages.

        Parameters
        ----------
        attended : :class:`~aesara.tensor.TensorVariable`
            The sequence, ``(time, batch, attended_dim)``.
        preprocessed_attended : :class:`~aesara.tensor.TensorVariable`
            Optional.
            The result of :meth:`preprocess`; computed when not given.
        attended_mask : :class:`~aesara.tensor.TensorVariable`, optional
            A 0/1 ``(time, batch)`` mask; 0 marks padding.
        \\*\\*states
            The states of the network, by name.

        Returns
        -------
        weighted_averages : :class:`~aesara.tensor.TensorVariable`
            ``(batch, attended_dim)``: the attended elements averaged with
            the attention weights.
        weights : :class:`~aesara.tensor.TensorVariable`
            ``(batch, time)``: the attention weights.

        """
        attended_mask = check_attended(self, attended, attended_mask,
                                       'take_glimpses', in_graph=False)
        missing = [name for name in self.state_names if name not in states]
        unknown = [name for name in states if name not in self.state_names]
        if missing or unknown:
            raise TypeError("{}.take_glimpses: the states are {}; missing "
                            "{}, unexpected {}".format(
                                self.path_or_name(), self.state_names,
                                missing, unknown))
        energies = self.compute_energies(attended, preprocessed_attended,
                                         states)
        weights = self.compute_weights(energies, attended_mask)
        weighted_averages = self.compute_weighted_averages(weights, attended)
        return weighted_averages, weights.T

    @take_glimpses.property('inputs')
    def take_glimpses_inputs(self):
        return (['attended', 'preprocessed_attended', 'attended_mask'] +
                self.state_names)

    @application(outputs=['weighted_averages', 'weights'])
    def initial_glimpses(self, batch_size, attended):
        """Zero weighted averages and zero weights."""
        return [tensor.zeros((batch_size, self.attended_dim),
                             dtype=aesara.config.floatX),
                tensor.zeros((batch_size, attended.shape[0]),
                             dtype=aesara.config.floatX)]

    @application(inputs=['attended'], outputs=['preprocessed_attended'])
    def preprocess(self, attended):
        """Transform the attended sequence (time first)."""
        return self.attended_transformer.apply(attended)

    def get_dim(self, name):
        if name == 'preprocessed_attended':
            return self.match_dim
        if name == 'weighted_averages':
            return self.attended_dim
        if name == 'weights':
            return None
        return super().get_dim(name)


class ShallowEnergyComputer(Sequence, Initializable, Feedforward):
    """A simple energy computer: first tanh, then a weighted sum."""
    @lazy()
    def __init__(self, **kwargs):
        super().__init__([Tanh().apply, Linear(use_bias=False).apply],
                         **kwargs)

    @property
    def input_dim(self):
        return self.children[1].input_dim

    @input_dim.setter
    def input_dim(self, value):
        self.children[1].input_dim = value

    @property
    def output_dim(self):
        return self.children[1].output_dim

    @output_dim.setter
    def output_dim(self, value):
        self.children[1].output_dim = value
