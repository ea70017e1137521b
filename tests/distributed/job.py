"""Training jobs that the distributed tests start with ``mpirun``.

``python -m tests.distributed.job MODE DIRECTORY`` (from the repository
root, so that checkpoints name this module) runs one of:

- ``train``: the configurations ``sgd`` (with training and validation
  monitoring), ``momentum``, ``adam`` and ``dropout`` (with training
  monitoring), distributed; then ``dropout`` again, stopped by a SIGINT
  that only rank 1 receives after batch 7, with a checkpoint in
  DIRECTORY/checkpoint.zip. Rank 0 saves the final parameters, the log
  records and the random states of all ranks of each run to
  DIRECTORY/CONFIGURATION.npz (``interrupted.npz`` for the last).
- ``mismatch``: rank 1 builds a wider hidden layer.
- ``fail``: rank 1 raises in its main loop, before the first batch.
- ``build_error``: rank 1 raises while building its model, before
  :func:`~blocks.distributed.distribute` is called.

:func:`build` with ``distributed=False`` gives the one-process reference.

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
#: The iteration after which rank 1 is interrupted or fails.
STOP_AT = 7


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
    """On one rank, after a given batch: send SIGINT to itself or raise.

    Iteration 0 is before training (``before_training``).

    """
    def __init__(self, iteration, rank, how, **kwargs):
        kwargs.setdefault('after_batch', True)
        kwargs.setdefault('before_training', iteration == 0)
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
    errors = tensor.square(mlp.apply(features) - targets).sum(axis=1)
    cost = errors.mean()
    cost.name = 'cost'
    if configuration == 'dropout':
        graph = ComputationGraph(cost)
        hidden_inputs = VariableFilter(
            roles=[INPUT], bricks=[mlp.linear_transformations[1]])(
            graph.variables)
        cost = apply_dropout(graph, hidden_inputs, 0.5, seed=3).outputs[0]
        cost.name = 'cost'
    monitoring = []
    if configuration in ('sgd', 'dropout'):
        monitoring.append(TrainingDataMonitoring([cost], prefix='train',
                                                 after_batch=True))
    if configuration == 'sgd':
        largest = maximum(errors.max())
        largest.name = 'largest_error'
        smallest = minimum(errors.min())
        smallest.name = 'smallest_error'
        count = total(tensor.cast(errors > 1, 'int64').sum(),
                      name='above_one')
        monitoring.append(DataStreamMonitoring(
            [cost, largest, smallest, count], valid_stream, prefix='valid',
            every_n_batches=10))
    algorithm = GradientDescent(cost=cost,
                                parameters=ComputationGraph(cost).parameters,
                                step_rule=step_rule(configuration))
    main_loop = MainLoop(
        algorithm, stream, model=Model(cost),
        extensions=[FinishAfter(after_n_batches=STEPS)] + monitoring +
        list(extensions))
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


def save(main_loop, directory, name):
    if rank_and_size()[0] == 0:
        numpy.savez(os.path.join(directory, name + '.npz'),
                    **results(main_loop))


def main(mode, directory):
    rank, size = rank_and_size()
    if mode == 'train':
        for configuration in CONFIGURATIONS:
            main_loop = build(configuration)
            main_loop.run()
            save(main_loop, directory, configuration)
        main_loop = build('dropout', extensions=[
            StopAt(STOP_AT, rank=1, how='sigint'),
            Checkpoint(os.path.join(directory, 'checkpoint.zip'),
                       every_n_batches=5)])
        main_loop.run()
        save(main_loop, directory, 'interrupted')
        if rank == 0:
            print('interrupted after batch {} by {}'.format(
                main_loop.status['iterations_done'], main_loop.interrupted))
    elif mode == 'mismatch':
        build('momentum', hidden=4 + rank).run()
    elif mode == 'fail':
        build('momentum', extensions=[StopAt(0, rank=1, how='raise')]).run()
    elif mode == 'build_error':
        if rank == 1:
            raise RuntimeError('rank 1 cannot build its model')
        build('momentum').run()
    else:
        raise ValueError('unknown mode {!r}'.format(mode))


if __name__ == '__main__':
    # Run the functions of the importable module, so that checkpoints name
    # tests.distributed.job rather than __main__.
    from tests.distributed import job
    job.main(*sys.argv[1:])
