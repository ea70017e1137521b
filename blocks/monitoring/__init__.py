"""Monitoring: evaluate quantities over batches and aggregate them.

- :mod:`blocks.monitoring.aggregation`: how the value of a variable on a
  whole data set is made up from its values on batches (aggregation
  schemes and aggregators), and
  :class:`~blocks.monitoring.aggregation.MonitoredQuantity` for quantities
  computed outside Aesara;
- :mod:`blocks.monitoring.evaluators`: buffers of accumulators and the
  :class:`~blocks.monitoring.evaluators.DatasetEvaluator`;
- :mod:`blocks.monitoring.scores`: classification scores (accuracy,
  precision, recall, F1, Hamming loss) and the confusion matrix, exactly
  aggregated over a data stream;
- :mod:`blocks.monitoring.statistics`: norms, means, ... of parameters,
  gradients and steps per parameter or brick.

The extensions that write monitored values to the log are in
:mod:`blocks.extensions.monitoring`.

"""
