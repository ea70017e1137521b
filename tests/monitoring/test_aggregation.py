import numpy
import pytest
import aesara
from aesara import tensor

from blocks.monitoring.aggregation import (
    Aggregator, Concatenate, Maximum, Mean, Minimum, MonitoredQuantity,
    Perplexity, TakeLast, _DataIndependent, concatenate,
    default_aggregation_scheme, get_aggregation_scheme, maximum, mean,
    minimum, perplexity, take_last)
from blocks.utils import shared_floatx


class Largest(MonitoredQuantity):
    """The largest value seen, computed outside Aesara."""
    def initialize(self):
        self.largest = None

    def aggregate(self, values):
        if self.largest is None or values.max() > self.largest:
            self.largest = values.max()

    def get_aggregated_value(self):
        return self.largest


def test_default_scheme_of_a_data_dependent_scalar_weighs_batches():
    x = tensor.matrix('x')
    scheme = default_aggregation_scheme(x.mean())
    assert isinstance(scheme, Mean)
    assert scheme.denominator.name == 'x_batch_size'
    # Only scalar inputs: each batch weighs 1.
    a = tensor.scalar('a')
    scheme = default_aggregation_scheme(a ** 2)
    assert isinstance(scheme, Mean) and scheme.denominator == 1.


def test_default_scheme_of_other_variables():
    x = tensor.matrix('x')
    weights = shared_floatx([1., 2.], name='weights')
    assert isinstance(default_aggregation_scheme(x.mean(axis=0)), TakeLast)
    assert isinstance(default_aggregation_scheme(weights.sum()),
                      _DataIndependent)
    assert isinstance(default_aggregation_scheme(weights.sum(),
                                                 use_take_last=True),
                      TakeLast)


def test_tagged_schemes_are_used():
    x = tensor.vector('x')
    for function, scheme in [(take_last, TakeLast), (minimum, Minimum),
                             (maximum, Maximum), (concatenate, Concatenate)]:
        variable = function(x)
        assert variable is not x and variable.name == 'x'
        assert type(get_aggregation_scheme(variable)) is scheme
        assert not hasattr(x.tag, 'aggregation_scheme')
    total = x.sum()
    total.name = 'total'
    averaged = mean(total, x.shape[0])
    assert averaged.name == 'total'
    assert type(get_aggregation_scheme(averaged)) is Mean
    x.tag.aggregation_scheme = 'mean'
    with pytest.raises(TypeError, match='must be an AggregationScheme, got '
                       "'mean'"):
        get_aggregation_scheme(x)


def test_aggregators_expose_their_updates():
    x = tensor.vector('x')
    aggregator = Mean(x.sum(), x.shape[0]).get_aggregator()
    assert len(aggregator.initialization_updates) == 3
    assert len(aggregator.accumulation_updates) == 3
    assert TakeLast(x).get_aggregator().readout_variable.name == \
        'take_last_storage'
    with pytest.raises(ValueError, match='Aggregator: readout_variable is '
                       'required'):
        Aggregator(TakeLast(x))


def test_concatenate_needs_an_axis():
    with pytest.raises(ValueError, match='Concatenate: the variable .* must '
                       'have at least one dimension .* got ndim=0'):
        concatenate(tensor.scalar('a'))


def test_monitored_quantity_checks_its_arguments():
    x = tensor.vector('x')
    quantity = Largest(requires=[x], name='largest')
    assert quantity.requires == [x] and quantity.name == 'largest'
    with pytest.raises(TypeError, match='Largest: requires must be a '
                       'non-empty list of Aesara variables, got None'):
        Largest(name='largest')
    with pytest.raises(TypeError, match='name must be a string'):
        Largest(requires=[x], name=1)


def test_perplexity_is_the_exponential_of_the_cost_per_symbol():
    costs = tensor.vector('costs')
    value = perplexity(costs.sum(), costs.shape[0])
    assert isinstance(value.tag.aggregation_scheme, Perplexity)
    aggregator = value.tag.aggregation_scheme.get_aggregator()
    initialize = aesara.function([], [],
                                 updates=aggregator.initialization_updates)
    accumulate = aesara.function([costs], [],
                                 updates=aggregator.accumulation_updates)
    read = aesara.function([], aggregator.readout_variable)
    initialize()
    accumulate([1., 2.])
    accumulate([3., 4., 5., 0.])
    # Not the mean of the batches' perplexities (exp(1.5), exp(3)).
    assert numpy.isclose(read(), numpy.exp(15. / 6))
    initialize()
    accumulate([2.])
    assert numpy.isclose(read(), numpy.exp(2.))
