"""Evaluate Aesara variables on several batches and aggregate the results.

Monitoring computes a variable batch by batch; an
:class:`AggregationScheme`, attached to the variable as
``variable.tag.aggregation_scheme``, says how the per-batch values make up
the value on the whole data set (or on the batches since the last record).
A scheme hands out :class:`Aggregator` objects: shared-variable
accumulators with the updates that reset them, accumulate a batch and read
the result out.

Variables without a scheme get :func:`default_aggregation_scheme`.

>>> import aesara
>>> from aesara import tensor
>>> x = tensor.vector('x')
>>> total = mean(x.sum(), x.shape[0])
>>> aggregator = total.tag.aggregation_scheme.get_aggregator()
>>> initialize = aesara.function([], [],
...                              updates=aggregator.initialization_updates)
>>> accumulate = aesara.function([x], [],
...                              updates=aggregator.accumulation_updates)
>>> read = aesara.function([], aggregator.readout_variable)
>>> initialize()
[]
>>> accumulate([1., 2., 3.])
[]
>>> accumulate([10.])
[]
>>> float(read())
4.0

"""
from abc import abstractmethod

import numpy
import aesara
from aesara import tensor
from aesara.graph.basic import Variable, graph_inputs
from aesara.ifelse import ifelse

from blocks.utils import is_graph_input, shared_like


class AggregationScheme:
    """How to incrementally evaluate an Aesara variable over minibatches.

    An AggregationScheme allocates :class:`Aggregator` objects that can
    incrementally compute the value of an Aesara variable on a full
    dataset by aggregating partial results computed on multiple batches.

    The AggregationScheme should be attached via the tag
    ``aggregation_scheme`` to an Aesara variable which computes the
    desired value on a single batch.

    Parameters
    ----------
    variable : :class:`~aesara.tensor.TensorVariable`
        The variable that holds the desired value on a single batch.

    """
    def __init__(self, variable):
        self.variable = variable

    @abstractmethod
    def get_aggregator(self):
        """Return a new :class:`Aggregator` for this scheme.

        Each call allocates new accumulators, so several evaluators can
        aggregate the same variable independently.

        """


class Aggregator:
    """An incremental computation of an Aesara variable over a dataset.

    Parameters
    ----------
    aggregation_scheme : :class:`AggregationScheme`
        The aggregation scheme that constructed this Aggregator.
    initialization_updates : list of Aesara updates
        Updates that initialize (reset) the accumulators; to be run
        before the first batch.
    accumulation_updates : list of Aesara updates
        Updates that accumulate the value computed on a new batch into the
        accumulators; to be run in the same function that computes the
        batch's value.
    readout_variable : :class:`~aesara.tensor.TensorVariable`
        The aggregated value, computed from the accumulators only.

    Attributes
    ----------
    initialization_updates : list of Aesara updates
    accumulation_updates : list of Aesara updates
    readout_variable : :class:`~aesara.tensor.TensorVariable`

    """
    def __init__(self, aggregation_scheme, initialization_updates=None,
                 accumulation_updates=None, readout_variable=None):
        if readout_variable is None:
            raise ValueError("Aggregator: readout_variable is required, got "
                             "None (for the scheme {!r})".format(
                                 aggregation_scheme))
        self.aggregation_scheme = aggregation_scheme
        self.initialization_updates = list(initialization_updates or [])
        self.accumulation_updates = list(accumulation_updates or [])
        self.readout_variable = readout_variable


class Mean(AggregationScheme):
    """Aggregation scheme which computes the mean.

    The aggregated value is the sum of the numerators over all batches
    divided by the sum of the denominators.

    Parameters
    ----------
    numerator : :class:`~aesara.tensor.TensorVariable`
        Numerator of the mean, computed on a single batch.
    denominator : :class:`~aesara.tensor.TensorVariable` or number
        Denominator of the mean, computed on a single batch.

    """
    def __init__(self, numerator, denominator):
        self.numerator = numerator
        self.denominator = denominator
        super().__init__(numerator / denominator)

    def get_aggregator(self):
        initialized = shared_like(0., name='mean_initialized')
        numerator_acc = shared_like(self.numerator, name='numerator_acc')
        denominator_acc = shared_like(self.denominator,
                                      name='denominator_acc')
        numerator = tensor.as_tensor_variable(self.numerator)
        denominator = tensor.as_tensor_variable(self.denominator)
        # Before the first batch the accumulators may not even have the
        # right shape, hence the condition rather than a sum with zeros.
        new_numerator = numerator + ifelse(initialized, numerator_acc,
                                           tensor.zeros_like(numerator))
        new_denominator = denominator + ifelse(
            initialized, denominator_acc, tensor.zeros_like(denominator))
        initialization_updates = [
            (numerator_acc, tensor.zeros_like(numerator_acc)),
            (denominator_acc, tensor.zeros_like(denominator_acc)),
            (initialized, tensor.zeros_like(initialized))]
        accumulation_updates = [
            (numerator_acc, tensor.cast(new_numerator, numerator_acc.dtype)),
            (denominator_acc,
             tensor.cast(new_denominator, denominator_acc.dtype)),
            (initialized, tensor.ones_like(initialized))]
        return Aggregator(aggregation_scheme=self,
                          initialization_updates=initialization_updates,
                          accumulation_updates=accumulation_updates,
                          readout_variable=numerator_acc / denominator_acc)


def mean(numerator, denominator=1.):
    """Mean of quantity (numerator) over a number (denominator) values.

    Returns ``numerator / denominator``, tagged with the :class:`Mean`
    scheme: over several batches its value is the sum of the numerators
    divided by the sum of the denominators.

    Parameters
    ----------
    numerator : :class:`~aesara.tensor.TensorVariable`
        The quantity summed over a batch.
    denominator : :class:`~aesara.tensor.TensorVariable` or number
        What the quantity is divided by, e.g. the batch size.

    Examples
    --------
    >>> from aesara import tensor
    >>> errors = tensor.vector('errors')
    >>> error_count = errors.sum()
    >>> error_count.name = 'error_rate'
    >>> error_rate = mean(error_count, errors.shape[0])
    >>> error_rate.name, type(error_rate.tag.aggregation_scheme).__name__
    ('error_rate', 'Mean')

    """
    variable = numerator / denominator
    variable.tag.aggregation_scheme = Mean(numerator, denominator)
    variable.name = getattr(numerator, 'name', None)
    return variable



class Perplexity(Mean):
    r"""Aggregation scheme for the perplexity of a sequence model.

    The perplexity on a data set is :math:`\exp(C / N)`, where :math:`C`
    is the total negative log-likelihood (in nats) of the data and
    :math:`N` the number of symbols: the exponential of the mean cost per
    symbol, not the mean of the batches' perplexities.

    Parameters
    ----------
    total_cost : :class:`~aesara.tensor.TensorVariable`
        The negative log-likelihood summed over the symbols of a batch.
    num_symbols : :class:`~aesara.tensor.TensorVariable` or number
        The number of symbols of the batch (e.g. ``mask.sum()``).

    """
    def __init__(self, total_cost, num_symbols):
        super().__init__(total_cost, num_symbols)
        self.variable = tensor.exp(total_cost / num_symbols)

    def get_aggregator(self):
        aggregator = super().get_aggregator()
        aggregator.aggregation_scheme = self
        aggregator.readout_variable = tensor.exp(
            aggregator.readout_variable)
        return aggregator


def perplexity(total_cost, num_symbols):
    """The perplexity of a batch, aggregated as :class:`Perplexity`.

    Parameters
    ----------
    total_cost : :class:`~aesara.tensor.TensorVariable`
        The negative log-likelihood (in nats) summed over the symbols.
    num_symbols : :class:`~aesara.tensor.TensorVariable` or number
        The number of symbols.

    Returns
    -------
    :class:`~aesara.tensor.TensorVariable`
        ``exp(total_cost / num_symbols)``, named ``perplexity``.

    Examples
    --------
    >>> from aesara import tensor
    >>> costs = tensor.matrix('costs')
    >>> mask = tensor.matrix('mask')
    >>> value = perplexity((costs * mask).sum(), mask.sum())
    >>> value.name, type(value.tag.aggregation_scheme).__name__
    ('perplexity', 'Perplexity')
    >>> float(value.eval({costs: [[1., 5.]], mask: [[1., 0.]]}))
    2.718...

    """
    variable = tensor.exp(total_cost / num_symbols)
    variable.tag.aggregation_scheme = Perplexity(total_cost, num_symbols)
    variable.name = 'perplexity'
    return variable

class _DataIndependent(AggregationScheme):
    """Dummy aggregation scheme for values that don't depend on data.

    The readout computes the variable itself, with no data.

    """
    def get_aggregator(self):
        return Aggregator(aggregation_scheme=self,
                          initialization_updates=[],
                          accumulation_updates=[],
                          readout_variable=self.variable)


class TakeLast(AggregationScheme):
    """Aggregation scheme which remembers only the last value."""
    def get_aggregator(self):
        storage = shared_like(self.variable, name='take_last_storage')
        return Aggregator(
            aggregation_scheme=self,
            initialization_updates=[(storage, tensor.zeros_like(storage))],
            accumulation_updates=[
                (storage, tensor.cast(self.variable, storage.dtype))],
            readout_variable=storage)


def _simple_aggregation(scheme, variable):
    variable = variable.copy(name=variable.name)
    variable.tag.aggregation_scheme = scheme(variable)
    return variable


def take_last(variable):
    """Return a copy of `variable` aggregated with :class:`TakeLast`."""
    return _simple_aggregation(TakeLast, variable)


def _combining_aggregator(scheme, storage, initialized, combined, first):
    """An aggregator that stores ``first`` on the first batch and
    ``combined`` (a function of the storage and the batch) afterwards."""
    new_value = ifelse(initialized, combined, first)
    return Aggregator(
        aggregation_scheme=scheme,
        initialization_updates=[
            (storage, tensor.zeros_like(storage)),
            (initialized, tensor.zeros_like(initialized))],
        accumulation_updates=[
            (storage, tensor.cast(new_value, storage.dtype)),
            (initialized, tensor.ones_like(initialized))],
        readout_variable=storage)


class _Extremum(AggregationScheme):
    """Keep the elementwise minimum or maximum over batches."""
    operation = None

    def get_aggregator(self):
        initialized = shared_like(0., name='extremum_initialized')
        storage = shared_like(self.variable, name='extremum_storage')
        variable = tensor.as_tensor_variable(self.variable)
        return _combining_aggregator(
            self, storage, initialized,
            type(self).operation(storage, variable), variable)


class Minimum(_Extremum):
    """Aggregation scheme which remembers only the minimum value."""
    operation = staticmethod(tensor.minimum)


def minimum(variable):
    """Return a copy of `variable` aggregated with :class:`Minimum`."""
    return _simple_aggregation(Minimum, variable)


class Maximum(_Extremum):
    """Aggregation scheme which remembers only the maximum value."""
    operation = staticmethod(tensor.maximum)


def maximum(variable):
    """Return a copy of `variable` aggregated with :class:`Maximum`."""
    return _simple_aggregation(Maximum, variable)


class Concatenate(AggregationScheme):
    """Aggregation scheme which concatenates results along the first axis.

    The variable must have at least one dimension.

    """
    def __init__(self, variable):
        if getattr(variable, 'ndim', 0) < 1:
            raise ValueError("Concatenate: the variable {} must have at least "
                             "one dimension to concatenate along, got ndim={}"
                             .format(variable, getattr(variable, 'ndim', 0)))
        super().__init__(variable)

    def get_aggregator(self):
        initialized = shared_like(0., name='concatenate_initialized')
        storage = shared_like(self.variable, name='concatenate_storage')
        variable = tensor.as_tensor_variable(self.variable)
        return _combining_aggregator(
            self, storage, initialized,
            tensor.concatenate([storage, variable]), variable)


def concatenate(variable):
    """Return a copy of `variable` aggregated with :class:`Concatenate`."""
    return _simple_aggregation(Concatenate, variable)


class Total(AggregationScheme):
    """Aggregation scheme which sums counts over batches, then reads out.

    The accumulator holds the sum of `counts` over all batches, elementwise
    (e.g. the confusion matrix of every batch, or numbers of true and false
    positives); the aggregated value is `readout` applied to that sum.
    With integer counts the sum is exact, so statistics that are not
    averages of per-batch values (precision, recall, F1 scores) come out
    exactly as they would on the whole data set at once.

    Parameters
    ----------
    counts : :class:`~aesara.tensor.TensorVariable`
        The counts of a single batch. Its shape must be the same for every
        batch; when its static shape is known (see
        :func:`aesara.tensor.specify_shape`), the accumulator starts as
        zeros of that shape.
    readout : callable, optional
        Maps an Aesara expression for the summed counts to the aggregated
        value. It is pickled with the monitoring extension: use a
        module-level function or a picklable object, not a lambda. By
        default the summed counts are the value.

    Attributes
    ----------
    variable : :class:`~aesara.tensor.TensorVariable`
        ``readout(counts)``: the value on a single batch.

    """
    def __init__(self, counts, readout=None):
        if readout is not None and not callable(readout):
            raise TypeError("Total: readout must be callable, got {!r}"
                            .format(readout))
        self.counts = tensor.as_tensor_variable(counts)
        self.readout = readout
        super().__init__(self._read(self.counts))

    def _read(self, counts):
        if self.readout is None:
            return counts
        return tensor.as_tensor_variable(self.readout(counts))

    def get_aggregator(self):
        shape = getattr(self.counts.type, 'shape', None)
        if shape is None or None in shape:
            # The shape is known only once a batch is seen.
            initialized = shared_like(0., name='total_initialized')
            storage = shared_like(self.counts, name='total_storage')
            aggregator = _combining_aggregator(
                self, storage, initialized, storage + self.counts,
                self.counts)
        else:
            storage = aesara.shared(
                numpy.zeros(shape, dtype=self.counts.dtype),
                name='total_storage', shape=shape)
            aggregator = Aggregator(
                aggregation_scheme=self,
                initialization_updates=[
                    (storage, tensor.zeros_like(storage))],
                accumulation_updates=[(storage, storage + self.counts)],
                readout_variable=storage)
        aggregator.readout_variable = self._read(storage)
        return aggregator


def total(counts, readout=None, name=None):
    """Return ``readout(counts)`` aggregated with :class:`Total`.

    Parameters
    ----------
    counts : :class:`~aesara.tensor.TensorVariable`
        The counts of a single batch, summed over batches.
    readout : callable, optional
        Maps the summed counts to the value; see :class:`Total`.
    name : str, optional
        The name of the variable (its record name in the log).

    Examples
    --------
    >>> from aesara import tensor
    >>> errors = tensor.lvector('errors')
    >>> error_count = total(errors.sum(), name='error_count')
    >>> type(error_count.tag.aggregation_scheme).__name__
    'Total'

    """
    scheme = Total(counts, readout)
    variable = scheme.variable.copy(name=name)
    variable.tag.aggregation_scheme = scheme
    return variable


def default_aggregation_scheme(variable, use_take_last=False):
    """Choose how to aggregate a variable without an aggregation scheme.

    - A scalar that depends on the data (on inputs of the graph) is
      averaged over the batches, each batch weighted by its size: the
      length of the first axis of the first input, in graph order, that
      has at least one axis (a batch whose inputs are all scalars weighs
      1). For a per-batch mean (e.g. a cost averaged over the examples of
      a batch) this gives exactly the mean over all the examples, even
      when the last batch is smaller.
    - Any other variable that depends on the data keeps its value on the
      last batch (:class:`TakeLast`): an average of non-scalars of
      varying shapes is not defined.
    - A variable that does not depend on the data is read out as is
      (it needs no data), or with :class:`TakeLast` when `use_take_last`
      is True, which gives its value when the last batch was processed.

    To aggregate differently, tag the variable with a scheme, e.g. with
    :func:`mean`, :func:`take_last`, :func:`minimum`, :func:`maximum`,
    :func:`concatenate` or :func:`total`.

    Parameters
    ----------
    variable : :class:`~aesara.tensor.TensorVariable`
        The variable to aggregate.
    use_take_last : bool
        Whether to use :class:`TakeLast` for variables that do not depend
        on the data.

    Returns
    -------
    :class:`AggregationScheme`

    Examples
    --------
    >>> from aesara import tensor
    >>> x = tensor.matrix('x')
    >>> scheme = default_aggregation_scheme(x.mean())
    >>> type(scheme).__name__, scheme.denominator.name
    ('Mean', 'x_batch_size')
    >>> type(default_aggregation_scheme(x.mean(axis=0))).__name__
    'TakeLast'

    """
    inputs = [var for var in graph_inputs([variable])
              if is_graph_input(var)]
    if not inputs:
        return TakeLast(variable) if use_take_last else \
            _DataIndependent(variable)
    if variable.ndim > 0:
        return TakeLast(variable)
    batched = [var for var in inputs if getattr(var, 'ndim', 0) > 0]
    if not batched:
        return Mean(variable, 1.)
    batch_size = tensor.cast(batched[0].shape[0], aesara.config.floatX)
    batch_size.name = '{}_batch_size'.format(batched[0].name)
    return Mean(variable * batch_size, batch_size)


def get_aggregation_scheme(variable, use_take_last=False):
    """Return the scheme tagged on `variable`, or the default one."""
    scheme = getattr(variable.tag, 'aggregation_scheme', None)
    if scheme is None:
        return default_aggregation_scheme(variable, use_take_last)
    if not isinstance(scheme, AggregationScheme):
        raise TypeError("the aggregation_scheme tag of the variable {} must "
                        "be an AggregationScheme, got {!r}".format(
                            variable, scheme))
    return scheme


class MonitoredQuantity:
    """The base class for monitored quantities that are not Aesara variables.

    To monitor a non-Aesara quantity in Blocks you have to implement this
    interface for it. The initialize method initializes accumulators and
    the parameters needed to compute this quantity, the aggregate method
    accumulates results for every batch, and finally
    get_aggregated_value outputs the aggregated value.

    Parameters
    ----------
    requires : list of :class:`~aesara.tensor.TensorVariable`
        The list of variables needed to compute the quantity; their values
        on each batch are passed to :meth:`aggregate`, in this order.
    name : str
        The name of the quantity, used as a record name in the log.

    Examples
    --------
    >>> from aesara import tensor
    >>> class Largest(MonitoredQuantity):
    ...     def initialize(self):
    ...         self.largest = None
    ...     def aggregate(self, values):
    ...         batch_largest = values.max()
    ...         if self.largest is None or batch_largest > self.largest:
    ...             self.largest = batch_largest
    ...     def get_aggregated_value(self):
    ...         return self.largest
    >>> x = tensor.vector('x')
    >>> largest = Largest(requires=[x], name='largest_x')

    """
    def __init__(self, requires=None, name=None):
        owner = type(self).__name__
        if not isinstance(requires, (list, tuple)) or not requires or \
                not all(isinstance(var, Variable) for var in requires):
            raise TypeError("{}: requires must be a non-empty list of Aesara "
                            "variables, got {!r}".format(owner, requires))
        if name is not None and not isinstance(name, str):
            raise TypeError("{}: name must be a string, got {!r}"
                            .format(owner, name))
        self.requires = list(requires)
        self.name = name

    @abstractmethod
    def initialize(self):
        """Initialize accumulators for this monitored quantity."""

    @abstractmethod
    def aggregate(self, *args):
        r"""Aggregate the results for every batch.

        Parameters
        ----------
        \*args : list of :class:`~numpy.ndarray`
            The values of the variables required to aggregate the value
            of the quantity, in the order of `requires`.

        """

    @abstractmethod
    def get_aggregated_value(self):
        """Obtain the result of aggregation."""
