"""Data-parallel training of the 784-500-500-10 MLP over MPI ranks.

The model, data and SGD step of :mod:`benchmarks.mlp` (float32, rectifier
hidden layers, softmax output), trained on global batches of
``--batch-size`` examples: under ``mpirun -np N`` each rank computes the
gradients of its 1/N share and the ranks average them with one
``Allreduce`` per step (what :func:`blocks.distributed.distribute` sets up;
here the algorithm is driven directly, without a main loop). Without
``mpirun``, or with ``--plain``, one process trains with the ordinary
one-function ``GradientDescent``.

Rank 0 prints the steps per second of the timed steps (after ``--warmup``
untimed ones; all ranks start and stop together at a barrier) and the mean
time per step spent in the gradient ``Allreduce`` on each rank (which
includes waiting for the slowest rank), then the time of an ``Allreduce``
of the same buffer alone, entered by all ranks together.

Usage, from the repository root (one core and one BLAS thread per rank)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 taskset -c 0 \\
        python -m benchmarks.distributed --batch-size 256
    mpirun --allow-run-as-root -np 2 --bind-to core \\
        -x OMP_NUM_THREADS=1 -x OPENBLAS_NUM_THREADS=1 \\
        python -m benchmarks.distributed --batch-size 256

"""
import argparse
import json
import time

import numpy

import blocks  # noqa: F401 (configures BLAS before Aesara is imported)
from benchmarks.mlp import BlocksMLPTrainer, MLPBenchmark
from blocks.distributed import Distribution, rank_and_size
from blocks.distributed.communication import communicator


def _barrier():
    if rank_and_size()[1] > 1:
        communicator().Barrier()


def measure(batch_size, steps, warmup, plain=False):
    """Train and time; return the measurements of this rank."""
    rank, size = rank_and_size()
    model = MLPBenchmark()
    model.batch_size = batch_size
    model.num_batches = 4
    data = model.make_data(numpy.random.RandomState(0))
    trainer = BlocksMLPTrainer(model, data)
    distribution = None
    if not plain:
        distribution = Distribution()
        trainer.algorithm.distribution = distribution
    trainer.compile()
    for index in range(warmup):
        trainer.step(index % model.num_batches)
    if distribution is not None:
        distribution.allreduce_seconds = 0.
        distribution.allreduce_calls = 0
    _barrier()
    start = time.perf_counter()
    for index in range(steps):
        trainer.step(index % model.num_batches)
    _barrier()
    elapsed = time.perf_counter() - start
    return {'rank': rank, 'ranks': size, 'batch_size': batch_size,
            'steps': steps, 'plain': plain,
            'steps_per_second': steps / elapsed,
            'allreduce_ms_per_step': (
                1000 * distribution.allreduce_seconds / steps
                if distribution is not None else 0.),
            'bare_allreduce_ms': bare_allreduce(trainer.algorithm, steps)}


def bare_allreduce(algorithm, repeats):
    """Milliseconds per ``Allreduce`` of the gradient buffer alone, the
    ranks entering together (no waiting for a slower rank's gradients)."""
    if rank_and_size()[1] == 1 or algorithm.distribution is None:
        return 0.
    from mpi4py import MPI
    flat = numpy.ones(algorithm._gradient_size, algorithm._gradient_dtype)
    total = 0.
    for _ in range(repeats):
        _barrier()
        start = time.perf_counter()
        communicator().Allreduce(MPI.IN_PLACE, flat, op=MPI.SUM)
        total += time.perf_counter() - start
    return 1000 * total / repeats


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch-size', type=int, default=256,
                        help='global batch size (default: 256)')
    parser.add_argument('--steps', type=int, default=40,
                        help='timed steps (default: 40)')
    parser.add_argument('--warmup', type=int, default=5,
                        help='untimed steps first (default: 5)')
    parser.add_argument('--plain', action='store_true',
                        help='one process, GradientDescent without '
                        'distribution (the baseline)')
    args = parser.parse_args(argv)
    result = measure(args.batch_size, args.steps, args.warmup, args.plain)
    gathered = [result]
    if rank_and_size()[1] > 1:
        gathered = communicator().gather(result)
    if rank_and_size()[0] == 0:
        summary = dict(gathered[0])
        for key in ('allreduce_ms_per_step', 'bare_allreduce_ms'):
            summary[key] = [round(item[key], 3) for item in gathered]
        summary['steps_per_second'] = round(summary['steps_per_second'], 3)
        print(json.dumps(summary))


if __name__ == '__main__':
    main()
