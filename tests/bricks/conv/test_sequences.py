"""ConvolutionalSequence and the spec's composite convolutional layers."""
import pickle

import numpy
import pytest

import blocks  # noqa: F401
from aesara import tensor
from aesara.graph.basic import graph_inputs, io_toposort

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


def op_names(output):
    """The Ops that compute ``output``, in topological order."""
    return [type(node.op).__name__ for node in io_toposort(
        list(graph_inputs([output])), [output])]


@pytest.fixture(scope='module')
def composites():
    """A sequence under an MLP, a ConvolutionalLayer and a
    ConvolutionalActivation, applied (graphs built, not compiled: the
    LeNet example's smoke test trains such a network)."""
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
    return dict(sequence=sequence, layer=layer, activation=activation,
                graph=probabilities, layer_output=layer.apply(x),
                activation_output=activation.apply(x))


def test_composite_layers_compose_their_bricks(composites):
    layer, activation = composites['layer'], composites['activation']
    assert [child.name for child in layer.children] == \
        ['convolution', 'rectifier', 'pooling']
    assert layer.convolution.filter_size == (2, 3)
    assert layer.convolution.tied_biases
    assert layer.pooling.step == (1, 2)
    assert layer.pooling.input_dim == (2, 8, 6)
    assert layer.get_dim('input_') == (1, 9, 8)
    assert layer.get_dim('output') == (2, 7, 3)
    names = op_names(composites['layer_output'])
    assert names.index('AbstractConv2d') < names.index('Pool')
    assert 'InputCheck' in names
    assert activation.convolution.step == (2, 2)
    assert activation.get_dim('output') == (2, 4, 3)
    assert op_names(composites['activation_output'])[-1] == 'Elemwise'
    assert composites['graph'].ndim == 2


def test_sequence_and_graph_pickle(composites):
    sequence, graph = pickle.loads(pickle.dumps(
        (composites['sequence'], composites['graph'])))
    assert sequence.get_dim('output') == (6, 2, 2)
    assert numpy.array_equal(sequence.layers[0].W.get_value(),
                             composites['sequence'].layers[0].W.get_value())
    assert 'Pool' in op_names(graph)
