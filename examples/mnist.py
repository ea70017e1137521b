"""Train an MLP to classify handwritten digits: the Blocks quickstart.

By default it trains on the 8 x 8 digits that ship with scikit-learn, so it
needs no download; when ``config.data_path`` (``BLOCKS_DATA_PATH``) holds
the MNIST IDX files, ``--dataset mnist`` trains on MNIST instead.

The training loop monitors the cost and error rate on the test set after
every epoch, prints the log, shows a progress bar and writes a checkpoint
(``mnist.zip`` by default) from which ``blocks-continue mnist.zip`` resumes.

Usage::

    python examples/mnist.py [--epochs N] [--dataset digits|mnist]
                             [--checkpoint PATH]

"""
import argparse
import logging
import sys

from aesara import tensor

from blocks.algorithms import GradientDescent, Scale
from blocks.bricks import MLP, Tanh, Softmax
from blocks.bricks.cost import CategoricalCrossEntropy, MisclassificationRate
from blocks.data.datasets import Digits, MNIST
from blocks.data.schemes import SequentialScheme, ShuffledScheme
from blocks.data.streams import DataStream
from blocks.data.transformers import Flatten
from blocks.extensions import FinishAfter, Printing, ProgressBar, Timing
from blocks.extensions.monitoring import (DataStreamMonitoring,
                                          TrainingDataMonitoring)
from blocks.extensions.saveload import Checkpoint
from blocks.graph import ComputationGraph
from blocks.initialization import IsotropicGaussian, Constant
from blocks.main_loop import MainLoop
from blocks.serialization import SIGNAL_EXIT_STATUS
from blocks.model import Model


def build_main_loop(dataset='digits', num_epochs=30, hidden_dim=100,
                    learning_rate=0.1, batch_size=32,
                    checkpoint_path='mnist.zip', progress_bar=True):
    """Build the quickstart's main loop (not yet run).

    Parameters
    ----------
    dataset : {'digits', 'mnist'}
        scikit-learn's bundled 8 x 8 digits, or MNIST from
        ``config.data_path``.
    num_epochs : int
        Number of passes over the training set.
    hidden_dim : int
        Size of the hidden layer.
    learning_rate : float
        The SGD step size.
    batch_size : int
        Training examples per step.
    checkpoint_path : str or None
        Where to write the checkpoint after every epoch; None for none.
    progress_bar : bool
        Show a progress bar.

    """
    if dataset == 'digits':
        train_set, test_set = Digits(('train',)), Digits(('test',))
    elif dataset == 'mnist':
        train_set, test_set = MNIST(('train',)), MNIST(('test',))
    else:
        raise ValueError("dataset must be 'digits' or 'mnist', got {!r}"
                         .format(dataset))
    input_dim = 1
    for length in train_set.get_data(request=[0])[
            train_set.sources.index('features')].shape[1:]:
        input_dim *= length

    mlp = MLP(activations=[Tanh(), Softmax()],
              dims=[input_dim, hidden_dim, 10],
              weights_init=IsotropicGaussian(0.01), biases_init=Constant(0))
    mlp.initialize()

    x = tensor.matrix('features')
    y = tensor.lmatrix('targets')
    y_hat = mlp.apply(x)
    cost = CategoricalCrossEntropy().apply(y.flatten(), y_hat)
    cost.name = 'cost'
    error_rate = MisclassificationRate().apply(y.flatten(), y_hat)
    error_rate.name = 'error_rate'

    train_stream = Flatten(
        DataStream.default_stream(
            train_set,
            iteration_scheme=ShuffledScheme(train_set.num_examples,
                                            batch_size)),
        which_sources=('features',))
    test_stream = Flatten(
        DataStream.default_stream(
            test_set,
            iteration_scheme=SequentialScheme(test_set.num_examples, 1024)),
        which_sources=('features',))

    algorithm = GradientDescent(
        cost=cost, parameters=ComputationGraph(cost).parameters,
        step_rule=Scale(learning_rate=learning_rate))
    extensions = [Timing(),
                  FinishAfter(after_n_epochs=num_epochs),
                  TrainingDataMonitoring([cost], prefix='train',
                                         after_epoch=True),
                  DataStreamMonitoring([cost, error_rate], test_stream,
                                       prefix='test')]
    if checkpoint_path:
        extensions.append(Checkpoint(checkpoint_path, every_n_epochs=1))
    if progress_bar:
        extensions.append(ProgressBar())
    extensions.append(Printing())
    return MainLoop(algorithm, train_stream, model=Model(cost),
                    extensions=extensions)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--epochs', type=int, default=30,
                        help='number of training epochs (default: 30)')
    parser.add_argument('--dataset', choices=['digits', 'mnist'],
                        default='digits',
                        help='training data (default: digits)')
    parser.add_argument('--checkpoint', default='mnist.zip',
                        help='checkpoint path (default: mnist.zip); '
                        'empty for none')
    parser.add_argument('--no-progress-bar', action='store_true')
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    main_loop = build_main_loop(dataset=args.dataset, num_epochs=args.epochs,
                                checkpoint_path=args.checkpoint or None,
                                progress_bar=not args.no_progress_bar)
    main_loop.run()
    if main_loop.interrupted:
        print('Training was interrupted ({}) after {} batches; resume it '
              'with: blocks-continue {}'.format(
                  main_loop.interrupted, main_loop.status['iterations_done'],
                  args.checkpoint))
        return main_loop
    error = main_loop.log.current_row['test_error_rate']
    print('Test accuracy after {} epochs: {:.2%}'.format(
        main_loop.status['epochs_done'], 1 - float(error)))
    return main_loop


if __name__ == '__main__':
    finished = main()
    if finished.interrupted:
        sys.exit(SIGNAL_EXIT_STATUS.get(finished.interrupted, 1))
