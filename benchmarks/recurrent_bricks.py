"""Two more recurrent models through the bricks: peepholes, bidirectional.

Same task and sizes as :mod:`benchmarks.recurrent` (T=50, B=32, input 128,
hidden 256, float32, MSE on all states, SGD lr 0.1):

- ``lstm_peepholes``: Blocks' :class:`~blocks.bricks.recurrent.LSTM` with
  its peepholes (three more ``(dim,)`` parameters, trained) against
  ``torch.nn.LSTM``, which has none: a little more work for Blocks, and
  losses that differ (speed only);
- ``bidirectional_lstm``: :class:`~blocks.bricks.recurrent.Bidirectional`
  over an LSTM without peepholes, states of both directions concatenated
  (512 features), against ``torch.nn.LSTM(bidirectional=True)``. Blocks'
  ``Bidirectional`` gives both directions the same inputs, so Blocks
  computes one input projection ``(128, 4 * 256)`` where PyTorch computes
  two: about 20% fewer floating-point operations for Blocks.

Usage, from the repository root::

    python -m benchmarks.recurrent_bricks [--repeats 1]
        [--frameworks blocks,torch] [lstm_peepholes bidirectional_lstm]

"""
import numpy

from benchmarks.harness import Trainer, main, register
from benchmarks.recurrent import (
    BATCH_SIZE, HIDDEN_DIM, INPUT_DIM, LSTMBenchmark, SEQUENCE_LENGTH,
    _sigmoid)


@register
class LSTMPeepholesBenchmark(LSTMBenchmark):
    name = 'lstm_peepholes'
    description = ('LSTM with peepholes vs torch.nn.LSTM (none; speed '
                   'only): T=50, B=32, input 128, hidden 256, float32, MSE '
                   'on all states, SGD lr 0.1')

    def parameter_shapes(self):
        shapes = super().parameter_shapes()
        shapes.update((name, (HIDDEN_DIM,)) for name in (
            'p_in', 'p_forget', 'p_out'))
        return shapes

    def make_data(self, rng):
        data = super().make_data(rng)
        for name in ('p_in', 'p_forget', 'p_out'):
            data[name] = rng.normal(0, 0.1, HIDDEN_DIM).astype('float32')
        return data

    def states(self, parameters, features):
        if len(parameters) == 3:  # PyTorch's, without peepholes
            parameters = list(parameters) + [0, 0, 0]
        W_in, b_in, W_rec, p_in, p_forget, p_out = parameters
        dim = HIDDEN_DIM
        h = numpy.zeros((features.shape[1], dim))
        c = numpy.zeros_like(h)
        states = []
        for inputs in features @ W_in + b_in:
            a = inputs + h @ W_rec
            i = _sigmoid(a[:, :dim] + c * p_in)
            f = _sigmoid(a[:, dim:2 * dim] + c * p_forget)
            c = f * c + i * numpy.tanh(a[:, 2 * dim:3 * dim])
            h = _sigmoid(a[:, 3 * dim:] + c * p_out) * numpy.tanh(c)
            states.append(h)
        return numpy.stack(states)

    def build_blocks(self, data):
        return BlocksLSTMTrainer(self, data, peepholes=True)

    def build_aesara(self, data):
        raise NotImplementedError('lstm_peepholes: blocks and torch only')


@register
class BidirectionalLSTMBenchmark(LSTMBenchmark):
    name = 'bidirectional_lstm'
    description = ('Bidirectional LSTM (no peepholes) vs torch.nn.LSTM('
                   'bidirectional=True): T=50, B=32, input 128, hidden 2 x '
                   '256, float32, MSE on all states, SGD lr 0.1')

    def parameter_shapes(self):
        return {'W_in': (INPUT_DIM, 4 * HIDDEN_DIM),
                'b_in': (4 * HIDDEN_DIM,),
                'W_rec': (HIDDEN_DIM, 4 * HIDDEN_DIM),
                'W_rec_backward': (HIDDEN_DIM, 4 * HIDDEN_DIM)}

    def make_data(self, rng):
        data = super().make_data(rng)
        data['targets'] = rng.uniform(-0.5, 0.5, size=(
            self.num_batches, SEQUENCE_LENGTH, BATCH_SIZE,
            2 * HIDDEN_DIM)).astype('float32')
        return data

    def states(self, parameters, features):
        W_in, b_in, W_rec, W_rec_backward = parameters
        forward = super().states([W_in, b_in, W_rec], features)
        backward = super().states([W_in, b_in, W_rec_backward],
                                  features[::-1])[::-1]
        return numpy.concatenate([forward, backward], axis=2)

    def build_blocks(self, data):
        return BlocksLSTMTrainer(self, data, bidirectional=True)

    def build_aesara(self, data):
        raise NotImplementedError('bidirectional_lstm: blocks and torch only')

    def build_torch(self, data):
        return TorchBidirectionalTrainer(self, data)


class BlocksLSTMTrainer(Trainer):
    """A Linear brick and an LSTM (or a Bidirectional one) trained by
    ``GradientDescent``."""
    def __init__(self, model, data, peepholes=False, bidirectional=False):
        from aesara import tensor

        from blocks.algorithms import GradientDescent, Scale
        from blocks.bricks import Linear
        from blocks.bricks.recurrent import Bidirectional, LSTM
        from blocks.initialization import Constant

        init = dict(weights_init=Constant(0), biases_init=Constant(0))
        to_inputs = Linear(INPUT_DIM, 4 * HIDDEN_DIM, name='to_inputs',
                           **init)
        lstm = LSTM(HIDDEN_DIM, peepholes=peepholes)
        transition = Bidirectional(lstm) if bidirectional else lstm
        transition.weights_init = Constant(0)
        for brick in (to_inputs, transition):
            brick.initialize()
        features = tensor.tensor3('features')
        targets = tensor.tensor3('targets')
        states = transition.apply(to_inputs.apply(features))[0]
        cost = tensor.sqr(states - targets).mean()
        if bidirectional:
            forward, backward = transition.children
            self.shared = [to_inputs.W, to_inputs.b, forward.W_state,
                           backward.W_state]
        else:
            self.shared = [to_inputs.W, to_inputs.b, lstm.W_state]
            if peepholes:
                self.shared += [lstm.W_cell_to_in, lstm.W_cell_to_forget,
                                lstm.W_cell_to_out]
        for shared, name in zip(self.shared, model.parameter_names()):
            shared.set_value(data[name])
        # The learned initial states stay at zero, as PyTorch's.
        self.algorithm = GradientDescent(
            cost=cost, parameters=self.shared,
            step_rule=Scale(learning_rate=model.learning_rate))
        self.batches = [{'features': features_, 'targets': targets_}
                        for features_, targets_ in zip(data['features'],
                                                       data['targets'])]

    def compile(self):
        self.algorithm.initialize()

    def step(self, index):
        self.algorithm.process_batch(self.batches[index])

    def parameters(self):
        return [shared.get_value() for shared in self.shared]


class TorchBidirectionalTrainer(Trainer):
    """``torch.nn.LSTM(bidirectional=True)`` trained by ``optim.SGD``; both
    directions start from Blocks' input projection."""
    def __init__(self, model, data):
        import torch

        self.torch = torch
        self.layer = torch.nn.LSTM(INPUT_DIM, HIDDEN_DIM, bidirectional=True)
        with torch.no_grad():
            for suffix, recurrent in (('', 'W_rec'),
                                      ('_reverse', 'W_rec_backward')):
                getattr(self.layer, 'weight_ih_l0' + suffix).copy_(
                    self._tensor(data['W_in'].T))
                getattr(self.layer, 'weight_hh_l0' + suffix).copy_(
                    self._tensor(data[recurrent].T))
                getattr(self.layer, 'bias_ih_l0' + suffix).copy_(
                    self._tensor(data['b_in']))
                bias = getattr(self.layer, 'bias_hh_l0' + suffix)
                bias.zero_()
                bias.requires_grad_(False)
        self.optimizer = torch.optim.SGD(
            [parameter for parameter in self.layer.parameters()
             if parameter.requires_grad], lr=model.learning_rate)
        self.batches = [(torch.from_numpy(features), torch.from_numpy(targets))
                        for features, targets in zip(data['features'],
                                                     data['targets'])]

    def _tensor(self, value):
        return self.torch.from_numpy(numpy.ascontiguousarray(value))

    def step(self, index):
        features, targets = self.batches[index]
        self.optimizer.zero_grad()
        states, _ = self.layer(features)
        loss = ((states - targets) ** 2).mean()
        loss.backward()
        self.optimizer.step()

    def parameters(self):
        # The two directions' input projections drift apart in training;
        # the forward one stands for Blocks' shared projection.
        layer = self.layer
        return [layer.weight_ih_l0.detach().numpy().T.copy(),
                layer.bias_ih_l0.detach().numpy().copy(),
                layer.weight_hh_l0.detach().numpy().T.copy(),
                layer.weight_hh_l0_reverse.detach().numpy().T.copy()]


if __name__ == '__main__':
    raise SystemExit(main(default_models=['lstm_peepholes',
                                          'bidirectional_lstm']))
