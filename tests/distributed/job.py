"""Training jobs that the distributed tests start with ``mpirun``.

``python -m tests.distributed.job MODE DIRECTORY`` runs one of:

- ``train``: every configuration of :data:`CONFIGURATIONS` (and the one
  with dropout twice), distributed; rank 0 saves the final parameters, the
  log records and the random states of all ranks to DIRECTORY.
- ``reference``: the same configurations in one process, without
  :func:`~blocks.distributed.distribute`.
- ``interrupt``: the configuration with dropout, stopped by a SIGINT that
  only rank 1 receives, with a checkpoint in DIRECTORY.
- ``mismatch``: rank 1 builds a wider hidden layer.
- ``fail``: rank 1 raises after three batches.

"""
import os
import signal
import sys
from collections import OrderedDict

import numpy

import blocks  # noqa: F401 (configures BLAS before Aesara is imported)
from aesara import tensor

from blocks.algorithms import Adam, GradientDescent, Momentum, Scale
from blocks.bricks import MLP, Identity, Tanh
from blocks.data.datasets import IndexableDataset
from blocks.data.schemes import SequentialScheme, ShuffledScheme
from blocks.data.streams import DataStream
from blocks.distributed import distribute, rank_and_size
from blocks.extensions import FinishAfter, SimpleExtension
from blocks.extensions.monitoring import (DataStreamMonitoring,
                                          TrainingDataMonitoring)
from blocks.extensions.saveload import Checkpoint
from blocks.filter import VariableFilter
from blocks.graph import ComputationGraph, apply_dropout
from blocks.initialization import Constant, IsotropicGaussian
from blocks.main_loop import MainLoop
from blocks.model import Model
from blocks.monitoring.aggregation import maximum, minimum, total
from blocks.roles import INPUT

#: Batches of 2B = 6 examples (3 per rank with two ranks), 20 steps.
BATCH_SIZE, STEPS = 6, 20
NUM_EXAMPLES = 60
#: 13 validation examples in batches of 5: shares of 3 and 2, then 2 and 1.
NUM_VALID, VALID_BATCH = 13, 5
CONFIGURATIONS = ('sgd', 'momentum', 'adam', 'dropout')


def step_rule(configuration):
    if configuration == 'sgd':
        return Scale(learning_rate=0.1)
    if configuration == 'momentum':
        return Momentum(learning_rate=0.05, momentum=0.9)
    return Adam(learning_rate=0.01)


def data():
    rng = numpy.random.RandomState(0)
    return OrderedDict([
        ('features', rng.normal(size=(NUM_EXAMPLES + NUM_VALID, 3))
         .astype('float32')),
        ('targets', rng.normal(size=(NUM_EXAMPLES + NUM_VALID, 2))
         .astype('float32'))])


class StopAt(SimpleExtension):
    """On one rank, after a given batch: send SIGINT to itself or raise."""
    def __init__(self, iteration, rank, how, **kwargs):
        kwargs.setdefault('after_batch', True)
        super().__init__(**kwargs)
        self.iteration = iteration
        self.rank = rank
        self.how = how

    def do(self, which_callback, *args):
        if self.main_loop.status['iterations_done'] != self.iteration or \
                rank_and_size()[0] != self.rank:
            return
        if self.how == 'raise':
            raise RuntimeError('rank {} fails on purpose'.format(self.rank))
        os.kill(os.getpid(), signal.SIGINT)


def build(configuration, distributed=True, hidden=4, extensions=()):
    """A small MLP trained on a shuffled stream, validated on another."""
    arrays = data()
    train = IndexableDataset(OrderedDict(
        (name, array[:NUM_EXAMPLES]) for name, array in arrays.items()))
    valid = IndexableDataset(OrderedDict(
        (name, array[NUM_EXAMPLES:]) for name, array in arrays.items()))
    stream = DataStream(train, iteration_scheme=ShuffledScheme(
        NUM_EXAMPLES, BATCH_SIZE, rng=numpy.random.RandomState(1)))
    valid_stream = DataStream(valid, iteration_scheme=SequentialScheme(
        NUM_VALID, VALID_BATCH))
    mlp = MLP([Tanh(), Identity()], [3, hidden, 2],
              weights_init=IsotropicGaussian(0.5), biases_init=Constant(0.1),
              seed=2)
    mlp.initialize()
    features = tensor.matrix('features')
    targets = tensor.matrix('targets')
    errors = tensor.sqr(mlp.apply(features) - targets).sum(axis=1)
    cost = errors.mean()
    cost.name = 'cost'
    if configuration == 'dropout':
        graph = ComputationGraph(cost)
        hidden_inputs = VariableFilter(
            roles=[INPUT], bricks=[mlp.linear_transformations[1]])(
            graph.variables)
        cost = apply_dropout(graph, hidden_inputs, 0.5, seed=3).outputs[0]
        cost.name = 'cost'
    largest = maximum(errors.max())
    largest.name = 'largest_error'
    smallest = minimum(errors.min())
    smallest.name = 'smallest_error'
    count = total(tensor.cast(errors > 1, 'int64').sum(), name='above_one')
    algorithm = GradientDescent(cost=cost,
                                parameters=ComputationGraph(cost).parameters,
                                step_rule=step_rule(configuration))
    main_loop = MainLoop(
        algorithm, stream, model=Model(cost),
        extensions=[
            FinishAfter(after_n_batches=STEPS),
            TrainingDataMonitoring([cost], prefix='train', after_batch=True),
            DataStreamMonitoring([cost, largest, smallest, count],
                                 valid_stream, prefix='valid',
                                 every_n_batches=10)] + list(extensions))
    return distribute(main_loop) if distributed else main_loop


def results(main_loop):
    """The parameters, monitoring records and random states, as arrays."""
    arrays = OrderedDict(
        ('parameter:' + name, parameter.get_value())
        for name, parameter in main_loop.model.get_parameter_dict().items())
    for iteration, row in main_loop.log.items():
        for key, value in row.items():
            if key.startswith(('train_', 'valid_')):
                arrays['record:{}:{}'.format(iteration, key)] = value
    for rank, states in enumerate(getattr(main_loop, '_rank_random_states',
                                          None) or []):
        arrays['random:{}'.format(rank)] = numpy.array(
            [state.integers(2 ** 62) for state in states])
    return arrays


def main(mode, directory):
    rank, size = rank_and_size()
    if mode in ('train', 'reference'):
        runs = list(CONFIGURATIONS) + (['dropout'] if mode == 'train'
                                       else [])
        for index, configuration in enumerate(runs):
            main_loop = build(configuration, distributed=mode == 'train')
            main_loop.run()
            if rank == 0:
                name = configuration + ('_rerun' if index == len(
                    CONFIGURATIONS) else '')
                numpy.savez(os.path.join(directory, name + '.npz'),
                            **results(main_loop))
    elif mode == 'interrupt':
        main_loop = build('dropout', extensions=[
            StopAt(7, rank=1, how='sigint'),
            Checkpoint(os.path.join(directory, 'checkpoint.zip'),
                       every_n_batches=5)])
        main_loop.run()
        if rank == 0:
            print('interrupted at', main_loop.status['iterations_done'],
                  main_loop.interrupted)
    elif mode == 'mismatch':
        build('sgd', hidden=4 + rank).run()
    elif mode == 'fail':
        build('sgd', extensions=[StopAt(3, rank=1, how='raise')]).run()
    else:
        raise ValueError('unknown mode {!r}'.format(mode))


if __name__ == '__main__':
    main(*sys.argv[1:])
