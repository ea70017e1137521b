"""Readouts of sequence generators, with their emitters and feedbacks.

A :class:`Readout` computes the readouts from the states, the glimpses and
the feedback of the previous output; its emitter turns readouts into
outputs and scores them, its feedback brick turns outputs into inputs of
the transition.

"""
from abc import abstractmethod

import aesara
from aesara import tensor

from blocks.bricks.base import Brick, application, lazy
from blocks.bricks.interfaces import Initializable, Random
from blocks.bricks.lookup import LookupTable
from blocks.bricks.parallel import Merge
from blocks.bricks.simple import Bias, NDimensionalSoftmax


class AbstractReadout(Initializable):
    """The interface of the readout component of a sequence generator.

    The readout is the bridge between the core recurrent network and the
    output sequence (see :class:`BaseSequenceGenerator` for how it is
    used; :class:`Readout` is the usual implementation).

    Parameters
    ----------
    source_names : list of str
        The names of the information sources the readout is computed
        from: states, glimpses, contexts of the transition, and
        ``feedback``.
    readout_dim : int
        The dimension of the readout.

    Attributes
    ----------
    source_dims : list of int
        The dimensions of the sources, set by the sequence generator.
    output_dtype_kinds : str
        The numpy dtype kinds the outputs may have.

    """
    output_dtype_kinds = 'f'

    @lazy(allocation=['source_names', 'readout_dim'])
    def __init__(self, source_names, readout_dim, **kwargs):
        self.source_names = source_names
        self.readout_dim = readout_dim
        super().__init__(**kwargs)

    @abstractmethod
    def emit(self, readouts):
        """Produce outputs from readouts ``(batch, readout_dim)``."""

    @abstractmethod
    def cost(self, readouts, outputs):
        """The generation cost of the outputs given the readouts.

        ``outputs`` have as many axes as ``readouts`` or one less; the
        leading axes of both agree.

        """

    @abstractmethod
    def initial_outputs(self, batch_size):
        """The outputs :math:`y_0` before the first step."""

    @abstractmethod
    def feedback(self, outputs):
        """Feed outputs back, as inputs of the transition."""

    @abstractmethod
    def readout(self, **kwargs):
        """Compute the readouts from the sources, by name."""


class Readout(AbstractReadout):
    """Readout with separate emitter and feedback parts.

    Delegates :meth:`emit`, :meth:`~Readout.cost` and
    :meth:`initial_outputs` to an emitter and :meth:`feedback` to a feedback brick; the readouts are
    computed by a merge brick, which combines the sources, followed by a
    post-merge brick.

    Parameters
    ----------
    emitter : :class:`AbstractEmitter`, optional
        The emitter; a :class:`TrivialEmitter` by default.
    feedback_brick : :class:`AbstractFeedback`, optional
        The feedback brick; a :class:`TrivialFeedback` by default.
    merge : :class:`~blocks.bricks.Brick`, optional
        Combines the sources into one variable. Cannot be given together
        with `merge_prototype`. By default a
        :class:`~blocks.bricks.parallel.Merge` of `merge_prototype`.
    merge_prototype : :class:`~blocks.bricks.Feedforward`, optional
        The transformation applied to every source before they are summed;
        a linear transformation without bias by default.
    post_merge : :class:`~blocks.bricks.Feedforward`, optional
        Applied to the merged sources; a :class:`~blocks.bricks.Bias` by
        default.
    merged_dim : int, optional
        The output dimension of the merge (the input dimension of the
        post-merge); `readout_dim` by default.
    \\*\\*kwargs
        ``source_names``, ``readout_dim`` and the arguments of
        :class:`~blocks.bricks.Initializable`.

    """
    @lazy()
    def __init__(self, emitter=None, feedback_brick=None, merge=None,
                 merge_prototype=None, post_merge=None, merged_dim=None,
                 **kwargs):
        owner = '/' + kwargs.get('name', 'readout')
        if merge is not None and merge_prototype is not None:
            raise ValueError("{}: give merge or merge_prototype, not both"
                             .format(owner))
        readout_dim = kwargs.get('readout_dim')
        if emitter is None:
            emitter = TrivialEmitter(readout_dim)
        if feedback_brick is None:
            feedback_brick = TrivialFeedback(readout_dim)
        if merge is None:
            if not kwargs.get('source_names'):
                raise ValueError("{}: source_names must be given (the "
                                 "sources the readout is computed from)"
                                 .format(owner))
            merge = Merge(input_names=kwargs['source_names'],
                          prototype=merge_prototype)
        if post_merge is None:
            post_merge = Bias(dim=readout_dim)
        self.emitter = emitter
        self.feedback_brick = feedback_brick
        self.merge = merge
        self.post_merge = post_merge
        self.merged_dim = merged_dim
        kwargs.setdefault('children', []).extend(
            [emitter, feedback_brick, merge, post_merge])
        super().__init__(**kwargs)

    @property
    def output_dtype_kinds(self):
        return self.emitter.output_dtype_kinds

    def _push_allocation_config(self):
        merged_dim = self.merged_dim or self.readout_dim
        self.emitter.readout_dim = self.get_dim('readouts')
        self.feedback_brick.output_dim = self.get_dim('outputs')
        self.merge.input_names = self.source_names
        self.merge.input_dims = self.source_dims
        self.merge.output_dim = merged_dim
        self.post_merge.input_dim = merged_dim
        self.post_merge.output_dim = self.readout_dim

    @application
    def readout(self, **kwargs):
        """Merge the sources and apply the post-merge brick."""
        missing = [name for name in self.source_names if name not in kwargs]
        if missing:
            raise TypeError("{}.readout: missing sources {} (the sources "
                            "are {})".format(self.path_or_name(), missing,
                                             self.source_names))
        merged = self.merge.apply(**{name: kwargs[name]
                                     for name in self.merge.input_names})
        return self.post_merge.apply(merged)

    @application
    def emit(self, readouts):
        return self.emitter.emit(readouts)

    @application
    def cost(self, readouts, outputs):
        return self.emitter.cost(readouts, outputs)

    @application
    def initial_outputs(self, batch_size):
        return self.emitter.initial_outputs(batch_size)

    @application(outputs=['feedback'])
    def feedback(self, outputs):
        return self.feedback_brick.feedback(outputs)

    def get_dim(self, name):
        if name == 'outputs':
            return self.emitter.get_dim(name)
        if name == 'feedback':
            return self.feedback_brick.get_dim(name)
        if name == 'readouts':
            return self.readout_dim
        return super().get_dim(name)


class AbstractEmitter(Brick):
    """The interface of the emitter component of a readout.

    Attributes
    ----------
    output_dtype_kinds : str
        The numpy dtype kinds of the outputs, ``'f'`` by default.

    """
    output_dtype_kinds = 'f'

    @abstractmethod
    def emit(self, readouts):
        """Produce outputs from readouts."""

    @abstractmethod
    def cost(self, readouts, outputs):
        """The cost of the outputs given the readouts."""

    @abstractmethod
    def initial_outputs(self, batch_size):
        """The outputs before the first step."""


class TrivialEmitter(AbstractEmitter):
    """An emitter for the trivial case when readouts are outputs.

    Parameters
    ----------
    readout_dim : int
        The dimension of the readout. Required by :meth:`allocate`.

    Notes
    -----
    :meth:`~TrivialEmitter.cost` is always zero.

    """
    @lazy(allocation=['readout_dim'])
    def __init__(self, readout_dim, **kwargs):
        super().__init__(**kwargs)
        self.readout_dim = readout_dim

    @application
    def emit(self, readouts):
        return readouts

    @application
    def cost(self, readouts, outputs):
        return tensor.zeros_like(outputs).sum(axis=-1)

    @application
    def initial_outputs(self, batch_size):
        return tensor.zeros((batch_size, self.readout_dim),
                            dtype=aesara.config.floatX)

    def get_dim(self, name):
        if name == 'outputs':
            return self.readout_dim
        return super().get_dim(name)


class SoftmaxEmitter(AbstractEmitter, Initializable, Random):
    """A softmax emitter for integer outputs.

    Interprets the readouts as the energies of the indices: the
    probability of output :math:`k` is :math:`softmax(r)_k`. :meth:`emit`
    samples from it (inverse transform of one uniform number per example),
    :meth:`~SoftmaxEmitter.cost` is the negative log-probability.

    Parameters
    ----------
    initial_output : int or scalar :class:`~aesara.tensor.TensorVariable`
        The initial output :math:`y_0`.

    """
    output_dtype_kinds = 'iu'

    def __init__(self, initial_output=0, **kwargs):
        self.initial_output = initial_output
        self.softmax = NDimensionalSoftmax()
        kwargs.setdefault('children', []).append(self.softmax)
        super().__init__(**kwargs)

    @application
    def probs(self, readouts):
        """The probabilities of the outputs, softmax over the last axis."""
        return self.softmax.apply(readouts, extra_ndim=readouts.ndim - 2)

    @application
    def emit(self, readouts):
        """Sample an output for every row of readouts ``(batch, dim)``."""
        probs = self.probs(readouts)
        # One uniform number per row, whose size depends on the readouts'
        # shape only, so that draws inside a loop can be made before it.
        uniform = self.aesara_rng.uniform(size=probs.shape[:-1])
        cumulative = tensor.cumsum(probs, axis=-1)
        below = tensor.lt(cumulative, uniform[..., None])
        return tensor.minimum(below.sum(axis=-1),
                              probs.shape[-1] - 1).astype('int64')

    @application
    def cost(self, readouts, outputs):
        """The negative log-probabilities of the outputs."""
        return self.softmax.categorical_cross_entropy(
            outputs, readouts, extra_ndim=readouts.ndim - 2)

    @application
    def initial_outputs(self, batch_size):
        return self.initial_output * tensor.ones((batch_size,),
                                                 dtype='int64')

    def get_dim(self, name):
        if name == 'outputs':
            return 0
        return super().get_dim(name)


class AbstractFeedback(Brick):
    """The interface of the feedback component of a readout."""
    @abstractmethod
    def feedback(self, outputs):
        """Feed outputs back, as inputs of the transition."""


class TrivialFeedback(AbstractFeedback):
    """A feedback brick for the case when the outputs are fed back as is.

    Parameters
    ----------
    output_dim : int
        The dimension of the outputs. Required by :meth:`allocate`.

    """
    @lazy(allocation=['output_dim'])
    def __init__(self, output_dim, **kwargs):
        super().__init__(**kwargs)
        self.output_dim = output_dim

    @application(outputs=['feedback'])
    def feedback(self, outputs):
        return outputs

    def get_dim(self, name):
        if name == 'feedback':
            return self.output_dim
        return super().get_dim(name)


class LookupFeedback(AbstractFeedback, Initializable):
    """A feedback brick for integer outputs: their learned embeddings.

    Parameters
    ----------
    num_outputs : int
        The number of possible outputs (the size of the table).
    feedback_dim : int
        The dimension of the embeddings.

    """
    @lazy(allocation=['num_outputs', 'feedback_dim'])
    def __init__(self, num_outputs=None, feedback_dim=None, **kwargs):
        self.num_outputs = num_outputs
        self.feedback_dim = feedback_dim
        self.lookup = LookupTable(num_outputs, feedback_dim)
        kwargs.setdefault('children', []).append(self.lookup)
        super().__init__(**kwargs)

    def _push_allocation_config(self):
        self.lookup.length = self.num_outputs
        self.lookup.dim = self.feedback_dim

    @application(outputs=['feedback'])
    def feedback(self, outputs):
        """The embeddings of the outputs (integers)."""
        return self.lookup.apply(outputs)

    def get_dim(self, name):
        if name == 'feedback':
            return self.feedback_dim
        if name == 'outputs':
            return 0
        return super().get_dim(name)

    @property
    def output_dim(self):
        return 0

    @output_dim.setter
    def output_dim(self, value):
        if value != 0:
            raise ValueError("{}: the outputs fed back by a LookupFeedback "
                             "are integers (output dimension 0), got {!r}; "
                             "use a SoftmaxEmitter".format(
                                 self.path_or_name(), value))
