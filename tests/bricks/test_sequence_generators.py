"""Tests of the sequence generators.

Three compiled functions: the cost of given sequences of a generator
without attention (compared with a NumPy computation of the same model),
and, for generators without and with attention, generation followed by
the cost of the generated sequences (equal to the costs the generation
reports).
"""
import pickle

import numpy
import pytest
import aesara
from aesara import tensor

from blocks.bricks import Tanh
from blocks.bricks.attention import SequenceContentAttention
from blocks.bricks.recurrent import SimpleRecurrent
from blocks.bricks.sequence_generators import (
    LookupFeedback, Readout, SequenceGenerator, SoftmaxEmitter,
    TrivialEmitter, TrivialFeedback)
from blocks.filter import VariableFilter
from blocks.graph import ComputationGraph
from blocks.initialization import Constant, IsotropicGaussian

VOCABULARY, DIM, FEEDBACK_DIM, ATTENDED_DIM = 4, 3, 2, 2
EOS = 3
N_STEPS, BATCH = 6, 5


def make_generator(attention=False):
    transition = SimpleRecurrent(dim=DIM, activation=Tanh(),
                                 name='transition')
    sources = ['states', 'feedback']
    attention_brick = None
    if attention:
        attention_brick = SequenceContentAttention(
            state_names=['states'], attended_dim=ATTENDED_DIM, match_dim=3,
            name='attention')
        sources.append('weighted_averages')
    readout = Readout(
        readout_dim=VOCABULARY, source_names=sources,
        emitter=SoftmaxEmitter(aesara_seed=5, name='emitter'),
        feedback_brick=LookupFeedback(VOCABULARY, FEEDBACK_DIM,
                                      name='feedback'),
        name='readout')
    generator = SequenceGenerator(
        readout, transition, attention=attention_brick,
        weights_init=IsotropicGaussian(0.7),
        biases_init=IsotropicGaussian(0.3), seed=2, name='generator')
    generator.initialize()
    return generator


def eos_mask(outputs):
    """1 up to and including the first end of sequence, 0 after it."""
    is_eos = tensor.eq(outputs, EOS).astype('int64')
    return tensor.eq(tensor.cumsum(is_eos, axis=0) - is_eos, 0).astype(
        aesara.config.floatX)


@pytest.fixture(scope='module')
def plain():
    generator = make_generator()
    outputs = tensor.lmatrix('outputs')
    mask = tensor.matrix('mask')
    cost = generator.cost(outputs, mask=mask)
    cost_matrix = generator.cost_matrix(outputs, mask=mask)
    per_element, = VariableFilter(name='per_sequence_element')(
        ComputationGraph(cost))
    function = aesara.function([outputs, mask],
                               [cost, cost_matrix, per_element])
    return generator, function


@pytest.fixture(scope='module', params=[False, True],
                ids=['without_attention', 'with_attention'])
def generated(request):
    """Generate with an end of sequence, then score what was generated."""
    generator = make_generator(request.param)
    contexts = {}
    inputs = []
    if request.param:
        attended = tensor.tensor3('attended')
        attended_mask = tensor.matrix('attended_mask')
        contexts = dict(attended=attended, attended_mask=attended_mask)
        inputs = [attended, attended_mask]
    results = generator.generate(n_steps=N_STEPS, batch_size=BATCH,
                                 eos_symbol=EOS, as_dict=True, **contexts)
    mask = eos_mask(results['outputs'])
    cost_matrix = generator.cost_matrix(results['outputs'], mask=mask,
                                        **contexts)
    function = aesara.function(inputs, list(results.values()) +
                               [mask, cost_matrix])
    values = []
    if request.param:
        rng = numpy.random.RandomState(4)
        attended_mask = numpy.ones((4, BATCH))
        attended_mask[3:, 1] = 0
        values = [rng.normal(size=(4, BATCH, ATTENDED_DIM)), attended_mask]
    return generator, list(results), function(*values)


def numpy_cost_matrix(generator, outputs, mask):
    """The negative log-likelihood of the model computed by hand."""
    readout = generator.readout
    transition = generator.transition.transition
    embeddings = readout.feedback_brick.lookup.W.get_value()
    to_inputs, = generator.fork.children
    from_states, from_feedback = readout.merge.children
    bias, = readout.post_merge.parameters
    states = numpy.tile(transition.initial_state.get_value(),
                        (outputs.shape[1], 1))
    previous = numpy.zeros(outputs.shape[1], dtype='int64')
    costs = numpy.zeros(outputs.shape)
    for time in range(outputs.shape[0]):
        readouts = (states.dot(from_states.W.get_value()) +
                    embeddings[previous].dot(from_feedback.W.get_value()) +
                    bias.get_value())
        readouts -= readouts.max(axis=1, keepdims=True)
        log_probabilities = readouts - numpy.log(
            numpy.exp(readouts).sum(axis=1, keepdims=True))
        costs[time] = -log_probabilities[numpy.arange(outputs.shape[1]),
                                         outputs[time]] * mask[time]
        new_states = numpy.tanh(
            embeddings[outputs[time]].dot(to_inputs.W.get_value()) +
            to_inputs.b.get_value() +
            states.dot(transition.W.get_value()))
        states = numpy.where(mask[time][:, None] > 0, new_states, states)
        previous = outputs[time]
    return costs


def test_cost_equals_numpy_negative_log_likelihood(plain):
    generator, function = plain
    rng = numpy.random.RandomState(1)
    outputs = rng.randint(VOCABULARY, size=(4, 3))
    mask = numpy.ones((4, 3))
    mask[2:, 0] = 0
    mask[3:, 2] = 0
    # Padding holds junk that must not matter.
    cost, cost_matrix, per_element = function(outputs, mask)
    expected = numpy_cost_matrix(generator, outputs, mask)
    assert numpy.allclose(cost_matrix, expected)
    assert numpy.allclose(cost, expected.sum(axis=0).mean())
    assert numpy.allclose(per_element, expected.sum() / mask.sum())
    assert numpy.all(cost_matrix[mask == 0] == 0)


def test_generate_shapes_dtypes_and_end_of_sequence(generated):
    generator, names, values = generated
    results = dict(zip(names, values))
    mask, cost_matrix = values[-2:]
    attention = 'weighted_averages' in names
    assert names == (['states', 'outputs'] +
                     (['weighted_averages', 'weights'] if attention else [])
                     + ['costs'])
    assert results['outputs'].shape == (N_STEPS, BATCH)
    assert results['outputs'].dtype == numpy.int64
    assert results['states'].shape == (N_STEPS, BATCH, DIM)
    assert results['costs'].shape == (N_STEPS, BATCH)
    assert results['costs'].dtype == aesara.config.floatX
    if attention:
        assert results['weighted_averages'].shape == (N_STEPS, BATCH,
                                                      ATTENDED_DIM)
        weights = results['weights']
        assert weights.shape == (N_STEPS, BATCH, 4)
        assert numpy.allclose(weights.sum(axis=2), 1)
        assert numpy.all(weights[:, 1, 3] == 0)
    outputs = results['outputs']
    assert ((outputs >= 0) & (outputs < VOCABULARY)).all()
    # Some sequences end, and after the end only end of sequence follows,
    # at no cost.
    ended = (outputs == EOS).any(axis=0)
    assert ended.any()
    for example in numpy.flatnonzero(ended):
        first = numpy.flatnonzero(outputs[:, example] == EOS)[0]
        assert (outputs[first:, example] == EOS).all()
        assert (results['costs'][first + 1:, example] == 0).all()
    # Scoring the generated sequences gives back the generation's costs.
    assert numpy.isfinite(cost_matrix).all()
    assert numpy.allclose(cost_matrix, results['costs'] * mask)
    assert (results['costs'][mask > 0] > 0).all()


def test_bad_inputs():
    generator = make_generator()
    with pytest.raises(TypeError, match=r"/generator.cost_matrix: argument "
                       r"'outputs' must have an integer dtype for the "
                       r"readout /generator/readout, got targets of dtype "
                       r"float64"):
        generator.cost(tensor.matrix('targets'))
    with pytest.raises(ValueError, match=r"/generator.cost_matrix: argument"
                       r" 'outputs' must be a 2-dimensional tensor"):
        generator.cost(tensor.ltensor3('targets'))
    with pytest.raises(ValueError, match=r"/generator.generate: argument "
                       r"'eos_symbol' is 4, outside the vocabulary of 4 "
                       r"outputs \(0 .. 3\)"):
        generator.generate(n_steps=3, batch_size=2, eos_symbol=4)
    with pytest.raises(ValueError, match=r"'eos_symbol' is 0, the initial "
                       r"output of the emitter"):
        generator.generate(n_steps=3, batch_size=2, eos_symbol=0)
    with pytest.raises(TypeError, match="readout must be an AbstractReadout"):
        SequenceGenerator(Tanh(), SimpleRecurrent(dim=2, activation=Tanh()))
    with pytest.raises(TypeError, match=r"/generator.cost_matrix: "
                       r"unexpected arguments \['attended'\]"):
        generator.cost(tensor.lmatrix('y'), attended=tensor.tensor3())


def test_trivial_emitter_and_feedback():
    transition = SimpleRecurrent(dim=DIM, activation=Tanh())
    readout = Readout(readout_dim=2, source_names=['states'])
    assert isinstance(readout.emitter, TrivialEmitter)
    assert isinstance(readout.feedback_brick, TrivialFeedback)
    generator = SequenceGenerator(readout, transition,
                                  weights_init=Constant(0.1),
                                  biases_init=Constant(0))
    generator.initialize()
    assert generator.get_dim('outputs') == 2
    assert generator.fork.input_dim == 2
    outputs = tensor.tensor3('outputs')
    cost = generator.cost(outputs)
    assert cost.ndim == 0
    generated = generator.generate(n_steps=2, batch_size=3, as_dict=True)
    assert generated['outputs'].ndim == 3


def test_pickling():
    generator = make_generator(attention=True)
    clone = pickle.loads(pickle.dumps(generator))
    assert [brick.name for brick in clone.children] == [
        'readout', 'fork', 'att_trans']
    for original, copy in zip(
            ComputationGraph(generator.cost(
                tensor.lmatrix('y'), attended=tensor.tensor3('a'),
                attended_mask=tensor.matrix('m'))).parameters,
            ComputationGraph(clone.cost(
                tensor.lmatrix('y'), attended=tensor.tensor3('a'),
                attended_mask=tensor.matrix('m'))).parameters):
        assert original.name == copy.name
        assert numpy.array_equal(original.get_value(), copy.get_value())
