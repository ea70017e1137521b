"""The toy datasets: deterministic, on their manifolds, validated."""
import pickle

import numpy
import pytest

from blocks.data.datasets import Spiral, SwissRoll
from blocks.data.schemes import SequentialScheme
from blocks.data.streams import DataStream


def test_spiral_points_lie_on_their_arms():
    spiral = Spiral(num_examples=200, classes=3, cycles=2, seed=4)
    assert spiral.provides_sources == ('features', 'position', 'label')
    features, position, label = spiral.indexables
    assert features.shape == (200, 2) and position.shape == (200,)
    assert set(label.tolist()) == {0, 1, 2}
    assert 0 <= position.min() and position.max() < 2
    radius = numpy.hypot(features[:, 0], features[:, 1])
    assert numpy.allclose(radius, 0.2 + 0.8 * position / 2)
    angle = numpy.arctan2(features[:, 1], features[:, 0])
    expected = 2 * numpy.pi * (position + label / 3)
    assert numpy.allclose(numpy.cos(angle - expected), 1)


def test_swiss_roll_points_lie_on_the_roll():
    roll = SwissRoll(num_examples=100, seed=2)
    features, position = roll.indexables
    assert features.shape == (100, 3) and position.shape == (100, 2)
    angle = 1.5 * numpy.pi * (1 + 2 * position[:, 0])
    distance = numpy.hypot(features[:, 0], features[:, 2])
    assert numpy.allclose(distance, angle / (4.5 * numpy.pi))
    assert numpy.allclose(features[:, 1], 2 * position[:, 1] - 1)
    assert numpy.abs(features).max() <= 1


def test_the_seed_decides_the_examples_and_noise_moves_them():
    first, second = (Spiral(num_examples=50, classes=2, noise=0.1, seed=3)
                     for _ in range(2))
    assert all(numpy.array_equal(a, b) for a, b in
               zip(first.indexables, second.indexables))
    other = Spiral(num_examples=50, classes=2, noise=0.1, seed=4)
    assert not numpy.array_equal(first.indexables[0], other.indexables[0])
    clean = Spiral(num_examples=50, classes=2, seed=3)
    assert numpy.array_equal(clean.indexables[1], first.indexables[1])
    difference = first.indexables[0] - clean.indexables[0]
    assert 0.05 < difference.std() < 0.2
    noisy_roll = SwissRoll(num_examples=500, noise=0.5, seed=1)
    clean_roll = SwissRoll(num_examples=500, seed=1)
    assert not numpy.allclose(noisy_roll.indexables[0],
                              clean_roll.indexables[0])


def test_toy_datasets_stream_and_pickle():
    spiral = Spiral(num_examples=10, classes=2, sources=('features', 'label'))
    stream = DataStream(spiral, iteration_scheme=SequentialScheme(10, 4))
    batch = next(stream.get_epoch_iterator(as_dict=True))
    assert sorted(batch) == ['features', 'label']
    assert batch['features'].shape == (4, 2)
    copy = pickle.loads(pickle.dumps(spiral))
    assert numpy.array_equal(copy.indexables[0], spiral.indexables[0])


@pytest.mark.parametrize('arguments, message', [
    (dict(num_examples=0), 'Spiral: num_examples must be an integer >= 1, '
                           'got 0'),
    (dict(classes=1.5), 'Spiral: classes must be an integer >= 1'),
    (dict(noise=-1), 'Spiral: noise must be a non-negative number, got -1'),
    (dict(cycles=0), 'Spiral: cycles must be positive'),
])
def test_bad_arguments_are_named(arguments, message):
    with pytest.raises(ValueError, match=message):
        Spiral(**arguments)
    with pytest.raises(ValueError, match='SwissRoll: noise'):
        SwissRoll(noise=float('nan'))
