import aesara
import numpy
import pytest

from blocks.algorithms import GradientDescent, Scale
from blocks.extensions import FinishAfter, SimpleExtension
from blocks.extensions.monitoring import (DataStreamMonitoring,
                                          MonitoringExtension,
                                          TrainingDataMonitoring)
from blocks.log import TrainingLog
from blocks.main_loop import MainLoop
from tests.extensions import (FakeAlgorithm, numpy_cost, numpy_gradient,
                              regression_data, regression_model,
                              regression_stream)
from tests.monitoring.test_aggregation import Largest


class SetWeights(SimpleExtension):
    """Set the weights to (iterations done, -1) after every batch."""
    def __init__(self, weights, **kwargs):
        kwargs.setdefault('after_batch', True)
        super().__init__(**kwargs)
        self.weights = weights

    def do(self, which_callback, *args):
        self.weights.set_value(numpy.array(
            [self.main_loop.status['iterations_done'], -1.],
            dtype=self.weights.dtype))


def test_data_stream_monitoring(monkeypatch):
    features, targets, weights, cost = regression_model()
    weights.set_value(numpy.array([1., 0.], dtype=weights.dtype))
    compiled = []

    def counting_function(*args, **kwargs):
        compiled.append(args)
        return original_function(*args, **kwargs)
    original_function = aesara.function
    monitoring = DataStreamMonitoring(
        [cost, Largest(requires=[targets], name='largest_target')],
        regression_stream(5, 2), prefix='valid')
    monkeypatch.setattr(aesara, 'function', counting_function)
    main_loop = MainLoop(FakeAlgorithm(), regression_stream(5, 2),
                         extensions=[SetWeights(weights), monitoring,
                                     FinishAfter(after_n_epochs=2)])
    main_loop.run()
    data_features, data_targets = regression_data(5)
    log = main_loop.log
    for iteration, weight_values in [(0, [1., 0.]), (3, [3., -1.]),
                                     (6, [6., -1.])]:
        # The last batch holds a single example: the cost is the mean over
        # the five examples, not the mean of the three batch means.
        assert log[iteration]['valid_cost'] == pytest.approx(numpy_cost(
            numpy.array(weight_values), data_features, data_targets))
        assert log[iteration]['valid_largest_target'] == pytest.approx(
            data_targets.max())
    # Initialization, readout and the batch function, compiled once for
    # the three evaluations.
    assert len(compiled) == 3


def test_data_stream_monitoring_checks_its_stream():
    with pytest.raises(TypeError, match='DataStreamMonitoring: data_stream '
                       'must be a data stream'):
        DataStreamMonitoring([], [1, 2])


def test_training_data_monitoring_aggregates_batches_before_updates():
    features, targets, weights, cost = regression_model()
    weights_sum = weights.sum()
    weights_sum.name = 'weights_sum'
    algorithm = GradientDescent(cost=cost, parameters=[weights],
                                step_rule=Scale(learning_rate=0.1))
    main_loop = MainLoop(algorithm, regression_stream(5, 2), extensions=[
        TrainingDataMonitoring([cost, weights_sum], prefix='batch',
                               after_batch=True),
        TrainingDataMonitoring([cost], prefix='epoch', after_epoch=True),
        FinishAfter(after_n_epochs=2)])
    main_loop.run()

    data_features, data_targets = regression_data(5)
    weight_values = numpy.zeros(2)
    log = main_loop.log
    iteration = 0
    for epoch in range(2):
        epoch_costs = []
        for start in (0, 2, 4):
            batch = (data_features[start:start + 2],
                     data_targets[start:start + 2])
            batch_cost = numpy_cost(weight_values, *batch)
            epoch_costs.append(batch_cost * len(batch[1]))
            iteration += 1
            assert log[iteration]['batch_cost'] == pytest.approx(batch_cost)
            assert log[iteration]['batch_weights_sum'] == pytest.approx(
                weight_values.sum())
            weight_values = weight_values - 0.1 * numpy_gradient(
                weight_values, *batch)
        assert log[iteration]['epoch_cost'] == pytest.approx(
            sum(epoch_costs) / 5)
    numpy.testing.assert_allclose(weights.get_value(), weight_values)
    assert log[6]['epoch_cost'] < log[3]['epoch_cost']


def test_training_data_monitoring_needs_an_updates_algorithm():
    features, targets, weights, cost = regression_model()
    monitoring = TrainingDataMonitoring([cost], before_training=False,
                                        after_epoch=True)
    assert ('before_training' in
            [condition[0] for condition in monitoring._conditions])
    main_loop = MainLoop(FakeAlgorithm(), regression_stream(),
                         extensions=[monitoring])
    with pytest.raises(TypeError, match="TrainingDataMonitoring "
                       "'TrainingDataMonitoring': the training algorithm "
                       "must be an UpdatesAlgorithm") as excinfo:
        main_loop.run()
    assert any('before_training' in note
               for note in excinfo.value.__notes__)
    with pytest.raises(TypeError, match='can only monitor Aesara variables'):
        TrainingDataMonitoring(['cost'])


def test_monitoring_warns_about_values_that_are_not_finite():
    log = TrainingLog()
    log.status['iterations_done'] = 7
    monitoring = MonitoringExtension(prefix='valid')
    with pytest.warns(RuntimeWarning, match="MonitoringExtension "
                      "'MonitoringExtension': the record 'valid_cost' is not "
                      r"finite \(nan\) at iteration 7 \(epoch 0\)"):
        monitoring.add_records(log, [('cost', numpy.float64('nan')),
                                     ('count', 3)])
    assert numpy.isnan(log[7]['valid_cost']) and log[7]['valid_count'] == 3
    with pytest.warns(RuntimeWarning, match="'gradient' is not finite"):
        MonitoringExtension().add_records(
            log, [('gradient', numpy.array([1., numpy.inf]))])
    with pytest.raises(ValueError, match='a monitored variable needs a '
                       'name, got None'):
        monitoring.add_records(log, [(None, 1.)])
    with pytest.raises(TypeError, match='prefix must be a string'):
        MonitoringExtension(prefix=1)
