"""Training a bidirectional LSTM with dropout resumes exactly.

A main loop trains a bidirectional LSTM on masked sequences from a shuffled
stream, with dropout on the inputs of both LSTMs (outside their loops) and
dropout on the previous states inside every step (a random stream inside
the loops). An exception interrupts it in the middle of an epoch, just
after a checkpoint; the same main loop then goes on in memory to the end
(the reference), and ``blocks-continue`` resumes the checkpoint in another
process: the final parameters must be equal, bit for bit.

Every new process compiles the training function again, and Aesara takes a
while over the gradient of a loop: hence one interruption, and a reference
that reuses the compiled function. (Stopping with SIGINT is tested with an
MLP in tests/scripts/test_continue.py.)
"""
import os
import subprocess
import sys
from collections import OrderedDict

import numpy
from aesara import tensor
from aesara.graph.basic import graph_inputs

from blocks.algorithms import GradientDescent, Scale
from blocks.bricks import Linear, Random
from blocks.bricks.recurrent import Bidirectional, LSTM
from blocks.filter import VariableFilter
from blocks.graph import ComputationGraph, apply_dropout
from blocks.initialization import Constant, IsotropicGaussian
from blocks.roles import INPUT
from blocks.serialization import load, load_parameters
from tests import resumption
from tests.resumption import (assert_bit_identical, checkpointed_main_loop,
                              interrupt_then_finish, masked_sequence_stream)

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))
THIS_MODULE = 'tests.bricks.recurrent.test_resumption'
ALLOWED = [THIS_MODULE] + resumption.ALLOWED
# 10 sequences in batches of 3: an epoch has 4 batches; the run stops
# after batch 6, in the middle of the second epoch, when a checkpoint has
# just been written.
NUM_EXAMPLES, BATCH_SIZE, TOTAL_BATCHES, STOP_AT = 10, 3, 9, 6
STEPS, DIM = 4, 2


class RecurrentDropoutLSTM(LSTM, Random):
    """An LSTM that drops out its previous states inside every step."""
    def step(self, inputs, states, cells):
        keep = self.aesara_rng.binomial(1, 0.75, size=states.shape)
        kept = states * tensor.cast(keep, states.dtype) / 0.75
        return super().step(inputs, kept, cells)


def build_main_loop(path, stop_at=None, transition=None):
    """A bidirectional LSTM with input dropout, checkpointed every 3 batches.

    `transition` is the LSTM brick that Bidirectional copies; by default
    :class:`RecurrentDropoutLSTM`, whose random streams inside the loops
    are given seeds of their own.

    """
    stream = masked_sequence_stream(
        OrderedDict([('features', features_data),
                     ('targets', targets_data)]),
        NUM_EXAMPLES, STEPS, BATCH_SIZE)
    if transition is None:
        transition = RecurrentDropoutLSTM(DIM)
    to_gates = Linear(3, 4 * transition.dim, name='to_gates',
                      weights_init=IsotropicGaussian(0.5),
                      biases_init=Constant(0), seed=2)
    bidirectional = Bidirectional(transition,
                                  weights_init=IsotropicGaussian(0.5),
                                  seed=3)
    for index, child in enumerate(bidirectional.children):
        if isinstance(child, Random):
            child.aesara_seed = 4 + index
    readout = Linear(2 * transition.dim, 2, name='readout',
                     weights_init=IsotropicGaussian(0.5),
                     biases_init=Constant(0), seed=6)
    for brick in (to_gates, bidirectional, readout):
        brick.initialize()
    features = tensor.tensor3('features')
    features_mask = tensor.matrix('features_mask')
    targets = tensor.tensor3('targets')
    states, _ = bidirectional.apply(to_gates.apply(features),
                                    mask=features_mask)
    errors = tensor.sqr(readout.apply(states) - targets).sum(axis=2)
    cost = (errors * features_mask).sum() / features_mask.sum()
    graph = ComputationGraph(cost)
    lstm_inputs = VariableFilter(roles=[INPUT], name='inputs',
                                 bricks=bidirectional.children)(graph)
    assert len(lstm_inputs) == 2
    graph = apply_dropout(graph, lstm_inputs, 0.25, seed=7)
    cost = graph.outputs[0]
    cost.name = 'cost'
    algorithm = GradientDescent(cost=cost, parameters=graph.parameters,
                                step_rule=Scale(0.1))
    # The random streams inside the loops, if any.
    algorithm.add_updates(graph.updates)
    return checkpointed_main_loop(algorithm, stream, path, TOTAL_BATCHES,
                                  stop_at)


def features_data(rng, shape):
    return rng.normal(size=shape + (3,))


def targets_data(rng, shape):
    return rng.normal(size=shape + (2,))


def run_python(*arguments):
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [REPOSITORY] + [path for path in [os.environ.get('PYTHONPATH')]
                        if path]))
    return subprocess.run([sys.executable] + list(arguments),
                          cwd=REPOSITORY, env=environment,
                          capture_output=True, text=True, timeout=600)


def _generators(main_loop):
    outputs = [main_loop.algorithm.cost] + [
        update for _, update in main_loop.algorithm.updates]
    return [variable for variable in graph_inputs(outputs)
            if isinstance(getattr(variable, 'container', None) and
                          variable.get_value(borrow=True),
                          numpy.random.Generator)]


def test_interrupted_mid_epoch_then_blocks_continue(tmp_path):
    path = tmp_path / 'model.zip'
    main_loop = build_main_loop(str(path), stop_at=STOP_AT)
    # Two generators for the input dropout, two inside the loops.
    assert len(_generators(main_loop)) == 4
    assert len(main_loop.algorithm.updates) == 2
    interrupted, reference = interrupt_then_finish(main_loop, path,
                                                   TOTAL_BATCHES)
    assert len(reference) == 16  # 2 Linear x 2, 2 LSTMs x 6 parameters
    assert '/bidirectional/forward.W_state' in reference

    stopped = load(interrupted, allowed_modules=ALLOWED)
    assert stopped.status['iterations_done'] == STOP_AT
    assert stopped.status['epoch_started']  # in the middle of an epoch
    assert len(_generators(stopped)) == 4
    assert not numpy.array_equal(
        load_parameters(interrupted)['/bidirectional/forward.W_state'],
        reference['/bidirectional/forward.W_state'])

    # The resumed main loop writes its checkpoints to the file it was
    # resumed from.
    os.remove(path)
    arguments = ['-m', 'blocks.scripts.continue_', str(interrupted)]
    for module in ALLOWED:
        arguments += ['--allow', module]
    process = run_python(*arguments)
    assert process.returncode == 0, process.stderr
    assert 'Training resumes' in process.stderr
    assert not path.exists()
    assert load(interrupted, allowed_modules=ALLOWED).status[
        'iterations_done'] == TOTAL_BATCHES
    assert_bit_identical(load_parameters(interrupted), reference)
