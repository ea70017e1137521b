"""The recurrent decorator: call options, contexts, random streams inside a
step, the loop in the computation graph, dropout and noise on recurrent
bricks, and the errors for bad input."""
import pickle

import aesara
import numpy
import pytest
from aesara import tensor
from aesara.graph.basic import io_toposort
from aesara.scan.op import Scan

from blocks.bricks import Identity, Random, Tanh
from blocks.bricks.base import application
from blocks.bricks.recurrent import (
    BaseRecurrent, Bidirectional, GatedRecurrent, LSTM, RecurrentStack,
    SimpleRecurrent, recurrent)
from blocks.filter import VariableFilter, get_application_call, get_brick
from blocks.graph import ComputationGraph, apply_dropout, apply_noise
from blocks.initialization import Constant, Identity as IdentityInit
from blocks.roles import INPUT, OUTPUT
from tests.bricks.recurrent import FLOATX


class NoisyAccumulator(BaseRecurrent, Random):
    """Adds a context and Gaussian noise to its state at every step; it has
    no sequences, a non-state output and zero initial states."""
    def __init__(self, dim, **kwargs):
        super().__init__(**kwargs)
        self.dim = dim

    @recurrent(sequences=[], states=['states'], contexts=['offset'],
               outputs=['states', 'noise'])
    def apply(self, offset, states=None):
        noise = self.aesara_rng.normal(size=states.shape, dtype=FLOATX)
        return states + offset + noise, noise

    def get_dim(self, name):
        if name in ('states', 'noise', 'offset'):
            return self.dim
        return super().get_dim(name)


class Feedback(BaseRecurrent):
    """The tutorial's feedback network: two layers, one step each."""
    def __init__(self, dim, **kwargs):
        super().__init__(**kwargs)
        self.dim = dim
        self.first = SimpleRecurrent(dim, Identity(), name='first',
                                     weights_init=IdentityInit())
        self.second = SimpleRecurrent(dim, Identity(), name='second',
                                      weights_init=IdentityInit())
        self.children = [self.first, self.second]

    @recurrent(sequences=['inputs'], states=['first_states',
                                             'second_states'],
               outputs=['first_states', 'second_states'], contexts=[])
    def apply(self, inputs, first_states=None, second_states=None):
        first = self.first.apply(inputs=inputs,
                                 states=first_states + second_states,
                                 iterate=False)
        second = self.second.apply(inputs=first, states=second_states,
                                   iterate=False)
        return first, second

    def get_dim(self, name):
        if name in ('inputs', 'first_states', 'second_states'):
            return self.dim
        return super().get_dim(name)


@pytest.fixture(scope='module')
def graphs():
    """One compiled function for the noisy accumulator (with the updates of
    its random stream), dropout and noise on a recurrent brick's inputs and
    outputs, and the one-step feedback network."""
    accumulator = NoisyAccumulator(2, aesara_seed=5)
    offset = tensor.matrix('offset')
    states, noise = accumulator.apply(offset=offset, n_steps=3,
                                      batch_size=4)
    accumulated = ComputationGraph([states, noise])

    rnn = SimpleRecurrent(3, Identity(), weights_init=Constant(0),
                          name='rnn')
    rnn.initialize()
    # The loop's inner graph is under test: no fused loop.
    rnn.recurrent_implementation = 'scan'
    x = tensor.tensor3('x')
    h = rnn.apply(x, call_id='the-rnn')
    cg = ComputationGraph(h)
    rnn_inputs = VariableFilter(roles=[INPUT], bricks=[rnn])(cg.variables)
    # Not bricks=[rnn]: the learned initial states are outputs of the
    # brick's initial_states application.
    rnn_outputs = VariableFilter(roles=[OUTPUT], applications=[rnn.apply])(
        cg.variables)
    initial = VariableFilter(roles=[OUTPUT], bricks=[rnn])(cg.variables)
    dropped = apply_dropout(cg, rnn_inputs + rnn_outputs, 0.5, seed=3)
    noisy = apply_noise(cg, rnn_outputs, 0.1, seed=4)

    feedback = Feedback(2)
    feedback.initialize()
    y = tensor.matrix('y')
    one_step = feedback.apply(inputs=y, iterate=False, as_dict=True)

    updates = accumulated.updates
    function = aesara.function(
        [offset, x, y], [states, noise, dropped.outputs[0],
                         noisy.outputs[0]] + list(one_step.values()),
        updates=updates)
    return dict(locals())


def _call(graphs, offset, x, y):
    return graphs['function'](numpy.asarray(offset, FLOATX),
                              numpy.asarray(x, FLOATX),
                              numpy.asarray(y, FLOATX))


def test_contexts_non_state_outputs_and_noise_inside_the_step(graphs):
    offset = numpy.arange(8.).reshape(4, 2)
    x, y = numpy.ones((2, 4, 3)), numpy.ones((1, 2))
    states, noise = _call(graphs, offset, x, y)[:2]
    assert states.shape == noise.shape == (3, 4, 2)
    # Zero initial states, then the offset and the noise at each step.
    numpy.testing.assert_allclose(states, numpy.cumsum(offset + noise, 0),
                                  rtol=1e-5)
    assert noise.std() > 0.3
    # The updates of the step's random stream are in the graph's updates:
    # the next call draws other numbers.
    updates = graphs['updates']
    assert len(updates) == 1
    generator, = updates
    assert isinstance(generator.get_value(), numpy.random.Generator)
    second = _call(graphs, offset, x, y)[1]
    assert not numpy.allclose(noise, second)
    # Reproducible: the same generator state gives the same draws.
    generator.set_value(numpy.random.default_rng(7))
    third = _call(graphs, offset, x, y)[1]
    generator.set_value(numpy.random.default_rng(7))
    numpy.testing.assert_array_equal(third, _call(graphs, offset, x, y)[1])


def test_without_sequences_n_steps_and_batch_size_are_needed():
    accumulator = NoisyAccumulator(2, name='acc')
    with pytest.raises(ValueError, match=r"/acc.apply: no sequence given, so "
                                         r"n_steps and batch_size are "
                                         r"needed"):
        accumulator.apply(offset=tensor.matrix(), n_steps=3)


def test_dropout_and_noise_on_a_recurrent_brick(graphs):
    names = sorted(variable.name for variable in
                   graphs['rnn_inputs'] + graphs['rnn_outputs'])
    # The batch size given to initial_states is not an input.
    assert names == ['rnn_apply_inputs', 'rnn_apply_states']
    assert sorted(variable.name for variable in graphs['initial']) == [
        'rnn_apply_states', 'rnn_initial_states_states']
    x = numpy.random.RandomState(1).uniform(1, 2, size=(2, 4, 3))
    dropped, noisy = _call(graphs, numpy.zeros((4, 2)), x,
                           numpy.ones((1, 2)))[2:4]
    # W is zero, so the states are the inputs: dropout on both keeps a
    # quarter of them, scaled by 2 twice.
    ratios = dropped / x
    kept = numpy.isclose(ratios, 4)
    assert numpy.all(kept | numpy.isclose(ratios, 0))
    assert 0 < kept.sum() < kept.size / 2
    difference = noisy - x
    assert 0.05 < difference.std() < 0.2


def test_replacing_keeps_the_updates_of_a_loop(graphs):
    accumulated = graphs['accumulated']
    offset = VariableFilter(roles=[INPUT], bricks=[graphs['accumulator']])(
        accumulated.variables)
    assert [variable.name for variable in offset] == [
        'noisyaccumulator_apply_offset']
    replaced = accumulated.replace({offset[0]: offset[0] * 2})
    (generator, update), = replaced.updates.items()
    assert generator in accumulated.updates
    assert update is not accumulated.updates[generator]
    # The update comes from the new loop, the one the outputs use.
    loops = {node for node in io_toposort([], replaced.outputs + [update])
             if isinstance(node.op, Scan)}
    assert len(loops) == 1


def test_the_loop_in_the_computation_graph(graphs):
    cg = graphs['cg']
    rnn = graphs['rnn']
    assert len(cg.scans) == 1
    assert cg.parameters and set(cg.parameters) == set(rnn.parameters)
    # Inside the loop, the step's variables are tagged like any others.
    inner = VariableFilter(bricks=[rnn], roles=[OUTPUT])(cg.scan_variables)
    assert [variable.tag.name for variable in inner] == ['states']
    assert get_application_call(inner[0]).metadata['call_id'] == 'the-rnn'
    selected = VariableFilter(call_id='the-rnn')(cg.variables)
    assert {variable.name for variable in selected} == {
        'rnn_apply_inputs', 'rnn_apply_states'}


def test_one_step_of_a_composite_brick(graphs):
    first, second = _call(graphs, numpy.zeros((4, 2)), numpy.ones((1, 4, 3)),
                          [[1., 2.]])[4:6]
    # One step from zero initial states: the tutorial's first row.
    numpy.testing.assert_allclose(first, [[1., 2.]])
    numpy.testing.assert_allclose(second, [[1., 2.]])
    assert list(graphs['one_step']) == ['first_states', 'second_states']


def test_inner_bricks_are_found_among_the_scan_variables():
    feedback = Feedback(2)
    first, second = feedback.apply(tensor.tensor3('x'))
    cg = ComputationGraph([first, second])
    inner = VariableFilter(bricks=[feedback.first], roles=[OUTPUT])(
        cg.scan_variables)
    assert len(inner) == 1 and get_brick(inner[0]) is feedback.first
    assert not VariableFilter(bricks=[feedback.first], roles=[OUTPUT])(
        cg.variables)
    # Its parameter, used only inside the loop, is found outside.
    assert VariableFilter(bricks=[feedback.first])(cg.variables) == [
        feedback.first.W]


def test_recurrent_bricks_pickle_after_application():
    bricks = [LSTM(2, name='lstm'), Bidirectional(GatedRecurrent(2)),
              RecurrentStack([LSTM(2), SimpleRecurrent(2, Tanh())]),
              Feedback(2)]
    inputs = [tensor.tensor3('x'), tensor.tensor3('x'), tensor.tensor3('x'),
              tensor.tensor3('x')]
    bricks[0].apply(inputs[0])
    bricks[1].apply(inputs[1], inputs[1][:, :, :4])
    bricks[2].apply(inputs[2])
    bricks[3].apply(inputs[3])
    for brick in bricks:
        copy = pickle.loads(pickle.dumps(brick))
        assert copy.apply.states == brick.apply.states
        assert [parameter.name for parameter in copy.parameters] == [
            parameter.name for parameter in brick.parameters]
    stack = pickle.loads(pickle.dumps(bricks[2]))
    assert stack.apply.states == ['states', 'cells', 'states#1']


def typed(name, shape):
    """A variable with a static shape (None where unknown)."""
    return tensor.TensorType(FLOATX, shape=shape)(name)


# Bad input: an error naming the brick, the argument, what was given and
# what was expected, when the graph is built.

def test_a_sequence_given_as_a_matrix():
    lstm = LSTM(3, name='lstm')
    with pytest.raises(ValueError, match=r"/lstm.apply: argument 'inputs' "
                                         r"must be a 3-dimensional tensor "
                                         r"\(time, batch, features\) for a "
                                         r"sequence with iterate=True, got x "
                                         r"with 2 dimension\(s\)"):
        lstm.apply(tensor.matrix('x'))
    with pytest.raises(ValueError, match=r"argument 'inputs' must be a "
                                         r"2-dimensional tensor \(batch, "
                                         r"features\) for one step"):
        lstm.apply(tensor.tensor3('x'), iterate=False)


def test_a_mask_whose_shape_does_not_match_its_sequence():
    rnn = SimpleRecurrent(3, Tanh(), name='rnn')
    x = typed('x', (5, 2, 3))
    with pytest.raises(ValueError, match=r"/rnn.apply: argument 'mask' has 4 "
                                         r"steps \(axis 0 of mask\), but the "
                                         r"sequence 'inputs' has 5"):
        rnn.apply(x, mask=typed('mask', (4, 2)))
    with pytest.raises(ValueError, match=r"argument 'mask' has 3 examples"):
        rnn.apply(x, mask=typed('mask', (5, 3)))
    with pytest.raises(ValueError, match=r"argument 'mask' must be a "
                                         r"2-dimensional tensor \(time, "
                                         r"batch\)"):
        rnn.apply(x, mask=tensor.tensor3('mask'))


def test_a_state_whose_width_differs_from_get_dim():
    rnn = GatedRecurrent(3, name='gru')
    x, gates = tensor.tensor3('x'), tensor.tensor3('g')
    with pytest.raises(ValueError, match=r"/gru.apply: argument 'states': "
                                         r"axis 1 of h0 has length 4, "
                                         r"expected 3 \(the brick's "
                                         r"get_dim\('states'\)\)"):
        rnn.apply(x, gates, states=typed('h0', (None, 4)))
    with pytest.raises(ValueError, match=r"argument 'states' must be a "
                                         r"2-dimensional tensor \(batch, "
                                         r"features\) for a state"):
        rnn.apply(x, gates, states=tensor.tensor3('h0'))


def test_lstm_inputs_not_four_times_dim():
    lstm = LSTM(3, name='lstm')
    with pytest.raises(ValueError, match=r"/lstm.apply: argument 'inputs': "
                                         r"axis 2 of x has length 10, "
                                         r"expected 12 \(the brick's "
                                         r"get_dim\('inputs'\) = 4 \* dim\)"):
        lstm.apply(typed('x', (None, None, 10)))


def test_gru_gate_inputs_not_twice_dim():
    gru = GatedRecurrent(3, name='gru')
    with pytest.raises(ValueError, match=r"/gru.apply: argument "
                                         r"'gate_inputs': axis 2 of g has "
                                         r"length 3, expected 6 \(the "
                                         r"brick's get_dim\('gate_inputs'\) "
                                         r"= 2 \* dim\)"):
        gru.apply(tensor.tensor3('x'),
                  typed('g', (None, None, 3)))


def test_options_of_one_step():
    rnn = SimpleRecurrent(3, Tanh(), name='rnn')
    with pytest.raises(ValueError, match=r"/rnn.apply: reverse=True needs "
                                         r"iterate=True"):
        rnn.apply(tensor.matrix(), iterate=False, reverse=True)


def test_decorator_misuse():
    with pytest.raises(TypeError, match=r"recurrent: unknown arguments "
                                        r"\['state'\]"):
        recurrent(state=['h'])
    with pytest.raises(ValueError, match=r"the sequences \['x'\] of apply are "
                                         r"not arguments"):
        class Wrong(BaseRecurrent):
            @recurrent(sequences=['x'], states=['h'])
            def apply(self, inputs, h):
                return h

    class NotReturned(BaseRecurrent):
        @recurrent(sequences=['inputs'], states=['h', 'c'], outputs=['h'])
        def apply(self, inputs, h=None, c=None):
            return h
    with pytest.raises(ValueError, match=r"the states \['c'\] are not among "
                                         r"the outputs \['h'\]"):
        NotReturned().apply(tensor.tensor3(), h=tensor.matrix(),
                            c=tensor.matrix())


def test_an_application_of_the_step_brick_is_an_application():
    class Doubler(BaseRecurrent):
        @application
        def double(self, x):
            return 2 * x

    assert Doubler().double(tensor.vector('x')).name == 'doubler_double_output'
