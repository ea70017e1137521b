"""Train a LeNet-style convolutional network to classify handwritten digits.

Two blocks of convolution, (optionally) spatial batch normalization,
rectifier and max pooling, followed by a hidden layer (batch normalized
too) and a softmax output layer, trained with Adam. By default it trains
on the 8 x 8 digits that ship with scikit-learn, so it needs no download;
with ``--dataset mnist`` it trains on MNIST's 28 x 28 images from the IDX
files in ``config.data_path`` (``BLOCKS_DATA_PATH``).

With batch normalization (the default, ``--no-batch-norm`` to leave it
out), the training graph normalizes with minibatch statistics, and the
population statistics that the test-set monitoring uses are running
averages of them, updated by the same function that takes the gradient
steps.

Usage::

    python examples/lenet.py [--epochs N] [--dataset digits|mnist]
                             [--no-batch-norm] [--checkpoint PATH]

"""
import argparse
import logging
import math

# Blocks configures Aesara (its BLAS, its CPU convolution) on import, so it
# comes before Aesara.
import blocks  # noqa: F401
import numpy
from aesara import tensor

from blocks.algorithms import Adam, GradientDescent
from blocks.bricks import (BatchNormalizedMLP, Linear, MLP, Rectifier,
                           Softmax, SpatialBatchNormalization)
from blocks.bricks.conv import (Convolutional, ConvolutionalSequence,
                                Flattener, MaxPooling)
from blocks.bricks.cost import CategoricalCrossEntropy, MisclassificationRate
from blocks.data.datasets import Digits, MNIST
from blocks.data.schemes import SequentialScheme, ShuffledScheme
from blocks.data.streams import DataStream
from blocks.extensions import FinishAfter, Printing, ProgressBar, Timing
from blocks.extensions.monitoring import (DataStreamMonitoring,
                                          TrainingDataMonitoring)
from blocks.extensions.saveload import Checkpoint
from blocks.graph import ComputationGraph
from blocks.graph.bn import (apply_batch_normalization,
                             get_batch_normalization_updates)
from blocks.initialization import Constant, IsotropicGaussian
from blocks.main_loop import MainLoop
from blocks.model import Model

#: Per data set: image size, filter sizes, border mode, feature maps, and
#: the hidden layers of the MLP.
ARCHITECTURES = {
    'digits': dict(image_size=(8, 8), filter_sizes=((3, 3), (3, 3)),
                   border_mode='half', feature_maps=(32, 64),
                   hidden_dims=(100,)),
    'mnist': dict(image_size=(28, 28), filter_sizes=((5, 5), (5, 5)),
                  border_mode='valid', feature_maps=(20, 50),
                  hidden_dims=(500,)),
}


def he_gaussian(fan_in):
    """Gaussian weights that keep the variance through rectifiers."""
    return IsotropicGaussian(math.sqrt(2.0 / fan_in))


def build_network(dataset='digits', batch_norm=True, seed=1):
    """The convolutional layers, the MLP and the output layer, initialized.

    Returns
    -------
    list of :class:`~blocks.bricks.Brick`
        The bricks to apply in order: convolutions, a flattener, the
        hidden layers and the output layer.

    """
    architecture = ARCHITECTURES[dataset]
    layers = []
    num_channels = 1
    for index, (filter_size, num_filters) in enumerate(zip(
            architecture['filter_sizes'], architecture['feature_maps'])):
        fan_in = num_channels * filter_size[0] * filter_size[1]
        layers.append(Convolutional(
            filter_size, num_filters, border_mode=architecture['border_mode'],
            weights_init=he_gaussian(fan_in), biases_init=Constant(0),
            name='conv_{}'.format(index)))
        if batch_norm:
            layers.append(SpatialBatchNormalization(
                name='batch_norm_{}'.format(index)))
        layers.extend([Rectifier(name='rectifier_{}'.format(index)),
                       MaxPooling((2, 2), name='pooling_{}'.format(index))])
        num_channels = num_filters
    convolutions = ConvolutionalSequence(
        layers, num_channels=1, image_size=architecture['image_size'],
        tied_biases=True, seed=seed, name='convolutions')
    convolutions.initialize()

    dims = ([math.prod(convolutions.get_dim('output'))] +
            list(architecture['hidden_dims']))
    mlp_class = BatchNormalizedMLP if batch_norm else MLP
    mlp = mlp_class([Rectifier() for _ in dims[1:]], dims,
                    biases_init=Constant(0), seed=seed + 1, name='mlp')
    mlp.push_initialization_config()
    for linear, fan_in in zip(mlp.linear_transformations, dims):
        linear.weights_init = he_gaussian(fan_in)
    mlp.initialize()
    # The output layer is not normalized: its biases learn the classes'
    # frequencies.
    output = Linear(dims[-1], 10, weights_init=he_gaussian(dims[-1]),
                    biases_init=Constant(0), seed=seed + 2, name='output')
    output.initialize()
    return [convolutions, Flattener(), mlp, output, Softmax()]


def build_main_loop(dataset='digits', num_epochs=30, num_batches=None,
                    batch_norm=True, batch_size=50, learning_rate=0.001,
                    population_rate=0.05, checkpoint_path='lenet.zip',
                    progress_bar=True, train_subset=None, test_subset=None,
                    extensions=(), seed=1):
    """Build the LeNet main loop (not yet run).

    Parameters
    ----------
    dataset : {'digits', 'mnist'}
        scikit-learn's 8 x 8 digits, or MNIST from ``config.data_path``.
    num_epochs : int
        Stop after this many passes over the training set.
    num_batches : int, optional
        Stop after this many batches instead.
    batch_norm : bool
        Normalize the convolutions' and the MLP's pre-activations.
    batch_size : int
        Training examples per step.
    learning_rate : float
        Adam's step size.
    population_rate : float
        The weight of each minibatch in the running averages that are the
        population statistics of batch normalization.
    checkpoint_path : str or None
        Where to write a checkpoint after every epoch; None for none.
    progress_bar : bool
        Show a progress bar.
    train_subset, test_subset : slice, optional
        Use only these examples of the training and test sets.
    extensions : list
        More extensions, appended to the example's own.
    seed : int
        Seeds the initial parameters and the order of the examples.

    """
    if dataset not in ARCHITECTURES:
        raise ValueError("dataset must be 'digits' or 'mnist', got {!r}"
                         .format(dataset))
    dataset_class = Digits if dataset == 'digits' else MNIST
    train_set = dataset_class(('train',), subset=train_subset)
    test_set = dataset_class(('test',), subset=test_subset)

    if dataset == 'digits':
        features = tensor.matrix('features')
        probabilities = features.reshape((features.shape[0], 1, 8, 8))
    else:
        probabilities = tensor.tensor4('features')
    for brick in build_network(dataset, batch_norm, seed):
        probabilities = brick.apply(probabilities)
    targets = tensor.lmatrix('targets')
    cost = CategoricalCrossEntropy().apply(targets.flatten(), probabilities)
    cost.name = 'cost'
    error_rate = MisclassificationRate().apply(targets.flatten(),
                                               probabilities)
    error_rate.name = 'error_rate'

    inference = ComputationGraph([cost, error_rate])
    training = apply_batch_normalization(inference) if batch_norm \
        else inference
    train_cost, train_error_rate = training.outputs
    algorithm = GradientDescent(
        cost=train_cost, parameters=training.parameters,
        step_rule=Adam(learning_rate=learning_rate))
    if batch_norm:
        algorithm.add_updates([
            (population, (1 - population_rate) * population +
             population_rate * estimate)
            for population, estimate
            in get_batch_normalization_updates(training)])

    train_stream = DataStream.default_stream(
        train_set, iteration_scheme=ShuffledScheme(
            train_set.num_examples, batch_size,
            rng=numpy.random.RandomState(seed)))
    test_stream = DataStream.default_stream(
        test_set, iteration_scheme=SequentialScheme(test_set.num_examples,
                                                    500))
    finish = FinishAfter(after_n_batches=num_batches) if num_batches \
        else FinishAfter(after_n_epochs=num_epochs)
    all_extensions = [
        Timing(), finish,
        TrainingDataMonitoring([train_cost, train_error_rate],
                               prefix='train', after_epoch=True),
        DataStreamMonitoring([cost, error_rate], test_stream,
                             prefix='test')]
    if checkpoint_path:
        all_extensions.append(Checkpoint(checkpoint_path, every_n_epochs=1))
    if progress_bar:
        all_extensions.append(ProgressBar())
    all_extensions.append(Printing())
    all_extensions.extend(extensions)
    return MainLoop(algorithm, train_stream, model=Model(train_cost),
                    extensions=all_extensions)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--epochs', type=int, default=30,
                        help='number of training epochs (default: 30)')
    parser.add_argument('--dataset', choices=sorted(ARCHITECTURES),
                        default='digits',
                        help='training data (default: digits)')
    parser.add_argument('--no-batch-norm', action='store_true',
                        help='leave batch normalization out')
    parser.add_argument('--checkpoint', default='lenet.zip',
                        help='checkpoint path (default: lenet.zip); '
                        'empty for none')
    parser.add_argument('--no-progress-bar', action='store_true')
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    main_loop = build_main_loop(dataset=args.dataset, num_epochs=args.epochs,
                                batch_norm=not args.no_batch_norm,
                                checkpoint_path=args.checkpoint or None,
                                progress_bar=not args.no_progress_bar)
    main_loop.run()
    # An interrupted epoch has no test error in the last row of the log.
    error = main_loop.log.current_row.get('test_error_rate')
    if error is not None:
        print('Test accuracy after {} epochs: {:.2%}'.format(
            main_loop.status['epochs_done'], 1 - float(error)))
    return main_loop


if __name__ == '__main__':
    main()
