"""Tests of the simple bricks against NumPy.

All bricks are applied in one graph, compiled once per test session
(Aesara's C compilation dominates the test time).
"""
import numpy
import pytest
import aesara
from aesara import tensor
from aesara.compile.mode import Mode
from numpy.testing import assert_allclose

from blocks.bricks import (Bias, Identity, LeakyRectifier, Linear,
                           LinearMaxout, Logistic, Maxout,
                           NDimensionalSoftmax, PReLU, Rectifier, Softmax,
                           Softplus, Tanh)
from blocks.initialization import Constant
from blocks.roles import BIAS, PARAMETER, WEIGHT, has_roles

FLOATX = aesara.config.floatX
X_VALUE = numpy.array([[-2., -0.5, 0., 0.5, 1., 3.],
                       [1., 2., -1., 0.25, -3., 0.]], dtype=FLOATX)
TENSOR3_VALUE = numpy.arange(2 * 3 * 4, dtype=FLOATX).reshape(
    (2, 3, 4)) / 10
LOGITS_VALUE = numpy.array([[1000., 0., -1000.], [0., 0., 1000.]],
                           dtype=FLOATX)
TARGETS_VALUE = numpy.array([1, 2], dtype='int64')
DISTRIBUTIONS_VALUE = numpy.array([[0.5, 0.5, 0.], [0., 0.25, 0.75]],
                                  dtype=FLOATX)


def numpy_softmax(x):
    exponentials = numpy.exp(x - x.max(axis=-1, keepdims=True))
    return exponentials / exponentials.sum(axis=-1, keepdims=True)


def numpy_log_softmax(x):
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - numpy.log(numpy.exp(shifted).sum(axis=-1,
                                                      keepdims=True))


@pytest.fixture(scope='module')
def bricks():
    linear = Linear(input_dim=6, output_dim=3, name='linear',
                    weights_init=Constant(0.5), biases_init=Constant(0.25))
    linear.initialize()
    weights = numpy.arange(18, dtype=FLOATX).reshape((6, 3)) / 10
    linear.W.set_value(weights)
    unbiased = Linear(input_dim=6, output_dim=2, use_bias=False,
                      weights_init=Constant(1), name='unbiased')
    unbiased.initialize()
    bias = Bias(dim=6, biases_init=Constant(-1))
    bias.initialize()
    linear_maxout = LinearMaxout(input_dim=6, output_dim=2, num_pieces=3,
                                 weights_init=Constant(0),
                                 biases_init=Constant(0))
    linear_maxout.initialize()
    linear_maxout.linear.W.set_value(
        numpy.arange(36, dtype=FLOATX).reshape((6, 6)) / 36 - 0.5)
    linear_maxout.linear.b.set_value(numpy.arange(6, dtype=FLOATX) / 10)
    return {'linear': linear, 'unbiased': unbiased, 'bias': bias,
            'linear_maxout': linear_maxout, 'maxout': Maxout(num_pieces=2),
            'identity': Identity(), 'tanh': Tanh(), 'logistic': Logistic(),
            'softplus': Softplus(), 'rectifier': Rectifier(),
            'leaky': LeakyRectifier(leak=0.1), 'softmax': Softmax(),
            'nd_softmax': NDimensionalSoftmax()}


@pytest.fixture(scope='module')
def outputs(bricks):
    """The value of every brick's output, computed by one function."""
    x = tensor.matrix('x')
    x3 = tensor.tensor3('x3')
    logits = tensor.matrix('logits')
    targets = tensor.lvector('targets')
    distributions = tensor.matrix('distributions')
    softmax = bricks['softmax']
    nd_softmax = bricks['nd_softmax']
    graph = {name: bricks[name].apply(x) for name in [
        'linear', 'unbiased', 'bias', 'linear_maxout', 'maxout', 'identity',
        'tanh', 'logistic', 'softplus', 'rectifier', 'leaky', 'softmax']}
    graph.update({
        'log_probabilities': softmax.log_probabilities(x),
        'cross_entropy_indices': softmax.categorical_cross_entropy(
            targets, logits),
        'cross_entropy_distributions': softmax.categorical_cross_entropy(
            distributions, logits),
        'nd_softmax': nd_softmax.apply(x3, extra_ndim=1),
        'nd_log_probabilities': nd_softmax.log_probabilities(x3,
                                                             extra_ndim=1),
        'nd_softmax_2d': nd_softmax.apply(x),
        'maxout_3d': bricks['maxout'].apply(x3),
    })
    names = sorted(graph)
    function = aesara.function([x, x3, logits, targets, distributions],
                               [graph[name] for name in names])
    values = function(X_VALUE, TENSOR3_VALUE, LOGITS_VALUE, TARGETS_VALUE,
                      DISTRIBUTIONS_VALUE)
    return {'graph': graph, **dict(zip(names, values))}


def test_linear(outputs):
    weights = numpy.arange(18).reshape((6, 3)) / 10
    assert outputs['linear'].shape == (2, 3)
    assert_allclose(outputs['linear'], X_VALUE.dot(weights) + 0.25)
    assert_allclose(outputs['unbiased'], X_VALUE.sum(axis=1,
                                                     keepdims=True) *
                    numpy.ones((1, 2)))


def test_linear_parameters_and_roles(bricks):
    linear = bricks['linear']
    W, b = linear.parameters
    assert (W.name, b.name) == ('W', 'b')
    assert (linear.W, linear.b) == (W, b)
    assert W.get_value().shape == (6, 3) and b.get_value().shape == (3,)
    assert has_roles(W, [WEIGHT]) and not has_roles(W, [BIAS])
    assert has_roles(b, [BIAS]) and has_roles(b, [PARAMETER])
    assert [var.name for var in linear.auxiliary_variables] == [
        'W_norm', 'b_norm']
    assert bricks['unbiased'].parameters == [bricks['unbiased'].W]


def test_linear_on_an_integer_matrix():
    with pytest.raises(TypeError, match=r"/linear.apply: argument 'input_' "
                                        r"must be floating-point, got .* of "
                                        r"dtype int64"):
        Linear(input_dim=3, output_dim=2).apply(tensor.lmatrix())


def test_linear_on_a_scalar():
    with pytest.raises(ValueError, match=r"/linear.apply: argument 'input_' "
                                         r"must have at least 1 dimension"
                                         r"\(s\), got .* with 0"):
        Linear(input_dim=3, output_dim=2).apply(tensor.scalar())


def test_linear_on_a_static_shape_mismatch():
    x = tensor.TensorType(FLOATX, shape=(None, 4))('x')
    with pytest.raises(ValueError, match=r"/linear.apply: argument 'input_': "
                                         r"dimension mismatch: the last axis "
                                         r"of .* has length 4, expected 3"):
        Linear(input_dim=3, output_dim=2).apply(x)


def test_linear_get_dim():
    linear = Linear(input_dim=3, output_dim=2)
    assert (linear.get_dim('input_'), linear.get_dim('output')) == (3, 2)
    with pytest.raises(ValueError, match="no dimension information for "
                                         "'other'"):
        linear.get_dim('other')


def test_bias(bricks, outputs):
    assert_allclose(outputs['bias'], X_VALUE - 1)
    b, = bricks['bias'].parameters
    assert has_roles(b, [BIAS]) and b.get_value().shape == (6,)
    assert bricks['bias'].input_dim == bricks['bias'].output_dim == 6
    assert bricks['bias'].get_dim('output') == 6


def test_bias_on_a_mismatched_input():
    x = tensor.TensorType(FLOATX, shape=(None, 2))('x')
    with pytest.raises(ValueError, match=r"/bias.apply: argument 'input_': "
                                         r"dimension mismatch: .* length 2, "
                                         r"expected 3"):
        Bias(dim=3).apply(x)


def test_maxout(outputs):
    expected = X_VALUE.reshape((2, 3, 2)).max(axis=2)
    assert outputs['maxout'].shape == (2, 3)
    assert_allclose(outputs['maxout'], expected)
    assert_allclose(outputs['maxout_3d'],
                    TENSOR3_VALUE.reshape((2, 3, 2, 2)).max(axis=3))


def test_maxout_on_an_indivisible_input():
    x = tensor.TensorType(FLOATX, shape=(None, 5))('x')
    with pytest.raises(ValueError, match=r"/maxout.apply: argument 'input_' "
                                         r"has a last axis of length 5, "
                                         r"which is not divisible by "
                                         r"num_pieces=2"):
        Maxout(num_pieces=2).apply(x)


def test_linear_maxout(bricks, outputs):
    linear = bricks['linear_maxout'].linear
    pre_activation = X_VALUE.dot(linear.W.get_value()) + \
        linear.b.get_value()
    assert outputs['linear_maxout'].shape == (2, 2)
    assert_allclose(outputs['linear_maxout'],
                    pre_activation.reshape((2, 2, 3)).max(axis=2))


def test_linear_maxout_configures_its_children(bricks):
    brick = bricks['linear_maxout']
    assert brick.input_dim == 6
    assert (brick.linear.input_dim, brick.linear.output_dim) == (6, 6)
    assert brick.maxout.num_pieces == 3
    W, b = brick.linear.parameters
    assert has_roles(W, [WEIGHT]) and has_roles(b, [BIAS])


def test_linear_maxout_on_an_integer_input():
    with pytest.raises(TypeError, match=r"/linearmaxout/linear.apply: "
                                        r"argument 'input_' must be "
                                        r"floating-point"):
        LinearMaxout(input_dim=2, output_dim=2, num_pieces=2).apply(
            tensor.imatrix())


@pytest.mark.parametrize('name, function', [
    ('identity', lambda x: x),
    ('tanh', numpy.tanh),
    ('logistic', lambda x: 1 / (1 + numpy.exp(-x))),
    ('softplus', lambda x: numpy.log1p(numpy.exp(x))),
    ('rectifier', lambda x: numpy.maximum(x, 0)),
    ('leaky', lambda x: numpy.where(x > 0, x, 0.1 * x)),
])
def test_activations(outputs, name, function):
    assert outputs[name].shape == X_VALUE.shape
    assert_allclose(outputs[name], function(X_VALUE), rtol=1e-6)


def test_activation_names_and_parameters(bricks, outputs):
    assert outputs['graph']['tanh'].name == 'tanh_apply_output'
    for name in ['tanh', 'maxout', 'softmax']:
        bricks[name].allocate()
        assert bricks[name].parameters == []


@pytest.mark.parametrize('brick', [Identity(), Tanh(), Logistic(),
                                   Softplus(), Rectifier(),
                                   LeakyRectifier()],
                         ids=lambda brick: brick.name)
def test_activation_on_an_integer_input(brick):
    with pytest.raises(TypeError, match=r"/{}.apply: argument 'input_' must "
                                        r"be floating-point, got .* of "
                                        r"dtype int32".format(brick.name)):
        brick.apply(tensor.imatrix())


def test_softmax(outputs):
    assert_allclose(outputs['softmax'], numpy_softmax(X_VALUE))
    assert_allclose(outputs['softmax'].sum(axis=1), [1, 1])
    assert_allclose(outputs['log_probabilities'], numpy_log_softmax(X_VALUE))


def test_softmax_on_a_3d_tensor():
    with pytest.raises(ValueError, match=r"/softmax.apply: argument "
                                         r"'input_' must be a 2-dimensional "
                                         r"tensor, got .* with 3 "
                                         r"dimension\(s\)"):
        Softmax().apply(tensor.tensor3())
    with pytest.raises(ValueError, match=r"/softmax.log_probabilities: "
                                         r"argument 'input_' must be a "
                                         r"2-dimensional tensor"):
        Softmax().log_probabilities(tensor.tensor3())


def test_categorical_cross_entropy_is_stable_for_huge_logits(outputs):
    # Exact values: -log softmax(x)[y] = logsumexp(x) - x[y].
    expected = -numpy_log_softmax(LOGITS_VALUE)[[0, 1], TARGETS_VALUE]
    assert_allclose(expected, [1000., 0.], atol=1e-6)
    assert outputs['cross_entropy_indices'].shape == (2,)
    assert_allclose(outputs['cross_entropy_indices'], expected, atol=1e-6)
    # Exponentiating huge logits overflows.
    with numpy.errstate(over='ignore', invalid='ignore', divide='ignore'):
        exponentials = numpy.exp(LOGITS_VALUE)
        naive = -numpy.log((exponentials / exponentials.sum(
            axis=1, keepdims=True))[[0, 1], TARGETS_VALUE])
    assert not numpy.isfinite(naive).all()


def test_categorical_cross_entropy_with_distributions(outputs):
    expected = -(DISTRIBUTIONS_VALUE *
                 numpy_log_softmax(LOGITS_VALUE)).sum(axis=1)
    assert numpy.isfinite(outputs['cross_entropy_distributions']).all()
    assert_allclose(outputs['cross_entropy_distributions'], expected)


def test_categorical_cross_entropy_bad_inputs():
    softmax = Softmax()
    with pytest.raises(TypeError, match=r"/softmax.categorical_cross_entropy"
                                        r": argument 'y' is a 1-dimensional "
                                        r"float64 tensor .*; class indices "
                                        r"must be integers"):
        softmax.categorical_cross_entropy(tensor.dvector(), tensor.matrix())
    with pytest.raises(ValueError, match=r"/softmax.categorical_cross_entropy"
                                         r": argument 'y' is a 2-dimensional "
                                         r"int64 tensor .* must be a vector, "
                                         r"one index per row of 'x'.*"
                                         r"`y.flatten\(\)`"):
        softmax.categorical_cross_entropy(tensor.lmatrix(), tensor.matrix())
    with pytest.raises(ValueError, match=r"/softmax.categorical_cross_entropy"
                                         r": argument 'x' must be a "
                                         r"2-dimensional tensor"):
        softmax.categorical_cross_entropy(tensor.lvector(), tensor.vector())


def test_ndimensional_categorical_cross_entropy_checks_flat_targets():
    """Integer targets with an extra (time) axis are flattened with it
    before the targets are checked."""
    sequence_targets = tensor.lmatrix('sequence_targets')
    x3 = tensor.tensor3('x3')
    cost = NDimensionalSoftmax().categorical_cross_entropy(
        sequence_targets, x3, extra_ndim=1)
    # Python implementations: the values are the point, not compiled code.
    function = aesara.function([sequence_targets, x3], cost,
                               mode=Mode(linker='py', optimizer='fast_run'))
    targets = numpy.array([[0, 1, 2], [3, 2, 1]], dtype='int64')
    rows, columns = numpy.indices(targets.shape)
    assert_allclose(function(targets, TENSOR3_VALUE), -numpy_log_softmax(
        TENSOR3_VALUE)[rows, columns, targets], rtol=1e-6)
    with pytest.raises(ValueError, match=r"/ndimensionalsoftmax."
                       r"categorical_cross_entropy: argument 'y' has shape "
                       r"\(3,\), expected \(6,\): one class index per row "
                       r"of 'x'"):
        function(targets[:1], TENSOR3_VALUE)


def test_ndimensional_softmax(outputs):
    assert outputs['nd_softmax'].shape == (2, 3, 4)
    assert_allclose(outputs['nd_softmax'], numpy_softmax(TENSOR3_VALUE))
    assert_allclose(outputs['nd_log_probabilities'],
                    numpy_log_softmax(TENSOR3_VALUE))
    # Without extra_ndim it behaves like Softmax.
    assert_allclose(outputs['nd_softmax_2d'], numpy_softmax(X_VALUE))
    assert outputs['graph']['nd_softmax'].ndim == 3


def test_ndimensional_softmax_with_too_few_dimensions():
    with pytest.raises(ValueError, match=r"/ndimensionalsoftmax.apply: "
                                         r"argument 'input_' has 2 "
                                         r"dimension\(s\), but extra_ndim=2 "
                                         r"needs more"):
        NDimensionalSoftmax().apply(tensor.matrix(), extra_ndim=2)


def test_prelu_has_a_slope_per_feature_or_channel():
    matrix, images = tensor.matrix('matrix'), tensor.tensor4('images')
    features = PReLU(input_dim=3, name='features')
    channels = PReLU(input_dim=(2, 3, 3), slopes_init=Constant(0.5),
                     name='channels')
    for brick in (features, channels):
        brick.initialize()
    features.parameters[0].set_value(numpy.array([0., 0.5, -1.],
                                                 dtype=FLOATX))
    function = aesara.function(
        [matrix, images], [features.apply(matrix), channels.apply(images)],
        mode='FAST_COMPILE')
    matrix_value = numpy.array([[-2., -2., -2.], [3., 3., 3.]], dtype=FLOATX)
    images_value = numpy.linspace(-1, 1, 36).reshape((2, 2, 3, 3)).astype(
        FLOATX)
    by_feature, by_channel = function(matrix_value, images_value)
    assert_allclose(by_feature, [[0., -1., 2.], [3., 3., 3.]])
    assert_allclose(by_channel, numpy.where(images_value > 0, images_value,
                                            0.5 * images_value))
    slopes, = channels.parameters
    assert slopes.get_value().shape == (2,)
    assert has_roles(slopes, [PARAMETER]) and not has_roles(slopes, [WEIGHT])
    with pytest.raises(ValueError, match=r"/channels.apply: argument "
                       r"'input_' has 3 channels"):
        channels.apply(tensor.tensor(dtype=FLOATX,
                                     shape=(None, 3, None, None)))
    with pytest.raises(ValueError, match="/features.apply: argument "
                       "'input_': dimension mismatch"):
        features.apply(tensor.tensor(dtype=FLOATX, shape=(None, 4)))
