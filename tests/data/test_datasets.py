import gzip
import os
import pickle
import struct
import sys
from collections import OrderedDict

import aesara
import numpy
import pytest

from blocks.config import ConfigurationError, config
from blocks.data.datasets import (
    Dataset, Digits, IndexableDataset, IterableDataset, MNIST)
from blocks.data.schemes import (
    SequentialExampleScheme, SequentialScheme, ShuffledScheme)
from blocks.data.streams import DataStream
from blocks.data.transformers import Flatten
from tests.data import assert_resumes_exactly


class NoSources(Dataset):
    pass


class TwoSources(Dataset):
    provides_sources = ('features', 'targets')

    def get_data(self, state=None, request=None):
        return self.filter_sources(('f', 't'))


def test_dataset_requires_provides_sources():
    with pytest.raises(ValueError, match=r'NoSources: the dataset must define '
                       r'provides_sources'):
        NoSources()


def test_dataset_sources_can_be_narrowed_and_reordered():
    dataset = TwoSources()
    assert dataset.sources == ('features', 'targets')
    assert dataset.get_data() == ('f', 't')
    dataset.sources = ('targets', 'features')
    assert dataset.get_data() == ('t', 'f')
    assert TwoSources(sources=['targets']).get_data() == ('t',)


def test_dataset_rejects_bad_sources():
    with pytest.raises(ValueError, match=r"TwoSources: unknown source\(s\) "
                       r"\['labels'\]; the dataset provides \('features', "
                       r"'targets'\)"):
        TwoSources(sources=('labels',))
    with pytest.raises(TypeError, match=r"TwoSources: sources must be a tuple "
                       r"of source names, got the string 'features'"):
        TwoSources(sources='features')
    with pytest.raises(ValueError, match='empty tuple'):
        TwoSources(sources=())
    with pytest.raises(ValueError, match='duplicates'):
        TwoSources(sources=('features', 'features'))


def test_dataset_default_state_methods():
    dataset = TwoSources()
    assert dataset.open() is None
    assert dataset.reset(None) is None
    assert dataset.next_epoch(None) is None
    assert dataset.example_iteration_scheme is None
    assert dataset.apply_default_transformers('stream') == 'stream'


def test_iterable_dataset_dict_of_sources():
    dataset = IterableDataset(OrderedDict([('x', [1, 2, 3]),
                                           ('y', 'abc')]))
    assert dataset.sources == ('x', 'y')
    assert dataset.num_examples == 3
    state = dataset.open()
    assert dataset.get_data(state) == (1, 'a')
    assert dataset.get_data(state) == (2, 'b')
    dataset.sources = ('y',)
    assert dataset.get_data(state) == ('c',)
    with pytest.raises(StopIteration):
        dataset.get_data(state)


def test_iterable_dataset_single_iterable_is_data():
    dataset = IterableDataset(numpy.arange(3.0))
    assert dataset.sources == ('data',)
    state = dataset.open()
    assert [dataset.get_data(state) for _ in range(3)] == [(0.0,), (1.0,),
                                                           (2.0,)]
    unsized = IterableDataset(iter([1, 2]))
    assert unsized.num_examples is None


def test_iterable_dataset_state_pickles_mid_epoch():
    dataset = IterableDataset({'x': [1, 2, 3, 4], 'y': numpy.arange(4)})
    state = dataset.open()
    dataset.get_data(state)
    dataset_copy, state_copy = pickle.loads(pickle.dumps((dataset, state)))
    assert dataset_copy.get_data(state_copy) == (2, 1)
    assert dataset.get_data(state) == (2, 1)


def test_iterable_dataset_rejects_bad_input():
    with pytest.raises(ValueError, match=r"IterableDataset: the iterables "
                       r"have different lengths: \{'x': 2, 'y': 3\}"):
        IterableDataset(OrderedDict([('x', [1, 2]), ('y', [1, 2, 3])]))
    with pytest.raises(TypeError, match=r"IterableDataset: source 'data' "
                       r"must be iterable, got 5"):
        IterableDataset(5)
    with pytest.raises(ValueError, match='must not be an empty mapping'):
        IterableDataset({})
    dataset = IterableDataset([1, 2])
    with pytest.raises(ValueError, match=r'IterableDataset: get_data takes '
                       r'no request .* got \[0, 1\]'):
        dataset.get_data(dataset.open(), request=[0, 1])
    with pytest.raises(ValueError, match='needs the state returned by open'):
        dataset.get_data()


def test_indexable_dataset_requests():
    features = numpy.arange(12).reshape(4, 3)
    dataset = IndexableDataset(OrderedDict([
        ('features', features), ('targets', [10, 11, 12, 13])]))
    assert dataset.num_examples == 4
    batch_features, batch_targets = dataset.get_data(request=[3, 1])
    numpy.testing.assert_array_equal(batch_features, features[[3, 1]])
    assert batch_targets == [13, 11]
    sliced_features, sliced_targets = dataset.get_data(request=slice(1, 3))
    numpy.testing.assert_array_equal(sliced_features, features[1:3])
    assert sliced_targets == [11, 12]
    example_features, example_target = dataset.get_data(request=2)
    numpy.testing.assert_array_equal(example_features, [6, 7, 8])
    assert example_target == 12
    dataset.sources = ('targets',)
    assert dataset.get_data(request=[0]) == ([10],)


def test_indexable_dataset_start_stop_and_example_stream():
    dataset = IndexableDataset({'x': numpy.arange(10)}, start=2, stop=6)
    assert dataset.num_examples == 4
    scheme = dataset.example_iteration_scheme
    assert isinstance(scheme, SequentialExampleScheme)
    assert scheme.num_examples == 4
    assert [int(x) for x, in dataset.get_example_stream()
            .get_epoch_iterator()] == [2, 3, 4, 5]


def test_indexable_dataset_rejects_bad_input():
    with pytest.raises(ValueError, match=r"IndexableDataset: the sources have "
                       r"different lengths: \{'x': 3, 'y': 2\}"):
        IndexableDataset({'x': [1, 2, 3], 'y': [1, 2]})
    with pytest.raises(TypeError, match=r"IndexableDataset: source 'x' must "
                       r"be a sequence supporting len\(\) and indexing"):
        IndexableDataset({'x': iter([1, 2])})
    with pytest.raises(TypeError, match='keys of indexables must be source '
                       'names'):
        IndexableDataset({1: [1]})
    with pytest.raises(ValueError, match=r'IndexableDataset: get_data needs '
                       r'a request .* got None'):
        IndexableDataset([1, 2]).get_data()


def write_idx(path, array):
    header = struct.pack('>BBBB', 0, 0, 0x08, array.ndim)
    header += struct.pack('>' + 'I' * array.ndim, *array.shape)
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'wb') as handle:
        handle.write(header + array.astype(numpy.uint8).tobytes())


def fake_mnist(directory, num_train=5, num_test=3, gzipped=False):
    """Write tiny MNIST IDX files; return the arrays written."""
    rng = numpy.random.RandomState(0)
    arrays = {}
    suffix = '.gz' if gzipped else ''
    for prefix, count in (('train', num_train), ('t10k', num_test)):
        images = rng.randint(0, 256, size=(count, 28, 28)).astype('uint8')
        labels = rng.randint(0, 10, size=count).astype('uint8')
        write_idx(os.path.join(directory, prefix + '-images-idx3-ubyte' +
                               suffix), images)
        write_idx(os.path.join(directory, prefix + '-labels-idx1-ubyte' +
                               suffix), labels)
        arrays[prefix] = images, labels
    return arrays


@pytest.fixture
def data_path(tmp_path, monkeypatch):
    monkeypatch.delitem(config.config['data_path'], 'value', raising=False)
    monkeypatch.setenv('BLOCKS_DATA_PATH', str(tmp_path))
    return tmp_path


@pytest.mark.parametrize('gzipped', [False, True])
def test_mnist_reads_idx_files(data_path, gzipped):
    arrays = fake_mnist(str(data_path), gzipped=gzipped)
    train = MNIST(('train',))
    assert train.sources == ('features', 'targets')
    assert train.num_examples == 5
    assert train.axis_labels == {
        'features': ('batch', 'channel', 'height', 'width'),
        'targets': ('batch', 'index')}
    features, targets = train.get_data(request=[0, 4])
    assert features.dtype == numpy.uint8 and targets.dtype == numpy.uint8
    assert features.shape == (2, 1, 28, 28) and targets.shape == (2, 1)
    images, labels = arrays['train']
    numpy.testing.assert_array_equal(features[:, 0], images[[0, 4]])
    numpy.testing.assert_array_equal(targets[:, 0], labels[[0, 4]])
    test = MNIST(('test',))
    assert test.num_examples == 3
    numpy.testing.assert_array_equal(test.get_data(request=[2])[1],
                                     arrays['t10k'][1][[2]].reshape(1, 1))


def test_mnist_finds_mnist_subdirectory_and_combines_sets(data_path):
    directory = data_path / 'mnist'
    directory.mkdir()
    arrays = fake_mnist(str(directory))
    both = MNIST(('test', 'train'), sources=('targets',))
    assert both.num_examples == 8
    targets, = both.get_data(request=slice(None))
    numpy.testing.assert_array_equal(
        targets[:, 0], numpy.concatenate([arrays['t10k'][1],
                                          arrays['train'][1]]))


def test_mnist_subset(data_path):
    arrays = fake_mnist(str(data_path))
    sliced = MNIST(('train',), subset=slice(1, 4))
    assert sliced.num_examples == 3
    numpy.testing.assert_array_equal(
        sliced.get_data(request=[0])[0][0, 0], arrays['train'][0][1])
    listed = MNIST(('train',), subset=[4, 0])
    assert listed.num_examples == 2
    numpy.testing.assert_array_equal(
        listed.get_data(request=[0, 1])[1][:, 0], arrays['train'][1][[4, 0]])
    with pytest.raises(ValueError, match=r'MNIST: subset indices \[5\] are '
                       r'out of range for 5 examples'):
        MNIST(('train',), subset=[0, 5])
    with pytest.raises(TypeError, match='MNIST: subset must be a slice or a '
                       'sequence of integer indices'):
        MNIST(('train',), subset=[0.5])


def test_mnist_pickles_without_its_data(data_path):
    fake_mnist(str(data_path), num_train=40)
    mnist = MNIST(('train',))
    features, _ = mnist.get_data(request=list(range(40)))
    pickled = pickle.dumps(mnist)
    assert len(pickled) < features.nbytes / 4
    copy = pickle.loads(pickled)
    numpy.testing.assert_array_equal(copy.get_data(request=list(range(40)))[0],
                                     features)


def test_mnist_tutorial_stream(data_path):
    arrays = fake_mnist(str(data_path))
    mnist = MNIST(('train',))
    stream = Flatten(DataStream.default_stream(
        mnist, iteration_scheme=SequentialScheme(mnist.num_examples,
                                                 batch_size=2)))
    batches = list(stream.get_epoch_iterator(as_dict=True))
    assert [batch['features'].shape for batch in batches] == [
        (2, 784), (2, 784), (1, 784)]
    features = batches[0]['features']
    assert features.dtype == aesara.config.floatX
    numpy.testing.assert_allclose(
        features[1], arrays['train'][0][1].ravel() / 255.0, rtol=1e-6)
    assert batches[2]['targets'].shape == (1, 1)
    assert batches[2]['targets'].dtype == numpy.uint8
    assert stream.axis_labels['features'] == ('batch', 'feature')


def test_mnist_stream_resumes_after_pickling(data_path):
    fake_mnist(str(data_path), num_train=9)

    def make_stream():
        mnist = MNIST(('train',))
        return Flatten(DataStream.default_stream(
            mnist, iteration_scheme=ShuffledScheme(
                mnist.num_examples, 2, rng=numpy.random.RandomState(7))))
    first_epoch = assert_resumes_exactly(make_stream, steps_before=2)
    assert len(first_epoch) == 5


def test_mnist_default_stream_of_targets_only(data_path):
    arrays = fake_mnist(str(data_path))
    mnist = MNIST(('test',), sources=('targets',))
    stream = DataStream.default_stream(
        mnist, iteration_scheme=SequentialScheme(3, 3))
    targets, = next(stream.get_epoch_iterator())
    assert targets.dtype == numpy.uint8
    numpy.testing.assert_array_equal(targets[:, 0], arrays['t10k'][1])


def test_mnist_missing_files(data_path):
    with pytest.raises(FileNotFoundError) as excinfo:
        MNIST(('train',))
    message = str(excinfo.value)
    assert "cannot find 'train-images-idx3-ubyte'" in message
    assert os.path.join(str(data_path), 'mnist') in message
    assert 't10k-labels-idx1-ubyte' in message


def test_mnist_without_data_path(monkeypatch):
    monkeypatch.delitem(config.config['data_path'], 'value', raising=False)
    monkeypatch.delenv('BLOCKS_DATA_PATH', raising=False)
    monkeypatch.setattr(config, 'yaml_settings', {})
    with pytest.raises(ConfigurationError, match='BLOCKS_DATA_PATH'):
        MNIST(('train',))


def test_mnist_rejects_bad_files_and_arguments(data_path):
    fake_mnist(str(data_path))
    with pytest.raises(TypeError, match=r"MNIST: which_sets must be a tuple "
                       r"of set names such as \('train',\), got 'train'"):
        MNIST('train')
    with pytest.raises(ValueError, match=r"MNIST: unknown set\(s\) "
                       r"\['valid'\] in which_sets; expected names from "
                       r"\('train', 'test'\)"):
        MNIST(('valid',))
    write_idx(str(data_path / 't10k-labels-idx1-ubyte'),
              numpy.zeros(2, dtype='uint8'))
    with pytest.raises(ValueError, match='holds 3 images but .* holds 2 '
                       'labels'):
        MNIST(('test',))
    (data_path / 't10k-labels-idx1-ubyte').write_bytes(b'PK\x03\x04')
    with pytest.raises(ValueError, match='is not an IDX file'):
        MNIST(('test',))


def test_digits_splits():
    from sklearn.datasets import load_digits
    digits = load_digits()
    train, test = Digits(('train',)), Digits(('test',))
    assert (train.num_examples, test.num_examples) == (1500, 297)
    assert Digits(('train', 'test')).num_examples == 1797
    features, targets = test.get_data(request=[0, 296])
    assert features.shape == (2, 64) and targets.shape == (2, 1)
    assert features.dtype == aesara.config.floatX
    assert targets.dtype == numpy.uint8
    order = numpy.random.RandomState(0).permutation(1797)
    expected = order[[1500, 1796]]
    numpy.testing.assert_allclose(features, digits.data[expected] / 16.0)
    numpy.testing.assert_array_equal(targets[:, 0], digits.target[expected])
    # Train and test are disjoint and together hold every example once.
    assert sorted(order[:1500].tolist() + order[1500:].tolist()) == \
        list(range(1797))
    all_features, = Digits(('train',), sources=('features',)).get_data(
        request=slice(None))
    assert all_features.min() == 0.0 and all_features.max() == 1.0
    assert train.axis_labels['features'] == ('batch', 'feature')


def test_digits_subset_and_pickling():
    digits = Digits(('test', 'train'), subset=slice(290, 300))
    assert digits.num_examples == 10
    features, targets = digits.get_data(request=list(range(10)))
    reference = Digits(('train', 'test'))
    numpy.testing.assert_array_equal(
        features[7:], reference.get_data(request=[0, 1, 2])[0])
    pickled = pickle.dumps(digits)
    assert len(pickled) < features.nbytes
    copy = pickle.loads(pickled)
    numpy.testing.assert_array_equal(
        copy.get_data(request=list(range(10)))[1], targets)


def test_digits_without_sklearn(monkeypatch):
    monkeypatch.setitem(sys.modules, 'sklearn.datasets', None)
    with pytest.raises(ImportError, match='pip install scikit-learn'):
        Digits(('train',))


def test_digits_rejects_bad_which_sets():
    with pytest.raises(ValueError, match=r"Digits: which_sets names a set "
                       r"twice: \('train', 'train'\)"):
        Digits(('train', 'train'))
    with pytest.raises(ValueError, match='Digits: which_sets must name at '
                       'least one of'):
        Digits(())
