"""Augmentation transformers: statistics, determinism under a seed, and
resumption in the middle of an epoch."""
import pickle
from collections import OrderedDict

import numpy
import pytest

from blocks.data.datasets import IndexableDataset, IterableDataset
from blocks.data.schemes import (ConstantScheme, SequentialScheme,
                                 ShuffledScheme)
from blocks.data.streams import DataStream
from blocks.data.transformers import (AddGaussianNoise, AddSaltAndPepper,
                                      Batch, MultiHot, OneHot, RandomCrop,
                                      RandomFlip)
from tests.data import assert_resumes_exactly, assert_steps_equal

NUM_IMAGES = 40
IMAGES = numpy.arange(NUM_IMAGES * 2 * 4 * 5, dtype='float64').reshape(
    (NUM_IMAGES, 2, 4, 5))
LABELS = numpy.arange(NUM_IMAGES).reshape((NUM_IMAGES, 1)) % 3


def image_stream(batch_size=8, shuffled=False):
    dataset = IndexableDataset(
        OrderedDict([('images', IMAGES), ('labels', LABELS)]),
        axis_labels={'images': ('batch', 'channel', 'height', 'width'),
                     'labels': ('batch', 'index')})
    scheme = ShuffledScheme(NUM_IMAGES, batch_size,
                            rng=numpy.random.RandomState(5)) if shuffled \
        else SequentialScheme(NUM_IMAGES, batch_size)
    return DataStream(dataset, iteration_scheme=scheme)


def example_stream():
    return DataStream(IterableDataset(OrderedDict(
        [('images', IMAGES), ('labels', LABELS)])))


def epoch(stream):
    return list(stream.get_epoch_iterator())


def all_images(stream):
    return numpy.concatenate([images for images, _ in
                              stream.get_epoch_iterator()])


def test_gaussian_noise_statistics_and_sources():
    zeros = numpy.zeros((4000, 3))
    stream = AddGaussianNoise(DataStream(
        IndexableDataset({'x': zeros, 'y': zeros}),
        iteration_scheme=SequentialScheme(4000, 500)),
        std={'x': 0.5}, mean={'x': 2.}, seed=1)
    assert stream.which_sources == ('x',)
    batches = epoch(stream)
    noise = numpy.concatenate([x for x, _ in batches])
    assert abs(noise.mean() - 2.) < 4 * 0.5 / numpy.sqrt(noise.size)
    assert abs(noise.std() / 0.5 - 1) < 0.03
    assert all(not y.any() for _, y in batches)
    assert noise.dtype == numpy.float64


def test_salt_and_pepper_statistics():
    data = numpy.full((5000, 4), 0.5)
    stream = AddSaltAndPepper(DataStream(
        IndexableDataset({'x': data}),
        iteration_scheme=SequentialScheme(5000, 1000)),
        probability=0.2, ratio=0.25, low=-1., high=2., seed=2)
    noisy = numpy.concatenate([x for x, in epoch(stream)])
    assert set(numpy.unique(noisy)) == {-1., 0.5, 2.}
    replaced = (noisy != 0.5).mean()
    salt = (noisy == 2.).sum() / (noisy != 0.5).sum()
    assert abs(replaced - 0.2) < 0.01
    assert abs(salt - 0.25) < 0.03


def test_random_flip_flips_whole_examples():
    stream = RandomFlip(image_stream(), probability=0.3,
                        which_sources=('images',), seed=3)
    flipped_images = all_images(stream)
    flipped = [not numpy.array_equal(image, original)
               for image, original in zip(flipped_images, IMAGES)]
    for image, original, was_flipped in zip(flipped_images, IMAGES,
                                            flipped):
        if was_flipped:
            numpy.testing.assert_array_equal(image, original[..., ::-1])
    assert 0 < sum(flipped) < NUM_IMAGES
    many = RandomFlip(DataStream(
        IndexableDataset({'x': numpy.arange(20000.).reshape((10000, 2))}),
        iteration_scheme=SequentialScheme(10000, 1000)), probability=0.3)
    rows = numpy.concatenate([x for x, in epoch(many)])
    assert abs((rows[:, 0] > rows[:, 1]).mean() - 0.3) < 0.02
    by_height = RandomFlip(example_stream(), probability=1., axis=1,
                           which_sources=('images',))
    image, _ = next(by_height.get_epoch_iterator())
    numpy.testing.assert_array_equal(image, IMAGES[0][:, ::-1])


def test_random_crop_cuts_windows_of_the_padded_images():
    stream = RandomCrop(image_stream(), (3, 4), padding=1, pad_value=-1.,
                        which_sources=('images',), seed=4)
    crops = all_images(stream)
    assert crops.shape == (NUM_IMAGES, 2, 3, 4)
    padded = numpy.pad(IMAGES, [(0, 0), (0, 0), (1, 1), (1, 1)],
                       constant_values=-1.)
    offsets = set()
    for crop, image in zip(crops, padded):
        matches = [(top, left) for top in range(4) for left in range(4)
                   if numpy.array_equal(crop,
                                        image[:, top:top + 3, left:left + 4])]
        assert len(matches) == 1
        offsets.add(matches[0])
    # 16 possible windows: 40 draws see most of them.
    assert len(offsets) >= 10
    example = RandomCrop(example_stream(), 2, which_sources=('images',))
    image, label = next(example.get_epoch_iterator())
    assert image.shape == (2, 2, 2)
    with pytest.raises(ValueError, match=r"RandomCrop: cannot crop windows "
                       r"of \(5, 5\) from the examples of the source "
                       r"'images', of height and width \(4, 5\)"):
        epoch(RandomCrop(image_stream(), 5, which_sources=('images',)))


def test_one_hot_and_multi_hot():
    stream = OneHot(image_stream(), 3, which_sources=('labels',))
    labels = numpy.concatenate([labels for _, labels in epoch(stream)])
    numpy.testing.assert_array_equal(labels, numpy.eye(3)[LABELS[:, 0]])
    assert labels.dtype == numpy.dtype('float64')
    assert stream.axis_labels['labels'] is None
    example = OneHot(example_stream(), 3, which_sources=('labels',),
                     dtype='uint8')
    _, first = next(example.get_epoch_iterator())
    assert first.tolist() == [1, 0, 0] and first.dtype == numpy.uint8
    tags = DataStream(IterableDataset({'tags': [[0, 2], [], [3, 3, 1]]}))
    expected = [[1, 0, 1, 0], [0, 0, 0, 0], [0, 1, 0, 1]]
    assert [vector.tolist() for vector, in epoch(MultiHot(tags, 4))] == \
        expected
    (batch,), = epoch(MultiHot(Batch(tags, ConstantScheme(3)), 4))
    assert batch.tolist() == expected
    with pytest.raises(ValueError, match=r"OneHot: the source 'labels' must "
                       r"hold class indices in \[0, 2\)"):
        epoch(OneHot(image_stream(), 2, which_sources=('labels',)))
    with pytest.raises(ValueError, match=r"MultiHot: the source 'tags' must "
                       r"hold class indices in \[0, 2\)"):
        epoch(MultiHot(DataStream(IterableDataset({'tags': [[0.5]]})), 2))


RANDOM = {
    'noise': lambda stream, seed: AddGaussianNoise(
        stream, 1., which_sources=('images',), seed=seed),
    'salt_and_pepper': lambda stream, seed: AddSaltAndPepper(
        stream, 0.1, which_sources=('images',), seed=seed),
    'flip': lambda stream, seed: RandomFlip(
        stream, which_sources=('images',), seed=seed),
    'crop': lambda stream, seed: RandomCrop(
        stream, 3, padding=2, which_sources=('images',), seed=seed),
}


@pytest.mark.parametrize('name', sorted(RANDOM))
def test_random_transformers_are_deterministic_and_resume(name):
    make = RANDOM[name]
    first = epoch(make(image_stream(shuffled=True), 7))
    assert_steps_equal(epoch(make(image_stream(shuffled=True), 7)), first)
    other_seed = all_images(make(image_stream(shuffled=True), 8))
    assert not numpy.array_equal(other_seed,
                                 numpy.concatenate([x for x, _ in first]))
    assert_resumes_exactly(
        lambda: make(image_stream(batch_size=6, shuffled=True), 7), 3)
    assert_resumes_exactly(lambda: make(example_stream(), 7), 5)


def test_arguments_are_checked():
    with pytest.raises(ValueError, match=r"AddSaltAndPepper: probability "
                       r"must be a probability in \[0, 1\], got 1.5"):
        AddSaltAndPepper(image_stream(), 1.5)
    with pytest.raises(ValueError, match="AddGaussianNoise: std gives no "
                                         "value for the sources"):
        AddGaussianNoise(image_stream(), {'images': 1.},
                         which_sources=('images', 'labels'))
    with pytest.raises(ValueError, match="std for the source 'images' must "
                                         "be a real number >= 0"):
        AddGaussianNoise(image_stream(), -1.)
    with pytest.raises(TypeError, match=r"AddGaussianNoise: the source "
                       r"'labels' has dtype int64; this transformer works on "
                       r"floating-point data"):
        epoch(AddGaussianNoise(image_stream(), 1.))
    with pytest.raises(ValueError, match="give rng or seed, not both"):
        RandomFlip(image_stream(), rng=numpy.random.RandomState(1), seed=1)
    with pytest.raises(ValueError, match="RandomFlip: axis 3 does not exist "
                       "in the examples of the source 'images', which have "
                       "3 dimension"):
        epoch(RandomFlip(image_stream(), axis=3,
                         which_sources=('images',)))
    with pytest.raises(ValueError, match="RandomCrop: crop_shape must be an "
                                         "integer or a pair"):
        RandomCrop(image_stream(), (2, 2, 2))
    with pytest.raises(ValueError, match="OneHot: num_classes must be a "
                                         "positive integer, got 0"):
        OneHot(image_stream(), 0)


def test_a_given_rng_is_used_and_pickled():
    stream = RandomFlip(image_stream(), which_sources=('images',),
                        rng=numpy.random.RandomState(11))
    copy = pickle.loads(pickle.dumps(stream))
    numpy.testing.assert_array_equal(all_images(stream), all_images(copy))
