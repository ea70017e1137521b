"""Helpers for testing the main loop and its extensions.

Everything here is defined at module level so that main loops built with it
pickle, like checkpoints do.

"""
from collections import OrderedDict

import numpy
from aesara import tensor

from blocks.data.datasets import IndexableDataset, IterableDataset
from blocks.data.schemes import SequentialScheme
from blocks.data.streams import DataStream
from blocks.extensions import SimpleExtension, TrainingExtension
from blocks.utils import shared_floatx


class FakeAlgorithm:
    """A training algorithm that only remembers the batches it was given.

    Parameters
    ----------
    inputs : list of variables, optional
        What the algorithm claims to need from the data.
    fail_at : int, optional
        Raise a RuntimeError when asked to process the batch with this
        (zero-based) number.

    """
    def __init__(self, inputs=None, fail_at=None):
        if inputs is not None:
            self.inputs = inputs
        self.fail_at = fail_at
        self.initialized = 0
        self.batches = []

    def initialize(self):
        self.initialized += 1

    def process_batch(self, batch):
        if self.fail_at is not None and len(self.batches) == self.fail_at:
            raise RuntimeError('the fake algorithm fails on purpose')
        self.batches.append({name: numpy.array(value, copy=True)
                             for name, value in batch.items()})


def examples_stream(num_examples=4):
    """A stream of single examples 0, 1, ... with no iteration scheme."""
    return DataStream(IterableDataset(
        {'data': list(range(num_examples))}))


def batches_stream(num_examples=5, batch_size=2):
    """A stream of batches of the source 'data' with a known length."""
    return DataStream(IndexableDataset(
        {'data': numpy.arange(float(num_examples))}),
        iteration_scheme=SequentialScheme(num_examples, batch_size))


class Recorder(SimpleExtension):
    """Remember every call of :meth:`do`, with the training status."""
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = []

    def do(self, which_callback, *args):
        status = self.main_loop.status
        self.calls.append((str(which_callback), status['iterations_done'],
                           status['epochs_done'], args))


class CallbackRecorder(TrainingExtension):
    """Remember the name of every callback invoked."""
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.callbacks = []

    def dispatch(self, callback_name, *args):
        self.callbacks.append(str(callback_name))
        super().dispatch(callback_name, *args)


class WriteRecord(SimpleExtension):
    """Write given values in the log, one per call of :meth:`do`."""
    def __init__(self, record_name, values, **kwargs):
        super().__init__(**kwargs)
        self.record_name = record_name
        self.values = list(values)

    def do(self, which_callback, *args):
        if self.values:
            self.main_loop.log.current_row[self.record_name] = \
                self.values.pop(0)


def regression_data(num_examples=5, seed=1):
    """Features and targets for a linear regression with two features."""
    rng = numpy.random.RandomState(seed)
    features = rng.uniform(-1, 1, size=(num_examples, 2))
    targets = features.dot([1.5, -0.5]) + 0.1 * rng.normal(size=num_examples)
    return features, targets


def regression_stream(num_examples=5, batch_size=2, seed=1, scheme=None):
    """A stream of batches of 'features' and 'targets'."""
    features, targets = regression_data(num_examples, seed)
    if scheme is None:
        scheme = SequentialScheme(num_examples, batch_size)
    return DataStream(IndexableDataset(OrderedDict(
        [('features', features), ('targets', targets)])),
        iteration_scheme=scheme)


def regression_model():
    """The variables of a linear regression with a squared error cost.

    Returns
    -------
    features : matrix variable named 'features'
    targets : vector variable named 'targets'
    weights : shared vector of two weights, zeros
    cost : the mean squared error over the batch, named 'cost'

    """
    features = tensor.matrix('features')
    targets = tensor.vector('targets')
    weights = shared_floatx(numpy.zeros(2), name='weights')
    cost = tensor.sqr(features.dot(weights) - targets).mean()
    cost.name = 'cost'
    return features, targets, weights, cost


def numpy_cost(weights, features, targets):
    """The cost of :func:`regression_model`, computed with NumPy."""
    return numpy.mean((features.dot(weights) - targets) ** 2)


def numpy_gradient(weights, features, targets):
    """The gradient of :func:`numpy_cost` with respect to the weights."""
    residuals = features.dot(weights) - targets
    return 2 * features.T.dot(residuals) / len(targets)
