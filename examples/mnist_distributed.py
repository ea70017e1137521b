"""Train the quickstart's digit classifier data-parallel over MPI.

The main loop is the one of ``examples/mnist.py``; the only change is
``distribute(...)`` around it. Start it with ``mpirun``::

    mpirun -np 2 python examples/mnist_distributed.py [--epochs N]
                   [--dataset digits|mnist] [--batch-size B]
                   [--checkpoint PATH]

(as root in a container, add ``--allow-run-as-root``; with more ranks than
cores, ``--oversubscribe``). Each of the ranks trains on its share of every
batch of B examples and the ranks average their gradients, so the result
is the one of ``python examples/mnist.py`` with the same batch size, up to
rounding. Only rank 0 prints and writes the checkpoint, from which
``mpirun -np 2 blocks-continue PATH`` resumes on as many ranks. Run
without ``mpirun``, it trains in one process.

"""
import argparse
import logging
import os
import sys

import blocks  # noqa: F401 (configures BLAS before Aesara is imported)
from blocks.distributed import distribute, rank_and_size
from blocks.serialization import SIGNAL_EXIT_STATUS

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mnist import build_main_loop  # noqa: E402 (the example beside this)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--epochs', type=int, default=10,
                        help='number of training epochs (default: 10)')
    parser.add_argument('--dataset', choices=['digits', 'mnist'],
                        default='digits',
                        help='training data (default: digits)')
    parser.add_argument('--batch-size', type=int, default=64,
                        help='examples per step, over all ranks '
                        '(default: 64)')
    parser.add_argument('--checkpoint', default='mnist_distributed.zip',
                        help='checkpoint path (default: '
                        'mnist_distributed.zip); empty for none')
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    rank, size = rank_and_size()
    main_loop = distribute(build_main_loop(
        dataset=args.dataset, num_epochs=args.epochs,
        batch_size=args.batch_size,
        checkpoint_path=args.checkpoint or None, progress_bar=False))
    main_loop.run()
    if rank > 0:
        return main_loop
    if main_loop.interrupted:
        print('Training was interrupted ({}) after {} batches; resume it '
              'with: mpirun -np {} blocks-continue {}'.format(
                  main_loop.interrupted, main_loop.status['iterations_done'],
                  size, args.checkpoint))
        return main_loop
    error = main_loop.log.current_row['test_error_rate']
    print('Test accuracy after {} epochs on {} rank(s): {:.2%}'.format(
        main_loop.status['epochs_done'], size, 1 - float(error)))
    return main_loop


if __name__ == '__main__':
    finished = main()
    if finished.interrupted:
        sys.exit(SIGNAL_EXIT_STATUS.get(finished.interrupted, 1))
