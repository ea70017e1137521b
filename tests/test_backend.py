"""The mode switch, and training on Aesara's JAX backend (CPU)."""
import importlib.util
import os
import signal
from collections import OrderedDict

import numpy
import pytest
import aesara
from aesara import tensor
from aesara.graph.basic import Apply
from aesara.graph.op import Op
from numpy.testing import assert_allclose

from blocks.algorithms import GradientDescent, Scale
from blocks.backend import (BackendError, compile_function, is_jax_mode,
                            resolve_mode)
from blocks.bricks import MLP, Rectifier, Softmax
from blocks.bricks.base import application, Brick
from blocks.bricks.cost import (BinaryCrossEntropy, CategoricalCrossEntropy,
                                MisclassificationRate)
from blocks.config import config
from blocks.data.datasets import IndexableDataset, IterableDataset
from blocks.data.schemes import SequentialScheme
from blocks.data.streams import DataStream
from blocks.extensions import FinishAfter, SimpleExtension
from blocks.extensions.monitoring import (DataStreamMonitoring,
                                          TrainingDataMonitoring)
from blocks.extensions.saveload import Checkpoint
from blocks.graph import ComputationGraph
from blocks.initialization import Constant, IsotropicGaussian
from blocks.main_loop import MainLoop
from blocks.monitoring.evaluators import DatasetEvaluator
from blocks.serialization import continue_training

FLOATX = aesara.config.floatX
# Backends agree to rounding: float64 closely, float32 less so.
RTOL = 1e-7 if FLOATX == 'float64' else 1e-4
HAVE_JAX = importlib.util.find_spec('jax') is not None
needs_jax = pytest.mark.skipif(
    not HAVE_JAX, reason="jax is not installed (pip install 'blocks[jax]')")


def test_mode_comes_from_argument_then_configuration(monkeypatch):
    monkeypatch.delenv('BLOCKS_MODE', raising=False)
    assert resolve_mode() is None
    monkeypatch.setenv('BLOCKS_MODE', 'JAX')
    assert resolve_mode() == 'JAX'
    assert resolve_mode('FAST_COMPILE') == 'FAST_COMPILE'
    assert is_jax_mode('JAX') and not is_jax_mode('FAST_RUN')
    monkeypatch.setenv('BLOCKS_MODE', 'NO_SUCH_MODE')
    with pytest.raises(ValueError, match="mode configuration key.*"
                                         "'NO_SUCH_MODE' is not an Aesara"):
        resolve_mode()
    monkeypatch.setenv('BLOCKS_MODE', 'default')
    assert config.mode is None


def test_mode_arguments_are_checked():
    x = tensor.vector('x')
    w = aesara.shared(numpy.zeros(1, dtype=FLOATX), name='w')
    cost = tensor.square(w - x).sum()
    with pytest.raises(ValueError, match="GradientDescent: the mode is "
                                         "given twice"):
        GradientDescent(cost=cost, parameters=[w], mode='JAX',
                        aesara_func_kwargs={'mode': 'FAST_RUN'})
    with pytest.raises(ValueError, match="DatasetEvaluator: mode: 'JAXX' "
                                         "is not an Aesara mode"):
        DatasetEvaluator([cost.copy(name='cost')], mode='JAXX')
    with pytest.raises(TypeError, match="GradientDescent: mode: expected"):
        GradientDescent(cost=cost, parameters=[w], mode=3)


class Unconvertible(Op):
    """An Op without a JAX conversion."""
    __props__ = ()

    def make_node(self, x):
        x = tensor.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, outputs):
        outputs[0][0] = inputs[0].copy()


class UsesUnconvertible(Brick):
    @application(inputs=['x'], outputs=['y'])
    def apply(self, x):
        return Unconvertible()(2 * x) + 1


@needs_jax
def test_an_op_jax_cannot_run_is_named_with_its_brick():
    x = tensor.vector('x')
    y = UsesUnconvertible(name='odd').apply(x).sum()
    with pytest.raises(BackendError, match=r"cannot convert the Op "
                                           r"Unconvertible .* made in the "
                                           r"application /odd\.apply"):
        compile_function([x], y, mode='JAX')


def _quickstart_graph():
    x, y = tensor.matrix('features'), tensor.lvector('targets')
    mlp = MLP([Rectifier(), Softmax()], [4, 8, 3], name='mlp',
              weights_init=IsotropicGaussian(0.3),
              biases_init=Constant(0), seed=5)
    mlp.push_initialization_config()
    for child in mlp.children:
        child.seed = 5
    mlp.initialize()
    probabilities = mlp.apply(x)
    cost = CategoricalCrossEntropy().apply(y, probabilities)
    cost.name = 'cost'
    error_rate = MisclassificationRate().apply(y, probabilities)
    error_rate.name = 'error_rate'
    return x, y, mlp, cost, error_rate


@needs_jax
def test_costs_agree_between_jax_and_c():
    """Values and gradients of every cost, JAX against the C backend."""
    x, y, mlp, cost, error_rate = _quickstart_graph()
    distributions = tensor.matrix('distributions')
    float_cost = CategoricalCrossEntropy().apply(distributions, mlp.apply(x))
    binary = BinaryCrossEntropy().apply(distributions,
                                        tensor.sigmoid(x[:, :3]))
    logits = x[:, :3]
    stable = Softmax().categorical_cross_entropy(y, logits).mean()
    outputs = [cost, error_rate, float_cost, binary, stable]
    outputs += aesara.grad(cost + float_cost + binary + stable,
                           [mlp.linear_transformations[0].W, x])
    rng = numpy.random.RandomState(0)
    values = [rng.normal(size=(5, 4)).astype(FLOATX),
              numpy.array([0, 1, 2, 1, 0]),
              rng.dirichlet(numpy.ones(3), size=5).astype(FLOATX)]
    results = {mode: compile_function([x, y, distributions], outputs,
                                      mode=mode)(*values)
               for mode in ('FAST_RUN', 'JAX')}
    for c_value, jax_value in zip(results['FAST_RUN'], results['JAX']):
        assert_allclose(numpy.asarray(jax_value), c_value, rtol=RTOL,
                        atol=1e-12)


class Interrupt(SimpleExtension):
    """Send this process SIGINT after a given epoch."""
    def __init__(self, epoch, **kwargs):
        kwargs.setdefault('after_epoch', True)
        super().__init__(**kwargs)
        self.epoch = epoch

    def do(self, which_callback, *args):
        if self.main_loop.status['epochs_done'] == self.epoch:
            os.kill(os.getpid(), signal.SIGINT)


def _dataset():
    rng = numpy.random.RandomState(1)
    centers = numpy.array([[2., 0., 0., 0.], [0., 2., 0., 0.],
                           [0., 0., 2., 0.]])
    targets = numpy.arange(60) % 3
    features = centers[targets] + rng.normal(scale=0.7, size=(60, 4))
    return IndexableDataset(OrderedDict([
        ('features', features.astype(FLOATX)), ('targets', targets)]))


def _train(path, first_mode, second_mode, monkeypatch):
    """Train 3 epochs in one mode, interrupted and checkpointed; resume in
    the other for 3 more. Returns the logs and the parameters."""
    monkeypatch.setenv('BLOCKS_MODE', first_mode)
    x, y, mlp, cost, error_rate = _quickstart_graph()
    stream = DataStream(_dataset(), iteration_scheme=SequentialScheme(60, 15))
    algorithm = GradientDescent(cost=cost,
                                parameters=ComputationGraph(cost).parameters,
                                step_rule=Scale(0.2))
    main_loop = MainLoop(algorithm, stream, extensions=[
        DataStreamMonitoring([cost, error_rate], stream, prefix='valid'),
        TrainingDataMonitoring([cost], prefix='train', after_epoch=True),
        FinishAfter(after_n_epochs=6), Interrupt(3),
        Checkpoint(path, after_epoch=False)])
    main_loop.run()
    assert main_loop.interrupted
    assert is_jax_mode(first_mode) == is_jax_mode(
        algorithm._function.maker.mode)
    first_log = dict(main_loop.log[main_loop.status['iterations_done']])
    monkeypatch.setenv('BLOCKS_MODE', second_mode)
    resumed = continue_training(path, allowed_modules=['tests.test_backend'])
    # The resumed run compiled with the mode configured when it resumed.
    assert is_jax_mode(second_mode) == is_jax_mode(
        resumed.algorithm._function.maker.mode)
    assert resumed.status['epochs_done'] == 6
    return (first_log, dict(resumed.log.current_row),
            [parameter.get_value() for parameter in
             resumed.algorithm.parameters])


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    directory = tmp_path_factory.mktemp('backends')
    with pytest.MonkeyPatch.context() as monkeypatch:
        return {
            order: _train(str(directory / '{}.zip'.format('_'.join(order))),
                          order[0], order[1], monkeypatch)
            for order in [('FAST_RUN', 'JAX'), ('JAX', 'FAST_RUN')]}


@needs_jax
def test_quickstart_trains_alike_under_jax_and_c(runs):
    c_log = runs['FAST_RUN', 'JAX'][0]
    jax_log = runs['JAX', 'FAST_RUN'][0]
    for record in ('valid_cost', 'valid_error_rate', 'train_cost'):
        assert_allclose(float(jax_log[record]), float(c_log[record]),
                        rtol=RTOL)
    assert float(jax_log['valid_error_rate']) < 0.2


@needs_jax
def test_checkpoints_continue_across_backends(runs):
    """A checkpoint written under C continues under JAX, and the reverse;
    both orders end where training in one backend would."""
    first, second = runs['FAST_RUN', 'JAX'], runs['JAX', 'FAST_RUN']
    for record in ('valid_cost', 'valid_error_rate', 'train_cost'):
        assert_allclose(float(first[1][record]), float(second[1][record]),
                        rtol=RTOL)
    for one, other in zip(first[2], second[2]):
        assert_allclose(one, other, rtol=RTOL, atol=1e-10)
    assert float(second[1]['valid_cost']) < float(second[0]['valid_cost'])


@needs_jax
def test_convolution_and_pooling_agree_between_jax_and_c():
    """Values and gradients of convolutions (valid, full) and pooling (max
    with partial windows, averages with padding, strides), JAX against
    the C backend."""
    from blocks.bricks.conv import (AveragePooling, Convolutional,
                                    MaxPooling)
    x = tensor.tensor4('x')
    valid = Convolutional((3, 3), 2, 1, image_size=(7, 7), name='valid',
                          weights_init=IsotropicGaussian(0.5),
                          biases_init=Constant(0.1))
    full = Convolutional((2, 2), 1, 2, border_mode='full', name='full',
                         image_size=(5, 5),
                         weights_init=IsotropicGaussian(0.5),
                         biases_init=Constant(0.))
    for brick in (valid, full):
        brick.initialize()
    hidden = valid.apply(x)
    outputs = [hidden, full.apply(hidden),
               MaxPooling((2, 2), ignore_border=False,
                          name='max').apply(hidden),
               AveragePooling((3, 3), step=(2, 2), name='exc').apply(hidden),
               AveragePooling((2, 2), padding=(1, 1), include_padding=True,
                              name='inc').apply(hidden)]
    cost = sum((output ** 2).sum() for output in outputs)
    outputs += aesara.grad(cost, [valid.W, valid.b, full.W, x])
    images = numpy.random.RandomState(0).normal(
        size=(2, 1, 7, 7)).astype(FLOATX)
    results = {mode: compile_function([x], outputs, mode=mode)(images)
               for mode in ('FAST_RUN', 'JAX')}
    for c_value, jax_value in zip(results['FAST_RUN'], results['JAX']):
        assert_allclose(jax_value, c_value, rtol=RTOL * 10, atol=1e-10)



@needs_jax
def test_the_cost_stays_on_the_device_until_it_is_read():
    import pickle
    weight = aesara.shared(numpy.asarray(1., dtype=aesara.config.floatX),
                           name='w')
    x = tensor.scalar('data')
    cost = tensor.log(weight * x)
    cost.name = 'cost'
    algorithm = GradientDescent(cost=cost, parameters=[weight],
                                step_rule=Scale(0.1), mode='JAX')
    algorithm.initialize()
    algorithm.process_batch({'data': numpy.asarray(2., aesara.config.floatX)})
    # A JAX array until read; then a float, converted once.
    assert type(algorithm._last_cost).__module__.startswith('jax')
    assert algorithm.last_cost == pytest.approx(numpy.log(2.))
    assert type(algorithm._last_cost) is float
    restored = pickle.loads(pickle.dumps(algorithm))
    assert restored.last_cost == algorithm.last_cost
    # The main loop reads it every check_cost_every batches: a NaN cost at
    # the fourth batch is found there.
    data = numpy.asarray([1., 2., 3., -1.], dtype=aesara.config.floatX)
    main_loop = MainLoop(algorithm, DataStream(IterableDataset(data)),
                         extensions=[FinishAfter(after_n_epochs=1)],
                         check_cost_every=2)
    with pytest.raises(FloatingPointError,
                       match=r'cost is nan at iteration 4 \(epoch 0\)'):
        main_loop.run()
