import logging
import pickle
from collections import OrderedDict

import aesara
import numpy
import pytest

from blocks.data.datasets import IndexableDataset, IterableDataset
from blocks.data.schemes import (
    ConstantScheme, SequentialExampleScheme, SequentialScheme, ShuffledScheme)
from blocks.data.streams import DataStream
from blocks.data.transformers import (
    AgnosticSourcewiseTransformer, Batch, Cast, Filter, FilterSources,
    Flatten, ForceFloatX, Mapping, Merge, Padding, Rename, ScaleAndShift,
    Transformer, Unpack)
from tests.data import assert_resumes_exactly, assert_steps_equal


def image_stream(scheme=None, num_examples=5):
    """A stream of (num_examples, 2, 3) 'images' and (num_examples,) labels.

    """
    dataset = IndexableDataset(
        OrderedDict([
            ('features', numpy.arange(num_examples * 6).reshape(
                (num_examples, 2, 3)).astype('uint8')),
            ('targets', numpy.arange(num_examples).reshape(
                (num_examples, 1)))]),
        axis_labels={'features': ('batch', 'height', 'width'),
                     'targets': ('batch', 'index')})
    if scheme is None:
        scheme = SequentialScheme(num_examples, 2)
    return DataStream(dataset, iteration_scheme=scheme)


def sequence_stream():
    """Examples with a sequence source of varying length."""
    return DataStream(IterableDataset(OrderedDict([
        ('words', [[1, 2, 3], [4], [5, 6], [7, 8, 9, 10], [11]]),
        ('label', [0, 1, 0, 1, 1])])))


def add_one_to_targets(data):
    features, targets = data
    return features, targets + 1


def double(data):
    return (data[0] * 2,)


def is_even(data):
    return data[0] % 2 == 0


def test_mapping_replaces_data():
    stream = Mapping(image_stream(), add_one_to_targets)
    assert stream.sources == ('features', 'targets')
    targets = [batch[1][:, 0].tolist()
               for batch in stream.get_epoch_iterator()]
    assert targets == [[1, 2], [3, 4], [5]]


def test_mapping_add_sources():
    stream = Mapping(DataStream(IterableDataset([1, 2])), double,
                     add_sources=('doubled',))
    assert stream.sources == ('data', 'doubled')
    assert list(stream.get_epoch_iterator(as_dict=True)) == [
        {'data': 1, 'doubled': 2}, {'data': 2, 'doubled': 4}]


def test_mapping_errors():
    with pytest.raises(TypeError, match='Mapping: mapping must be callable, '
                       'got 3'):
        Mapping(image_stream(), 3)
    with pytest.raises(ValueError, match='clashes with the stream'):
        Mapping(image_stream(), double, add_sources=('targets',))
    with pytest.raises(TypeError, match='got the string'):
        Mapping(image_stream(), double, add_sources='doubled')
    stream = Mapping(image_stream(), double)
    with pytest.raises(ValueError, match=r"Mapping: the mapping returned 1 "
                       r"values, expected one for each of \('features', "
                       r"'targets'\)"):
        next(stream.get_epoch_iterator())


def test_filter():
    stream = Filter(DataStream(IterableDataset(range(7))), is_even)
    assert list(stream.get_epoch_iterator()) == [(0,), (2,), (4,), (6,)]
    with pytest.raises(TypeError, match='Filter: predicate must be callable'):
        Filter(stream, None)


def test_flatten_batches():
    stream = Flatten(image_stream())
    features, targets = next(stream.get_epoch_iterator())
    assert features.shape == (2, 6) and targets.shape == (2, 1)
    numpy.testing.assert_array_equal(features, numpy.arange(12).reshape(2, 6))
    assert features.dtype == numpy.uint8
    assert stream.axis_labels == {'features': ('batch', 'feature'),
                                  'targets': ('batch', 'feature')}
    assert stream.produces_examples is False


def test_flatten_examples_and_which_sources():
    stream = Flatten(image_stream(SequentialExampleScheme(5)),
                     which_sources=('features',))
    features, targets = next(stream.get_epoch_iterator())
    numpy.testing.assert_array_equal(features, numpy.arange(6))
    numpy.testing.assert_array_equal(targets, [0])
    assert stream.axis_labels['features'] == ('feature',)
    assert stream.axis_labels['targets'] == ('batch', 'index')


def test_sourcewise_transformers_check_which_sources():
    with pytest.raises(ValueError, match=r"Flatten: which_sources names "
                       r"source\(s\) \['labels'\] that the stream does not "
                       r"provide; available sources: \('features', "
                       r"'targets'\)"):
        Flatten(image_stream(), which_sources=('labels',))
    with pytest.raises(TypeError, match=r"Cast: which_sources must be a tuple "
                       r"of source names, got 'features'"):
        Cast(image_stream(), 'float32', which_sources='features')


def test_cast_and_scale_and_shift():
    stream = Cast(ScaleAndShift(image_stream(), 0.5, -1,
                                which_sources=('features',)),
                  'floatX', which_sources=('features',))
    assert stream.dtype == aesara.config.floatX
    features, targets = next(stream.get_epoch_iterator())
    assert features.dtype == aesara.config.floatX
    numpy.testing.assert_allclose(
        features, numpy.arange(12).reshape(2, 2, 3) * 0.5 - 1)
    assert targets.dtype == numpy.arange(1).dtype
    int8 = Cast(image_stream(), numpy.int8)
    assert all(value.dtype == numpy.int8
               for value in next(int8.get_epoch_iterator()))
    with pytest.raises(TypeError, match=r"Cast: dtype must be a NumPy data "
                       r"type or 'floatX', got 'float99'"):
        Cast(image_stream(), 'float99')


def test_force_floatx_casts_only_floats():
    dataset = IndexableDataset(OrderedDict([
        ('x', numpy.ones((2, 2), dtype='float16')),
        ('y', numpy.ones(2, dtype='int32'))]))
    stream = ForceFloatX(DataStream(dataset,
                                    iteration_scheme=SequentialScheme(2, 2)))
    x, y = next(stream.get_epoch_iterator())
    assert x.dtype == aesara.config.floatX
    assert y.dtype == numpy.int32


def test_batch_groups_examples():
    stream = Batch(sequence_stream(), ConstantScheme(2))
    assert stream.produces_examples is False
    batches = list(stream.get_epoch_iterator())
    assert [batch[1].tolist() for batch in batches] == [[0, 1], [0, 1], [1]]
    words = batches[0][0]
    assert words.dtype == object and words.shape == (2,)
    assert words.tolist() == [[1, 2, 3], [4]]
    regular = Batch(DataStream(IterableDataset(numpy.eye(3))),
                    ConstantScheme(2))
    first, = next(regular.get_epoch_iterator())
    numpy.testing.assert_array_equal(first, numpy.eye(3)[:2])


def test_batch_strictness():
    def epoch(strictness):
        stream = Batch(DataStream(IterableDataset(range(5))),
                       ConstantScheme(2), strictness=strictness)
        return [batch.tolist() for batch, in stream.get_epoch_iterator()]
    assert epoch(0) == [[0, 1], [2, 3], [4]]
    assert epoch(1) == [[0, 1], [2, 3]]
    with pytest.raises(ValueError, match=r'Batch: the data ran out after 1 '
                       r'examples of a batch of 2 \(strictness=2'):
        epoch(2)
    exact = Batch(DataStream(IterableDataset(range(4))), ConstantScheme(2),
                  strictness=2)
    assert len(list(exact.get_epoch_iterator())) == 2


def test_batch_axis_labels():
    stream = Batch(image_stream(SequentialExampleScheme(5)),
                   ConstantScheme(2))
    assert stream.axis_labels['features'] == ('batch', 'batch', 'height',
                                              'width')


def test_batch_errors():
    with pytest.raises(ValueError, match='Batch: the wrapped stream must '
                       'produce examples, not batches'):
        Batch(image_stream(), ConstantScheme(2))
    with pytest.raises(ValueError, match='Batch: iteration_scheme must '
                       'request batch sizes'):
        Batch(sequence_stream(), SequentialExampleScheme(3))
    with pytest.raises(ValueError, match='Batch: strictness must be 0, 1 or '
                       '2, got 3'):
        Batch(sequence_stream(), ConstantScheme(2), strictness=3)


def test_unpack_splits_batches():
    stream = Unpack(image_stream())
    assert stream.produces_examples is True
    examples = list(stream.get_epoch_iterator())
    assert len(examples) == 5
    numpy.testing.assert_array_equal(examples[4][0],
                                     numpy.arange(24, 30).reshape(2, 3))
    numpy.testing.assert_array_equal(examples[4][1], [4])
    assert len(list(stream.get_epoch_iterator())) == 5
    assert stream.axis_labels['features'] == ('height', 'width')
    with pytest.raises(ValueError, match='Unpack: the wrapped stream must '
                       'produce batches, not examples'):
        Unpack(sequence_stream())


def test_padding_pads_and_masks():
    stream = Padding(Batch(sequence_stream(), ConstantScheme(3)),
                     mask_sources=('words',))
    assert stream.sources == ('words', 'words_mask', 'label')
    words, mask, label = next(stream.get_epoch_iterator())
    numpy.testing.assert_array_equal(words, [[1, 2, 3], [4, 0, 0],
                                             [5, 6, 0]])
    numpy.testing.assert_array_equal(mask, [[1, 1, 1], [1, 0, 0],
                                            [1, 1, 0]])
    assert mask.dtype == aesara.config.floatX
    assert words.dtype == numpy.array([1]).dtype
    numpy.testing.assert_array_equal(label, [0, 1, 0])


def test_padding_multidimensional_sequences():
    sequences = [numpy.ones((2, 3), 'float32'), numpy.ones((1, 3), 'float32')]
    stream = Padding(Batch(DataStream(IterableDataset(sequences)),
                           ConstantScheme(2)), mask_dtype='uint8')
    data, mask = next(stream.get_epoch_iterator())
    assert data.shape == (2, 2, 3) and data.dtype == numpy.float32
    assert data[1, 1].tolist() == [0, 0, 0]
    assert mask.dtype == numpy.uint8
    assert mask.tolist() == [[1, 1], [1, 0]]


def test_padding_errors():
    with pytest.raises(ValueError, match='Padding: the wrapped stream must '
                       'produce batches'):
        Padding(sequence_stream())
    with pytest.raises(ValueError, match=r"Padding: mask_sources names "
                       r"source\(s\) \['text'\]"):
        Padding(Batch(sequence_stream(), ConstantScheme(2)),
                mask_sources=('text',))
    mismatched = [numpy.ones((2, 3)), numpy.ones((2, 4))]
    stream = Padding(Batch(DataStream(IterableDataset(mismatched)),
                           ConstantScheme(2)))
    with pytest.raises(ValueError, match="Padding: the sequences of source "
                       "'data' differ in shape beyond their length"):
        next(stream.get_epoch_iterator())
    scalars = Padding(Batch(sequence_stream(), ConstantScheme(2)))
    with pytest.raises(ValueError, match="source 'label' holds scalars"):
        next(scalars.get_epoch_iterator())


def test_filter_sources_keeps_stream_order():
    stream = FilterSources(image_stream(), ('targets',))
    assert stream.sources == ('targets',)
    assert stream.axis_labels == {'targets': ('batch', 'index')}
    targets, = next(stream.get_epoch_iterator())
    numpy.testing.assert_array_equal(targets, [[0], [1]])
    both = FilterSources(image_stream(), ('targets', 'features'))
    assert both.sources == ('features', 'targets')
    with pytest.raises(ValueError, match=r"FilterSources: sources names "
                       r"source\(s\) \['labels'\] that the stream does not "
                       r"provide; available sources: \('features', "
                       r"'targets'\)"):
        FilterSources(image_stream(), ('labels',))


def test_rename():
    stream = Rename(image_stream(), {'features': 'x', 'targets': 'y'})
    assert stream.sources == ('x', 'y')
    assert stream.axis_labels == {'x': ('batch', 'height', 'width'),
                                  'y': ('batch', 'index')}
    batch = next(stream.get_epoch_iterator(as_dict=True))
    numpy.testing.assert_array_equal(batch['y'], [[0], [1]])
    swapped = Rename(image_stream(), {'features': 'targets',
                                      'targets': 'features'})
    assert swapped.sources == ('targets', 'features')


def test_rename_errors(caplog):
    with pytest.raises(ValueError, match=r"Rename: cannot rename source\(s\) "
                       r"\['labels'\]: the stream does not provide them; "
                       r"available sources: \('features', 'targets'\)"):
        Rename(image_stream(), {'labels': 'y'})
    with caplog.at_level(logging.WARNING):
        stream = Rename(image_stream(), {'labels': 'y', 'targets': 't'},
                        on_non_existent='warn')
    assert stream.sources == ('features', 't')
    assert "cannot rename source(s) ['labels']" in caplog.text
    assert Rename(image_stream(), {'labels': 'y'},
                  on_non_existent='ignore').sources == ('features', 'targets')
    with pytest.raises(ValueError, match='would give sources with the same '
                       'name'):
        Rename(image_stream(), {'features': 'targets'})
    with pytest.raises(ValueError, match="on_non_existent must be 'raise', "
                       "'warn' or 'ignore', got 'skip'"):
        Rename(image_stream(), {}, on_non_existent='skip')


def test_merge():
    merged = Merge([image_stream(), DataStream(
        IndexableDataset({'extra': numpy.arange(10, 15)}),
        iteration_scheme=SequentialScheme(5, 2))],
        sources=('x', 'y', 'z'))
    assert merged.sources == ('x', 'y', 'z')
    assert merged.produces_examples is False
    assert merged.axis_labels == {'x': ('batch', 'height', 'width'),
                                  'y': ('batch', 'index')}
    batches = list(merged.get_epoch_iterator())
    assert len(batches) == 3
    assert [batch[2].tolist() for batch in batches] == [[10, 11], [12, 13],
                                                        [14]]
    numpy.testing.assert_array_equal(batches[2][1], [[4]])


def test_merge_errors():
    streams = [image_stream(), image_stream()]
    with pytest.raises(ValueError, match=r"Merge: sources must be distinct, "
                       r"got \('a', 'b', 'a', 'c'\) with duplicates \['a'\]"):
        Merge(streams, ('a', 'b', 'a', 'c'))
    with pytest.raises(ValueError, match=r"Merge: got 3 source names .* for "
                       r"the 4 sources"):
        Merge(streams, ('a', 'b', 'c'))
    with pytest.raises(ValueError, match='all produce examples or all '
                       'produce batches'):
        Merge([image_stream(), sequence_stream()], ('a', 'b', 'c', 'd'))
    with pytest.raises(TypeError, match='Merge: data_streams must be a '
                       'non-empty sequence of data streams'):
        Merge([], ())


class Doubler(AgnosticSourcewiseTransformer):
    def transform_any_source(self, source_data, source_name):
        return source_data * 2


class ToBatches(Transformer):
    def __init__(self, data_stream):
        super().__init__(data_stream, produces_examples=False)


def test_custom_transformers():
    stream = Doubler(DataStream(IterableDataset({'a': [1], 'b': [2]})),
                     which_sources=('b',))
    assert list(stream.get_epoch_iterator()) == [(1, 4)]
    mismatched = ToBatches(sequence_stream())
    with pytest.raises(NotImplementedError, match='ToBatches turns examples '
                       'into batches, so it must override get_data'):
        next(mismatched.get_epoch_iterator())
    with pytest.raises(ValueError, match='get_data was called before '
                       'get_epoch_iterator'):
        Doubler(sequence_stream()).get_data()
    with pytest.raises(TypeError, match=r'Doubler: data_stream must be a data '
                       r'stream, got \[1, 2\]'):
        Doubler([1, 2])


def flatten_shuffled_images():
    return Flatten(image_stream(ShuffledScheme(
        7, 2, rng=numpy.random.RandomState(3)), num_examples=7))


def padded_batches():
    return Padding(Batch(sequence_stream(), ConstantScheme(2)),
                   mask_sources=('words',))


def unpacked_batches():
    return Unpack(image_stream(ShuffledScheme(
        5, 3, rng=numpy.random.RandomState(1))))


def renamed_mapped_merge():
    left = Mapping(image_stream(), add_one_to_targets)
    right = Cast(DataStream(IndexableDataset({'z': numpy.arange(5)}),
                            iteration_scheme=SequentialScheme(5, 2)), 'int8')
    return FilterSources(Rename(Merge([left, right], ('x', 'y', 'z')),
                                {'z': 'w'}), ('x', 'w'))


@pytest.mark.parametrize('make_stream', [
    flatten_shuffled_images, padded_batches, unpacked_batches,
    renamed_mapped_merge])
def test_transformer_chains_resume_after_pickling(make_stream):
    assert_resumes_exactly(make_stream, steps_before=2)


def test_unpack_resumes_in_the_middle_of_a_batch():
    assert_resumes_exactly(unpacked_batches, steps_before=1, as_dict=True)


def test_padding_chain_values_survive_pickling():
    stream = padded_batches()
    iterator = stream.get_epoch_iterator()
    next(iterator)
    _, iterator_copy = pickle.loads(pickle.dumps((stream, iterator)))
    words, mask, label = next(iterator_copy)
    numpy.testing.assert_array_equal(words, [[5, 6, 0, 0], [7, 8, 9, 10]])
    numpy.testing.assert_array_equal(mask, [[1, 1, 0, 0], [1, 1, 1, 1]])
    assert_steps_equal([(label,)], [(numpy.array([0, 1]),)])
