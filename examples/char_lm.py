"""Train a character-level language model on Python's help topics.

The text is the documentation of Python's help topics
(``pydoc_data.topics``, part of the standard library, about 465,000
characters). Its lines are shuffled once (with a fixed seed) and split:
one line in 20 for validation, one in 20 for testing, the rest for
training. Each line is a sequence of characters, read with
:class:`~blocks.data.datasets.TextFile` from files written next to the
checkpoint, between a beginning and an end of sentence marker.

The model reads the characters of a line one at a time: a lookup table
embeds them, a linear transformation makes the inputs of the recurrent
transition (an LSTM by default, ``--transition gru`` or ``simple``), and a
softmax over the characters predicts the next one from the state. Batches
hold lines of similar lengths (a buffer of lines is sorted by length, see
:class:`~blocks.data.transformers.SortMapping`) padded with a mask. The
cost is the mean cross-entropy per predicted character, in bits.

After every epoch the validation bits per character are monitored and a
checkpoint is written (``blocks-continue char_lm.zip`` resumes it); at the
end a few lines are sampled from the model.

A unigram model of the characters gives 4.7 bits per character. Measured
on the 2-core development machine on 2026-12-01, with the defaults (LSTM,
256 units, batches of 64, Adam 0.002, 10 epochs), run from the repository
root as::

    python examples/char_lm.py --checkpoint /tmp/rnn_charlm/char_lm.zip

The machine was shared: other jobs kept its load average between 3 and 7
throughout, so this process had about one core or less. Validation bits
per character after each epoch, with the training time so far (the
``Timing`` extension's ``time_train_total``; compiling and the first
validation took 40.5 s more):

=====  =====  =====  =====  =====  =====  =====  =====  =====  =====  =====
epoch  1      2      3      4      5      6      7      8      9      10
bits   3.631  3.014  2.608  2.332  2.139  2.010  1.917  1.843  1.789  1.745
s      143    271    435    537    671    849    1046   1230   1442   1804
=====  =====  =====  =====  =====  =====  =====  =====  =====  =====  =====

It went below 2.5 bits per character after the fourth epoch, about 10
minutes into the run, and reached 1.745 after ten, in 32 minutes 18
seconds of wall time (compilation, monitoring and sampling included; peak
resident memory 694 MiB, as ``/usr/bin/time -v`` reported them).

Usage::

    python examples/char_lm.py [--transition lstm|gru|simple] [--dim N]
                               [--epochs N] [--checkpoint PATH]

"""
import argparse
import logging
import math
import os

# Blocks points Aesara at an optimised BLAS, which must happen before
# Aesara is first imported.
import blocks  # noqa: F401
import numpy
from aesara import tensor

from blocks.algorithms import (Adam, CompositeRule, GradientDescent,
                               StepClipping)
from blocks.bricks import Linear, NDimensionalSoftmax, Tanh
from blocks.bricks.lookup import LookupTable
from blocks.bricks.parallel import Fork
from blocks.bricks.recurrent import GatedRecurrent, LSTM, SimpleRecurrent
from blocks.data.datasets import TextFile
from blocks.data.schemes import ConstantScheme
from blocks.data.streams import DataStream
from blocks.data.transformers import (
    Batch, Mapping, Padding, SortMapping, SourceLength, Unpack)
from blocks.extensions import FinishAfter, Printing, Timing
from blocks.extensions.monitoring import (DataStreamMonitoring,
                                          TrainingDataMonitoring)
from blocks.extensions.saveload import Checkpoint
from blocks.graph import ComputationGraph
from blocks.initialization import IsotropicGaussian, Constant, Orthogonal
from blocks.main_loop import MainLoop
from blocks.model import Model
from blocks.monitoring.aggregation import mean

logger = logging.getLogger(__name__)

TRANSITIONS = ('lstm', 'gru', 'simple')
MARKERS = ('<S>', '</S>', '<UNK>')
#: The split: line i (after shuffling) is for validation if i % 20 == 0,
#: for testing if i % 20 == 1, for training otherwise.
SPLIT_EVERY = 20
SHUFFLE_SEED = 1


def help_topics_lines():
    """The non-empty lines of Python's help topics, in a fixed order."""
    from pydoc_data.topics import topics
    lines = [line.rstrip() for key in sorted(topics)
             for line in topics[key].split('\n')]
    return [line for line in lines if line.strip()]


def write_splits(directory):
    """Write train.txt, valid.txt and test.txt; return the dictionary."""
    lines = help_topics_lines()
    order = numpy.random.RandomState(SHUFFLE_SEED).permutation(len(lines))
    splits = {'valid': [], 'test': [], 'train': []}
    for position, index in enumerate(order):
        which = {0: 'valid', 1: 'test'}.get(position % SPLIT_EVERY, 'train')
        splits[which].append(lines[index])
    os.makedirs(directory, exist_ok=True)
    paths = {}
    for which, split_lines in splits.items():
        paths[which] = os.path.join(directory, which + '.txt')
        with open(paths[which], 'w', encoding='utf-8') as handle:
            handle.write('\n'.join(split_lines) + '\n')
    characters = sorted(set(''.join(splits['train'])))
    dictionary = {token: index for index, token in enumerate(
        list(MARKERS) + characters)}
    return paths, dictionary


def make_stream(path, dictionary, batch_size, max_lines=None):
    """Batches of lines of similar lengths, with masks (batch first)."""
    dataset = TextFile([path], dictionary, level='character')
    stream = DataStream(dataset)
    stream = Batch(stream, iteration_scheme=ConstantScheme(batch_size * 20))
    stream = Mapping(stream, SortMapping(SourceLength(0)))
    stream = Unpack(stream)
    stream = Batch(stream, iteration_scheme=ConstantScheme(
        batch_size, num_examples=max_lines))
    return Padding(stream)


class CharacterModel:
    """The bricks of the language model and its cost."""
    def __init__(self, vocabulary_size, transition='lstm', dim=256,
                 embedding_dim=64):
        if transition not in TRANSITIONS:
            raise ValueError("transition must be one of {}, got {!r}".format(
                TRANSITIONS, transition))
        self.lookup = LookupTable(vocabulary_size, embedding_dim,
                                  name='lookup')
        if transition == 'lstm':
            self.transition = LSTM(dim, name='transition')
            self.to_inputs = Fork(['inputs'], embedding_dim,
                                  output_dims=[4 * dim], name='to_inputs')
        elif transition == 'gru':
            self.transition = GatedRecurrent(dim, name='transition')
            self.to_inputs = Fork(['inputs', 'gate_inputs'], embedding_dim,
                                  output_dims=[dim, 2 * dim],
                                  name='to_inputs')
        else:
            self.transition = SimpleRecurrent(dim, Tanh(), name='transition')
            self.to_inputs = Fork(['inputs'], embedding_dim,
                                  output_dims=[dim], name='to_inputs')
        self.readout = Linear(dim, vocabulary_size, name='readout')
        self.softmax = NDimensionalSoftmax(name='softmax')
        self.bricks = [self.lookup, self.to_inputs, self.transition,
                       self.readout]
        for brick in self.bricks:
            brick.weights_init = IsotropicGaussian(0.1)
            brick.biases_init = Constant(0)
        if transition != 'lstm':
            # (The LSTM's peepholes are vectors, which Orthogonal refuses.)
            self.transition.weights_init = Orthogonal()
        for brick in self.bricks:
            brick.initialize()
        if transition == 'lstm':
            # Start by remembering: a forget gate bias of 1.
            bias = self.to_inputs.children[0].b
            value = bias.get_value()
            value[dim:2 * dim] = 1
            bias.set_value(value)

    def inputs_of(self, characters):
        embedded = self.lookup.apply(characters)
        return self.to_inputs.apply(embedded, as_dict=True)

    def cost(self, features, mask):
        """Bits per predicted character, as a mean over characters.

        `features` and `mask` are time-major, ``(time, batch)``.

        """
        states = self.transition.apply(
            mask=mask[:-1], as_list=True,
            **self.inputs_of(features[:-1]))[0]
        logits = self.readout.apply(states)
        cross_entropies = self.softmax.categorical_cross_entropy(
            features[1:], logits, extra_ndim=1)
        bits = (cross_entropies * mask[1:]).sum() / math.log(2)
        cost = mean(bits, mask[1:].sum())
        cost.name = 'bits_per_character'
        return cost


def build_main_loop(transition='lstm', dim=256, num_epochs=10,
                    batch_size=64, learning_rate=0.002,
                    checkpoint_path='char_lm.zip', data_directory=None,
                    max_lines=None):
    """Build the language model's main loop (not yet run).

    Parameters
    ----------
    transition : {'lstm', 'gru', 'simple'}
    dim : int
        The number of recurrent units.
    num_epochs : int
    batch_size : int
    learning_rate : float
        Adam's step size (gradients clipped to a norm of 1 first).
    checkpoint_path : str or None
        Written after every epoch.
    data_directory : str, optional
        Where to write the split text; next to the checkpoint by default.
    max_lines : int, optional
        Use only this many lines of every split (for quick tests).

    """
    if data_directory is None:
        data_directory = os.path.join(
            os.path.dirname(os.path.abspath(checkpoint_path or '.')),
            'char_lm_data')
    paths, dictionary = write_splits(data_directory)
    model = CharacterModel(len(dictionary), transition, dim)
    # The stream's batches are (batch, time); the recurrent bricks want
    # time first. (Transposing in the graph keeps the stream free of
    # functions of this script, which a checkpoint could not refer to.)
    features = tensor.lmatrix('features')
    mask = tensor.matrix('features_mask')
    cost = model.cost(features.T, mask.T)
    algorithm = GradientDescent(
        cost=cost, parameters=ComputationGraph(cost).parameters,
        step_rule=CompositeRule([StepClipping(1.),
                                 Adam(learning_rate=learning_rate)]))
    extensions = [
        Timing(),
        FinishAfter(after_n_epochs=num_epochs),
        TrainingDataMonitoring([cost], prefix='train', after_epoch=True),
        DataStreamMonitoring([cost], make_stream(
            paths['valid'], dictionary, batch_size, max_lines),
            prefix='valid'),
        Printing()]
    if checkpoint_path:
        extensions.append(Checkpoint(checkpoint_path, after_epoch=True))
    main_loop = MainLoop(
        algorithm, make_stream(paths['train'], dictionary, batch_size,
                               max_lines),
        model=Model(cost), extensions=extensions)
    return main_loop, model, dictionary


def sample(model, dictionary, num_lines=3, max_length=80, temperature=0.7,
           seed=1):
    """Sample lines from the model, one character at a time."""
    import aesara
    characters = tensor.lvector('characters')
    states = [tensor.matrix(name) for name in model.transition.apply.states]
    arguments = dict(zip(model.transition.apply.states, states))
    new_states = model.transition.apply(
        iterate=False, as_list=True, **arguments,
        **model.inputs_of(characters))
    logits = model.readout.apply(new_states[0])
    step = aesara.function([characters] + states, [logits] + new_states)
    learned = {'states': 'initial_state', 'cells': 'initial_cells'}
    initial = [getattr(model.transition, learned[name]).get_value()[None]
               for name in model.transition.apply.states]
    tokens = {index: token for token, index in dictionary.items()}
    rng = numpy.random.RandomState(seed)
    lines = []
    for _ in range(num_lines):
        current = [dictionary['<S>']]
        state_values = list(initial)
        text = []
        for _ in range(max_length):
            logits_value, *state_values = step(
                numpy.array(current, dtype='int64'), *state_values)
            scaled = logits_value[0] / temperature
            probabilities = numpy.exp(scaled - scaled.max())
            probabilities /= probabilities.sum()
            index = rng.choice(len(probabilities), p=probabilities)
            if tokens[index] == '</S>':
                break
            text.append(tokens[index] if len(tokens[index]) == 1 else '?')
            current = [index]
        lines.append(''.join(text))
    return lines


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--transition', choices=TRANSITIONS, default='lstm')
    parser.add_argument('--dim', type=int, default=256)
    parser.add_argument('--epochs', type=int, default=10)
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--learning-rate', type=float, default=0.002)
    parser.add_argument('--checkpoint', default='char_lm.zip')
    parser.add_argument('--max-lines', type=int, default=None,
                        help='use only this many lines of every split')
    return parser.parse_args(argv)


def main(argv=None):
    logging.basicConfig(level=logging.INFO)
    args = parse_args(argv)
    main_loop, model, dictionary = build_main_loop(
        transition=args.transition, dim=args.dim, num_epochs=args.epochs,
        batch_size=args.batch_size, learning_rate=args.learning_rate,
        checkpoint_path=args.checkpoint, max_lines=args.max_lines)
    main_loop.run()
    print('Validation: {:.3f} bits per character after {} epochs'.format(
        float(main_loop.log.current_row['valid_bits_per_character']),
        main_loop.status['epochs_done']))
    for line in sample(model, dictionary):
        print('Sample: ' + line)
    return main_loop


if __name__ == '__main__':
    main()
