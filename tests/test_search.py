"""Tests of the beam search.

A generator with attention over a vocabulary of three outputs (0 is the
end of sequence) and sequences of at most three outputs has 15 possible
sequences: their costs are computed by the generator's ``cost_matrix``
(one compiled function) and compared with the search (four compiled
functions, shared by all tests).
"""
import itertools

import numpy
import pytest
import aesara
from aesara import tensor

from blocks.bricks import Tanh
from blocks.bricks.attention import SequenceContentAttention
from blocks.bricks.recurrent import SimpleRecurrent
from blocks.bricks.sequence_generators import (
    LookupFeedback, Readout, SequenceGenerator, SoftmaxEmitter)
from blocks.initialization import IsotropicGaussian
from blocks.search import BeamSearch

VOCABULARY, EOL, MAX_LENGTH, ATTENDED_DIM, SOURCE_LENGTH = 3, 0, 3, 2, 4


def all_sequences():
    """Every sequence the search can return: ended by EOL, or cut."""
    sequences = []
    for length in range(MAX_LENGTH + 1):
        for symbols in itertools.product(range(1, VOCABULARY),
                                         repeat=length):
            if length < MAX_LENGTH:
                sequences.append(list(symbols) + [EOL])
            else:
                sequences.append(list(symbols))
    return sequences


@pytest.fixture(scope='module')
def setup():
    transition = SimpleRecurrent(dim=3, activation=Tanh(), name='transition')
    attention = SequenceContentAttention(
        state_names=['states'], attended_dim=ATTENDED_DIM, match_dim=3,
        name='attention')
    readout = Readout(
        readout_dim=VOCABULARY,
        source_names=['states', 'feedback', 'weighted_averages'],
        emitter=SoftmaxEmitter(initial_output=1, name='emitter'),
        feedback_brick=LookupFeedback(VOCABULARY, 2, name='feedback'),
        name='readout')
    generator = SequenceGenerator(
        readout, transition, attention=attention,
        weights_init=IsotropicGaussian(1.), biases_init=IsotropicGaussian(
            0.5), seed=3, name='generator')
    generator.initialize()
    attended = tensor.tensor3('attended')
    attended_mask = tensor.matrix('attended_mask')
    samples = generator.generate(
        n_steps=MAX_LENGTH, batch_size=attended.shape[1], attended=attended,
        attended_mask=attended_mask, as_dict=True)['outputs']
    search = BeamSearch(beam_size=15, samples=samples)
    outputs = tensor.lmatrix('outputs')
    mask = tensor.matrix('mask')
    cost_matrix = aesara.function(
        [outputs, mask, attended, attended_mask],
        generator.cost_matrix(outputs, mask=mask, attended=attended,
                              attended_mask=attended_mask))
    rng = numpy.random.RandomState(2)
    sources = rng.normal(size=(SOURCE_LENGTH, 3, ATTENDED_DIM))
    source_mask = numpy.ones((SOURCE_LENGTH, 3))
    source_mask[2:, 1] = 0
    return search, samples, cost_matrix, sources, source_mask


def exhaustive(setup, example):
    """The costs of every sequence, and of every step, for one source."""
    _, _, cost_matrix, sources, source_mask = setup
    sequences = all_sequences()
    outputs = numpy.zeros((MAX_LENGTH, len(sequences)), dtype='int64')
    mask = numpy.zeros((MAX_LENGTH, len(sequences)))
    for index, sequence in enumerate(sequences):
        outputs[:len(sequence), index] = sequence
        mask[:len(sequence), index] = 1
    repeat = len(sequences)
    costs = cost_matrix(
        outputs, mask, numpy.repeat(sources[:, example:example + 1], repeat,
                                    axis=1),
        numpy.repeat(source_mask[:, example:example + 1], repeat, axis=1))
    return sequences, costs


def one_source(setup, example):
    _, _, _, sources, source_mask = setup
    return {'attended': sources[:, example:example + 1],
            'attended_mask': source_mask[:, example:example + 1]}


def test_large_beam_equals_exhaustive_enumeration(setup):
    search = setup[0]
    for example in (0, 1):
        sequences, step_costs = exhaustive(setup, example)
        totals = step_costs.sum(axis=0)
        outputs, costs = search.search(one_source(setup, example), EOL,
                                       MAX_LENGTH)
        order = numpy.argsort(totals)
        assert outputs == [sequences[index] for index in order]
        assert numpy.allclose(costs, totals[order])
        # Normalised by length, the ranking changes accordingly.
        lengths = numpy.array([len(sequence) for sequence in sequences])
        outputs, costs = search.search(one_source(setup, example), EOL,
                                       MAX_LENGTH, length_normalization=1.)
        order = numpy.argsort(totals / lengths)
        assert outputs == [sequences[index] for index in order]
        assert numpy.allclose(costs, (totals / lengths)[order])


def test_beam_of_one_is_greedy_and_batched_equals_single(setup):
    search = setup[0]
    sources, source_mask = setup[3:]
    for example in range(3):
        sequences, step_costs = exhaustive(setup, example)
        # Greedy: the cheapest next output given the chosen prefix.
        prefix = []
        while len(prefix) < MAX_LENGTH and prefix[-1:] != [EOL]:
            options = {}
            for index, sequence in enumerate(sequences):
                if sequence[:len(prefix)] == prefix and \
                        len(sequence) > len(prefix):
                    options[sequence[len(prefix)]] = step_costs[len(prefix),
                                                                index]
            prefix.append(min(options, key=options.get))
        outputs, costs = search.search(one_source(setup, example), EOL,
                                       MAX_LENGTH, beam_size=1)
        assert outputs == [prefix]
        assert numpy.allclose(
            costs, step_costs[:, sequences.index(prefix)].sum())
    batched = search.search_batch(
        {'attended': sources, 'attended_mask': source_mask}, EOL,
        MAX_LENGTH, as_arrays=True)
    assert len(batched) == 3
    for example in range(3):
        single = search.search(one_source(setup, example), EOL, MAX_LENGTH,
                               as_arrays=True)
        for batched_array, single_array in zip(batched[example], single):
            assert numpy.array_equal(batched_array, single_array)
    outputs, mask, costs = batched[0]
    assert outputs.shape == (MAX_LENGTH, 15) and mask.shape == outputs.shape


def test_ignore_first_eol_and_bad_input(setup):
    search = setup[0]
    outputs, _ = search.search(one_source(setup, 0), EOL, MAX_LENGTH,
                               ignore_first_eol=True)
    assert [EOL] not in outputs and len(outputs) == 14
    with pytest.raises(ValueError, match=r"BeamSearch\(/generator\): "
                       r"eol_symbol is 3, outside the vocabulary of 3 "
                       r"outputs \(0 .. 2\)"):
        search.search(one_source(setup, 0), 3, MAX_LENGTH)
    with pytest.raises(ValueError, match=r"input_values has no value for "
                       r"the input 'attended_mask'"):
        search.search({'attended': setup[3][:, :1]}, EOL, MAX_LENGTH)
    with pytest.raises(ValueError, match="use search_batch"):
        search.search({'attended': setup[3], 'attended_mask': setup[4]},
                      EOL, MAX_LENGTH)
    with pytest.raises(ValueError, match="samples must be the 'outputs'"):
        BeamSearch(2, tensor.matrix('x'))
    with pytest.raises(ValueError, match="beam_size must be a positive"):
        BeamSearch(0, setup[1])
