"""Extensions that write monitored values to the log.

:class:`DataStreamMonitoring` evaluates variables over an epoch of a
separate data stream (e.g. validation data); :class:`TrainingDataMonitoring`
records values computed on the training batches, inside the training
step itself.

"""
import logging
import warnings

import numpy

from blocks.extensions.base import SimpleExtension, TrainingExtension
from blocks.monitoring.aggregation import take_last
from blocks.monitoring.evaluators import (AggregationBuffer, DatasetEvaluator,
                                          MonitoredQuantityBuffer,
                                          split_monitored)

logger = logging.getLogger(__name__)


def is_finite(value):
    """Whether a numeric value is finite; non-numeric values count as so.

    Examples
    --------
    >>> is_finite(1.0), is_finite(float('nan')), is_finite('text')
    (True, False, True)

    """
    try:
        array = numpy.asarray(value)
    except Exception:
        return True
    if array.dtype.kind not in 'fc':
        return True
    return bool(numpy.all(numpy.isfinite(array)))


class MonitoringExtension(TrainingExtension):
    """A mixin with logic shared by monitoring extensions.

    Parameters
    ----------
    prefix : str, optional
        The prefix for the log records done by the extension. It is
        prepended to the variable names with an underscore as a separator.
        If not given, the names of the observed variables are used as is.
    \\*\\*kwargs
        Passed on to the next class in the method resolution order.

    Notes
    -----
    A value that is NaN or infinite is recorded as it is, and a
    :class:`RuntimeWarning` names the record and the iteration.

    """
    PREFIX_SEPARATOR = '_'

    def __init__(self, prefix=None, **kwargs):
        if prefix is not None and not isinstance(prefix, str):
            raise TypeError("{}: prefix must be a string or None, got {!r}"
                            .format(type(self).__name__, prefix))
        super().__init__(**kwargs)
        self.prefix = prefix

    def _record_name(self, name):
        """The record name for a variable name."""
        if not isinstance(name, str) or not name:
            raise ValueError("{} {!r}: a monitored variable needs a name, "
                             "got {!r}".format(type(self).__name__,
                                               self.name, name))
        if self.prefix:
            return self.prefix + self.PREFIX_SEPARATOR + name
        return name

    def record_name(self, variable):
        """The record name for a variable."""
        return self._record_name(variable.name)

    def add_records(self, log, record_tuples):
        """Helper function to add monitoring records to the log.

        Parameters
        ----------
        log : :class:`~blocks.log.TrainingLog`
            The log to write to (in its current row).
        record_tuples : iterable of (str, object)
            Pairs of variable names and values.

        """
        for name, value in record_tuples:
            record = self._record_name(name)
            if not is_finite(value):
                warnings.warn(
                    "{} {!r}: the record {!r} is not finite ({}) at iteration "
                    "{} (epoch {})".format(
                        type(self).__name__, self.name, record, value,
                        log.status['iterations_done'],
                        log.status['epochs_done']),
                    RuntimeWarning, stacklevel=2)
            log.current_row[record] = value


class DataStreamMonitoring(SimpleExtension, MonitoringExtension):
    """Monitors Aesara variables and monitored quantities on a data stream.

    By default monitoring is done before the first and after every epoch.
    The values are computed over one epoch of the stream by a
    :class:`~blocks.monitoring.evaluators.DatasetEvaluator`, whose
    function is compiled the first time and reused afterwards.

    Parameters
    ----------
    variables : list of :class:`~aesara.tensor.TensorVariable` and
        :class:`~blocks.monitoring.aggregation.MonitoredQuantity`
        The variables to monitor. The variable names are used as record
        names in the logs (after the prefix, if any).
    data_stream : instance of :class:`~blocks.data.streams.DataStream`
        The data stream to monitor on. A data epoch is requested each time
        monitoring is done.
    updates : list of tuples or :class:`~collections.OrderedDict` or None
        Shared variable updates to be performed during evaluation. Be
        careful not to update any model parameters; a typical use is the
        updates returned by :func:`~aesara.scan`.
    mode : str or :class:`~aesara.compile.mode.Mode`, optional
        The Aesara mode of the evaluation function, e.g. ``'JAX'``; the
        configured one by default (see :mod:`blocks.backend`).
    \\*\\*kwargs
        `prefix`, `name` and triggers, see :class:`MonitoringExtension`
        and :class:`~blocks.extensions.SimpleExtension`.

    """
    def __init__(self, variables, data_stream, updates=None, mode=None,
                 **kwargs):
        kwargs.setdefault('after_epoch', True)
        kwargs.setdefault('before_first_epoch', True)
        super().__init__(**kwargs)
        if not hasattr(data_stream, 'get_epoch_iterator'):
            raise TypeError("DataStreamMonitoring: data_stream must be a data "
                            "stream, got {!r}".format(data_stream))
        self._evaluator = DatasetEvaluator(variables, updates, mode=mode)
        self.data_stream = data_stream

    def do(self, callback_name, *args):
        """Write the values of monitored variables to the log."""
        logger.info('Monitoring on auxiliary data started')
        value_dict = self._evaluator.evaluate(self.data_stream)
        self.add_records(self.main_loop.log, value_dict.items())
        logger.info('Monitoring on auxiliary data finished')


class TrainingDataMonitoring(SimpleExtension, MonitoringExtension):
    """Monitors values of Aesara variables on training batches.

    Use this extension to monitor a quantity on every training batch
    cheaply. It integrates with the training algorithm in order to avoid
    recomputing the same things several times: the accumulators of the
    monitored variables are updated by the algorithm's own function, so
    no second forward pass is made. By controlling the frequency with
    which the :meth:`do` method is called, you can aggregate the
    monitored variables, e.g. only log the gradient norm average over an
    epoch: each record aggregates the batches since the previous record,
    according to the aggregation scheme of each variable (by default a
    data-dependent scalar is averaged over the batches weighted by their
    sizes, and any other variable takes its value on the last batch; see
    :func:`~blocks.monitoring.aggregation.default_aggregation_scheme`).

    Parameters
    ----------
    variables : list of :class:`~aesara.tensor.TensorVariable` and
        :class:`~blocks.monitoring.aggregation.MonitoredQuantity`
        The variables to monitor. The variable names are used as record
        names in the logs.
    mode : str or :class:`~aesara.compile.mode.Mode`, optional
        The Aesara mode of the functions that read the aggregated values
        out; the configured one by default (the values themselves are
        computed by the training algorithm's function, in its mode).
    \\*\\*kwargs
        `prefix`, `name` and triggers, see :class:`MonitoringExtension`
        and :class:`~blocks.extensions.SimpleExtension`. The
        ``before_training`` trigger is always added: that is when the
        extension hands its updates to the algorithm.

    Notes
    -----
    All the monitored variables are evaluated *before* the parameter
    update.

    Requires the training algorithm to be an instance of
    :class:`~blocks.algorithms.UpdatesAlgorithm` (such as
    :class:`~blocks.algorithms.GradientDescent`).

    """
    def __init__(self, variables, mode=None, **kwargs):
        kwargs['before_training'] = True
        super().__init__(**kwargs)
        aesara_variables, quantities = split_monitored(
            'TrainingDataMonitoring', variables)
        self._variables = AggregationBuffer(aesara_variables,
                                            use_take_last=True, mode=mode)
        self._non_variables = MonitoredQuantityBuffer(quantities)
        self._required_for_non_variables = AggregationBuffer(
            [take_last(variable)
             for variable in self._non_variables.requires], mode=mode)
        if quantities:
            # Quantities computed outside Aesara see every batch.
            self.add_condition(['after_batch'],
                               arguments=('just_accumulate',))
        self._last_time_called = -1

    def do(self, callback_name, *args):
        """Initialize the buffer or commit the values to the log.

        What this method does depends on from what callback it is called.
        When called within ``before_training``, it initializes the
        aggregation buffer and instructs the training algorithm what
        additional computations should be carried at each step by adding
        corresponding updates to it. In all other cases it writes
        aggregated values of the monitored variables to the log.

        """
        data, args = self.parse_args(callback_name, args)
        if callback_name == 'before_training':
            self._hand_updates_to_algorithm()
            self._last_time_called = self.main_loop.status['iterations_done']
            return
        status = self.main_loop.status
        if status['iterations_done'] > self._last_time_called and \
                self._non_variables.quantities:
            self._non_variables.accumulate_quantities(list(
                self._required_for_non_variables
                .get_aggregated_values().values()))
            self._required_for_non_variables.initialize_aggregators()
            self._last_time_called = status['iterations_done']
        if args == ('just_accumulate',):
            return
        self.add_records(self.main_loop.log,
                         self._variables.get_aggregated_values().items())
        self._variables.initialize_aggregators()
        self.add_records(self.main_loop.log,
                         self._non_variables.get_aggregated_values().items())
        self._non_variables.initialize()

    def _hand_updates_to_algorithm(self):
        from blocks.algorithms import UpdatesAlgorithm
        algorithm = self.main_loop.algorithm
        if not isinstance(algorithm, UpdatesAlgorithm):
            raise TypeError(
                "TrainingDataMonitoring {!r}: the training algorithm must be "
                "an UpdatesAlgorithm (e.g. GradientDescent), whose function "
                "computes the monitored values; got {!r}".format(
                    self.name, algorithm))
        algorithm.add_updates(self._variables.accumulation_updates)
        algorithm.add_updates(
            self._required_for_non_variables.accumulation_updates)
        self._variables.initialize_aggregators()
        self._required_for_non_variables.initialize_aggregators()
        self._non_variables.initialize()
