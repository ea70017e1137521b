"""The choice between the fused loop and scan, and their agreement.

For each dtype one function, compiled once per module, holds every
architecture in several configurations (ragged masks, reverse, learned and
given initial states, batch 1 and 3), each applied twice, through the fused
Op and through ``scan``, with the gradients of a cost with respect to the
inputs, the given initial states and every parameter. The functions run in
``FAST_COMPILE``, which compiles nothing in C but the fused Ops (cached
across the test modules). The other tests only build graphs.
"""
import os
from collections import OrderedDict

import numpy
import pytest
import aesara
from aesara import tensor
from aesara.graph.basic import io_toposort
from aesara.scan.op import Scan
from numpy.testing import assert_allclose

from blocks.bricks import Identity, Random, Rectifier, Softplus, Tanh
from blocks.bricks.recurrent import (
    Bidirectional, GatedRecurrent, LSTM, RecurrentStack, SimpleRecurrent)
from blocks.bricks.recurrent.fused import (
    FusedGatedRecurrent, FusedLSTM, FusedSimpleRecurrent)
from blocks.config import ConfigurationError, config
from blocks.filter import VariableFilter
from blocks.graph import ComputationGraph
from blocks.initialization import IsotropicGaussian
from blocks.roles import INITIAL_STATE, INPUT, OUTPUT, WEIGHT
from blocks.serialization import load, load_parameters
from tests.bricks.recurrent import test_resumption
from tests.resumption import assert_bit_identical, interrupt_then_finish

T, DIM = 4, 3
LENGTHS = [4, 1, 3]
FUSED_OPS = (FusedSimpleRecurrent, FusedLSTM, FusedGatedRecurrent)
TOLERANCES = {'float64': dict(rtol=1e-8, atol=1e-10),
              'float32': dict(rtol=2e-4, atol=5e-5)}
THIS_MODULE = 'tests.bricks.recurrent.test_implementation'


def make_brick(kind):
    """A brick and the widths of its sequences, in units of DIM."""
    if kind == 'simple':
        return SimpleRecurrent(DIM, Tanh(), name=kind), {'inputs': 1}
    if kind == 'simple_rectifier':
        return SimpleRecurrent(DIM, Rectifier(), name=kind), {'inputs': 1}
    if kind == 'lstm':
        return LSTM(DIM, name=kind), {'inputs': 4}
    if kind == 'lstm_no_peepholes':
        return LSTM(DIM, peepholes=False, name=kind), {'inputs': 4}
    return GatedRecurrent(DIM, name=kind), {'inputs': 1, 'gate_inputs': 2}


#: (brick kind, batch, masked, given initial states, reverse,
#: return_initial_states), per dtype: few, since every scan compiles slowly.
CONFIGS = {
    'float64': [(kind, batch, masked, given, reverse, initial)
                for kind in ('simple', 'lstm', 'gru')
                for batch, masked, given, reverse, initial in (
                    (3, True, True, True, True),
                    (1, False, False, False, False))] +
               [('simple_rectifier', 3, True, False, False, False),
                ('lstm_no_peepholes', 3, True, False, True, True)],
    'float32': [(kind, 3, True, False, True, False)
                for kind in ('simple', 'lstm', 'gru')]}


def ops_of(outputs):
    return [node.op for node in io_toposort([], list(outputs))]


def path_of(outputs):
    """'fused', 'scan', or both/neither, of a graph."""
    ops = ops_of(outputs)
    fused = any(isinstance(op, FUSED_OPS) for op in ops)
    scanned = any(isinstance(op, Scan) for op in ops)
    return {(True, False): 'fused', (False, True): 'scan'}.get(
        (fused, scanned), (fused, scanned))


def build_case(case, dtype, rng):
    """Both paths of one configuration: symbolic inputs with their values,
    and the outputs and gradients of each path."""
    kind, batch, masked, given, reverse, initial = case
    brick, widths = make_brick(kind)
    brick.weights_init = IsotropicGaussian(0.5)
    brick.initialize()
    for parameter in brick.parameters:
        if parameter.name.startswith('initial'):
            parameter.set_value(rng.normal(size=DIM).astype(dtype))
    inputs, values = OrderedDict(), {}
    for name, width in widths.items():
        inputs[name] = tensor.tensor3(name, dtype=dtype)
        values[inputs[name]] = rng.normal(
            size=(T, batch, width * DIM)).astype(dtype)
    if masked:
        inputs['mask'] = tensor.matrix('mask', dtype=dtype)
        values[inputs['mask']] = (numpy.arange(T)[:, None] < numpy.array(
            LENGTHS[:batch])[None, :]).astype(dtype)
    if given:
        for name in brick.apply.states:
            inputs[name] = tensor.matrix(name, dtype=dtype)
            values[inputs[name]] = rng.normal(size=(batch, DIM)).astype(dtype)
    wrt = [variable for name, variable in inputs.items() if name != 'mask']
    # Given initial states replace the learned ones.
    wrt += [parameter for parameter in brick.parameters
            if not (given and parameter.name.startswith('initial'))]
    paths = {}
    weights = None
    for path in ('fused', 'scan'):
        brick.recurrent_implementation = path
        outputs = brick.apply(reverse=reverse, return_initial_states=initial,
                              as_list=True, **inputs)
        assert path_of(outputs) == path
        if weights is None:
            weights = [rng.normal(size=(T + initial, batch, DIM))
                       .astype(dtype) for _ in outputs]
        cost = sum((output * weight).sum()
                   for output, weight in zip(outputs, weights))
        paths[path] = list(outputs) + aesara.grad(cost, wrt)
    brick.recurrent_implementation = None
    return values, paths


@pytest.fixture(scope='module')
def agreement():
    """Per dtype: the values of both paths for every configuration."""
    results = {}
    for dtype, cases in CONFIGS.items():
        rng = numpy.random.default_rng(0)
        values, outputs, spans = {}, [], []
        # The scans take their mode from the configuration (tests/
        # conftest.py forgets the default mode this caches).
        with aesara.config.change_flags(floatX=dtype, mode='FAST_COMPILE'):
            for case in cases:
                case_values, paths = build_case(case, dtype, rng)
                values.update(case_values)
                spans.append((case, len(outputs), len(paths['fused'])))
                outputs += paths['fused'] + paths['scan']
            function = aesara.function(list(values), outputs,
                                       mode='FAST_COMPILE',
                                       on_unused_input='ignore')
            computed = function(*values.values())
        results[dtype] = [(case, computed[start:start + size],
                           computed[start + size:start + 2 * size])
                          for case, start, size in spans]
    return results


@pytest.mark.parametrize('dtype', ['float64', 'float32'])
def test_fused_and_scan_agree(agreement, dtype):
    for case, fused, scanned in agreement[dtype]:
        for position, (mine, reference) in enumerate(zip(fused, scanned)):
            assert mine.dtype == dtype
            assert mine.shape == reference.shape, case
            assert_allclose(mine, reference, err_msg='{} output {}'.format(
                case, position), **TOLERANCES[dtype])
        # The mask is ragged: some states are carried unchanged.
        assert any(numpy.abs(gradient).max() > 1e-3 for gradient in fused)


def test_the_standard_bricks_take_the_fused_path():
    x, x4, mask = tensor.tensor3('x'), tensor.tensor3('x4'), tensor.matrix()
    simple = SimpleRecurrent(DIM, Identity(), name='simple')
    lstm, gru = LSTM(DIM, name='lstm'), GatedRecurrent(DIM, name='gru')
    assert path_of([simple.apply(x, mask=mask)]) == 'fused'
    assert path_of(lstm.apply(x4, mask=mask, reverse=True)) == 'fused'
    assert path_of([gru.apply(x, tensor.tensor3(), mask=mask)]) == 'fused'
    # One step has no loop at all.
    one_step = lstm.apply(tensor.matrix(), tensor.matrix(), tensor.matrix(),
                          iterate=False)
    assert path_of(one_step) == (False, False)


def test_outputs_and_parameters_are_found_as_on_the_scan_path():
    lstm = LSTM(DIM, name='lstm')
    x = tensor.tensor3('x')
    states, cells = lstm.apply(x)
    cg = ComputationGraph(states)
    assert not cg.scans
    assert set(cg.parameters) == set(lstm.parameters)
    assert set(VariableFilter(roles=[WEIGHT])(cg.parameters)) == {
        lstm.W_state, lstm.W_cell_to_in, lstm.W_cell_to_forget,
        lstm.W_cell_to_out}
    assert set(VariableFilter(roles=[INITIAL_STATE])(cg.parameters)) == {
        lstm.initial_state, lstm.initial_cells}
    outputs = VariableFilter(roles=[OUTPUT], applications=[lstm.apply])(cg)
    assert [variable.name for variable in outputs] == ['lstm_apply_states']
    inputs = VariableFilter(roles=[INPUT], bricks=[lstm])(cg)
    assert [variable.name for variable in inputs] == ['lstm_apply_inputs']


class NoisyLSTM(LSTM, Random):
    """Noise on the previous states inside every step."""
    def step(self, inputs, states, cells):
        noisy = states + self.aesara_rng.normal(size=states.shape,
                                                dtype=states.dtype)
        return super().step(inputs, noisy, cells)


def test_custom_steps_and_activations_keep_scan():
    x = tensor.tensor3('x')
    assert path_of(NoisyLSTM(DIM, name='noisy').apply(x)) == 'scan'
    softplus = SimpleRecurrent(DIM, Softplus(), name='softplus')
    assert path_of([softplus.apply(x)]) == 'scan'
    lstm = LSTM(DIM, activation=Rectifier(), name='lstm')
    assert path_of(lstm.apply(x)) == 'scan'
    # Asked for, the fused loop says why it cannot be used.
    for brick, reason in ((softplus, 'activation is a Softplus'),
                          (lstm, 'activation is a Rectifier')):
        brick.recurrent_implementation = 'fused'
        with pytest.raises(ValueError, match='/{}: cannot use the fused '
                           'loop: its {}'.format(brick.name, reason)):
            brick.apply(x)
    noisy = NoisyLSTM(DIM, name='noisy')
    noisy.recurrent_implementation = 'fused'
    with pytest.raises(ValueError, match='NoisyLSTM overrides the step'):
        noisy.apply(x)


def test_forcing_either_path(monkeypatch):
    x = tensor.tensor3('x')
    simple = SimpleRecurrent(DIM, Tanh(), name='simple')
    monkeypatch.setitem(config.config['recurrent_implementation'], 'value',
                        'scan')
    assert path_of([simple.apply(x)]) == 'scan'
    simple.recurrent_implementation = 'auto'  # the brick's choice wins
    assert path_of([simple.apply(x)]) == 'fused'
    simple.recurrent_implementation = 'fast'
    with pytest.raises(ValueError, match="/simple: recurrent_implementation "
                       "must be None or one of .*got 'fast'"):
        simple.apply(x)
    monkeypatch.delitem(config.config['recurrent_implementation'], 'value')
    monkeypatch.setenv('BLOCKS_RECURRENT_IMPLEMENTATION', 'scan')
    simple.recurrent_implementation = None
    assert path_of([simple.apply(x)]) == 'scan'
    monkeypatch.setenv('BLOCKS_RECURRENT_IMPLEMENTATION', 'fast')
    with pytest.raises(ConfigurationError, match='BLOCKS_RECURRENT_'
                       "IMPLEMENTATION gives key 'recurrent_implementation'"
                       " the value 'fast': expected 'auto', 'fused' or "
                       "'scan'"):
        simple.apply(x)


def test_compositions():
    x, mask = tensor.tensor3('x'), tensor.matrix('mask')
    bidirectional = Bidirectional(LSTM(DIM), name='bidirectional')
    states, _ = bidirectional.apply(tensor.tensor3('x4'), mask=mask)
    ops = [op for op in ops_of([states]) if isinstance(op, FusedLSTM)]
    assert sorted(op.reverse for op in ops) == [False, True]
    assert not ComputationGraph(states).scans
    # A stack of standard layers applies each layer over the whole
    # sequence with its fused loop, unless asked for one scan over all its
    # layers (low_memory=False, or its recurrent_implementation).
    stack = RecurrentStack([SimpleRecurrent(DIM, Tanh()),
                            GatedRecurrent(DIM)], name='stack')
    assert path_of(stack.apply(x, mask=mask)) == 'fused'
    assert path_of(stack.apply(x, mask=mask, low_memory=True)) == 'fused'
    assert path_of(stack.apply(x, mask=mask, low_memory=False)) == 'scan'
    assert len(ComputationGraph(
        stack.apply(x, mask=mask, low_memory=False)).scans) == 1
    stack.recurrent_implementation = 'scan'
    assert path_of(stack.apply(x, mask=mask)) == 'scan'
    stack.recurrent_implementation = 'fused'  # layer by layer
    assert path_of(stack.apply(x, mask=mask)) == 'fused'
    # One layer that cannot fuse: one scan for the whole stack.
    mixed = RecurrentStack([SimpleRecurrent(DIM, Softplus()),
                            GatedRecurrent(DIM)], name='mixed')
    assert len(ComputationGraph(mixed.apply(x, mask=mask)).scans) == 1
    assert path_of(mixed.apply(x, mask=mask, low_memory=True)) == (True,
                                                                   True)


# A bidirectional LSTM on the fused path, trained with input dropout,
# interrupted after a checkpoint and resumed from it (the model of
# test_resumption.py, without the dropout inside the loops).
def test_a_checkpoint_of_the_fused_path_resumes_exactly(tmp_path):
    path = tmp_path / 'model.zip'
    main_loop = test_resumption.build_main_loop(
        str(path), test_resumption.STOP_AT, transition=LSTM(DIM))
    assert path_of([main_loop.algorithm.cost]) == 'fused'
    interrupted, reference = interrupt_then_finish(
        main_loop, path, test_resumption.TOTAL_BATCHES)
    assert len(reference) == 16

    os.remove(path)
    resumed = load(interrupted, allowed_modules=test_resumption.ALLOWED)
    assert resumed.status['iterations_done'] == test_resumption.STOP_AT
    resumed.find_extension('StopAt').iteration = None
    resumed.run()
    assert resumed.status['iterations_done'] == \
        test_resumption.TOTAL_BATCHES
    assert_bit_identical(load_parameters(path), reference)
