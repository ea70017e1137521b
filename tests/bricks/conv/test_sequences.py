"""ConvolutionalSequence and the spec's composite convolutional layers."""
import pickle

import numpy
import pytest

import blocks  # noqa: F401
import aesara
from aesara import tensor

from blocks.bricks import (MLP, PReLU, Rectifier, Softmax, Tanh,
                           SpatialBatchNormalization)
from blocks.bricks.conv import (AveragePooling, Convolutional,
                                ConvolutionalActivation, ConvolutionalLayer,
                                ConvolutionalSequence, Flattener, MaxPooling)
from blocks.initialization import Constant, IsotropicGaussian


def lenet_like(**kwargs):
    return ConvolutionalSequence(
        [Convolutional((3, 3), 4, border_mode='half', name='conv_0'),
         SpatialBatchNormalization(name='bn'), Rectifier(),
         MaxPooling((2, 2), name='pool_0'),
         Convolutional((2, 2), 6, name='conv_1'),
         PReLU(name='prelu'),
         AveragePooling((2, 2), ignore_border=False, name='pool_1')],
        num_channels=1, image_size=(9, 8), name='convseq', **kwargs)


def test_dims_are_inferred_layer_by_layer():
    sequence = lenet_like(tied_biases=True, batch_size=5)
    assert sequence.get_dim('input_') == (1, 9, 8)
    assert sequence.get_dim('output') == (6, 2, 2)
    conv_0, bn, _, pool_0, conv_1, prelu, pool_1 = sequence.layers
    assert (conv_0.num_channels, conv_0.image_size) == (1, (9, 8))
    assert bn.input_dim == (4, 9, 8)
    assert pool_0.input_dim == (4, 9, 8)
    assert (conv_1.num_channels, conv_1.image_size) == (4, (4, 4))
    assert conv_1.batch_size == 5 and conv_1.tied_biases
    assert prelu.input_dim == (6, 3, 3)
    assert pool_1.get_dim('output') == (6, 2, 2)
    # Changing the input changes every layer on the next push.
    sequence.image_size = (5, 5)
    assert sequence.get_dim('output') == (6, 1, 1)
    assert conv_1.image_size == (2, 2)


def test_a_layer_that_disagrees_is_an_error_naming_it():
    sequence = ConvolutionalSequence(
        [Convolutional((3, 3), 4, name='conv_0'),
         Convolutional((2, 2), 6, num_channels=3, name='conv_1')],
        num_channels=1, image_size=(8, 8), tied_biases=True, name='convseq')
    with pytest.raises(ValueError, match=r"/convseq: layer /convseq/conv_1 "
                       r"has num_channels=3, but the output of "
                       r"/convseq/conv_0 gives it 4"):
        sequence.push_allocation_config()
    sequence.layers[1].num_channels = 4
    sequence.layers[1].image_size = (6, None)
    assert sequence.get_dim('output') == (6, 5, 5)
    sized = ConvolutionalSequence(
        [Convolutional((3, 3), 4, image_size=(7, 7), name='conv_0')],
        num_channels=1, image_size=(8, 8), name='convseq')
    with pytest.raises(ValueError, match=r"layer /convseq/conv_0 has "
                       r"image_size=\(7, 7\), but the sequence input gives "
                       r"it \(8, 8\)"):
        sized.get_dim('output')


def test_an_image_too_small_for_a_layer_is_an_error_naming_it():
    sequence = ConvolutionalSequence(
        [Convolutional((3, 3), 4, name='conv_0'), MaxPooling((2, 2)),
         Convolutional((3, 3), 4, name='conv_1')],
        num_channels=1, image_size=(7, 7), tied_biases=True, name='convseq')
    with pytest.raises(ValueError, match=r"/convseq/conv_1: filter_size "
                       r"\(3, 3\) is larger than the image: images of size "
                       r"\(2, 2\)"):
        sequence.allocate()


@pytest.fixture(scope='module')
def composites():
    """A sequence, ConvolutionalLayer and ConvolutionalActivation applied
    to the same images, and the same computations by hand."""
    x = tensor.tensor4('x')
    init = dict(weights_init=IsotropicGaussian(0.5),
                biases_init=Constant(0.1))
    sequence = lenet_like(**init)
    mlp = MLP([Tanh(), Softmax()], [24, 5, 3], **init)
    sequence.initialize()
    mlp.initialize()
    probabilities = mlp.apply(Flattener().apply(sequence.apply(x)))

    layer = ConvolutionalLayer(Rectifier().apply, (2, 3), 2, (2, 2),
                               num_channels=1, image_size=(9, 8),
                               pooling_step=(1, 2), tied_biases=True,
                               name='layer', **init)
    activation = ConvolutionalActivation(Tanh(), (3, 3), 2, num_channels=1,
                                         image_size=(9, 8), step=(2, 2),
                                         name='activation', **init)
    layer.initialize()
    activation.initialize()
    by_hand = [
        MaxPooling((2, 2), step=(1, 2)).apply(tensor.maximum(
            layer.convolution.apply(x), 0)),
        tensor.tanh(activation.convolution.apply(x))]
    outputs = [probabilities, layer.apply(x), activation.apply(x)] + by_hand
    value = numpy.random.RandomState(4).uniform(size=(3, 1, 9, 8))
    results = aesara.function([x], outputs)(value)
    return dict(sequence=sequence, layer=layer, activation=activation,
                results=results, graph=probabilities)


def test_composite_layers_compute_what_they_say(composites):
    probabilities, layer, activation, layer_by_hand, activation_by_hand = \
        composites['results']
    assert probabilities.shape == (3, 3)
    assert numpy.allclose(probabilities.sum(axis=1), 1)
    assert layer.shape[1:] == composites['layer'].get_dim('output') == \
        (2, 7, 3)
    assert numpy.array_equal(layer, layer_by_hand)
    assert activation.shape[1:] == \
        composites['activation'].get_dim('output') == (2, 4, 3)
    assert numpy.array_equal(activation, activation_by_hand)
    assert composites['layer'].get_dim('input_') == (1, 9, 8)


def test_sequence_and_graph_pickle(composites):
    sequence, graph = pickle.loads(pickle.dumps(
        (composites['sequence'], composites['graph'])))
    assert sequence.get_dim('output') == (6, 2, 2)
    assert numpy.array_equal(sequence.layers[0].W.get_value(),
                             composites['sequence'].layers[0].W.get_value())
