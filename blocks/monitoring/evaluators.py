"""Evaluate variables and monitored quantities over batches of data.

:class:`AggregationBuffer` keeps the accumulators of Aesara variables,
:class:`MonitoredQuantityBuffer` those of
:class:`~blocks.monitoring.aggregation.MonitoredQuantity` objects, and
:class:`DatasetEvaluator` combines both to evaluate everything over an
epoch of a data stream.

Compiled Aesara functions are not pickled: they are compiled when first
needed, and again after unpickling.

"""
import logging
from collections import OrderedDict

from aesara import tensor
from aesara.graph.basic import Variable

from blocks.algorithms.batches import convert_source
from blocks.backend import check_mode, compile_function
from blocks.graph import ComputationGraph
from blocks.monitoring.aggregation import (MonitoredQuantity,
                                           get_aggregation_scheme)
from blocks.utils.compiling import compiling

logger = logging.getLogger(__name__)


def _unique(items):
    """The items without repetitions, in the order of their first use."""
    seen = []
    for item in items:
        if not any(item is other for other in seen):
            seen.append(item)
    return seen


def check_names(owner, variables):
    """Raise unless the variables have names, all different.

    The names are record names in the log, so they must exist and be
    unique.

    """
    names = [getattr(variable, 'name', None) for variable in variables]
    unnamed = [variable for variable, name in zip(variables, names)
               if not name]
    if unnamed:
        raise ValueError("{}: every variable needs a name (the name of its "
                         "record in the log); these have none: {}".format(
                             owner, unnamed))
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError("{}: the variables must have different names (the "
                         "names of their records in the log); duplicates: {}"
                         .format(owner, ', '.join(duplicates)))
    return names


def split_monitored(owner, variables):
    """Split what is to be monitored into Aesara variables and
    :class:`MonitoredQuantity` objects.

    Raises a ``TypeError`` naming ``owner`` for anything else.

    """
    aesara_variables = []
    quantities = []
    for variable in variables:
        if isinstance(variable, MonitoredQuantity):
            quantities.append(variable)
        elif isinstance(variable, Variable):
            aesara_variables.append(variable)
        else:
            raise TypeError("{}: can only monitor Aesara variables and "
                            "MonitoredQuantity objects, got {!r}".format(
                                owner, variable))
    return aesara_variables, quantities


class AggregationBuffer:
    """Intermediate results of aggregating values of Aesara variables.

    Encapsulates aggregators for a list of Aesara variables. Collects the
    respective updates and provides initialization and readout routines.

    Parameters
    ----------
    variables : list of :class:`~aesara.tensor.TensorVariable`
        The variable names are used as record names in the logs. Hence,
        all the variable names must be different.
    use_take_last : bool
        When True, the :class:`~blocks.monitoring.aggregation.TakeLast`
        aggregation scheme is used instead of reading the variable out
        directly for those variables that do not depend on data (see
        :func:`~blocks.monitoring.aggregation.default_aggregation_scheme`).
    mode : str or :class:`~aesara.compile.mode.Mode`, optional
        The Aesara mode of the initialization and readout functions; the
        configured one by default (see :mod:`blocks.backend`).

    Attributes
    ----------
    initialization_updates : list of tuples
        Initialization updates of the aggregators.
    accumulation_updates : list of tuples
        Accumulation updates of the aggregators.
    readout_variables : dict
        A dictionary of record names to
        :class:`~aesara.tensor.TensorVariable` representing the
        aggregated values.
    inputs : list of :class:`~aesara.tensor.TensorVariable`
        The list of inputs needed for accumulation.

    """
    def __init__(self, variables, use_take_last=False, mode=None):
        variables = list(variables)
        self.mode = None if mode is None else check_mode(
            mode, 'AggregationBuffer: mode')
        for variable in variables:
            if not isinstance(variable, Variable):
                raise TypeError("AggregationBuffer: variables must be Aesara "
                                "variables, got {!r}".format(variable))
        self.variable_names = check_names('AggregationBuffer', variables)
        self.variables = variables
        self.use_take_last = use_take_last
        self._computation_graph = ComputationGraph(self.variables)
        self.inputs = self._computation_graph.inputs
        self._initialized = False
        self._initialize_fun = None
        self._readout_fun = None
        self._create_aggregators()

    #: Set by :func:`blocks.distributed.distribute`: combines the
    #: accumulators of all ranks before they are read out.
    distribution = None
    _combined = False

    def __getstate__(self):
        state = self.__dict__.copy()
        state['_initialize_fun'] = None
        state['_readout_fun'] = None
        return state

    def _create_aggregators(self):
        """Create aggregators and collect updates."""
        self.initialization_updates = []
        self.accumulation_updates = []
        self.readout_variables = OrderedDict()
        self.aggregators = []
        for variable in self.variables:
            scheme = get_aggregation_scheme(variable, self.use_take_last)
            logger.debug('aggregating %s with %s', variable.name,
                         type(scheme).__name__)
            aggregator = scheme.get_aggregator()
            self.aggregators.append(aggregator)
            self.initialization_updates.extend(
                aggregator.initialization_updates)
            self.accumulation_updates.extend(aggregator.accumulation_updates)
            self.readout_variables[variable.name] = \
                aggregator.readout_variable

    def _compile(self):
        """Compile the initialization and readout functions."""
        if self.initialization_updates:
            self._initialize_fun = compile_function(
                [], [], updates=OrderedDict(self.initialization_updates),
                mode=getattr(self, 'mode', None))
        self._readout_fun = compile_function(
            [], [tensor.as_tensor_variable(variable)
                 for variable in self.readout_variables.values()],
            mode=getattr(self, 'mode', None))

    def initialize_aggregators(self):
        """Initialize the aggregators."""
        if self._readout_fun is None:
            self._compile()
        if self._initialize_fun is not None:
            self._initialize_fun()
        self._initialized = True
        self._combined = False

    def get_aggregated_values(self):
        """Read out the aggregated values.

        Returns
        -------
        OrderedDict
            Maps the variable names to their aggregated values.

        """
        if not self._initialized:
            raise RuntimeError("AggregationBuffer: call "
                               "initialize_aggregators() before reading the "
                               "aggregated values out")
        if self._readout_fun is None:
            self._compile()
        if self.distribution is not None:
            # The accumulators of all ranks, combined once per readout.
            if not self._combined:
                self.distribution.combine_aggregators(self.aggregators)
            self._combined = True
        return OrderedDict(zip(self.variable_names, self._readout_fun()))


class MonitoredQuantityBuffer:
    """Intermediate results of aggregating values of monitored quantities.

    Accumulates results for a list of monitored quantities for every
    single batch. Provides initialization and readout routines to
    initialize each quantity and capture its accumulated results.

    Parameters
    ----------
    quantities : list of :class:`.MonitoredQuantity`
        The quantity names are used as record names in the logs. Hence,
        all the quantity names must be different.

    Attributes
    ----------
    requires : list of :class:`~aesara.tensor.TensorVariable`
        Needed to calculate monitored quantities.
    quantity_names : list of str
        Names of quantities.
    inputs : list of :class:`~aesara.tensor.TensorVariable`
        The list of inputs needed for variables in `requires`.

    """
    def __init__(self, quantities):
        quantities = list(quantities)
        for quantity in quantities:
            if not isinstance(quantity, MonitoredQuantity):
                raise TypeError("MonitoredQuantityBuffer: quantities must be "
                                "MonitoredQuantity instances, got {!r}"
                                .format(quantity))
        self.quantity_names = check_names('MonitoredQuantityBuffer',
                                          quantities)
        self.quantities = quantities
        self.requires = _unique(variable for quantity in quantities
                                for variable in quantity.requires)
        self.inputs = ComputationGraph(self.requires).inputs \
            if self.requires else []
        self._initialized = False

    def initialize(self):
        """Initialize the quantities."""
        for quantity in self.quantities:
            quantity.initialize()
        self._initialized = True

    def _position(self, requirement):
        for index, variable in enumerate(self.requires):
            if variable is requirement:
                return index
        raise AssertionError("unknown requirement {}".format(requirement))

    def accumulate_quantities(self, numerical_values):
        """Accumulate the results for every batch.

        Parameters
        ----------
        numerical_values : list
            The values of the variables in :attr:`requires`, in order.

        """
        if not self._initialized:
            raise RuntimeError("MonitoredQuantityBuffer: call initialize() "
                               "before accumulating quantities")
        for quantity in self.quantities:
            quantity.aggregate(*[numerical_values[self._position(variable)]
                                 for variable in quantity.requires])

    def get_aggregated_values(self):
        """Read out the accumulated values.

        Returns
        -------
        OrderedDict
            Maps the quantity names to their aggregated values.

        """
        if not self._initialized:
            raise RuntimeError("MonitoredQuantityBuffer: call initialize() "
                               "before reading the aggregated values out")
        return OrderedDict((quantity.name, quantity.get_aggregated_value())
                           for quantity in self.quantities)


class DatasetEvaluator:
    """A DatasetEvaluator evaluates many Aesara variables or other quantities.

    The DatasetEvaluator provides a do-it-all method, :meth:`evaluate`,
    which computes values of variables on a dataset.

    Alternatively, methods :meth:`initialize_aggregators`,
    :meth:`process_batch`, :meth:`get_aggregated_values` can be used with
    a custom loop over data.

    The values computed on subsets of the given dataset are aggregated
    using the :class:`~blocks.monitoring.aggregation.AggregationScheme`
    objects provided in the ``aggregation_scheme`` tags. If no tag is
    given, :func:`~blocks.monitoring.aggregation.default_aggregation_scheme`
    decides: a scalar that depends on the data is averaged over the
    batches weighted by their sizes. Variables which do not depend on
    data are not unnecessarily recomputed.

    A single Aesara function computes all the variables on a batch; it is
    compiled on the first evaluation and reused afterwards.

    Parameters
    ----------
    variables : list of :class:`~aesara.tensor.TensorVariable` and
        :class:`~blocks.monitoring.aggregation.MonitoredQuantity`.
        The variable names are used as record names in the logs. Hence,
        all the names must be different. Each variable can be tagged with
        an aggregation scheme that specifies how the value can be computed
        for a data set by aggregating minibatches.
    updates : list of tuples or :class:`~collections.OrderedDict` or None
        Shared variable updates to be performed during evaluation. Be
        careful not to update any model parameters as this is not intended
        to alter your model in any meaningful way. A typical use case of
        this option arises when the function used for evaluation contains
        a call to :func:`~aesara.scan` which might have returned shared
        variable updates.
    mode : str or :class:`~aesara.compile.mode.Mode`, optional
        The Aesara mode of the evaluation functions, e.g. ``'JAX'``; the
        configured one by default, resolved when the functions are
        compiled (see :mod:`blocks.backend`).

    Examples
    --------
    >>> from collections import OrderedDict
    >>> import numpy
    >>> from aesara import tensor
    >>> from blocks.data.datasets import IndexableDataset
    >>> from blocks.data.schemes import SequentialScheme
    >>> from blocks.data.streams import DataStream
    >>> x = tensor.vector('x')
    >>> x_mean = x.mean()
    >>> x_mean.name = 'x_mean'
    >>> stream = DataStream(
    ...     IndexableDataset({'x': numpy.arange(5.)}),
    ...     iteration_scheme=SequentialScheme(5, batch_size=2))
    >>> values = DatasetEvaluator([x_mean]).evaluate(stream)
    >>> float(values['x_mean'])
    2.0

    """
    def __init__(self, variables, updates=None, mode=None):
        variables = list(variables)
        self.mode = None if mode is None else check_mode(
            mode, 'DatasetEvaluator: mode')
        aesara_variables, quantities = split_monitored('DatasetEvaluator',
                                                       variables)
        check_names('DatasetEvaluator', variables)
        self.aesara_variables = aesara_variables
        self.monitored_quantities = quantities
        self.aesara_buffer = AggregationBuffer(aesara_variables, mode=mode)
        self.monitored_quantities_buffer = MonitoredQuantityBuffer(
            quantities)
        self.updates = OrderedDict(updates) if updates else OrderedDict()
        inputs = []
        if self.aesara_buffer.accumulation_updates:
            inputs += self.aesara_buffer.inputs
        inputs += self.monitored_quantities_buffer.inputs
        self.unique_inputs = _unique(inputs)
        input_names = [variable.name for variable in self.unique_inputs]
        duplicates = sorted({str(name) for name in input_names
                             if input_names.count(name) > 1})
        if duplicates or None in input_names:
            raise ValueError("DatasetEvaluator: the inputs of the variables "
                             "must have distinct names (they are matched to "
                             "data sources by name), got {}"
                             .format(self.unique_inputs))
        self._accumulate_fun = None

    #: Set by :func:`blocks.distributed.distribute`: each rank evaluates
    #: its share of every batch.
    distribution = None

    def __getstate__(self):
        state = self.__dict__.copy()
        state['_accumulate_fun'] = None
        return state

    def _compile(self):
        """Compile the function that processes a batch."""
        updates = OrderedDict(self.aesara_buffer.accumulation_updates)
        updates.update(self.updates)
        with compiling('the monitoring functions'):
            self._accumulate_fun = compile_function(
                self.unique_inputs, self.monitored_quantities_buffer.requires,
                updates=updates, mode=getattr(self, 'mode', None))

    def initialize_aggregators(self):
        """Reset the aggregators before a new pass over the data."""
        self.aesara_buffer.initialize_aggregators()
        self.monitored_quantities_buffer.initialize()

    def process_batch(self, batch):
        """Accumulate the values of the variables on one batch.

        Parameters
        ----------
        batch : dict
            Maps data source names to arrays; the sources named like the
            inputs of the variables are used.

        Raises
        ------
        ValueError
            If a source required by the variables is missing, or its data
            does not fit its variable.
        TypeError
            If the dtype of the data can't be cast safely to that of its
            variable (data is converted like
            :class:`~blocks.algorithms.GradientDescent` does).

        """
        if not self.unique_inputs:
            return
        input_names = [variable.name for variable in self.unique_inputs]
        missing = [name for name in input_names if name not in batch]
        if missing:
            raise ValueError("DatasetEvaluator: the data lack the sources {} "
                             "needed to compute the monitored variables; "
                             "required sources: {}; available sources: {}"
                             .format(missing, input_names, sorted(batch)))
        if self.distribution is not None:
            batch, local_length, _ = self.distribution.local_batch(batch)
            if not local_length:
                return
        if self._accumulate_fun is None:
            self._compile()
        numerical_values = self._accumulate_fun(
            *[convert_source('DatasetEvaluator', variable.name,
                             batch[variable.name], variable)
              for variable in self.unique_inputs])
        self.monitored_quantities_buffer.accumulate_quantities(
            numerical_values)

    def get_aggregated_values(self):
        """Read out the values aggregated since the last initialization.

        Returns
        -------
        OrderedDict
            Maps the record names to the values.

        """
        values = self.aesara_buffer.get_aggregated_values()
        values.update(
            self.monitored_quantities_buffer.get_aggregated_values())
        return values

    def evaluate(self, data_stream):
        """Compute the variables over a data stream.

        Parameters
        ----------
        data_stream : instance of :class:`~blocks.data.streams.DataStream`
            The data stream. Only the first epoch of data is used.

        Returns
        -------
        OrderedDict
            A mapping from record names to the values computed on the
            provided dataset.

        Raises
        ------
        ValueError
            If the stream yields no batch, or lacks a required source.

        """
        self.initialize_aggregators()
        if self.unique_inputs:
            missing = [variable.name for variable in self.unique_inputs
                       if variable.name not in data_stream.sources]
            if missing:
                raise ValueError(
                    "DatasetEvaluator: the data stream lacks the sources {} "
                    "needed to compute the monitored variables; required "
                    "sources: {}; sources of the stream: {}".format(
                        missing,
                        [variable.name for variable in self.unique_inputs],
                        list(data_stream.sources)))
            num_batches = 0
            for batch in data_stream.get_epoch_iterator(as_dict=True):
                self.process_batch(batch)
                num_batches += 1
            if not num_batches:
                raise ValueError("DatasetEvaluator: the data stream yielded "
                                 "no batches, so nothing can be evaluated")
        else:
            logger.debug('only data independent variables were given, the '
                         'data stream is not iterated over')
        return self.get_aggregated_values()
