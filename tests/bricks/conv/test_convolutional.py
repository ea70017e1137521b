"""Convolutions against SciPy, their gradients, transposes and errors.

One compiled function computes every brick's output and gradients; the
tests compare them with NumPy/SciPy references and finite differences.
"""
import pickle

import numpy
import pytest
from scipy.signal import convolve2d, correlate2d

import blocks  # noqa: F401
import aesara
from aesara import tensor

from blocks.bricks.conv import Convolutional, ConvolutionalTranspose, Flattener
from blocks.initialization import IsotropicGaussian
from blocks.roles import BIAS, FILTER, has_roles

BATCH, CHANNELS, IMAGE = 2, 2, (5, 6)
CASES = [
    dict(filter_size=(2, 3), num_filters=3, border_mode='valid', step=(1, 1),
         tied_biases=False),
    dict(filter_size=(3, 2), num_filters=2, border_mode='full', step=(2, 1),
         tied_biases=True),
    dict(filter_size=(3, 3), num_filters=2, border_mode='half', step=(1, 2),
         tied_biases=True),
    dict(filter_size=(3, 2), num_filters=2, border_mode=(1, 2), step=(2, 2),
         tied_biases=False),
    dict(filter_size=(2, 2), num_filters=1, border_mode=1, step=(3, 1),
         tied_biases=True),
]
PADDING = [(0, 0), (2, 1), (1, 1), (1, 2), (1, 1)]


def reference(x, W, b, padding, step, tied, operation=convolve2d):
    """Each filter summed over channels, padded and strided, plus bias."""
    padded = numpy.pad(x, ((0, 0), (0, 0), (padding[0],) * 2,
                           (padding[1],) * 2))
    output = numpy.array([[sum(operation(padded[n, c], W[f, c], mode='valid')
                               for c in range(W.shape[1]))
                           for f in range(W.shape[0])]
                          for n in range(x.shape[0])])
    output = output[:, :, ::step[0], ::step[1]]
    if b is None:
        return output
    return output + (b[None, :, None, None] if tied else b[None])


def numeric_gradient(function, value, epsilon=1e-6):
    gradient = numpy.zeros_like(value)
    for index in numpy.ndindex(value.shape):
        step = numpy.zeros_like(value)
        step[index] = epsilon
        gradient[index] = (function(value + step) -
                           function(value - step)) / (2 * epsilon)
    return gradient


@pytest.fixture(scope='module')
def built():
    rng = numpy.random.RandomState(1)
    x = tensor.tensor4('x')
    bricks, outputs, gradients, weights = [], [], [], []
    for index, case in enumerate(CASES):
        brick = Convolutional(num_channels=CHANNELS, image_size=IMAGE,
                              weights_init=IsotropicGaussian(),
                              biases_init=IsotropicGaussian(),
                              name='conv_{}'.format(index), **case)
        brick.initialize()
        output = brick.apply(x)
        weight = rng.normal(size=(BATCH,) + brick.get_dim('output'))
        cost = (output * weight).sum()
        bricks.append(brick)
        outputs.append(output)
        weights.append(weight)
        gradients.append(aesara.grad(cost, [x, brick.W, brick.b]))

    # The transpose of a (3, 2) convolution with step (2, 2) from 2 to 3
    # channels on 8 x 7 images, which gives 3 x 3 maps, against the
    # gradient of that convolution with respect to its input.
    forward = Convolutional((3, 2), 3, 2, step=(2, 2), use_bias=False,
                            weights_init=IsotropicGaussian(), name='forward')
    forward.initialize()
    transpose = ConvolutionalTranspose(
        (3, 2), 2, 3, step=(2, 2), image_size=(3, 3),
        original_image_size=(8, 7), use_bias=False, name='transpose')
    smallest = ConvolutionalTranspose((3, 2), 2, 3, step=(2, 2),
                                      tied_biases=True, name='smallest')
    for brick in (transpose, smallest):
        brick.allocate()
        brick.W.set_value(forward.W.get_value())
    smallest.b.set_value(numpy.array([0.5, -1.0]))
    image, maps = tensor.tensor4('image'), tensor.tensor4('maps')
    transposes = [
        aesara.grad((forward.apply(image) * maps).sum(), image),
        transpose.apply(maps), smallest.apply(maps)]
    function = aesara.function(
        [x, image, maps],
        outputs + [gradient for group in gradients for gradient in group] +
        transposes)
    x_value = rng.normal(size=(BATCH, CHANNELS) + IMAGE)
    image_value = rng.normal(size=(BATCH, 2, 8, 7))
    maps_value = rng.normal(size=(BATCH, 3, 3, 3))
    values = function(x_value, image_value, maps_value)
    count = len(CASES)
    return dict(bricks=bricks, x=x_value, weights=weights,
                outputs=values[:count],
                gradients=[values[count + 3 * index:count + 3 * index + 3]
                           for index in range(count)],
                transposes=values[4 * count:], graph=outputs,
                transpose_bricks=(transpose, smallest))


@pytest.mark.parametrize('index', range(len(CASES)))
def test_convolution_matches_scipy_convolve(built, index):
    brick = built['bricks'][index]
    W, b = brick.W.get_value(), brick.b.get_value()
    expected = reference(built['x'], W, b, PADDING[index], brick.step,
                         brick.tied_biases)
    output = built['outputs'][index]
    assert output.shape == (BATCH,) + brick.get_dim('output')
    assert numpy.allclose(output, expected, rtol=0, atol=1e-12)
    # A convolution flips the filters: a correlation gives other values.
    correlation = reference(built['x'], W, b, PADDING[index], brick.step,
                            brick.tied_biases, operation=correlate2d)
    assert not numpy.allclose(output, correlation, atol=1e-3)


@pytest.mark.parametrize('index', range(len(CASES)))
def test_convolution_gradients_match_finite_differences(built, index):
    brick = built['bricks'][index]
    W, b = brick.W.get_value(), brick.b.get_value()
    args = dict(padding=PADDING[index], step=brick.step,
                tied=brick.tied_biases)
    weight = built['weights'][index]
    x = built['x']
    x_gradient, W_gradient, b_gradient = built['gradients'][index]
    numeric = [
        numeric_gradient(lambda value: (reference(value, W, b, **args) *
                                        weight).sum(), x),
        numeric_gradient(lambda value: (reference(x, value, b, **args) *
                                        weight).sum(), W),
        numeric_gradient(lambda value: (reference(x, W, value, **args) *
                                        weight).sum(), b)]
    for analytic, expected in zip([x_gradient, W_gradient, b_gradient],
                                  numeric):
        assert numpy.allclose(analytic, expected, rtol=1e-6, atol=1e-6)


def test_parameters_shapes_and_roles(built):
    untied, tied = built['bricks'][0], built['bricks'][1]
    assert untied.W.get_value().shape == (3, 2, 2, 3)
    assert has_roles(untied.W, [FILTER]) and has_roles(untied.b, [BIAS])
    assert untied.b.get_value().shape == (3, 4, 4)
    assert tied.b.get_value().shape == (2,)
    assert tied.get_dim('input_') == (2, 5, 6)


def test_transpose_is_the_gradient_of_the_convolution(built):
    gradient, transposed, smallest = built['transposes']
    transpose, smallest_brick = built['transpose_bricks']
    assert transposed.shape == (BATCH, 2, 8, 7)
    assert transpose.get_dim('output') == (2, 8, 7)
    assert numpy.allclose(transposed, gradient, rtol=0, atol=1e-12)
    # Without original_image_size, the smallest image size: 7 x 6. The
    # last row and column of the 8 x 7 images touch no output.
    assert smallest.shape == (BATCH, 2, 7, 6)
    bias = numpy.array([0.5, -1.0])[None, :, None, None]
    assert numpy.allclose(smallest - bias, gradient[:, :, :7, :6],
                          atol=1e-12)
    assert numpy.all(gradient[:, :, 7:] == 0)
    assert smallest_brick.W.get_value().shape == (3, 2, 3, 2)


def test_bricks_and_graph_pickle(built):
    brick, output = pickle.loads(pickle.dumps((built['bricks'][0],
                                               built['graph'][0])))
    assert numpy.array_equal(brick.W.get_value(),
                             built['bricks'][0].W.get_value())
    assert output.name == 'conv_0_apply_output'


def test_wrong_channels_at_run_time_name_the_brick():
    brick = Convolutional((2, 2), 2, 3, image_size=(4, 4), tied_biases=True,
                          weights_init=IsotropicGaussian(),
                          biases_init=IsotropicGaussian(), name='conv')
    brick.initialize()
    x = tensor.tensor4('x')
    function = aesara.function([x], brick.apply(x))
    assert function(numpy.ones((1, 3, 4, 4))).shape == (1, 2, 3, 3)
    with pytest.raises(ValueError, match=r"/conv.apply: argument 'input_' "
                       r"must have the shape \(batch, 3, 4, 4\)"):
        function(numpy.ones((1, 2, 4, 4)))
    with pytest.raises(ValueError, match=r"/conv.apply"):
        function(numpy.ones((1, 3, 5, 4)))


def test_errors_name_the_brick_argument_and_expectation():
    brick = Convolutional((2, 2), 2, 1, tied_biases=True, name='conv')
    with pytest.raises(ValueError, match=r"/conv.apply: argument 'input_' "
                       r"must be a 4-dimensional tensor, got .* with 3"):
        brick.apply(tensor.tensor3('x'))
    big = Convolutional((5, 5), 2, 1, image_size=(4, 4), name='big')
    with pytest.raises(ValueError, match=r"/big: filter_size \(5, 5\) is "
                       r"larger than the image: images of size \(4, 4\) "
                       r"with border_mode 'valid'"):
        big.get_dim('output')
    big.image_size, big.tied_biases = (None, None), True
    with pytest.raises(ValueError, match="/big: filter_size"):
        big.apply(tensor.tensor(dtype='float64', shape=(None, 1, 3, 8)))
    channels = Convolutional((2, 2), 2, 1, tied_biases=True, name='conv')
    with pytest.raises(ValueError, match=r"/conv.apply: argument 'input_' "
                       r"has 3 channels .*expected num_channels=1"):
        channels.apply(tensor.tensor(dtype='float64',
                                     shape=(None, 3, None, None)))
    sized = Convolutional((2, 2), 2, 1, image_size=(4, 4), tied_biases=True,
                          name='conv')
    with pytest.raises(ValueError, match=r"images of size \(5, 4\).*"
                       r"image_size is \(4, 4\)"):
        sized.apply(tensor.tensor(dtype='float64', shape=(2, 1, 5, 4)))
    untied = Convolutional((2, 2), 2, 1, name='untied')
    with pytest.raises(ValueError, match="/untied: untied biases .* need "
                       "the image size"):
        untied.allocate()
    for argument, value in [('border_mode', 'same'), ('step', (0, 1)),
                            ('filter_size', 3), ('num_filters', 0)]:
        brick = Convolutional((2, 2), 2, 1, tied_biases=True, name='conv')
        setattr(brick, argument, value)
        with pytest.raises(ValueError, match="/conv: {} must be".format(
                argument)):
            brick.allocate()
    with pytest.raises(ValueError, match="allocation config not set: "
                       "num_channels"):
        Convolutional((2, 2), 2, name='conv').allocate()


def test_transpose_rejects_an_original_size_that_does_not_fit():
    brick = ConvolutionalTranspose((3, 3), 1, 1, image_size=(3, 3),
                                   step=(2, 2), original_image_size=(9, 7),
                                   name='transpose')
    with pytest.raises(ValueError, match=r"/transpose: original_image_size "
                       r"\(9, 7\) does not fit images of size \(3, 3\)"):
        brick.get_dim('output')


def test_flattener():
    x = tensor.tensor4('x')
    output = Flattener().apply(x)
    assert output.ndim == 2
    with pytest.raises(ValueError, match="/flattener.apply"):
        Flattener().apply(tensor.vector())
