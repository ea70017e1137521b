"""Exact resumption of a batch-normalized convolutional network.

A small convolutional network with spatial batch normalization, whose
population statistics are updated by the training function, is trained
with Adam on shuffled images; SIGINT stops it in the middle of an epoch
and ``blocks-continue`` resumes it from the checkpoint. The parameters,
population statistics and step rule state must then equal, bit for bit,
those of an uninterrupted run of the same length.

The helpers are module-level so that subprocesses can import them and
checkpoints refer to this module (allowed with ``--allow``).
"""
from collections import OrderedDict

import numpy
import pytest
from aesara import tensor

from blocks.algorithms import Adam, GradientDescent
from blocks.bricks import Linear, Rectifier, Softmax, SpatialBatchNormalization
from blocks.bricks.conv import (Convolutional, ConvolutionalSequence,
                                Flattener, MaxPooling)
from blocks.bricks.cost import CategoricalCrossEntropy
from blocks.data.datasets import IndexableDataset
from blocks.data.schemes import ShuffledScheme
from blocks.data.streams import DataStream
from blocks.extensions import FinishAfter
from blocks.extensions.saveload import Checkpoint
from blocks.graph import ComputationGraph
from blocks.graph.bn import (apply_batch_normalization,
                             get_batch_normalization_updates)
from blocks.initialization import Constant, IsotropicGaussian
from blocks.main_loop import MainLoop
from blocks.model import Model
from blocks.serialization import load, load_parameters
from tests.scripts.test_continue import StopAt, assert_bit_identical, \
    run_python

THIS_MODULE = 'tests.scripts.test_continue_bn'
ALLOWED = [THIS_MODULE, 'tests.scripts.test_continue']
TOTAL_BATCHES = 10
# 18 images in batches of 4: an epoch has 5 batches, so iteration 3 is in
# the middle of the first one.
NUM_EXAMPLES, BATCH_SIZE = 18, 4


def build_main_loop(path, stop_at=None, how=None):
    """The network, its training graph and main loop."""
    rng = numpy.random.RandomState(0)
    dataset = IndexableDataset(OrderedDict([
        ('features', rng.normal(size=(NUM_EXAMPLES, 1, 6, 6))),
        ('targets', rng.randint(3, size=(NUM_EXAMPLES, 1)))]))
    stream = DataStream(dataset, iteration_scheme=ShuffledScheme(
        NUM_EXAMPLES, BATCH_SIZE, rng=numpy.random.RandomState(1)))
    convolutions = ConvolutionalSequence(
        [Convolutional((3, 3), 4, border_mode='half', name='conv'),
         SpatialBatchNormalization(name='batch_norm'), Rectifier(),
         MaxPooling((2, 2))],
        num_channels=1, image_size=(6, 6), tied_biases=True,
        weights_init=IsotropicGaussian(0.5), biases_init=Constant(0.1),
        seed=2, name='convolutions')
    linear = Linear(36, 3, weights_init=IsotropicGaussian(0.2),
                    biases_init=Constant(0), seed=3, name='linear')
    convolutions.initialize()
    linear.initialize()
    images = tensor.tensor4('features')
    targets = tensor.lmatrix('targets')
    probabilities = Softmax().apply(linear.apply(Flattener().apply(
        convolutions.apply(images))))
    cost = CategoricalCrossEntropy().apply(targets.flatten(), probabilities)
    training = apply_batch_normalization(ComputationGraph(cost))
    algorithm = GradientDescent(cost=training.outputs[0],
                                parameters=training.parameters,
                                step_rule=Adam(learning_rate=0.05))
    algorithm.add_updates([
        (population, 0.8 * population + 0.2 * estimate)
        for population, estimate
        in get_batch_normalization_updates(training)])
    extensions = [FinishAfter(after_n_batches=TOTAL_BATCHES),
                  Checkpoint(path, every_n_epochs=1)]
    if stop_at is not None:
        extensions.append(StopAt(stop_at, how))
    return MainLoop(algorithm, stream, model=Model(training.outputs[0]),
                    extensions=extensions)


def train(path, stop_at=None, how=None):
    """Train in this process (the entry point of the subprocess)."""
    build_main_loop(path, stop_at, how).run()


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    """Every saved array after an uninterrupted run."""
    path = tmp_path_factory.mktemp('reference') / 'model.zip'
    main_loop = build_main_loop(str(path))
    main_loop.run()
    assert main_loop.status['iterations_done'] == TOTAL_BATCHES
    return load_parameters(path, include_state=True)


def test_sigint_mid_epoch_then_blocks_continue(tmp_path, reference):
    statistics = sorted(name for name in reference if 'population' in name)
    assert statistics == ['/_state/convolutions/batch_norm.population_mean',
                          '/_state/convolutions/batch_norm.population_stdev']
    assert not numpy.array_equal(reference[statistics[0]], numpy.zeros(4))

    path = tmp_path / 'model.zip'
    process = run_python('-c', 'from {} import train; train({!r}, 3, {!r})'
                         .format(THIS_MODULE, str(path), 'sigint'))
    assert process.returncode == 0, process.stderr
    assert 'SIGINT' in process.stderr
    stopped = load(path, allowed_modules=ALLOWED)
    assert stopped.status['iterations_done'] == 3
    assert stopped.status['epoch_started']
    stopped_values = load_parameters(path, include_state=True)
    assert not numpy.array_equal(stopped_values[statistics[0]],
                                 reference[statistics[0]])

    process = run_python('-m', 'blocks.scripts.continue_', str(path),
                         *[argument for module in ALLOWED
                           for argument in ('--allow', module)])
    assert process.returncode == 0, process.stderr
    assert 'Training resumes' in process.stderr
    resumed = load(path, allowed_modules=ALLOWED)
    assert resumed.status['iterations_done'] == TOTAL_BATCHES
    assert_bit_identical(load_parameters(path, include_state=True),
                         reference)
