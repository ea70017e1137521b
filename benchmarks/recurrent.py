"""Recurrent networks: Blocks vs raw Aesara vs PyTorch.

One recurrent layer over sequences of 50 steps, batches of 32, inputs of
128 features, 256 hidden units, float32: a linear transformation of the
inputs (computed for all steps at once), the recurrent transition, and the
mean squared difference between the states of every step and fixed random
targets; one SGD step (learning rate 0.1) per batch, i.e. forward, backward
through time and update.

- ``lstm``: :class:`~blocks.bricks.recurrent.LSTM` without peepholes vs
  ``torch.nn.LSTM``;
- ``simple_recurrent``: :class:`~blocks.bricks.recurrent.SimpleRecurrent`
  with tanh vs ``torch.nn.RNN``;
- ``gru``: :class:`~blocks.bricks.recurrent.GatedRecurrent` vs
  ``torch.nn.GRU``.

The initial states are zeros and not trained (Blocks' learned initial
states stay out of the trained parameters); PyTorch's second bias
(``bias_hh``, redundant with ``bias_ih`` in the LSTM and the simple
network) is held at zero, so that the LSTM and the simple network compute
exactly what Blocks does. PyTorch's GRU is another formulation (its reset
gate multiplies ``W_hn h + b_hn`` rather than ``h``, and its update gate
weighs the old state): its final loss and parameters are not comparable,
only its speed.

Usage, from the repository root::

    python -m benchmarks.recurrent [--repeats 1] [--steps N]
        [--models lstm,gru,simple_recurrent]

"""
import numpy

from benchmarks.harness import BenchmarkModel, Trainer, main, register

SEQUENCE_LENGTH, BATCH_SIZE, INPUT_DIM, HIDDEN_DIM = 50, 32, 128, 256


def _sigmoid(value):
    return 1 / (1 + numpy.exp(-value))


class RecurrentBenchmark(BenchmarkModel):
    """One recurrent layer regressing random targets with plain SGD.

    Subclasses set :attr:`kind` and the shapes of their parameters.

    """
    kind = None
    num_batches = 10
    learning_rate = 0.1
    steps = 60
    warmup_steps = 3

    def parameter_shapes(self) -> dict:
        raise NotImplementedError

    def parameter_names(self) -> list[str]:
        return list(self.parameter_shapes())

    def make_data(self, rng):
        data = {}
        for name, shape in self.parameter_shapes().items():
            if name.startswith('b'):
                data[name] = numpy.zeros(shape, 'float32')
            else:
                scale = 1 / numpy.sqrt(shape[0])
                data[name] = rng.normal(0, scale, shape).astype('float32')
        data['features'] = rng.normal(size=(
            self.num_batches, SEQUENCE_LENGTH, BATCH_SIZE,
            INPUT_DIM)).astype('float32')
        data['targets'] = rng.uniform(-0.5, 0.5, size=(
            self.num_batches, SEQUENCE_LENGTH, BATCH_SIZE,
            HIDDEN_DIM)).astype('float32')
        return data

    def states(self, parameters, features):
        """The states of every step, in float64 NumPy."""
        raise NotImplementedError

    def loss(self, parameters, data):
        parameters = [numpy.asarray(value, 'float64') for value in parameters]
        total = 0.0
        for features, targets in zip(data['features'], data['targets']):
            states = self.states(parameters, features.astype('float64'))
            total += float(numpy.mean((states - targets) ** 2))
        return total / len(data['features'])

    def build_blocks(self, data):
        return BlocksRecurrentTrainer(self, data)

    def build_aesara(self, data):
        return AesaraRecurrentTrainer(self, data)

    def build_torch(self, data):
        return TorchRecurrentTrainer(self, data)


@register
class LSTMBenchmark(RecurrentBenchmark):
    name = 'lstm'
    kind = 'lstm'
    description = ('LSTM (no peepholes) vs torch.nn.LSTM: T=50, B=32, '
                   'input 128, hidden 256, float32, MSE on all states, SGD '
                   'lr 0.1')

    def parameter_shapes(self):
        return {'W_in': (INPUT_DIM, 4 * HIDDEN_DIM), 'b_in': (4 * HIDDEN_DIM,),
                'W_rec': (HIDDEN_DIM, 4 * HIDDEN_DIM)}

    def states(self, parameters, features):
        W_in, b_in, W_rec = parameters
        dim = HIDDEN_DIM
        h = numpy.zeros((features.shape[1], dim))
        c = numpy.zeros_like(h)
        states = []
        for inputs in features @ W_in + b_in:
            a = inputs + h @ W_rec
            i, f = _sigmoid(a[:, :dim]), _sigmoid(a[:, dim:2 * dim])
            c = f * c + i * numpy.tanh(a[:, 2 * dim:3 * dim])
            h = _sigmoid(a[:, 3 * dim:]) * numpy.tanh(c)
            states.append(h)
        return numpy.stack(states)


@register
class SimpleRecurrentBenchmark(RecurrentBenchmark):
    name = 'simple_recurrent'
    kind = 'simple'
    description = ('SimpleRecurrent (tanh) vs torch.nn.RNN: T=50, B=32, '
                   'input 128, hidden 256, float32, MSE on all states, SGD '
                   'lr 0.1')

    def parameter_shapes(self):
        return {'W_in': (INPUT_DIM, HIDDEN_DIM), 'b_in': (HIDDEN_DIM,),
                'W_rec': (HIDDEN_DIM, HIDDEN_DIM)}

    def states(self, parameters, features):
        W_in, b_in, W_rec = parameters
        h = numpy.zeros((features.shape[1], HIDDEN_DIM))
        states = []
        for inputs in features @ W_in + b_in:
            h = numpy.tanh(inputs + h @ W_rec)
            states.append(h)
        return numpy.stack(states)


@register
class GRUBenchmark(RecurrentBenchmark):
    name = 'gru'
    kind = 'gru'
    description = ('GatedRecurrent vs torch.nn.GRU (another formulation: '
                   'speed only): T=50, B=32, input 128, hidden 256, float32, '
                   'MSE on all states, SGD lr 0.1')

    def parameter_shapes(self):
        return {'W_in': (INPUT_DIM, HIDDEN_DIM), 'b_in': (HIDDEN_DIM,),
                'W_gates': (INPUT_DIM, 2 * HIDDEN_DIM),
                'b_gates': (2 * HIDDEN_DIM,),
                'W_rec': (HIDDEN_DIM, HIDDEN_DIM),
                'W_rec_gates': (HIDDEN_DIM, 2 * HIDDEN_DIM)}

    def states(self, parameters, features):
        W_in, b_in, W_gates, b_gates, W_rec, W_rec_gates = parameters
        dim = HIDDEN_DIM
        h = numpy.zeros((features.shape[1], dim))
        states = []
        for inputs, gate_inputs in zip(features @ W_in + b_in,
                                       features @ W_gates + b_gates):
            gates = _sigmoid(gate_inputs + h @ W_rec_gates)
            update, reset = gates[:, :dim], gates[:, dim:]
            candidate = numpy.tanh(inputs + (h * reset) @ W_rec)
            h = update * candidate + (1 - update) * h
            states.append(h)
        return numpy.stack(states)


class BlocksRecurrentTrainer(Trainer):
    """Linear bricks and a recurrent brick, trained by ``GradientDescent``.
    """
    def __init__(self, model, data):
        from aesara import tensor

        from blocks.algorithms import GradientDescent, Scale
        from blocks.bricks import Linear, Tanh
        from blocks.bricks.recurrent import (GatedRecurrent, LSTM,
                                             SimpleRecurrent)
        from blocks.initialization import Constant

        self.model = model
        shapes = model.parameter_shapes()
        features = tensor.tensor3('features')
        targets = tensor.tensor3('targets')
        init = dict(weights_init=Constant(0), biases_init=Constant(0))
        self.to_inputs = Linear(INPUT_DIM, shapes['b_in'][0],
                                name='to_inputs', **init)
        bricks = [self.to_inputs]
        if model.kind == 'lstm':
            self.transition = LSTM(HIDDEN_DIM, peepholes=False,
                                   weights_init=Constant(0))
        elif model.kind == 'simple':
            self.transition = SimpleRecurrent(HIDDEN_DIM, Tanh(),
                                              weights_init=Constant(0))
        else:
            self.transition = GatedRecurrent(HIDDEN_DIM,
                                             weights_init=Constant(0))
            self.to_gates = Linear(INPUT_DIM, 2 * HIDDEN_DIM,
                                   name='to_gates', **init)
            bricks.append(self.to_gates)
        bricks.append(self.transition)
        for brick in bricks:
            brick.initialize()
        arguments = {'inputs': self.to_inputs.apply(features)}
        if model.kind == 'gru':
            arguments['gate_inputs'] = self.to_gates.apply(features)
        states = self.transition.apply(as_list=True, **arguments)[0]
        cost = tensor.sqr(states - targets).mean()
        self.shared = self._shared()
        for shared, name in zip(self.shared, model.parameter_names()):
            shared.set_value(data[name])
        # The learned initial states stay at zero, as PyTorch's.
        self.algorithm = GradientDescent(
            cost=cost, parameters=self.shared,
            step_rule=Scale(learning_rate=model.learning_rate))
        self.batches = [{'features': features_, 'targets': targets_}
                        for features_, targets_ in zip(data['features'],
                                                       data['targets'])]

    def _shared(self):
        shared = [self.to_inputs.W, self.to_inputs.b]
        if self.model.kind == 'lstm':
            return shared + [self.transition.W_state]
        if self.model.kind == 'simple':
            return shared + [self.transition.W]
        return shared + [self.to_gates.W, self.to_gates.b,
                         self.transition.state_to_state,
                         self.transition.state_to_gates]

    def compile(self):
        self.algorithm.initialize()

    def step(self, index):
        self.algorithm.process_batch(self.batches[index])

    def parameters(self):
        return [shared.get_value() for shared in self.shared]


class AesaraRecurrentTrainer(Trainer):
    """The same maths written directly with ``aesara.scan``."""
    def __init__(self, model, data):
        import aesara
        from aesara import tensor

        self.model = model
        self.shared = [aesara.shared(data[name], name=name)
                       for name in model.parameter_names()]
        features = tensor.tensor3('features')
        targets = tensor.tensor3('targets')
        dim = HIDDEN_DIM
        batch = features.shape[1]
        zeros = tensor.zeros((batch, dim), dtype='float32')
        if model.kind == 'lstm':
            W_in, b_in, W_rec = self.shared

            def step(inputs, h, c):
                a = inputs + tensor.dot(h, W_rec)
                i = tensor.sigmoid(a[:, :dim])
                f = tensor.sigmoid(a[:, dim:2 * dim])
                new_c = f * c + i * tensor.tanh(a[:, 2 * dim:3 * dim])
                new_h = tensor.sigmoid(a[:, 3 * dim:]) * tensor.tanh(new_c)
                return new_h, new_c
            (states, _), _ = aesara.scan(
                step, sequences=[tensor.dot(features, W_in) + b_in],
                outputs_info=[zeros, zeros])
        elif model.kind == 'simple':
            W_in, b_in, W_rec = self.shared
            states, _ = aesara.scan(
                lambda inputs, h: tensor.tanh(inputs + tensor.dot(h, W_rec)),
                sequences=[tensor.dot(features, W_in) + b_in],
                outputs_info=[zeros])
        else:
            W_in, b_in, W_gates, b_gates, W_rec, W_rec_gates = self.shared

            def step(inputs, gate_inputs, h):
                gates = tensor.sigmoid(gate_inputs +
                                       tensor.dot(h, W_rec_gates))
                update, reset = gates[:, :dim], gates[:, dim:]
                candidate = tensor.tanh(inputs + tensor.dot(h * reset, W_rec))
                return update * candidate + (1 - update) * h
            states, _ = aesara.scan(
                step, sequences=[tensor.dot(features, W_in) + b_in,
                                 tensor.dot(features, W_gates) + b_gates],
                outputs_info=[zeros])
        self.cost = tensor.sqr(states - targets).mean()
        gradients = aesara.grad(self.cost, self.shared)
        learning_rate = numpy.asarray(model.learning_rate, dtype='float32')
        self.updates = [(shared, shared - learning_rate * gradient)
                        for shared, gradient in zip(self.shared, gradients)]
        self.inputs = [features, targets]
        self.batches = list(zip(data['features'], data['targets']))

    def compile(self):
        import aesara
        self.function = aesara.function(self.inputs, self.cost,
                                        updates=self.updates)

    def step(self, index):
        self.function(*self.batches[index])

    def parameters(self):
        return [shared.get_value() for shared in self.shared]


class TorchRecurrentTrainer(Trainer):
    """``torch.nn.LSTM``/``RNN``/``GRU`` trained by ``optim.SGD``."""
    def __init__(self, model, data):
        import torch

        self.model = model
        self.torch = torch
        layer_class = {'lstm': torch.nn.LSTM, 'simple': torch.nn.RNN,
                       'gru': torch.nn.GRU}[model.kind]
        self.layer = layer_class(INPUT_DIM, HIDDEN_DIM)
        with torch.no_grad():
            self.layer.weight_ih_l0.copy_(self._to_torch(
                data, 'input'))
            self.layer.weight_hh_l0.copy_(self._to_torch(
                data, 'recurrent'))
            self.layer.bias_ih_l0.copy_(self._to_torch(data, 'bias'))
            self.layer.bias_hh_l0.zero_()
        if model.kind != 'gru':
            # Blocks has one bias; PyTorch's second one stays at zero.
            self.layer.bias_hh_l0.requires_grad_(False)
        self.optimizer = torch.optim.SGD(
            [parameter for parameter in self.layer.parameters()
             if parameter.requires_grad], lr=model.learning_rate)
        self.batches = [(torch.from_numpy(features), torch.from_numpy(targets))
                        for features, targets in zip(data['features'],
                                                     data['targets'])]

    def _to_torch(self, data, which):
        """Blocks' parameters in PyTorch's layout (gates by rows)."""
        kind = self.model.kind
        if kind != 'gru':
            value = {'input': data['W_in'].T, 'recurrent': data['W_rec'].T,
                     'bias': data['b_in']}[which]
            return self.torch.from_numpy(numpy.ascontiguousarray(value))
        # PyTorch's GRU rows: reset, update, new; Blocks' gates: update,
        # reset.
        dim = HIDDEN_DIM

        def rows(gates, new):
            return numpy.concatenate([gates[dim:], gates[:dim], new])
        if which == 'input':
            value = rows(data['W_gates'].T, data['W_in'].T)
        elif which == 'recurrent':
            value = rows(data['W_rec_gates'].T, data['W_rec'].T)
        else:
            value = rows(data['b_gates'], data['b_in'])
        return self.torch.from_numpy(numpy.ascontiguousarray(value))

    def step(self, index):
        features, targets = self.batches[index]
        self.optimizer.zero_grad()
        states, _ = self.layer(features)
        loss = ((states - targets) ** 2).mean()
        loss.backward()
        self.optimizer.step()

    def parameters(self):
        weight_ih = self.layer.weight_ih_l0.detach().numpy()
        weight_hh = self.layer.weight_hh_l0.detach().numpy()
        bias = self.layer.bias_ih_l0.detach().numpy()
        if self.model.kind != 'gru':
            return [weight_ih.T.copy(), bias.copy(), weight_hh.T.copy()]
        dim = HIDDEN_DIM

        def blocks_gates(value):
            return numpy.concatenate([value[dim:2 * dim], value[:dim]])
        return [weight_ih[2 * dim:].T.copy(), bias[2 * dim:].copy(),
                blocks_gates(weight_ih).T.copy(), blocks_gates(bias).copy(),
                weight_hh[2 * dim:].T.copy(),
                blocks_gates(weight_hh).T.copy()]


if __name__ == '__main__':
    raise SystemExit(main(default_models=['lstm', 'gru',
                                          'simple_recurrent']))
