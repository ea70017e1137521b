"""Learn to reverse the characters of words with attention.

The words come from the documentation of Python's help topics
(``pydoc_data.topics``, part of the standard library): every distinct
lower-case word of 2 to 10 letters. They are shuffled once (with a fixed
seed); a few hundred are held out, the rest are for training.

An encoder reads the characters of a word (a lookup table, then a
bidirectional gated recurrent network); a decoder, a
:class:`~blocks.bricks.sequence_generators.SequenceGenerator` with a gated
recurrent transition and
:class:`~blocks.bricks.attention.SequenceContentAttention` over the
encoder's states, generates the reversed word character by character,
ending with an end-of-word symbol. At the end the held-out words are
reversed with greedy decoding and with a beam search
(:class:`~blocks.search.BeamSearch`, all held-out words searched together
in batches), and the share of words reversed exactly is printed.

Measured on the 2-core development machine (shared with other jobs) with
the defaults::

    python examples/reverse_words.py

trained 1500 batches of 50 words in 884 seconds of wall time (compilation
included; the training cost per word, summed over its characters, went
100: 15.1, 200: 3.55, 300: 1.06, 400: 0.29, 500: 0.17, 700: 0.10,
1000: 0.021, 1500: 0.0015) and then reversed 100% of the 300 held-out
words exactly, both greedily and with a beam of 10 (15 minutes in all).

Usage::

    python examples/reverse_words.py [--batches N] [--dim N]
                                     [--batch-size N] [--held-out N]
                                     [--beam-size N] [--max-words N]

"""
import argparse
import logging
import re
import time

# Blocks points Aesara at an optimised BLAS, which must happen before
# Aesara is first imported.
import blocks  # noqa: F401
import numpy
from aesara import tensor

from blocks.algorithms import Adam, CompositeRule, GradientDescent, \
    StepClipping
from blocks.bricks import Tanh
from blocks.bricks.attention import SequenceContentAttention
from blocks.bricks.lookup import LookupTable
from blocks.bricks.parallel import Fork
from blocks.bricks.recurrent import Bidirectional, GatedRecurrent
from blocks.bricks.sequence_generators import (
    LookupFeedback, Readout, SequenceGenerator, SoftmaxEmitter)
from blocks.data.datasets import IndexableDataset
from blocks.data.schemes import ShuffledScheme
from blocks.data.streams import DataStream
from blocks.data.transformers import Padding
from blocks.extensions import FinishAfter, Printing
from blocks.extensions.monitoring import TrainingDataMonitoring
from blocks.graph import ComputationGraph
from blocks.initialization import Constant, IsotropicGaussian, Orthogonal
from blocks.main_loop import MainLoop
from blocks.model import Model
from blocks.search import BeamSearch

#: The beginning (the decoder's initial output, never emitted) and the end
#: of a word, then the letters.
MARKERS = ('<S>', '</S>')
CHARACTERS = MARKERS + tuple('abcdefghijklmnopqrstuvwxyz')
INDEX = {character: index for index, character in enumerate(CHARACTERS)}
BOS, EOS = INDEX['<S>'], INDEX['</S>']
SHUFFLE_SEED = 1


def help_topics_words(max_words=None):
    """The distinct words of Python's help topics, in a fixed random
    order."""
    from pydoc_data.topics import topics
    text = ' '.join(topics[key] for key in sorted(topics))
    words = sorted(set(re.findall(r'\b[a-z]{2,10}\b', text)))
    order = numpy.random.RandomState(SHUFFLE_SEED).permutation(len(words))
    words = [words[index] for index in order]
    return words[:max_words] if max_words else words


def encode(word):
    return numpy.array([INDEX[character] for character in word] + [EOS],
                       dtype='int64')


def decode(indices):
    return ''.join(CHARACTERS[index] for index in indices
                   if index not in (BOS, EOS))


class WordReverser:
    """The encoder, the decoder and their graphs.

    Parameters
    ----------
    dim : int
        The number of recurrent units of the encoder (each direction) and
        of the decoder.
    embedding_dim : int
        The dimension of the characters' embeddings.

    """
    def __init__(self, dim=64, embedding_dim=32, seed=1):
        vocabulary = len(CHARACTERS)
        self.lookup = LookupTable(vocabulary, embedding_dim, name='lookup')
        self.fork = Fork(['inputs', 'gate_inputs'], embedding_dim,
                         output_dims=[dim, 2 * dim], name='fork')
        self.encoder = Bidirectional(GatedRecurrent(dim, activation=Tanh()),
                                     name='encoder')
        transition = GatedRecurrent(dim, activation=Tanh(),
                                    name='decoder_transition')
        attention = SequenceContentAttention(
            state_names=transition.apply.states, attended_dim=2 * dim,
            match_dim=dim, name='attention')
        readout = Readout(
            readout_dim=vocabulary,
            source_names=(transition.apply.states + ['feedback'] +
                          [attention.take_glimpses.outputs[0]]),
            emitter=SoftmaxEmitter(initial_output=BOS, name='emitter'),
            feedback_brick=LookupFeedback(vocabulary, embedding_dim,
                                          name='feedback'),
            name='readout')
        self.generator = SequenceGenerator(readout, transition,
                                           attention=attention,
                                           name='generator')
        bricks = [self.lookup, self.fork, self.encoder, self.generator]
        for index, brick in enumerate(bricks):
            brick.weights_init = IsotropicGaussian(0.1)
            brick.biases_init = Constant(0)
            brick.seed = seed + index
            brick.initialize()
        # Orthogonal recurrent weights (a parent's initialization pushes its
        # own scheme to its children, hence after it).
        for brick in (self.encoder.children[0], self.encoder.children[1],
                      transition):
            brick.weights_init = Orthogonal()
            brick.initialize()

    def encode(self, words, words_mask):
        """The encoder's states, ``(time, batch, 2 * dim)``; the arguments
        are time-major."""
        embedded = self.lookup.apply(words)
        # The bidirectional network concatenates both directions' states.
        return self.encoder.apply(
            mask=words_mask, **self.fork.apply(embedded, as_dict=True))

    def cost(self, words, words_mask, targets, targets_mask):
        """The cost per word (summed over its characters), time-major."""
        return self.generator.cost(
            targets, mask=targets_mask,
            attended=self.encode(words, words_mask),
            attended_mask=words_mask)

    def samples(self, words, words_mask):
        """The outputs of a generation conditioned on the words."""
        return self.generator.generate(
            n_steps=2 * words.shape[0], batch_size=words.shape[1],
            attended=self.encode(words, words_mask),
            attended_mask=words_mask, as_dict=True)['outputs']


def make_stream(words, batch_size, seed):
    sources = numpy.empty(len(words), dtype=object)
    targets = numpy.empty(len(words), dtype=object)
    for index, word in enumerate(words):
        sources[index] = encode(word)
        targets[index] = encode(word[::-1])
    dataset = IndexableDataset({'words': sources, 'targets': targets})
    return Padding(DataStream(dataset, iteration_scheme=ShuffledScheme(
        len(words), batch_size, rng=numpy.random.RandomState(seed))))


def build_main_loop(train_words, num_batches=1500, batch_size=50, dim=64,
                    learning_rate=0.003, monitor_every=250, seed=1):
    """The model and its main loop (not yet run)."""
    model = WordReverser(dim=dim, seed=seed)
    # The stream gives (batch, time); the bricks want time first.
    words = tensor.lmatrix('words')
    words_mask = tensor.matrix('words_mask')
    targets = tensor.lmatrix('targets')
    targets_mask = tensor.matrix('targets_mask')
    cost = model.cost(words.T, words_mask.T, targets.T, targets_mask.T)
    cost.name = 'cost_per_word'
    algorithm = GradientDescent(
        cost=cost, parameters=ComputationGraph(cost).parameters,
        step_rule=CompositeRule([StepClipping(5.), Adam(learning_rate)]))
    main_loop = MainLoop(
        algorithm, make_stream(train_words, batch_size, seed),
        model=Model(cost),
        extensions=[FinishAfter(after_n_batches=num_batches),
                    TrainingDataMonitoring([cost], prefix='train',
                                           every_n_batches=monitor_every),
                    Printing(every_n_batches=monitor_every,
                             after_epoch=False)])
    return model, main_loop


def reverse(search, words, beam_size, chunk=50):
    """The best reversal of every word found by the search."""
    results = []
    for start in range(0, len(words), chunk):
        batch = words[start:start + chunk]
        length = max(len(word) for word in batch) + 1
        values = numpy.zeros((length, len(batch)), dtype='int64')
        mask = numpy.zeros((length, len(batch)))
        for index, word in enumerate(batch):
            values[:len(word) + 1, index] = encode(word)
            mask[:len(word) + 1, index] = 1
        found = search.search_batch(
            {'words': values.T, 'words_mask': mask.T}, EOS,
            max_length=2 * length, beam_size=beam_size)
        results.extend(decode(outputs[0]) for outputs, _ in found)
    return results


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batches', type=int, default=1500)
    parser.add_argument('--batch-size', type=int, default=50)
    parser.add_argument('--dim', type=int, default=64)
    parser.add_argument('--held-out', type=int, default=300)
    parser.add_argument('--beam-size', type=int, default=10)
    parser.add_argument('--max-words', type=int, default=None,
                        help='use only this many words (for quick tests)')
    parser.add_argument('--monitor-every', type=int, default=250)
    return parser.parse_args(argv)


def main(argv=None):
    logging.basicConfig(level=logging.INFO)
    args = parse_args(argv)
    start = time.time()
    words = help_topics_words(args.max_words)
    held_out, train_words = words[:args.held_out], words[args.held_out:]
    model, main_loop = build_main_loop(
        train_words, num_batches=args.batches, batch_size=args.batch_size,
        dim=args.dim, monitor_every=args.monitor_every)
    main_loop.run()
    training_time = time.time() - start
    curve = [(row_time, row['train_cost_per_word'])
             for row_time, row in sorted(main_loop.log.items())
             if 'train_cost_per_word' in row]
    print('Learning curve (batches, training cost per word): ' + ', '.join(
        '{} {:.3f}'.format(batches, float(value))
        for batches, value in curve))
    # The model and its graph are built; the search compiles what it needs
    # from the graph of a generation conditioned on the words.
    words_variable = tensor.lmatrix('words')
    mask_variable = tensor.matrix('words_mask')
    search = BeamSearch(args.beam_size,
                        model.samples(words_variable.T, mask_variable.T))
    shares = {}
    for name, beam_size in (('greedy', 1), ('beam', args.beam_size)):
        reversed_words = reverse(search, held_out, beam_size)
        shares[name] = numpy.mean([found == word[::-1] for found, word in
                                   zip(reversed_words, held_out)])
        print('Examples ({}): {}'.format(name, ', '.join(
            '{} -> {}'.format(word, found) for word, found in
            zip(held_out[:5], reversed_words[:5]))))
    print('Reversed exactly: {:.1%} of {} held-out words greedily, {:.1%} '
          'with a beam of {}'.format(shares['greedy'], len(held_out),
                                     shares['beam'], args.beam_size))
    print('Training: {} batches in {:.0f} s; total {:.0f} s'.format(
        main_loop.status['iterations_done'], training_time,
        time.time() - start))
    return shares, main_loop


if __name__ == '__main__':
    main()
