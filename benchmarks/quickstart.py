"""The quickstart MLP (``examples/mnist.py``): Blocks vs raw Aesara vs PyTorch.

A 64-100-10 tanh/softmax MLP on scikit-learn's 8x8 digits (the first 1500
images, as :class:`blocks.data.datasets.Digits` splits them), batches of
32, SGD with learning rate 0.1.

The Blocks build is the quickstart's: ``GradientDescent`` inside a
``MainLoop`` with ``TrainingDataMonitoring`` of the cost and
``DataStreamMonitoring`` of the cost and the error rate on the 297 test
images. Its *compile* is everything Aesara compiles for that main loop (the
training function, which carries the training monitor's accumulators, and
the monitors' own functions), measured over one epoch of ``main_loop.run()``.
The timed steps then call the main loop's ``algorithm.process_batch``
directly, from the initial parameters again. Raw Aesara compiles the
training function and one monitoring function (cost and error rate);
PyTorch trains eagerly.

With so small a model a step costs tens of microseconds: the steps per
second measure each framework's per-call overhead more than its arithmetic.

Usage, from the repository root::

    python -m benchmarks.quickstart [--repeats 3] [--steps N]

"""
from collections import OrderedDict

import numpy

from benchmarks.harness import Target, main, register
from benchmarks.mlp import (AesaraMLPTrainer, BlocksMLPTrainer, MLP_TARGETS,
                            MLPBenchmark)



@register
class Quickstart(MLPBenchmark):
    name = 'quickstart'
    description = ('quickstart MLP (examples/mnist.py): 64-100-10 '
                   'tanh/softmax on the 8x8 digits, float32, batch 32, SGD '
                   "lr 0.1, with the quickstart's training and test-set "
                   'monitoring')
    dims = (64, 100, 10)
    activation = 'tanh'
    batch_size = 32
    learning_rate = 0.1
    steps = 3000
    warmup_steps = 50
    num_train = 1500
    tiny_sizes = dict(num_train=96)
    targets = MLP_TARGETS + (
        Target('cached compile, training + monitoring <= 2 s',
               'cached_compile_s', 'max', 2.0),
        Target('first compile, training + monitoring <= 15 s',
               'first_compile_s', 'max', 15.0),
    )

    def initial_parameters(self, rng):
        """``IsotropicGaussian(0.01)`` weights and zero biases, as the
        quickstart initialises them."""
        parameters = {}
        for layer, (fan_in, fan_out) in enumerate(zip(self.dims[:-1],
                                                      self.dims[1:])):
            parameters['W{}'.format(layer)] = rng.normal(
                0, 0.01, (fan_in, fan_out)).astype('float32')
            parameters['b{}'.format(layer)] = numpy.zeros(fan_out, 'float32')
        return parameters

    def make_data(self, rng):
        # Only the parent process imports scikit-learn; workers read the
        # arrays from the saved file, so it does not count in their memory.
        from sklearn.datasets import load_digits

        digits = load_digits()
        features = (digits.data / 16.0).astype('float32')
        targets = digits.target.astype('int64')
        order = rng.permutation(self.num_train)
        num_batches = self.num_train // self.batch_size
        used = order[:num_batches * self.batch_size]
        data = self.initial_parameters(rng)
        data.update(
            features=features[used].reshape(num_batches, self.batch_size, -1),
            targets=targets[used].reshape(num_batches, self.batch_size),
            test_features=features[self.num_train:],
            test_targets=targets[self.num_train:])
        return data

    def build_blocks(self, data):
        return BlocksQuickstartTrainer(self, data)

    def build_aesara(self, data):
        return AesaraQuickstartTrainer(self, data)


class BlocksQuickstartTrainer(BlocksMLPTrainer):
    """The quickstart's main loop, its monitors and its algorithm."""
    def __init__(self, model, data):
        from blocks.bricks.cost import MisclassificationRate
        from blocks.data.datasets import IndexableDataset
        from blocks.data.schemes import SequentialScheme
        from blocks.data.streams import DataStream
        from blocks.extensions import FinishAfter
        from blocks.extensions.monitoring import (DataStreamMonitoring,
                                                  TrainingDataMonitoring)
        from blocks.main_loop import MainLoop
        from blocks.model import Model

        super().__init__(model, data)
        self.data = data
        error_rate = MisclassificationRate().apply(
            self.targets.flatten(), self.probabilities)
        error_rate.name = 'error_rate'
        train_set = IndexableDataset(OrderedDict([
            ('features', data['features'].reshape(-1, model.dims[0])),
            ('targets', data['targets'].reshape(-1, 1))]))
        test_set = IndexableDataset(OrderedDict([
            ('features', data['test_features']),
            ('targets', data['test_targets'][:, None])]))
        self.main_loop = MainLoop(
            self.algorithm,
            DataStream(train_set, iteration_scheme=SequentialScheme(
                train_set.num_examples, model.batch_size)),
            model=Model(self.cost),
            extensions=[
                FinishAfter(after_n_epochs=1),
                TrainingDataMonitoring([self.cost], prefix='train',
                                       after_epoch=True),
                DataStreamMonitoring(
                    [self.cost, error_rate],
                    DataStream(test_set, iteration_scheme=SequentialScheme(
                        test_set.num_examples, 1024)),
                    prefix='test')])

    def compile(self):
        self.main_loop.run()
        self.set_parameters(self.data)


class AesaraQuickstartTrainer(AesaraMLPTrainer):
    """The training function and a test-set monitoring function."""
    def __init__(self, model, data):
        from aesara import tensor

        super().__init__(model, data)
        self.error_rate = tensor.neq(
            tensor.argmax(self.probabilities, axis=1),
            self.targets.flatten()).mean()
        self.test_batch = (data['test_features'],
                           data['test_targets'][:, None])

    def compile(self):
        import aesara

        super().compile()
        self.monitor = aesara.function([self.features, self.targets],
                                       [self.cost, self.error_rate])
        self.monitor(*self.test_batch)


if __name__ == '__main__':
    raise SystemExit(main(default_models=['quickstart']))
