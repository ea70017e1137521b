"""Learn the sequences of a known Markov chain with a sequence generator.

Sequences are sampled from a Markov chain over three states whose
transition matrix is known; a :class:`SequenceGenerator` (a small
recurrent network with a softmax readout and the previous output fed back
through a lookup table) learns to model them. A fourth symbol, never
emitted, is the initial output that starts every sequence.

At the end the example prints the learned transition matrix (the model's
predicted distribution of the next state, averaged over the positions
where the previous state was each of the three states) next to the true
one, and the model's cost per symbol on fresh sequences next to the
chain's entropy rate, the smallest cost per symbol any model can reach.

Measured on the 2-core development machine (shared with other jobs) with
the defaults::

    python examples/markov_chain.py

learned the matrix to within 0.027 per entry (largest difference from
the true one) and reached a cost of 0.974 nats per symbol on fresh
sequences, against the chain's entropy rate of 0.961 nats, in 40 seconds
(compilation included).

Usage::

    python examples/markov_chain.py [--epochs N] [--num-sequences N]
                                    [--length N] [--dim N] [--seed N]

"""
import argparse
import logging
import time

# Blocks points Aesara at an optimised BLAS, which must happen before
# Aesara is first imported.
import blocks  # noqa: F401
import numpy
import aesara
from aesara import tensor

from blocks.algorithms import Adam, GradientDescent
from blocks.bricks import Tanh
from blocks.bricks.recurrent import SimpleRecurrent
from blocks.bricks.sequence_generators import (
    LookupFeedback, Readout, SequenceGenerator, SoftmaxEmitter)
from blocks.data.datasets import IndexableDataset
from blocks.data.schemes import ShuffledScheme
from blocks.data.streams import DataStream
from blocks.extensions import FinishAfter, Printing
from blocks.extensions.monitoring import TrainingDataMonitoring
from blocks.filter import VariableFilter
from blocks.graph import ComputationGraph
from blocks.initialization import Constant, IsotropicGaussian
from blocks.main_loop import MainLoop
from blocks.model import Model
from blocks.monitoring.aggregation import mean
from blocks.roles import OUTPUT

#: The true chain: row i is the distribution of the state after state i.
TRANSITIONS = numpy.array([[0.1, 0.6, 0.3],
                           [0.5, 0.2, 0.3],
                           [0.2, 0.2, 0.6]])
NUM_STATES = 3
START = NUM_STATES  # the initial output, never emitted


def stationary_distribution(transitions):
    values, vectors = numpy.linalg.eig(transitions.T)
    vector = numpy.real(vectors[:, numpy.argmin(abs(values - 1))])
    return vector / vector.sum()


def entropy_rate(transitions):
    """The chain's entropy per symbol in the stationary regime, in nats."""
    stationary = stationary_distribution(transitions)
    return float(-(stationary[:, None] * transitions *
                   numpy.log(transitions)).sum())


def sample_chain(num_sequences, length, rng):
    """Sequences of the chain, ``(num_sequences, length)``; the first state
    is drawn from the stationary distribution."""
    stationary = stationary_distribution(TRANSITIONS)
    cumulative = numpy.cumsum(TRANSITIONS, axis=1)
    sequences = numpy.zeros((num_sequences, length), dtype='int64')
    sequences[:, 0] = rng.choice(NUM_STATES, size=num_sequences,
                                 p=stationary)
    for position in range(1, length):
        uniform = rng.uniform(size=num_sequences)
        previous = sequences[:, position - 1]
        sequences[:, position] = (
            uniform[:, None] > cumulative[previous]).sum(axis=1)
    return sequences


def build_generator(dim, seed):
    transition = SimpleRecurrent(dim=dim, activation=Tanh(),
                                 name='transition')
    readout = Readout(
        readout_dim=NUM_STATES + 1, source_names=['states', 'feedback'],
        emitter=SoftmaxEmitter(initial_output=START, name='emitter'),
        feedback_brick=LookupFeedback(NUM_STATES + 1, dim, name='feedback'),
        name='readout')
    generator = SequenceGenerator(
        readout, transition, weights_init=IsotropicGaussian(0.1),
        biases_init=Constant(0), seed=seed, name='generator')
    generator.initialize()
    return generator


def build_main_loop(num_sequences=400, length=40, batch_size=20, dim=8,
                    num_epochs=6, learning_rate=0.03, seed=1):
    """The generator, its main loop (not yet run) and the cost variable."""
    rng = numpy.random.RandomState(seed)
    data = sample_chain(num_sequences, length, rng)
    dataset = IndexableDataset({'symbols': data})
    stream = DataStream(dataset, iteration_scheme=ShuffledScheme(
        num_sequences, batch_size, rng=numpy.random.RandomState(seed)))
    generator = build_generator(dim, seed)
    # The stream gives (batch, time); the generator wants time first.
    symbols = tensor.lmatrix('symbols')
    cost_matrix = generator.cost_matrix(symbols.T)
    cost = mean(cost_matrix.sum(), cost_matrix.shape[0] *
                cost_matrix.shape[1])
    cost.name = 'cost_per_symbol'
    algorithm = GradientDescent(
        cost=cost, parameters=ComputationGraph(cost).parameters,
        step_rule=Adam(learning_rate))
    main_loop = MainLoop(
        algorithm, stream, model=Model(cost),
        extensions=[FinishAfter(after_n_epochs=num_epochs),
                    TrainingDataMonitoring([cost], prefix='train',
                                           after_epoch=True),
                    Printing(after_epoch=True, after_batch=False)])
    return generator, main_loop, cost


def evaluate(generator, cost, num_sequences=200, length=40, seed=2):
    """The learned transition matrix and the cost per symbol on fresh
    sequences of the chain."""
    graph = ComputationGraph(cost)
    symbols, = graph.inputs
    readouts, = VariableFilter(applications=[generator.readout.readout],
                               roles=[OUTPUT])(graph)
    probabilities = generator.readout.emitter.probs(readouts)
    function = aesara.function([symbols], [probabilities, cost])
    data = sample_chain(num_sequences, length,
                        numpy.random.RandomState(seed))
    predicted, cost_value = function(data)
    # predicted[t] is the distribution of symbol t given the ones before.
    previous = data.T[:-1]
    following = predicted[1:]
    learned = numpy.array([following[previous == state].mean(axis=0)
                           for state in range(NUM_STATES)])
    return learned[:, :NUM_STATES], float(cost_value)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--epochs', type=int, default=6)
    parser.add_argument('--num-sequences', type=int, default=400)
    parser.add_argument('--length', type=int, default=40)
    parser.add_argument('--dim', type=int, default=8)
    parser.add_argument('--seed', type=int, default=1)
    return parser.parse_args(argv)


def main(argv=None):
    logging.basicConfig(level=logging.INFO)
    args = parse_args(argv)
    start = time.time()
    generator, main_loop, cost = build_main_loop(
        num_sequences=args.num_sequences, length=args.length, dim=args.dim,
        num_epochs=args.epochs, seed=args.seed)
    main_loop.run()
    learned, cost_value = evaluate(generator, cost, length=args.length)
    # (Options set in a context: the example also runs inside tests.)
    with numpy.printoptions(precision=3, suppress=True):
        print('True transition matrix:')
        print(TRANSITIONS)
        print('Learned transition matrix:')
        print(learned)
    print('Largest difference: {:.3f}'.format(
        abs(learned - TRANSITIONS).max()))
    print('Cost per symbol: {:.4f} nats; entropy rate of the chain: {:.4f} '
          'nats'.format(cost_value, entropy_rate(TRANSITIONS)))
    print('Time: {:.0f} s'.format(time.time() - start))
    return learned, cost_value


if __name__ == '__main__':
    main()
