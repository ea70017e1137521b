"""What live plotting costs training: the spec's x ** a example, one point
per batch, with and without ``Plot(after_batch=True)``.

Usage, from the repository root::

    python -m benchmarks.plot_overhead [--batches 3000] [--repeats 3]

Both variants share one process and one compiled training function (the
first, untimed, run compiles it); runs alternate, and the median time of
``MainLoop.run`` is reported. A browser page may be open on the printed
address meanwhile: its updates are the server thread's work.

"""
import argparse
import statistics
import time

import blocks  # noqa: F401 (configures Aesara before it is imported)
import numpy
import aesara
from aesara import tensor

from blocks.algorithms import GradientDescent, Scale
from blocks.data.datasets import IterableDataset
from blocks.data.streams import DataStream
from blocks.extensions import FinishAfter
from blocks.extensions.monitoring import TrainingDataMonitoring
from blocks.extensions.plot import Plot
from blocks.main_loop import MainLoop
from blocks.plot.server import stop_servers


def run(algorithm, cost, a, batches, plot):
    extensions = [FinishAfter(after_n_epochs=1),
                  TrainingDataMonitoring([cost, a], after_batch=True)]
    if plot:
        extensions.append(Plot('Overhead', [['cost'], ['a']],
                               server_url='http://localhost:0/',
                               after_batch=True))
    a.set_value(3.)
    main_loop = MainLoop(algorithm, DataStream(IterableDataset(
        numpy.random.RandomState(1).rand(batches))), extensions=extensions)
    start = time.perf_counter()
    main_loop.run()
    elapsed = time.perf_counter() - start
    # The time Plot took, as the main loop's profile counts it: starting
    # the server (before training) apart from following the batches.
    in_plot = {section[-2]: seconds for section, seconds in
               main_loop.profile.total.items() if section[-1] == 'Plot'}
    return elapsed, in_plot


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batches', type=int, default=3000)
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args(argv)
    a = aesara.shared(3., name='a')
    x = tensor.scalar('data', dtype='float64')
    cost = abs(x ** 2 - x ** a)
    cost.name = 'cost'
    algorithm = GradientDescent(cost=cost, parameters=[a],
                                step_rule=Scale(learning_rate=0.01))
    algorithm.initialize()
    run(algorithm, cost, a, 10, plot=False)
    times = {False: [], True: []}
    in_plot = []
    try:
        for _ in range(args.repeats):
            for plot in (False, True):
                elapsed, sections = run(algorithm, cost, a, args.batches,
                                        plot)
                times[plot].append(elapsed)
                if plot:
                    in_plot.append(sections)
    finally:
        stop_servers()
    for plot in (False, True):
        median = statistics.median(times[plot])
        print('{:<12} {:7.3f} s  {:8.0f} batches/s'.format(
            'with Plot' if plot else 'without', median,
            args.batches / median))
    per_batch = statistics.median(sections.get('after_batch', 0.)
                                  for sections in in_plot) / args.batches
    print('Plot: {:.1f} us per batch; starting the server: {:.3f} s'.format(
        per_batch * 1e6, statistics.median(
            sections.get('before_training', 0.) for sections in in_plot)))


if __name__ == '__main__':
    main()
