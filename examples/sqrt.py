"""Fit the exponent ``a`` of f(x) = x ** a to f(x) = x ** 2.

The "live plotting" example of the Blocks documentation, without the plot
server: gradient descent on 150 random points in [0, 1] brings ``a`` from
3 to about 2, and the log records the cost and ``a`` after every batch.

Usage::

    python examples/sqrt.py [--epochs N]

"""
import argparse

import numpy
import aesara

from blocks.algorithms import GradientDescent, Scale
from blocks.data.datasets import IterableDataset
from blocks.data.streams import DataStream
from blocks.extensions import FinishAfter
from blocks.extensions.monitoring import TrainingDataMonitoring
from blocks.main_loop import MainLoop


def build_main_loop(num_epochs=5, seed=1):
    """Build the main loop that fits ``a``; returns it with ``a``."""
    a = aesara.shared(numpy.asarray(3., dtype=aesara.config.floatX))
    a.name = 'a'
    x = aesara.tensor.scalar('data')
    cost = abs(x ** 2 - x ** a)
    cost.name = 'cost'

    rng = numpy.random.RandomState(seed)
    data_stream = DataStream(IterableDataset(
        rng.rand(150).astype(aesara.config.floatX)))

    main_loop = MainLoop(
        model=None, data_stream=data_stream,
        algorithm=GradientDescent(cost=cost, parameters=[a],
                                  step_rule=Scale(learning_rate=0.1)),
        extensions=[FinishAfter(after_n_epochs=num_epochs),
                    TrainingDataMonitoring([cost, a], after_batch=True)])
    return main_loop, a


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--epochs', type=int, default=5)
    args = parser.parse_args(argv)
    main_loop, a = build_main_loop(num_epochs=args.epochs)
    main_loop.run()
    print('a = {:.4f} after {} epochs (the target is 2)'.format(
        float(a.get_value()), main_loop.status['epochs_done']))
    return main_loop


if __name__ == '__main__':
    main()
