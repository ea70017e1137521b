import pickle

import numpy
import pytest
from picklable_itertools import islice

from blocks.config import config
from blocks.data.schemes import (
    BatchScheme, BatchSizeScheme, ConstantScheme, IndexScheme,
    IterationScheme, SequentialExampleScheme, SequentialScheme,
    ShuffledExampleScheme, ShuffledScheme)


def epoch(scheme):
    return list(scheme.get_request_iterator())


def test_base_scheme_reports_unknown_sizes():
    scheme = IterationScheme()
    assert scheme.num_examples is None
    assert scheme.batch_size is None
    assert scheme.num_batches is None
    with pytest.raises(NotImplementedError, match='IterationScheme'):
        scheme.get_request_iterator()


def test_constant_scheme_times():
    scheme = ConstantScheme(4, times=3)
    assert epoch(scheme) == [4, 4, 4]
    assert isinstance(scheme, BatchSizeScheme)
    assert scheme.requests_examples is False
    assert (scheme.batch_size, scheme.num_batches,
            scheme.num_examples) == (4, 3, 12)


def test_constant_scheme_num_examples_ends_with_remainder():
    scheme = ConstantScheme(4, num_examples=10)
    assert epoch(scheme) == [4, 4, 2]
    assert (scheme.num_batches, scheme.num_examples) == (3, 10)
    assert epoch(ConstantScheme(5, num_examples=10)) == [5, 5]


def test_constant_scheme_without_limit_is_infinite():
    scheme = ConstantScheme(7)
    assert list(islice(scheme.get_request_iterator(), 5)) == [7] * 5
    assert scheme.num_batches is None
    assert scheme.num_examples is None


@pytest.mark.parametrize('batch_size', [0, -3, 2.5, True, '4'])
def test_constant_scheme_rejects_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match=r'ConstantScheme: batch_size must '
                       r'be a positive integer, got'):
        ConstantScheme(batch_size)


def test_constant_scheme_rejects_conflicting_limits():
    with pytest.raises(ValueError, match='num_examples or times, not both'):
        ConstantScheme(2, num_examples=4, times=2)
    with pytest.raises(ValueError, match='times must be a non-negative'):
        ConstantScheme(2, times=-1)


def test_sequential_scheme_batches_in_order():
    scheme = SequentialScheme(7, batch_size=3)
    assert epoch(scheme) == [[0, 1, 2], [3, 4, 5], [6]]
    assert epoch(scheme) == [[0, 1, 2], [3, 4, 5], [6]]
    assert isinstance(scheme, BatchScheme)
    assert scheme.requests_examples is False
    assert (scheme.num_examples, scheme.batch_size,
            scheme.num_batches) == (7, 3, 3)


def test_sequential_scheme_with_explicit_indices():
    scheme = SequentialScheme([9, 2, 5, 4], batch_size=2)
    assert epoch(scheme) == [[9, 2], [5, 4]]
    assert scheme.num_examples == 4
    generator_scheme = SequentialScheme((i * 2 for i in range(3)), 2)
    assert epoch(generator_scheme) == [[0, 2], [4]]
    assert epoch(generator_scheme) == [[0, 2], [4]]


def test_sequential_scheme_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r'SequentialScheme: batch_size must '
                       r'be a positive integer, got 0'):
        SequentialScheme(10, 0)
    with pytest.raises(ValueError, match=r'SequentialScheme: examples must '
                       r'be a non-negative number of examples, got -1'):
        SequentialScheme(-1, 2)
    with pytest.raises(TypeError, match=r'SequentialScheme: examples must be '
                       r'a number of examples or an iterable of indices, got '
                       r'2.5'):
        SequentialScheme(2.5, 2)


def test_shuffled_scheme_permutes_every_epoch():
    scheme = ShuffledScheme(10, batch_size=4,
                            rng=numpy.random.RandomState(0))
    first, second = epoch(scheme), epoch(scheme)
    assert [len(batch) for batch in first] == [4, 4, 2]
    assert sorted(sum(first, [])) == list(range(10))
    assert sorted(sum(second, [])) == list(range(10))
    assert first != second
    expected_order = list(range(10))
    numpy.random.RandomState(0).shuffle(expected_order)
    assert sum(first, []) == expected_order
    assert scheme.num_batches == 3


def test_shuffled_scheme_default_rng_uses_default_seed():
    first, second = ShuffledScheme(20, 5), ShuffledScheme(20, 5)
    assert [epoch(first) for _ in range(3)] == [epoch(second)
                                                for _ in range(3)]
    expected_order = list(range(20))
    numpy.random.RandomState(config.default_seed).shuffle(expected_order)
    assert sum(epoch(ShuffledScheme(20, 5)), []) == expected_order


def test_shuffled_scheme_sorted_indices():
    scheme = ShuffledScheme([3, 8, 1, 6, 4], batch_size=3,
                            rng=numpy.random.RandomState(2),
                            sorted_indices=True)
    batches = epoch(scheme)
    assert all(batch == sorted(batch) for batch in batches)
    assert sorted(sum(batches, [])) == [1, 3, 4, 6, 8]


def test_shuffled_scheme_rejects_bad_rng():
    with pytest.raises(TypeError, match=r'ShuffledScheme: rng must be a '
                       r'numpy.random.RandomState or None, got 3'):
        ShuffledScheme(4, 2, rng=3)


def test_example_schemes():
    sequential = SequentialExampleScheme(4)
    assert isinstance(sequential, IndexScheme)
    assert sequential.requests_examples is True
    assert epoch(sequential) == [0, 1, 2, 3]
    assert (sequential.num_examples, sequential.num_batches) == (4, 4)
    assert sequential.batch_size is None
    shuffled = ShuffledExampleScheme([5, 6, 7, 8],
                                     rng=numpy.random.RandomState(1))
    first, second = epoch(shuffled), epoch(shuffled)
    assert sorted(first) == sorted(second) == [5, 6, 7, 8]
    assert first != second


def make_schemes():
    return [ConstantScheme(3, num_examples=14),
            SequentialScheme(11, 2),
            ShuffledScheme(11, 2, rng=numpy.random.RandomState(5)),
            SequentialExampleScheme(6),
            ShuffledExampleScheme(6, rng=numpy.random.RandomState(5))]


@pytest.mark.parametrize('index', range(5))
def test_request_iterators_resume_after_pickling(index):
    reference = make_schemes()[index]
    first, second = epoch(reference), epoch(reference)
    scheme = make_schemes()[index]
    iterator = scheme.get_request_iterator()
    assert [next(iterator), next(iterator)] == first[:2]
    scheme_copy, iterator_copy = pickle.loads(
        pickle.dumps((scheme, iterator)))
    assert list(iterator_copy) == first[2:]
    assert epoch(scheme_copy) == second
