"""Networks from spec strings: parsing, bricks and dimensions, dropout, the
cost, and clear errors."""
import io
import pickle

import numpy
import pytest
import aesara
from aesara.tensor.basic import get_scalar_constant_value

from blocks.bricks import (Identity, Linear, Logistic, Rectifier, Softmax,
                           Tanh)
from blocks.bricks.bn import BatchNormalization, SpatialBatchNormalization
from blocks.bricks.conv import (AveragePooling, Convolutional, Flattener,
                                MaxPooling)
from blocks.bricks.cost import BinaryCrossEntropy, SquaredError
from blocks.bricks.spec import LayerSpec, create_net_from_spec, parse_spec
from blocks.filter import VariableFilter, get_brick
from blocks.graph import ComputationGraph
from blocks.graph.bn import get_batch_normalization_updates
from blocks.model import Model
from blocks.roles import DROPOUT, INPUT, OUTPUT
from blocks.serialization import dump, load


# The numbers are checked with NumPy implementations; see conftest.py.
pytestmark = pytest.mark.usefixtures('python_linker')


@pytest.mark.parametrize('spec, expected', [
    ('F1200 D.2 F1200 D', [
        LayerSpec('F', activation='r', size=1200),
        LayerSpec('D', probability=0.2),
        LayerSpec('F', activation='r', size=1200),
        LayerSpec('D', probability=0.5)]),
    (' Ft 50\tD0.3 Fl2 R10 Ls20 B ', [
        LayerSpec('F', activation='t', size=50),
        LayerSpec('D', probability=0.3),
        LayerSpec('F', activation='l', size=2),
        LayerSpec('R', activation='r', size=10),
        LayerSpec('L', activation='s', size=20), LayerSpec('B')]),
    ('C32:5p2 P3s2 Cs16:3s2p1 Pa2 F64', [
        LayerSpec('C', activation='r', num_filters=32, kernel=5, padding=2,
                  stride=1),
        LayerSpec('P', pool_type='m', kernel=3, padding=0, stride=2),
        LayerSpec('C', activation='s', num_filters=16, kernel=3, padding=1,
                  stride=2),
        LayerSpec('P', pool_type='a', kernel=2, padding=0, stride=2),
        LayerSpec('F', activation='r', size=64)]),
    ('', []),
])
def test_parse_spec(spec, expected):
    assert parse_spec(spec) == expected


def test_output_shapes_of_convolution_and_pooling():
    shape = (3, 32, 32)
    shapes = []
    for layer in parse_spec('C32:5p2 P3s2 Cs16:3s2p1 Pa2 F64'):
        shape = layer.output_shape(shape)
        shapes.append(shape)
    assert shapes == [(32, 32, 32), (32, 15, 15), (16, 8, 8), (16, 4, 4),
                      (64,)]
    with pytest.raises(ValueError, match=r"has a kernel of 5 but its input "
                                         r"is only 4 wide after padding"):
        parse_spec('C8:5')[0].output_shape((1, 4, 4))
    with pytest.raises(ValueError, match=r"needs images \(channels, height, "
                                         r"width\), got the shape \(10,\)"):
        parse_spec('P2')[0].output_shape((10,))


@pytest.mark.parametrize('spec, token, problem', [
    ('F100 F', 'F', 'cannot read it'),
    ('Fx10', 'Fx10', 'cannot read it'),
    ('F10 D1.5', 'D1.5', r'the probability must be in \[0, 1\), got 1.5'),
    ('D..2', 'D..2', 'cannot read it'),
    ('F3 D.', 'D.', "the probability '.' is not a number"),
    ('C32 F10', 'C32', 'cannot read it'),
    ('C32:5p', 'C32:5p', 'cannot read it'),
    ('C32:5p1p2', 'C32:5p1p2', "the option 'p' is given twice"),
    ('P', 'P', 'cannot read it'),
    ('F0', 'F0', 'the size must be positive, got 0'),
    ('C8:3s0', 'C8:3s0', 'the stride must be positive, got 0'),
])
def test_malformed_tokens_are_named(spec, token, problem):
    with pytest.raises(ValueError, match=r"create_net_from_spec: malformed "
                       r"token '{}' in the spec '{}': {}; the syntax is "
                       .format(token, spec, problem)):
        parse_spec(spec)


def test_other_bad_specs():
    with pytest.raises(ValueError, match=r"unknown layer 'Q3' in the spec "
                       r"'F10 Q3'; the layers are F \(fully connected\)"):
        parse_spec('F10 Q3')
    with pytest.raises(ValueError, match="must start with a layer letter "
                                         r"\(F, .*\), got 'f10'"):
        parse_spec('f10 F3')
    with pytest.raises(TypeError, match="spec must be a string, got 3"):
        parse_spec(3)


@pytest.fixture(scope='module')
def mnist_pi():
    return create_net_from_spec('classification', 784, 10,
                                'D.2 F1200 Ft300 D')


def test_bricks_and_dimensions(mnist_pi):
    linears = [brick for brick in mnist_pi.bricks
               if isinstance(brick, Linear)]
    assert [(linear.input_dim, linear.output_dim) for linear in linears] == \
        [(784, 1200), (1200, 300), (300, 10)]
    assert [type(brick) for brick in mnist_pi.bricks] == [
        Linear, Rectifier, Linear, Tanh, Linear]
    assert isinstance(mnist_pi.output_brick, Softmax)
    assert mnist_pi.net.name == 'net' and \
        list(mnist_pi.net.children) == mnist_pi.bricks
    parameters = Model(mnist_pi.cost).get_parameter_dict()
    assert sorted(parameters) == sorted([
        '/net/linear_1.W', '/net/linear_1.b', '/net/linear_2.W',
        '/net/linear_2.b', '/net/output.W', '/net/output.b'])
    weights = parameters['/net/linear_1.W'].get_value()
    # DenseSqrtFanInOut for rectifiers: uniform on +-sqrt(12 / (784 + 1200)).
    assert abs(weights).max() <= numpy.sqrt(12. / 1984)
    assert abs(weights).max() > 0.99 * numpy.sqrt(12. / 1984)
    assert not parameters['/net/linear_1.b'].get_value().any()
    assert mnist_pi.inputs.name == 'features' and mnist_pi.inputs.ndim == 2
    assert mnist_pi.targets.name == 'targets' and \
        mnist_pi.targets.dtype == 'int64' and mnist_pi.targets.ndim == 2
    assert mnist_pi.cost.name == mnist_pi.inference_cost.name == 'cost'


def test_dropout_where_the_spec_says(mnist_pi):
    dropped = VariableFilter(roles=[DROPOUT])(
        ComputationGraph(mnist_pi.cost).variables)
    found = {}
    for variable in dropped:
        original = variable.tag.replacement_of
        divisor = get_scalar_constant_value(variable.owner.inputs[1])
        found[(get_brick(original).name,
               'input' if INPUT in original.tag.roles else 'output')] = \
            round(1 - float(divisor), 6)
    assert found == {('linear_1', 'input'): 0.2, ('tanh_2', 'output'): 0.5}
    assert not VariableFilter(roles=[DROPOUT])(
        ComputationGraph(mnist_pi.inference_cost).variables)


def test_tiny_network_computes_what_numpy_does():
    network = create_net_from_spec('classification', 4, 3, 'Fs5 D.5 Ft3',
                                   seed=5)
    function = aesara.function(
        [network.inputs, network.targets],
        [network.inference_output, network.inference_cost,
         network.output, network.cost])
    rng = numpy.random.RandomState(1)
    features = rng.normal(size=(6, 4)).astype(aesara.config.floatX)
    targets = rng.randint(3, size=(6, 1))
    output, cost, dropout_output, dropout_cost = function(features, targets)
    values = Model(network.inference_cost).get_parameter_values()
    hidden = 1 / (1 + numpy.exp(-(features.dot(values['/net/linear_0.W']) +
                                  values['/net/linear_0.b'])))
    hidden = numpy.tanh(hidden.dot(values['/net/linear_2.W']) +
                        values['/net/linear_2.b'])
    scores = hidden.dot(values['/net/output.W']) + values['/net/output.b']
    expected = numpy.exp(scores) / numpy.exp(scores).sum(axis=1,
                                                         keepdims=True)
    numpy.testing.assert_allclose(output, expected, rtol=1e-6)
    numpy.testing.assert_allclose(
        cost, -numpy.log(expected[numpy.arange(6), targets[:, 0]]).mean(),
        rtol=1e-6)
    numpy.testing.assert_allclose(dropout_output.sum(axis=1), 1, rtol=1e-6)
    assert not numpy.allclose(dropout_output, output)
    assert numpy.isfinite(dropout_cost)
    copy = pickle.loads(pickle.dumps(network.net))
    assert [brick.name for brick in copy.children] == \
        ['linear_0', 'logistic_0', 'linear_2', 'tanh_2', 'output']


def test_regression_multilabel_and_images():
    regression = create_net_from_spec('regression', 6, 2, 'Fl4')
    assert isinstance(regression.output_brick, Identity)
    assert regression.targets.ndim == 2 and \
        regression.targets.dtype == aesara.config.floatX
    assert any(isinstance(get_brick(variable), SquaredError) for variable in
               ComputationGraph(regression.cost).variables
               if get_brick(variable) is not None)
    multilabel = create_net_from_spec('multilabel', (1, 4, 4), 5, 'F3',
                                      data_name='images', targets_name='y')
    assert isinstance(multilabel.output_brick, Logistic)
    assert multilabel.inputs.name == 'images' and multilabel.inputs.ndim == 4
    assert multilabel.targets.name == 'y'
    assert isinstance(multilabel.bricks[0], Flattener)
    assert multilabel.bricks[1].input_dim == 16
    assert any(isinstance(get_brick(variable), BinaryCrossEntropy)
               for variable in ComputationGraph(multilabel.cost).variables
               if get_brick(variable) is not None)
    logistic_regression = create_net_from_spec('classification', 3, 2, '')
    assert [brick.name for brick in logistic_regression.bricks] == ['output']


@pytest.mark.parametrize('spec', ['L20', 'C4:3 R10'])
def test_recurrent_layers_are_refused_clearly(spec):
    with pytest.raises(NotImplementedError, match=r"create_net_from_spec: "
                       r"the layer LayerSpec\('[RL]'.*\) needs recurrent "
                       r"bricks; blocks\.bricks\.recurrent exists, but "):
        create_net_from_spec('classification', (3, 32, 32), 10, spec)


@pytest.fixture(scope='module')
def tiny_convolutional():
    return create_net_from_spec('classification', (1, 8, 8), 3,
                                'C4:3p1 P2 B F8', seed=3)


def test_convolutional_bricks(tiny_convolutional):
    network = tiny_convolutional
    assert [type(brick) for brick in network.bricks] == [
        Convolutional, Rectifier, MaxPooling, SpatialBatchNormalization,
        Flattener, Linear, Rectifier, Linear]
    assert network.inputs.ndim == 4
    assert network.bricks[0].W.get_value().shape == (4, 1, 3, 3)
    assert network.bricks[5].input_dim == 4 * 4 * 4
    average = create_net_from_spec('regression', (2, 6, 6), 1,
                                   'Ct3:3s2 Pa2p1 B')
    assert [type(brick) for brick in average.bricks] == [
        Convolutional, Tanh, AveragePooling, SpatialBatchNormalization,
        Flattener, Linear]
    assert average.bricks[-1].input_dim == 3 * 2 * 2
    dense = create_net_from_spec('regression', 5, 1, 'F4 B')
    assert [type(brick) for brick in dense.bricks] == [
        Linear, Rectifier, BatchNormalization, Linear]
    copy = pickle.loads(pickle.dumps(network.net))
    assert [brick.name for brick in copy.children] == \
        [brick.name for brick in network.bricks]
    # The checkpoint loader resolves only the classes in its table.
    buffer = io.BytesIO()
    dump(network.net, buffer)
    buffer.seek(0)
    loaded = load(buffer)
    assert [type(brick) for brick in loaded.children] == \
        [type(brick) for brick in network.bricks]


def test_convolution_weights_scaled_by_their_fans():
    network = create_net_from_spec('regression', (8, 12, 12), 1, 'C64:5')
    weights = network.bricks[0].W.get_value()
    assert weights.shape == (64, 8, 5, 5)
    # DenseSqrtFanInOut for rectifiers: fan-in 8 * 25, fan-out 64 * 25.
    bound = numpy.sqrt(12. / (8 * 25 + 64 * 25))
    assert abs(weights).max() <= bound
    assert abs(weights).max() > 0.99 * bound
    assert not network.bricks[0].b.get_value().any()


def test_convolutional_shapes_and_a_training_step(tiny_convolutional):
    network = tiny_convolutional
    graph = ComputationGraph(network.cost)
    layer_outputs = [
        VariableFilter(bricks=[brick], roles=[OUTPUT])(graph.variables)[-1]
        for brick in network.bricks[:4]]
    parameters = graph.parameters
    step = 0.01
    updates = [(parameter, parameter - step * gradient) for
               parameter, gradient in zip(
                   parameters, aesara.grad(network.cost, parameters))]
    updates += get_batch_normalization_updates(graph)
    # Convolutions have no Python implementation: this one compiles to C.
    function = aesara.function([network.inputs, network.targets],
                               layer_outputs + [network.cost],
                               updates=updates, mode='FAST_RUN')
    rng = numpy.random.RandomState(2)
    features = rng.normal(size=(5, 1, 8, 8)).astype(aesara.config.floatX)
    targets = rng.randint(3, size=(5, 1))
    before = {parameter.name + str(index): parameter.get_value()
              for index, parameter in enumerate(parameters)}
    *outputs, cost = function(features, targets)
    shape = (1, 8, 8)
    expected = []
    for layer in network.layers[:3]:
        shape = layer.output_shape(shape)
        expected.append((5,) + shape)
    # The convolution and its rectifier share a shape.
    assert [output.shape for output in outputs] == \
        [expected[0]] + expected
    assert numpy.isfinite(cost)
    after = {parameter.name + str(index): parameter.get_value()
             for index, parameter in enumerate(parameters)}
    assert all(not numpy.array_equal(before[name], after[name])
               for name in before if 'population' not in name)
    # Population statistics moved towards the minibatch's.
    assert not numpy.array_equal(
        network.bricks[3].population_mean.get_value(), 0)
    *_, second_cost = function(features, targets)
    assert second_cost < cost


@pytest.mark.parametrize('kwargs, message', [
    ({'task_type': 'ranking'}, "task_type must be one of"),
    ({'in_shape': 0}, r"in_shape must be a positive integer or a tuple of "
                      r"them, got 0"),
    ({'out_shape': (2, 2)}, r"out_shape must be a number of outputs, got "
                            r"\(2, 2\)"),
])
def test_bad_arguments(kwargs, message):
    arguments = dict(task_type='classification', in_shape=4, out_shape=3,
                     spec='F3')
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        create_net_from_spec(**arguments)
