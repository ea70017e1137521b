"""LeNet-5: Blocks vs raw Aesara vs PyTorch.

A 5 x 5 convolution to 6 maps (zero padding 2), 2 x 2 max pooling, a 5 x 5
convolution to 16 maps, 2 x 2 max pooling, then 400-120-84-10 fully
connected layers; rectifiers, a softmax and the categorical cross-entropy;
float32, batches of 128 random 28 x 28 "images" labelled by a fixed random
linear teacher, one SGD step (learning rate 0.01) per batch.

Blocks' convolutions flip their filters (true convolutions) and PyTorch's do
not, so PyTorch is given the flipped filters.

Usage, from the repository root::

    python -m benchmarks.lenet [--repeats 3] [--steps N]

"""
import numpy
from numpy.lib.stride_tricks import sliding_window_view

from benchmarks.harness import (BenchmarkModel, Target, Trainer, main,
                                register)

SHAPES = {'W0': (6, 1, 5, 5), 'b0': (6,), 'W1': (16, 6, 5, 5), 'b1': (16,),
          'W2': (400, 120), 'b2': (120,), 'W3': (120, 84), 'b3': (84,),
          'W4': (84, 10), 'b4': (10,)}


def _convolve(images, filters, biases, padding):
    """A true convolution in numpy: the correlation with flipped filters."""
    padded = numpy.pad(images, ((0, 0), (0, 0), (padding,) * 2,
                                (padding,) * 2))
    windows = sliding_window_view(padded, filters.shape[2:], axis=(2, 3))
    return numpy.einsum('nchwij,fcij->nfhw', windows,
                        filters[:, :, ::-1, ::-1]) + biases[:, None, None]


def _pool(maps):
    batch, channels, rows, columns = maps.shape
    return maps.reshape(batch, channels, rows // 2, 2, columns // 2,
                        2).max(axis=(3, 5))


@register
class LeNet5(BenchmarkModel):
    name = 'lenet'
    description = ('LeNet-5 (conv 5x5x6 pad 2, maxpool, conv 5x5x16, '
                   'maxpool, 400-120-84-10), rectifiers, float32, batch 128, '
                   'SGD lr 0.01, 28x28 synthetic images')
    batch_size = 128
    num_batches = 5
    learning_rate = 0.01
    steps = 60
    tiny_sizes = dict(batch_size=4, num_batches=2)
    targets = (Target('training steps/s, Blocks / PyTorch >= 0.5 (paired '
                      'chunks; goal 1.0)', 'steps_ratio', 'min', 0.5),)

    def parameter_names(self):
        return list(SHAPES)

    def make_data(self, rng):
        data = {name: (rng.normal(0, numpy.sqrt(2 / numpy.prod(shape[1:])
                                                if len(shape) == 4 else
                                                2 / shape[0]), shape)
                       if name.startswith('W') else numpy.zeros(shape)
                       ).astype('float32') for name, shape in SHAPES.items()}
        features = rng.uniform(size=(self.num_batches, self.batch_size, 1, 28,
                                     28)).astype('float32')
        teacher = rng.normal(size=(784, 10))
        targets = numpy.argmax((features.reshape(-1, 784) - 0.5) @ teacher,
                               axis=1).reshape(self.num_batches, -1)
        data.update(features=features, targets=targets.astype('int64'))
        return data

    def loss(self, parameters, data):
        W0, b0, W1, b1, *dense = [value.astype('float64')
                                  for value in parameters]
        hidden = data['features'].reshape(-1, 1, 28, 28).astype('float64')
        hidden = _pool(numpy.maximum(_convolve(hidden, W0, b0, 2), 0))
        hidden = _pool(numpy.maximum(_convolve(hidden, W1, b1, 0), 0))
        hidden = hidden.reshape(len(hidden), -1)
        for layer in range(3):
            hidden = hidden @ dense[2 * layer] + dense[2 * layer + 1]
            if layer < 2:
                hidden = numpy.maximum(hidden, 0)
        hidden -= hidden.max(axis=1, keepdims=True)
        log_probabilities = hidden - numpy.log(
            numpy.exp(hidden).sum(axis=1, keepdims=True))
        targets = data['targets'].reshape(-1)
        return float(-log_probabilities[numpy.arange(len(targets)),
                                        targets].mean())

    def build_blocks(self, data):
        return BlocksLeNetTrainer(self, data)

    def build_blocks_jax(self, data):
        return BlocksLeNetTrainer(self, data, mode='JAX')

    def build_aesara(self, data):
        return AesaraLeNetTrainer(self, data)

    def build_torch(self, data):
        return TorchLeNetTrainer(self, data)


class _AesaraTrainer(Trainer):
    """Steps of a compiled Aesara function on the saved batches."""
    def __init__(self, model, data):
        self.model = model
        self.batches = [(features, targets[:, None]) for features, targets
                        in zip(data['features'], data['targets'])]

    def step(self, index):
        self.function(*self.batches[index])

    def parameters(self):
        return [shared.get_value() for shared in self.shared]


class BlocksLeNetTrainer(_AesaraTrainer):
    """Bricks trained by ``GradientDescent`` with ``Scale``."""
    def __init__(self, model, data, mode=None):
        import blocks  # noqa: F401
        from aesara import tensor

        from blocks.algorithms import GradientDescent, Scale
        from blocks.bricks import MLP, Rectifier, Softmax
        from blocks.bricks.conv import (Convolutional, ConvolutionalSequence,
                                        Flattener, MaxPooling)
        from blocks.bricks.cost import CategoricalCrossEntropy

        super().__init__(model, data)
        convolutions = ConvolutionalSequence(
            [Convolutional((5, 5), 6, border_mode=2), Rectifier(),
             MaxPooling((2, 2)), Convolutional((5, 5), 16), Rectifier(),
             MaxPooling((2, 2))],
            num_channels=1, image_size=(28, 28), tied_biases=True)
        mlp = MLP([Rectifier(), Rectifier(), Softmax()], [400, 120, 84, 10])
        features, targets = tensor.tensor4('features'), tensor.lmatrix(
            'targets')
        cost = CategoricalCrossEntropy().apply(targets.flatten(), mlp.apply(
            Flattener().apply(convolutions.apply(features))))
        self.shared = [brick.parameters[index] for brick in
                       [convolutions.layers[0], convolutions.layers[3]] +
                       mlp.linear_transformations for index in (0, 1)]
        for shared, name in zip(self.shared, model.parameter_names()):
            shared.set_value(data[name])
        self.algorithm = GradientDescent(
            cost=cost, parameters=self.shared,
            step_rule=Scale(learning_rate=model.learning_rate), mode=mode)

        self.batches = [{'features': features, 'targets': targets}
                        for features, targets in self.batches]

    def compile(self):
        self.algorithm.initialize()

    def step(self, index):
        self.algorithm.process_batch(self.batches[index])


class AesaraLeNetTrainer(_AesaraTrainer):
    """The same graph written directly in Aesara: one function, updates."""
    def __init__(self, model, data):
        import aesara
        from aesara import tensor
        from aesara.tensor.nnet import categorical_crossentropy, conv2d
        from aesara.tensor.signal.pool import pool_2d
        from aesara.tensor.special import softmax

        super().__init__(model, data)
        self.shared = [aesara.shared(data[name], name=name)
                       for name in model.parameter_names()]
        W0, b0, W1, b1, *dense = self.shared
        self.features = tensor.tensor4('features')
        self.targets = tensor.lmatrix('targets')
        hidden = self.features
        for filters, biases, padding in ((W0, b0, 2), (W1, b1, 0)):
            hidden = pool_2d(tensor.maximum(conv2d(
                hidden, filters, border_mode=padding) +
                biases.dimshuffle('x', 0, 'x', 'x'), 0), (2, 2),
                ignore_border=True)
        hidden = hidden.flatten(2)
        for layer in range(3):
            hidden = (tensor.dot(hidden, dense[2 * layer]) +
                      dense[2 * layer + 1])
            if layer < 2:
                hidden = tensor.maximum(hidden, 0)
        cost = categorical_crossentropy(softmax(hidden, axis=-1),
                                        self.targets.flatten()).mean()
        rate = numpy.asarray(model.learning_rate, dtype='float32')
        self.updates = [(shared, shared - rate * gradient) for shared, gradient
                        in zip(self.shared, aesara.grad(cost, self.shared))]

    def compile(self):
        import aesara
        self.function = aesara.function([self.features, self.targets],
                                        updates=self.updates)


class TorchLeNetTrainer(Trainer):
    """``torch.nn.Sequential`` trained by ``optim.SGD``."""
    def __init__(self, model, data):
        import torch
        nn = torch.nn

        self.layers = [nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(),
                       nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                       nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120),
                       nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                       nn.Linear(84, 10)]
        self.weighted = [layer for layer in self.layers
                         if isinstance(layer, (nn.Conv2d, nn.Linear))]
        with torch.no_grad():
            for layer, index in zip(self.weighted, range(5)):
                weight = data['W{}'.format(index)]
                weight = weight[:, :, ::-1, ::-1] if weight.ndim == 4 \
                    else weight.T
                layer.weight.copy_(torch.from_numpy(weight.copy()))
                layer.bias.copy_(torch.from_numpy(data['b{}'.format(index)]))
        self.network = nn.Sequential(*self.layers)
        self.optimizer = torch.optim.SGD(self.network.parameters(),
                                         lr=model.learning_rate)
        self.cross_entropy = nn.functional.cross_entropy
        self.batches = [(torch.from_numpy(features), torch.from_numpy(targets))
                        for features, targets in zip(data['features'],
                                                     data['targets'])]

    def step(self, index):
        features, targets = self.batches[index]
        self.optimizer.zero_grad()
        self.cross_entropy(self.network(features), targets).backward()
        self.optimizer.step()

    def parameters(self):
        values = []
        for layer in self.weighted:
            weight = layer.weight.detach().numpy()
            weight = weight[:, :, ::-1, ::-1] if weight.ndim == 4 \
                else weight.T
            values.extend([weight.copy(), layer.bias.detach().numpy().copy()])
        return values


if __name__ == '__main__':
    raise SystemExit(main(default_models=['lenet']))
