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
import numpy
from aesara import tensor

from blocks.algorithms import Adam, GradientDescent
from blocks.bricks import Tanh
from blocks.bricks.recurrent import SimpleRecurrent
from blocks.bricks.sequence_generators import (
    LookupFeedback, Readout, SequenceGenerator, SoftmaxEmitter)
from blocks.graph import ComputationGraph
from blocks.initialization import Constant, IsotropicGaussian
from blocks.serialization import load, load_parameters
from tests.resumption import (ALLOWED, assert_bit_identical,
                              checkpointed_main_loop, interrupt_then_finish,
                              masked_sequence_stream)

NUM_EXAMPLES, BATCH_SIZE, TOTAL_BATCHES, STOP_AT = 10, 3, 9, 6
STEPS, VOCABULARY = 4, 5


def build_main_loop(path, stop_at=None):
    stream = masked_sequence_stream({'targets': targets_data},
                                    NUM_EXAMPLES, STEPS, BATCH_SIZE)
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
    return checkpointed_main_loop(algorithm, stream, path, TOTAL_BATCHES,
                                  stop_at)


def targets_data(rng, shape):
    return rng.randint(VOCABULARY, size=shape)


def test_interrupted_mid_epoch_then_resumed(tmp_path):
    path = tmp_path / 'model.zip'
    main_loop = build_main_loop(str(path), stop_at=STOP_AT)
    interrupted, reference = interrupt_then_finish(main_loop, path,
                                                   TOTAL_BATCHES)
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
    assert_bit_identical(stopped.model.get_parameter_values(), reference)
