"""Batch and layer normalization bricks against NumPy.

One compiled function computes every output and gradient of the module.
"""
import pickle

import numpy
import pytest

import blocks  # noqa: F401
import aesara
from aesara import tensor

from blocks.bricks import (BatchNormalization, BatchNormalizedMLP,
                           LayerNormalization, Linear,
                           SpatialBatchNormalization, Tanh)
from blocks.filter import VariableFilter
from blocks.graph import ComputationGraph
from blocks.graph.bn import batch_normalization
from blocks.initialization import Constant, IsotropicGaussian
from blocks.roles import (BIAS, BATCH_NORM_POPULATION_MEAN,
                          BATCH_NORM_POPULATION_STATISTICS,
                          BATCH_NORM_POPULATION_STDEV,
                          BATCH_NORM_SCALE_PARAMETER,
                          BATCH_NORM_SHIFT_PARAMETER, PARAMETER, WEIGHT,
                          has_roles)

EPSILON = 1e-4


def batch_norm_reference(x, axes, scale, shift, epsilon=EPSILON,
                         mean_only=False):
    mean = x.mean(axis=axes, keepdims=True)
    output = x - mean
    if not mean_only:
        output = output / numpy.sqrt(
            (output ** 2).mean(axis=axes, keepdims=True) + epsilon)
    return output * scale + shift


def layer_norm_reference(x, scale, shift, epsilon=1e-5):
    centered = x - x.mean(axis=-1, keepdims=True)
    return centered / numpy.sqrt((centered ** 2).mean(
        axis=-1, keepdims=True) + epsilon) * scale + shift


def numeric_gradient(function, value, epsilon=1e-6):
    gradient = numpy.zeros_like(value)
    for index in numpy.ndindex(value.shape):
        step = numpy.zeros_like(value)
        step[index] = epsilon
        gradient[index] = (function(value + step) -
                           function(value - step)) / (2 * epsilon)
    return gradient


@pytest.fixture(scope='module')
def normalized():
    rng = numpy.random.RandomState(2)
    matrix, images = tensor.matrix('matrix'), tensor.tensor4('images')
    random = IsotropicGaussian(1, mean=1)
    plain = BatchNormalization(input_dim=3, name='plain')
    scaled = BatchNormalization(input_dim=3, scale_init=random,
                                shift_init=random, name='scaled')
    mean_only = BatchNormalization(input_dim=3, mean_only=True,
                                   shift_init=random, name='mean_only')
    spatial = SpatialBatchNormalization(input_dim=(2, 3, 4),
                                        scale_init=random, shift_init=random,
                                        name='spatial')
    layer_norm = LayerNormalization(input_dim=4, scale_init=random,
                                    shift_init=random, name='layer_norm')
    for brick in (plain, scaled, mean_only, spatial, layer_norm):
        brick.initialize()
    spatial.population_mean.set_value(numpy.array([0.5, -1.]))
    spatial.population_stdev.set_value(numpy.array([2., 0.25]))
    with batch_normalization(plain, scaled, mean_only, spatial):
        training = [plain.apply(matrix), scaled.apply(matrix),
                    mean_only.apply(matrix), spatial.apply(images)]
    inference = spatial.apply(images)
    layer_normalized = layer_norm.apply(images)
    weights = [rng.normal(size=(6, 3)), rng.normal(size=(5, 2, 3, 4))]
    gradients = aesara.grad((training[1] * weights[0]).sum(),
                            [matrix, scaled.scale, scaled.shift])
    gradients += aesara.grad((training[3] * weights[1]).sum(), [images])
    function = aesara.function(
        [matrix, images],
        training + [inference, layer_normalized] + gradients,
        mode='FAST_COMPILE')
    matrix_value = rng.normal(3, 2, size=(6, 3))
    images_value = rng.normal(-1, 3, size=(5, 2, 3, 4))
    values = function(matrix_value, images_value)
    return dict(bricks=(plain, scaled, mean_only, spatial, layer_norm),
                matrix=matrix_value, images=images_value, weights=weights,
                outputs=values[:6], gradients=values[6:],
                graph=training[3])


def test_training_mode_normalizes_each_feature_over_the_batch(normalized):
    plain_output = normalized['outputs'][0]
    assert numpy.allclose(plain_output.mean(axis=0), 0, atol=1e-12)
    variance = normalized['matrix'].var(axis=0)
    assert numpy.allclose(plain_output.var(axis=0),
                          variance / (variance + EPSILON), atol=1e-12)
    assert numpy.allclose(plain_output.var(axis=0), 1, atol=1e-3)
    _, scaled, mean_only, spatial, _ = normalized['bricks']
    assert numpy.allclose(normalized['outputs'][1], batch_norm_reference(
        normalized['matrix'], 0, scaled.scale.get_value(),
        scaled.shift.get_value()), atol=1e-12)
    expected = batch_norm_reference(normalized['matrix'], 0, 1,
                                    mean_only.shift.get_value(),
                                    mean_only=True)
    assert numpy.allclose(normalized['outputs'][2], expected, atol=1e-12)


def test_spatial_variant_normalizes_over_batch_and_positions(normalized):
    spatial = normalized['bricks'][3]
    scale = spatial.scale.get_value()[None, :, None, None]
    shift = spatial.shift.get_value()[None, :, None, None]
    normalized_images = (normalized['outputs'][3] - shift) / scale
    assert numpy.allclose(normalized_images.mean(axis=(0, 2, 3)), 0,
                          atol=1e-12)
    assert numpy.allclose(normalized_images.var(axis=(0, 2, 3)), 1,
                          atol=1e-4)
    assert spatial.scale.get_value().shape == (2,)


def test_inference_uses_the_population_statistics(normalized):
    spatial = normalized['bricks'][3]
    mean = numpy.array([0.5, -1.])[None, :, None, None]
    stdev = numpy.array([2., 0.25])[None, :, None, None]
    expected = ((normalized['images'] - mean) / stdev *
                spatial.scale.get_value()[None, :, None, None] +
                spatial.shift.get_value()[None, :, None, None])
    assert numpy.allclose(normalized['outputs'][4], expected, atol=1e-12)


def test_layer_normalization_matches_numpy(normalized):
    layer_norm = normalized['bricks'][4]
    expected = layer_norm_reference(normalized['images'],
                                    layer_norm.scale.get_value(),
                                    layer_norm.shift.get_value())
    assert numpy.allclose(normalized['outputs'][5], expected, atol=1e-12)


def test_gradients_match_finite_differences(normalized):
    _, scaled, _, spatial, _ = normalized['bricks']
    matrix, images = normalized['matrix'], normalized['images']
    matrix_weight, images_weight = normalized['weights']
    scale, shift = scaled.scale.get_value(), scaled.shift.get_value()
    spatial_scale = spatial.scale.get_value()[None, :, None, None]
    spatial_shift = spatial.shift.get_value()[None, :, None, None]
    axes = (0, 2, 3)
    expected = [
        numeric_gradient(lambda value: (batch_norm_reference(
            value, 0, scale, shift) * matrix_weight).sum(), matrix),
        numeric_gradient(lambda value: (batch_norm_reference(
            matrix, 0, value, shift) * matrix_weight).sum(), scale),
        numeric_gradient(lambda value: (batch_norm_reference(
            matrix, 0, scale, value) * matrix_weight).sum(), shift),
        numeric_gradient(lambda value: (batch_norm_reference(
            value, axes, spatial_scale, spatial_shift) *
            images_weight).sum(), images),
    ]
    for analytic, numeric in zip(normalized['gradients'], expected):
        assert numpy.allclose(analytic, numeric, rtol=1e-5, atol=1e-6)


def test_parameters_and_population_statistics_have_roles(normalized):
    plain, _, mean_only, spatial, layer_norm = normalized['bricks']
    assert plain.parameters == [plain.scale, plain.shift]
    assert has_roles(plain.scale, [BATCH_NORM_SCALE_PARAMETER])
    assert has_roles(plain.shift, [BATCH_NORM_SHIFT_PARAMETER])
    assert has_roles(plain.shift, [BIAS])
    assert not has_roles(plain.scale, [WEIGHT])
    assert has_roles(plain.population_mean, [BATCH_NORM_POPULATION_MEAN])
    assert has_roles(plain.population_stdev, [BATCH_NORM_POPULATION_STDEV])
    assert not has_roles(plain.population_mean, [PARAMETER])
    assert mean_only.parameters == [mean_only.shift]
    assert not hasattr(mean_only, 'population_stdev')
    assert spatial.population_mean.get_value().shape == (2,)
    graph = ComputationGraph(spatial.apply(tensor.tensor4()))
    assert set(graph.parameters) == {spatial.scale, spatial.shift}
    assert set(VariableFilter(roles=[BATCH_NORM_POPULATION_STATISTICS])(
        graph.shared_variables)) == {spatial.population_mean,
                                     spatial.population_stdev}
    assert has_roles(layer_norm.scale, [PARAMETER])
    assert not has_roles(layer_norm.scale, [WEIGHT])
    assert has_roles(layer_norm.shift, [BIAS])
    unlearned = BatchNormalization(input_dim=2, learn_scale=False,
                                   learn_shift=False)
    unlearned.allocate()
    assert unlearned.parameters == []


def test_bricks_and_training_graph_pickle(normalized):
    bricks, graph = pickle.loads(pickle.dumps((normalized['bricks'],
                                               normalized['graph'])))
    spatial = bricks[3]
    assert spatial._training_mode == []
    assert numpy.array_equal(spatial.population_stdev.get_value(),
                             [2., 0.25])
    assert graph.ndim == 4


def test_batch_normalized_mlp():
    mlp = BatchNormalizedMLP([Tanh(), None], [4, 3, 2], mean_only=True,
                             weights_init=Constant(1))
    mlp.initialize()
    assert all(isinstance(linear, Linear) and not linear.use_bias
               for linear in mlp.linear_transformations)
    assert [normalization.input_dim for normalization
            in mlp.batch_normalizations] == [3, 2]
    assert all(normalization.mean_only
               for normalization in mlp.batch_normalizations)
    parameters = ComputationGraph(mlp.apply(tensor.matrix())).parameters
    assert len(parameters) == 4  # two W, two shifts


def test_errors_name_the_brick():
    brick = BatchNormalization(input_dim=3, name='bn')
    with pytest.raises(ValueError, match=r"/bn.apply: argument 'input_' must "
                       r"be a 2-dimensional tensor"):
        brick.apply(tensor.tensor3())
    with pytest.raises(ValueError, match=r"/bn.apply: argument 'input_' has "
                       r"the shape \(None, 4\).*expected \(batch,\) \+ "
                       r"input_dim = \(batch,\) \+ \(3,\)"):
        brick.apply(tensor.tensor(dtype='float64', shape=(None, 4)))
    with pytest.raises(ValueError, match=r"/bn: input_dim \(3, None\) "
                       r"leaves unknown an axis"):
        BatchNormalization(input_dim=(3, None), name='bn').allocate()
    with pytest.raises(ValueError, match="/bn: broadcastable"):
        BatchNormalization(input_dim=(3, 2), broadcastable=(True,),
                           name='bn').allocate()
    with pytest.raises(ValueError, match="/bn: epsilon must be"):
        BatchNormalization(input_dim=3, epsilon=-1, name='bn')
    with pytest.raises(ValueError, match="/spatial: SpatialBatchNorm"):
        SpatialBatchNormalization(input_dim=(2, 3, 3),
                                  broadcastable=(False, False, False),
                                  name='spatial')
    with pytest.raises(ValueError, match=r"/layer_norm.apply: argument "
                       r"'input_': dimension mismatch"):
        LayerNormalization(input_dim=3, name='layer_norm').apply(
            tensor.tensor(dtype='float64', shape=(None, 4)))
