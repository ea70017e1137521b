"""Training a sequence generator resumes exactly from a checkpoint.

A main loop trains a :class:`SequenceGenerator` (a language model, without
attention: the gradient of a loop with attention takes Aesara minutes to
compile) on masked integer sequences from a shuffled stream; an
exception interrupts it in the middle of an epoch just after a
checkpoint. The same main loop goes on in memory to the end (the
reference); the checkpoint, loaded in this process, is trained to the end
too: the parameters must be equal, bit for bit. The checkpoint also shows
that the whole main loop, with the bricks of the generator, pickles
(bricks with attention are pickled in test_sequence_generators.py).
"""
import shutil
from collections import OrderedDict

import numpy
import pytest
from aesara import tensor

from blocks.algorithms import Adam, GradientDescent
from blocks.bricks import Tanh
from blocks.bricks.recurrent import SimpleRecurrent
from blocks.bricks.sequence_generators import (
    LookupFeedback, Readout, SequenceGenerator, SoftmaxEmitter)
from blocks.data.datasets import IndexableDataset
from blocks.data.schemes import ShuffledScheme
from blocks.data.streams import DataStream
from blocks.data.transformers import Mapping
from blocks.extensions import FinishAfter
from blocks.extensions.saveload import Checkpoint
from blocks.graph import ComputationGraph
from blocks.initialization import Constant, IsotropicGaussian
from blocks.main_loop import MainLoop
from blocks.model import Model
from blocks.serialization import load, load_parameters
from tests.bricks.recurrent.test_resumption import time_major
from tests.scripts.test_continue import StopAt

ALLOWED = ['tests.bricks.recurrent.test_resumption',
           'tests.scripts.test_continue']
NUM_EXAMPLES, BATCH_SIZE, TOTAL_BATCHES, STOP_AT = 10, 3, 9, 6
STEPS, VOCABULARY = 4, 5


def build_main_loop(path, stop_at=None):
    rng = numpy.random.RandomState(0)
    lengths = rng.randint(1, STEPS + 1, size=NUM_EXAMPLES)
    mask = (numpy.arange(STEPS)[None, :] < lengths[:, None]).astype(
        'float64')
    dataset = IndexableDataset(OrderedDict([
        ('targets', rng.randint(VOCABULARY, size=(NUM_EXAMPLES, STEPS))),
        ('targets_mask', mask)]))
    stream = Mapping(DataStream(dataset, iteration_scheme=ShuffledScheme(
        NUM_EXAMPLES, BATCH_SIZE, rng=numpy.random.RandomState(1))),
        time_major)
    transition = SimpleRecurrent(dim=3, activation=Tanh(),
                                 name='transition')
    readout = Readout(
        readout_dim=VOCABULARY,
        source_names=['states', 'feedback'],
        emitter=SoftmaxEmitter(name='emitter'),
        feedback_brick=LookupFeedback(VOCABULARY, 2, name='feedback'),
        name='readout')
    generator = SequenceGenerator(
        readout, transition,
        weights_init=IsotropicGaussian(0.5), biases_init=Constant(0),
        seed=4, name='generator')
    generator.initialize()
    targets = tensor.lmatrix('targets')
    targets_mask = tensor.matrix('targets_mask')
    cost = generator.cost(targets, mask=targets_mask)
    cost.name = 'cost'
    algorithm = GradientDescent(
        cost=cost, parameters=ComputationGraph(cost).parameters,
        step_rule=Adam(0.01))
    extensions = [FinishAfter(after_n_batches=TOTAL_BATCHES),
                  Checkpoint(path, every_n_batches=3)]
    if stop_at is not None:
        extensions.append(StopAt(stop_at, 'raise'))
    return MainLoop(algorithm, stream, model=Model(cost),
                    extensions=extensions)


def test_interrupted_mid_epoch_then_resumed(tmp_path):
    path = tmp_path / 'model.zip'
    main_loop = build_main_loop(str(path), stop_at=STOP_AT)
    with pytest.raises(RuntimeError, match='stopped on purpose'):
        main_loop.run()
    interrupted = tmp_path / 'interrupted.zip'
    shutil.copy(path, interrupted)
    main_loop.find_extension('StopAt').iteration = None
    main_loop.run()
    assert main_loop.status['iterations_done'] == TOTAL_BATCHES
    reference = main_loop.model.get_parameter_values()
    assert '/generator/with_fake_attention/transition.state_to_state' in \
        reference

    stopped = load(interrupted, allowed_modules=ALLOWED)
    assert stopped.status['iterations_done'] == STOP_AT
    assert stopped.status['epoch_started']
    assert not numpy.array_equal(
        load_parameters(interrupted)['/generator/readout/merge/'
                                     'transform_states.W'],
        reference['/generator/readout/merge/transform_states.W'])
    stopped.find_extension('StopAt').iteration = None
    stopped.run()
    assert stopped.status['iterations_done'] == TOTAL_BATCHES
    resumed = stopped.model.get_parameter_values()
    assert sorted(resumed) == sorted(reference)
    for name in reference:
        assert resumed[name].tobytes() == reference[name].tobytes(), name
