"""Pooling bricks against NumPy loops."""
import pickle

import numpy
import pytest

import blocks  # noqa: F401
import aesara
from aesara import tensor

from blocks.bricks.conv import AveragePooling, MaxPooling, Pooling

IMAGE = (5, 7)
CASES = [
    (MaxPooling, dict(pooling_size=(2, 2))),
    (MaxPooling, dict(pooling_size=(2, 2), ignore_border=False)),
    (MaxPooling, dict(pooling_size=(3, 2), step=(1, 2))),
    (MaxPooling, dict(pooling_size=(3, 3), step=(2, 1),
                      ignore_border=False)),
    (MaxPooling, dict(pooling_size=(3, 3), step=(2, 2), padding=(1, 2))),
    (AveragePooling, dict(pooling_size=(2, 2), padding=(1, 1),
                          include_padding=True)),
    (AveragePooling, dict(pooling_size=(2, 3), padding=(1, 1))),
    (AveragePooling, dict(pooling_size=(3, 2), step=(2, 3),
                          ignore_border=False)),
]


def pool_reference(image, pooling_size, step=None, ignore_border=True,
                   padding=(0, 0), mode='max'):
    """Pool the last two axes of a 2-D image with explicit loops.

    Regions start at multiples of the step from the top left corner of
    the padded image; with ``ignore_border`` only whole regions count,
    otherwise also truncated ones that cover pixels no earlier region
    covers.
    """
    step = step or pooling_size
    size = [axis + 2 * pad for axis, pad in zip(image.shape, padding)]
    starts = []
    for axis in range(2):
        if ignore_border:
            stop = size[axis] - pooling_size[axis] + 1
        else:
            stop = min(size[axis],
                       size[axis] - pooling_size[axis] + step[axis])
        starts.append(range(0, stop, step[axis]))
    output = numpy.zeros((len(starts[0]), len(starts[1])))
    for i, row in enumerate(starts[0]):
        for j, column in enumerate(starts[1]):
            rows = range(row, min(row + pooling_size[0], size[0]))
            columns = range(column, min(column + pooling_size[1], size[1]))
            pixels = [image[r - padding[0], c - padding[1]]
                      for r in rows for c in columns
                      if 0 <= r - padding[0] < image.shape[0] and
                      0 <= c - padding[1] < image.shape[1]]
            if mode == 'max':
                output[i, j] = max(pixels)
            elif mode == 'average_inc_pad':
                output[i, j] = sum(pixels) / (len(rows) * len(columns))
            else:
                output[i, j] = sum(pixels) / len(pixels)
    return output


@pytest.fixture(scope='module')
def pooled():
    x = tensor.tensor4('x')
    bricks = [brick_class(input_dim=(2,) + IMAGE, name='pool_{}'.format(i),
                          **kwargs)
              for i, (brick_class, kwargs) in enumerate(CASES)]
    graph = [brick.apply(x) for brick in bricks]
    value = numpy.random.RandomState(3).normal(size=(2, 2) + IMAGE)
    # Aesara's Python implementation of pooling compiles nothing; the
    # LeNet example's smoke test runs its C implementation.
    function = aesara.function([x], graph, mode='FAST_COMPILE')
    return bricks, value, function(value), graph


@pytest.mark.parametrize('index', range(len(CASES)))
def test_pooling_matches_numpy_loops(pooled, index):
    bricks, value, outputs, _ = pooled
    brick, output = bricks[index], outputs[index]
    kwargs = dict(CASES[index][1])
    kwargs.pop('include_padding', None)
    for n in range(2):
        for channel in range(2):
            expected = pool_reference(value[n, channel], mode=brick.mode,
                                      **kwargs)
            assert numpy.allclose(output[n, channel], expected, atol=1e-12)
    assert output.shape[1:] == brick.get_dim('output')


def test_output_dims():
    assert MaxPooling((2, 2), input_dim=(3, 5, 7)).get_dim('output') == \
        (3, 2, 3)
    assert MaxPooling((2, 2), input_dim=(3, 5, 7), ignore_border=False
                      ).get_dim('output') == (3, 3, 4)
    pooling = AveragePooling((2, 2), step=(1, 1))
    pooling.num_channels = 4
    pooling.image_size = (3, 3)
    assert pooling.get_dim('output') == (4, 2, 2)
    assert pooling.mode == 'average_exc_pad'


def test_bricks_and_graph_pickle(pooled):
    bricks, _, _, graph = pooled
    brick, output = pickle.loads(pickle.dumps((bricks[4], graph[4])))
    assert brick.padding == (1, 2) and output.ndim == 4


def test_pooling_errors_name_the_brick():
    with pytest.raises(ValueError, match="/pooling: mode must be one of"):
        Pooling('median', (2, 2))
    with pytest.raises(ValueError, match=r"/maxpooling: padding \(1, 1\) "
                       "needs ignore_border=True"):
        MaxPooling((2, 2), padding=(1, 1), ignore_border=False,
                   input_dim=(1, 4, 4)).get_dim('output')
    with pytest.raises(ValueError, match=r"/maxpooling: padding \(2, 0\) "
                       r"must be smaller than pooling_size \(2, 2\)"):
        MaxPooling((2, 2), padding=(2, 0), input_dim=(1, 4, 4)
                   ).get_dim('output')
    with pytest.raises(ValueError, match=r"/maxpooling: pooling_size "
                       r"\(3, 3\) is larger than the \(padded\) image"):
        MaxPooling((3, 3)).apply(tensor.tensor(dtype='float64',
                                               shape=(1, 1, 2, 8)))
    with pytest.raises(ValueError, match="/maxpooling: step must be a pair "
                       "of integers"):
        MaxPooling((2, 2), step=(0, 1), input_dim=(1, 4, 4)).get_dim('output')
    with pytest.raises(ValueError, match="/maxpooling.apply: argument "
                       "'input_' must have at least 2"):
        MaxPooling((2, 2)).apply(tensor.vector())
