"""Toy datasets drawn from simple manifolds, for demonstrations and tests.

Both are generated in memory when constructed, from a seeded NumPy
generator: the same arguments give the same examples everywhere.

"""
import math
import numbers

import aesara
import numpy

from blocks.config import config
from blocks.data.datasets.base import IndexableDataset

__all__ = ['Spiral', 'SwissRoll']


def _check_count(owner, argument, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
            or value < minimum:
        raise ValueError("{}: {} must be an integer >= {}, got {!r}".format(
            owner, argument, minimum, value))
    return int(value)


def _check_nonnegative(owner, argument, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
            not value >= 0 or not math.isfinite(value):
        raise ValueError("{}: {} must be a non-negative number, got "
                         "{!r}".format(owner, argument, value))
    return float(value)


class Spiral(IndexableDataset):
    """Points on the arms of a spiral in the plane, labelled by arm.

    Each example draws a position ``t`` uniformly in ``[0, cycles)`` and an
    arm (its label) uniformly among ``classes``; the point lies at angle
    ``2 pi (t + label / classes)`` and at a distance from the origin that
    grows linearly from 0.2 (at ``t = 0``) to 1 (at ``t = cycles``). The
    arms are rotated copies of each other, so telling them apart takes a
    nonlinear classifier.

    Parameters
    ----------
    num_examples : int, optional
        The number of points; 1000 by default.
    classes : int, optional
        The number of arms; 1 by default.
    cycles : float, optional
        The number of turns each arm makes; 1 by default.
    noise : float, optional
        The standard deviation of Gaussian noise added to each coordinate;
        0 by default.
    seed : int, optional
        The seed of the generator; ``config.default_seed`` by default.
    \\*\\*kwargs
        Passed to :class:`~blocks.data.datasets.IndexableDataset`
        (``sources``, ...).

    Notes
    -----
    Sources: ``features``, the points (``floatX``, shape ``(N, 2)``);
    ``position``, ``t`` (``floatX``, ``(N,)``); ``label``, the arm
    (``int64``, ``(N,)``).

    Examples
    --------
    >>> spiral = Spiral(num_examples=4, classes=2, seed=1)
    >>> spiral.num_examples
    4
    >>> features, position, label = spiral.get_data(request=[0, 1])
    >>> features.shape, label.tolist()
    ((2, 2), [1, 0])

    """
    def __init__(self, num_examples=1000, classes=1, cycles=1., noise=0.,
                 seed=None, **kwargs):
        name = type(self).__name__
        num_examples = _check_count(name, 'num_examples', num_examples, 1)
        self.classes = _check_count(name, 'classes', classes, 1)
        self.cycles = _check_nonnegative(name, 'cycles', cycles)
        if not self.cycles:
            raise ValueError("{}: cycles must be positive, got {!r}".format(
                name, cycles))
        self.noise = _check_nonnegative(name, 'noise', noise)
        self.seed = config.default_seed if seed is None else seed
        rng = numpy.random.RandomState(self.seed)
        position = rng.uniform(0, self.cycles, size=num_examples)
        label = rng.randint(self.classes, size=num_examples)
        angle = 2 * numpy.pi * (position + label / self.classes)
        radius = 0.2 + 0.8 * position / self.cycles
        features = numpy.stack([radius * numpy.cos(angle),
                                radius * numpy.sin(angle)], axis=1)
        features += self.noise * rng.normal(size=features.shape)
        floatx = aesara.config.floatX
        super().__init__(
            {'features': features.astype(floatx),
             'position': position.astype(floatx),
             'label': label.astype(numpy.int64)}, **kwargs)


class SwissRoll(IndexableDataset):
    """Points on a Swiss roll: a rectangle rolled up in three dimensions.

    Each example draws a position ``(t, h)`` uniformly in the unit square;
    the rectangle is rolled along ``t`` into a spiral of angle ``phi = 1.5
    pi (1 + 2 t)`` (one and a half turns), whose distance from the axis is
    proportional to ``phi``, and extends along ``h``. The coordinates are
    scaled to lie within [-1, 1].

    Parameters
    ----------
    num_examples : int, optional
        The number of points; 1000 by default.
    noise : float, optional
        The standard deviation of Gaussian noise added to each coordinate;
        0 by default.
    seed : int, optional
        The seed of the generator; ``config.default_seed`` by default.
    \\*\\*kwargs
        Passed to :class:`~blocks.data.datasets.IndexableDataset`.

    Notes
    -----
    Sources: ``features``, the points (``floatX``, shape ``(N, 3)``);
    ``position``, ``(t, h)`` (``floatX``, ``(N, 2)``).

    Examples
    --------
    >>> roll = SwissRoll(num_examples=3, seed=1)
    >>> features, position = roll.get_data(request=slice(0, 3))
    >>> features.shape, position.shape
    ((3, 3), (3, 2))

    """
    def __init__(self, num_examples=1000, noise=0., seed=None, **kwargs):
        name = type(self).__name__
        num_examples = _check_count(name, 'num_examples', num_examples, 1)
        self.noise = _check_nonnegative(name, 'noise', noise)
        self.seed = config.default_seed if seed is None else seed
        rng = numpy.random.RandomState(self.seed)
        position = rng.uniform(size=(num_examples, 2))
        angle = 1.5 * numpy.pi * (1 + 2 * position[:, 0])
        largest = 4.5 * numpy.pi
        features = numpy.stack([angle * numpy.cos(angle) / largest,
                                2 * position[:, 1] - 1,
                                angle * numpy.sin(angle) / largest], axis=1)
        features += self.noise * rng.normal(size=features.shape)
        floatx = aesara.config.floatX
        super().__init__({'features': features.astype(floatx),
                          'position': position.astype(floatx)}, **kwargs)
