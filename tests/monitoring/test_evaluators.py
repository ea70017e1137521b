import pickle
from collections import OrderedDict

import numpy
import pytest
from aesara import tensor

from blocks.data.datasets import IndexableDataset
from blocks.data.schemes import SequentialScheme
from blocks.data.streams import DataStream
from blocks.monitoring.aggregation import (concatenate, maximum, mean,
                                           minimum, take_last)
from blocks.monitoring.evaluators import (AggregationBuffer,
                                          DatasetEvaluator,
                                          MonitoredQuantityBuffer)
from blocks.utils import shared_floatx
from tests.monitoring.test_aggregation import Largest

DATA = numpy.array([3., -1., 4., 1., -5.])


def stream(sources=('x',)):
    return DataStream(IndexableDataset(OrderedDict(
        (source, DATA) for source in sources)),
        iteration_scheme=SequentialScheme(len(DATA), batch_size=2))


def named(variable, name):
    variable.name = name
    return variable


def evaluator_variables():
    x = tensor.vector('x')
    weights = shared_floatx([1., 2.], name='weights')
    total = named(x.sum(), 'explicit_mean')
    return [
        named(x.mean(), 'x_mean'),
        named(mean(total, x.shape[0]), 'explicit_mean'),
        named(minimum(x.min()), 'x_min'),
        named(maximum(x.max()), 'x_max'),
        named(take_last(x.sum()), 'last_sum'),
        named(concatenate(x * 2), 'doubled'),
        named(weights.sum(), 'weights_sum'),
        Largest(requires=[x], name='largest'),
    ]


def check_values(values):
    assert list(values) == ['x_mean', 'explicit_mean', 'x_min', 'x_max',
                            'last_sum', 'doubled', 'weights_sum', 'largest']
    # The last batch holds one example out of five: a plain average of the
    # batch means would be (1 + 2.5 - 5) / 3.
    assert values['x_mean'] == pytest.approx(DATA.mean())
    assert values['explicit_mean'] == pytest.approx(DATA.mean())
    assert values['x_min'] == -5 and values['x_max'] == 4
    assert values['last_sum'] == -5
    numpy.testing.assert_array_equal(values['doubled'], 2 * DATA)
    assert values['weights_sum'] == 3
    assert values['largest'] == 4


def test_dataset_evaluator_values_and_function_reuse():
    evaluator = DatasetEvaluator(evaluator_variables())
    check_values(evaluator.evaluate(stream()))
    function = evaluator._accumulate_fun
    check_values(evaluator.evaluate(stream()))
    assert evaluator._accumulate_fun is function
    copy = pickle.loads(pickle.dumps(evaluator))
    assert copy._accumulate_fun is None
    check_values(copy.evaluate(stream()))


def test_dataset_evaluator_with_only_data_independent_variables():
    weights = shared_floatx([1., 2.], name='weights')
    evaluator = DatasetEvaluator([named(weights.sum(), 'weights_sum')])
    assert evaluator.unique_inputs == []
    assert evaluator.evaluate(stream(sources=('y',))) == {'weights_sum': 3.}


def test_dataset_evaluator_reports_missing_sources():
    x = tensor.vector('x')
    evaluator = DatasetEvaluator([named(x.mean(), 'x_mean')])
    with pytest.raises(ValueError, match=r"DatasetEvaluator: the data stream "
                       r"lacks the sources \['x'\] needed to compute the "
                       r"monitored variables; required sources: \['x'\]; "
                       r"sources of the stream: \['y'\]"):
        evaluator.evaluate(stream(sources=('y',)))
    evaluator.initialize_aggregators()
    with pytest.raises(ValueError, match=r"the data lack the sources \['x'\]"
                       r".*available sources: \['y'\]"):
        evaluator.process_batch({'y': DATA})


def test_dataset_evaluator_checks_variables():
    x = tensor.vector('x')
    with pytest.raises(ValueError, match='DatasetEvaluator: the variables '
                       'must have different names .* duplicates: x_mean'):
        DatasetEvaluator([named(x.mean(), 'x_mean'),
                          named(x.sum(), 'x_mean')])
    with pytest.raises(ValueError, match='every variable needs a name'):
        DatasetEvaluator([x + 1])
    with pytest.raises(TypeError, match='DatasetEvaluator: can only monitor '
                       "Aesara variables and MonitoredQuantity objects, "
                       "got 'x'"):
        DatasetEvaluator(['x'])


def test_buffers_must_be_initialized():
    x = tensor.vector('x')
    buffer = AggregationBuffer([named(x.mean(), 'x_mean')])
    assert buffer.inputs == [x]
    with pytest.raises(RuntimeError, match='call initialize_aggregators'):
        buffer.get_aggregated_values()
    quantities = MonitoredQuantityBuffer([Largest(requires=[x],
                                                  name='largest')])
    assert quantities.requires == [x] and quantities.inputs == [x]
    with pytest.raises(RuntimeError, match='call initialize'):
        quantities.accumulate_quantities([DATA])
    quantities.initialize()
    quantities.accumulate_quantities([DATA])
    assert quantities.get_aggregated_values() == {'largest': 4}
