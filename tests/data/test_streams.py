import pickle
from collections import OrderedDict

import numpy
import pytest

from blocks.data.datasets import IndexableDataset, IterableDataset
from blocks.data.schemes import (
    ConstantScheme, SequentialExampleScheme, SequentialScheme,
    ShuffledExampleScheme, ShuffledScheme)
from blocks.data.streams import AbstractDataStream, DataIterator, DataStream
from blocks.data.transformers import Cast
from tests.data import assert_resumes_exactly, assert_steps_equal


def indexable_dataset():
    return IndexableDataset(OrderedDict([
        ('features', numpy.arange(14).reshape(7, 2)),
        ('targets', numpy.arange(7) % 3)]),
        axis_labels={'features': ('batch', 'feature'),
                     'targets': ('batch',)})


def test_data_stream_batches_in_order():
    stream = DataStream(indexable_dataset(),
                        iteration_scheme=SequentialScheme(7, batch_size=3))
    assert stream.sources == ('features', 'targets')
    assert stream.produces_examples is False
    assert stream.axis_labels == {'features': ('batch', 'feature'),
                                  'targets': ('batch',)}
    epoch = list(stream.get_epoch_iterator())
    assert_steps_equal(epoch, [
        (numpy.arange(6).reshape(3, 2), numpy.array([0, 1, 2])),
        (numpy.arange(6, 12).reshape(3, 2), numpy.array([0, 1, 2])),
        (numpy.array([[12, 13]]), numpy.array([0]))])
    assert_steps_equal(list(stream.get_epoch_iterator()), epoch)


def test_data_stream_as_dict_and_examples():
    stream = DataStream(indexable_dataset(),
                        iteration_scheme=SequentialExampleScheme(2))
    assert stream.produces_examples is True
    iterator = stream.get_epoch_iterator(as_dict=True)
    assert isinstance(iterator, DataIterator)
    first = next(iterator)
    assert sorted(first) == ['features', 'targets']
    numpy.testing.assert_array_equal(first['features'], [0, 1])
    assert first['targets'] == 0


def test_data_stream_follows_dataset_sources():
    dataset = indexable_dataset()
    dataset.sources = ('targets',)
    stream = DataStream(dataset, iteration_scheme=SequentialScheme(7, 4))
    assert stream.sources == ('targets',)
    assert stream.axis_labels == {'targets': ('batch',)}
    assert_steps_equal(list(stream.get_epoch_iterator()),
                       [(numpy.array([0, 1, 2, 0]),),
                        (numpy.array([1, 2, 0]),)])


def test_iterable_stream_restarts_each_epoch():
    stream = DataStream(IterableDataset({'x': [1, 2, 3]}))
    assert stream.iteration_scheme is None
    assert stream.produces_examples is True
    assert list(stream.get_epoch_iterator()) == [(1,), (2,), (3,)]
    assert list(stream.get_epoch_iterator()) == [(1,), (2,), (3,)]
    epochs = stream.iterate_epochs(as_dict=True)
    assert list(next(epochs)) == [{'x': 1}, {'x': 2}, {'x': 3}]
    assert list(next(epochs)) == [{'x': 1}, {'x': 2}, {'x': 3}]


def test_reset_restarts_the_data():
    stream = DataStream(IterableDataset([1, 2, 3]))
    iterator = stream.get_epoch_iterator()
    next(iterator)
    stream.reset()
    assert list(stream.get_epoch_iterator()) == [(1,), (2,), (3,)]
    stream.close()


def test_get_data_with_request():
    stream = DataStream(indexable_dataset(),
                        iteration_scheme=SequentialScheme(7, 3))
    features, targets = stream.get_data([6, 0])
    numpy.testing.assert_array_equal(features, [[12, 13], [0, 1]])
    numpy.testing.assert_array_equal(targets, [0, 0])


def test_data_stream_errors():
    with pytest.raises(TypeError, match=r'DataStream: iteration_scheme must '
                       r'be an IterationScheme, got 5'):
        DataStream(indexable_dataset(), iteration_scheme=5)
    iterable = DataStream(IterableDataset([1, 2]),
                          iteration_scheme=ConstantScheme(2))
    with pytest.raises(ValueError, match='IterableDataset: get_data takes no '
                       'request'):
        next(iterable.get_epoch_iterator())
    without_scheme = DataStream(indexable_dataset())
    with pytest.raises(ValueError, match='give the DataStream an iteration '
                       'scheme'):
        next(without_scheme.get_epoch_iterator())


class CastToFloat32(IndexableDataset):
    default_transformers = ((Cast, ['float32'],
                             {'which_sources': ('features',)}),)


def test_default_stream_applies_default_transformers():
    dataset = CastToFloat32({'features': numpy.arange(4),
                             'targets': numpy.arange(4)})
    stream = DataStream.default_stream(
        dataset, iteration_scheme=SequentialScheme(4, 4))
    assert isinstance(stream, Cast)
    assert stream.data_stream.iteration_scheme.batch_size == 4
    features, targets = next(stream.get_epoch_iterator())
    assert features.dtype == numpy.float32
    assert targets.dtype == numpy.arange(1).dtype
    plain = DataStream.default_stream(indexable_dataset())
    assert type(plain) is DataStream


def test_abstract_stream_interface():
    stream = AbstractDataStream()
    assert stream.produces_examples is True
    stream.produces_examples = False
    assert stream.produces_examples is False
    with pytest.raises(NotImplementedError, match='must define sources'):
        stream.sources


def make_scheme_streams():
    return {
        'sequential': DataStream(indexable_dataset(),
                                 iteration_scheme=SequentialScheme(7, 2)),
        'shuffled': DataStream(indexable_dataset(),
                               iteration_scheme=ShuffledScheme(
                                   7, 2, rng=numpy.random.RandomState(4))),
        'default_rng': DataStream(indexable_dataset(),
                                  iteration_scheme=ShuffledScheme(7, 3)),
        'sequential_examples': DataStream(
            indexable_dataset(), iteration_scheme=SequentialExampleScheme(7)),
        'shuffled_examples': DataStream(
            indexable_dataset(), iteration_scheme=ShuffledExampleScheme(
                7, rng=numpy.random.RandomState(4))),
        'iterable': DataStream(IterableDataset(OrderedDict([
            ('x', numpy.arange(5)), ('y', [5, 6, 7, 8, 9])]))),
    }


class SchemeStream:
    """Build one of the streams of make_scheme_streams (picklable)."""
    def __init__(self, name):
        self.name = name

    def __call__(self):
        return make_scheme_streams()[self.name]


@pytest.mark.parametrize('name', sorted(make_scheme_streams()))
@pytest.mark.parametrize('as_dict', [False, True])
def test_stream_resumes_after_pickling(name, as_dict):
    assert_resumes_exactly(SchemeStream(name), steps_before=2,
                           as_dict=as_dict)


def test_epoch_iterators_pickle():
    stream = DataStream(IterableDataset([1, 2, 3]))
    epochs = stream.iterate_epochs()
    first = next(epochs)
    next(first)
    epochs_copy, first_copy = pickle.loads(pickle.dumps((epochs, first)))
    assert list(first_copy) == [(2,), (3,)]
    assert list(next(epochs_copy)) == [(1,), (2,), (3,)]
