"""Tests of the fused recurrent kernels against NumPy loops and scan.

For each architecture and dtype, one function, compiled once per module,
holds several configurations of the fused Ops (with a mask or without,
forward or reversed, ...) with their values and the gradients of two
costs. In float64 the same graphs written with ``scan`` give the reference
gradients; they run in Python, without graph rewrites, which costs no C
compilation. In float32 the references are the float64 results.
"""
import pickle

import numpy
import pytest
import aesara
from aesara import tensor
from aesara.gradient import verify_grad
from aesara.graph.basic import equal_computations
from aesara.link.vm import VMLinker
from numpy.testing import assert_allclose

from blocks.bricks.recurrent.fused import (
    FusedGatedRecurrent, FusedGatedRecurrentGrad, FusedLSTM, FusedLSTMGrad,
    FusedSimpleRecurrent, FusedSimpleRecurrentGrad, fused_gated_recurrent,
    fused_lstm, fused_simple_recurrent)

DIM = 3
TIME = 4
TOLERANCES = {'float64': dict(rtol=1e-9, atol=1e-12),
              'float32': dict(rtol=1e-4, atol=2e-5)}
#: Runs a graph as built, in Python (the fused Ops always run in C).
PYTHON_MODE = aesara.compile.mode.Mode(linker='py', optimizer=None)
#: For the steps of scan (which would else compile them with FAST_RUN).
SCAN_MODE = 'FAST_COMPILE'
#: Rewrites a graph as FAST_RUN does, but runs the other Ops in Python:
#: only the fused Ops need C compilation.
FUSED_MODE = aesara.compile.mode.Mode(
    linker=VMLinker(use_cloop=False, c_thunks=False), optimizer='fast_run')
PEEPHOLES = ('W_cell_to_in', 'W_cell_to_forget', 'W_cell_to_out')


def sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


def identity(x):
    return x


def rectifier(x):
    return numpy.maximum(x, 0)


def symbolic_rectifier(x):
    return tensor.maximum(x, 0)


NUMPY_ACTIVATIONS = {'tanh': numpy.tanh, 'logistic': sigmoid,
                     'identity': identity, 'rectifier': rectifier}
SYMBOLIC_ACTIVATIONS = {'tanh': tensor.tanh, 'logistic': tensor.sigmoid,
                        'identity': identity, 'rectifier': symbolic_rectifier}


class Simple:
    """Each architecture: its sequences and weights (shapes in units of
    DIM), its states, and its step in NumPy, in Aesara and fused."""
    sequences = {'inputs': 1}
    states = ('states',)
    weights = {'W': (1, 1)}
    configs = {'float64': [dict(masked=True, scan=True),
                           dict(masked=True, reverse=True, scan=True),
                           dict(masked=False),
                           dict(masked=True, activation='logistic', scan=True),
                           dict(masked=True, activation='identity', scan=True),
                           dict(masked=True, activation='rectifier',
                                scan=True)],
               'float32': [dict(masked=True, scan=True),
                           dict(masked=True, reverse=True, scan=True)]}

    @staticmethod
    def numpy_step(x, h, weights, activation='tanh', **config):
        return (NUMPY_ACTIVATIONS[activation](x + h @ weights['W']),)

    @staticmethod
    def scan_step(x, h, weights, activation='tanh', **config):
        return (SYMBOLIC_ACTIVATIONS[activation](
            x + tensor.dot(h, weights['W'])),)

    @staticmethod
    def fused(sequences, initial, weights, mask, reverse=False,
              activation='tanh', **config):
        return [fused_simple_recurrent(sequences['inputs'], initial[0],
                                       weights['W'], mask, activation,
                                       reverse)]


class LSTM:
    sequences = {'inputs': 4}
    states = ('states', 'cells')
    weights = {'W_state': (1, 4), 'W_cell_to_in': (1,),
               'W_cell_to_forget': (1,), 'W_cell_to_out': (1,)}
    configs = {'float64': [dict(masked=True, scan=True),
                           dict(masked=True, reverse=True, scan=True),
                           dict(masked=False),
                           dict(masked=True, reverse=True, peepholes=False,
                                scan=True)],
               'float32': [dict(masked=True, scan=True),
                           dict(masked=True, reverse=True, scan=True)]}

    @staticmethod
    def numpy_step(x, h, c, weights, peepholes=True, **config):
        a = x + h @ weights['W_state']
        p_in, p_forget, p_out = ([weights[name] for name in PEEPHOLES]
                                 if peepholes else (0, 0, 0))
        d = h.shape[1]
        i = sigmoid(a[:, :d] + c * p_in)
        f = sigmoid(a[:, d:2 * d] + c * p_forget)
        c_new = f * c + i * numpy.tanh(a[:, 2 * d:3 * d])
        o = sigmoid(a[:, 3 * d:] + c_new * p_out)
        return o * numpy.tanh(c_new), c_new

    @staticmethod
    def scan_step(x, h, c, weights, peepholes=True, **config):
        a = x + tensor.dot(h, weights['W_state'])
        p_in, p_forget, p_out = ([weights[name] for name in PEEPHOLES]
                                 if peepholes else (0, 0, 0))
        i = tensor.sigmoid(a[:, :DIM] + c * p_in)
        f = tensor.sigmoid(a[:, DIM:2 * DIM] + c * p_forget)
        c_new = f * c + i * tensor.tanh(a[:, 2 * DIM:3 * DIM])
        o = tensor.sigmoid(a[:, 3 * DIM:] + c_new * p_out)
        return o * tensor.tanh(c_new), c_new

    @staticmethod
    def fused(sequences, initial, weights, mask, reverse=False,
              peepholes=True, **config):
        peephole_weights = ([weights[name] for name in PEEPHOLES]
                            if peepholes else [None] * 3)
        return list(fused_lstm(sequences['inputs'], initial[0], initial[1],
                               weights['W_state'], *peephole_weights,
                               mask=mask, reverse=reverse))


class GRU:
    sequences = {'inputs': 1, 'gate_inputs': 2}
    states = ('states',)
    weights = {'state_to_state': (1, 1), 'state_to_gates': (1, 2)}
    configs = {'float64': [dict(masked=True, scan=True),
                           dict(masked=True, reverse=True, scan=True),
                           dict(masked=False)],
               'float32': [dict(masked=True, scan=True),
                           dict(masked=True, reverse=True, scan=True)]}

    @staticmethod
    def numpy_step(x, g, h, weights, **config):
        gates = sigmoid(g + h @ weights['state_to_gates'])
        u, r = gates[:, :h.shape[1]], gates[:, h.shape[1]:]
        candidate = numpy.tanh(x + (h * r) @ weights['state_to_state'])
        return (u * candidate + (1 - u) * h,)

    @staticmethod
    def scan_step(x, g, h, weights, **config):
        gates = tensor.sigmoid(g + tensor.dot(h, weights['state_to_gates']))
        u, r = gates[:, :DIM], gates[:, DIM:]
        candidate = tensor.tanh(
            x + tensor.dot(h * r, weights['state_to_state']))
        return (u * candidate + (1 - u) * h,)

    @staticmethod
    def fused(sequences, initial, weights, mask, reverse=False, **config):
        return [fused_gated_recurrent(
            sequences['inputs'], sequences['gate_inputs'], initial[0],
            weights['state_to_state'], weights['state_to_gates'], mask,
            reverse)]


ARCHITECTURES = {'simple': Simple, 'lstm': LSTM, 'gru': GRU}


def numpy_loop(arch, values, config):
    """The states of all steps in the order of iteration, the initial ones
    first, as the fused Ops return them."""
    reverse = config.get('reverse', False)
    mask = values['mask'] if config['masked'] else None
    weights = {name: values[name] for name in arch.weights}
    states = [tuple(values['initial_' + name] for name in arch.states)]
    for k in range(TIME):
        t = TIME - 1 - k if reverse else k
        new = arch.numpy_step(*[values[name][t] for name in arch.sequences],
                              *states[-1], weights, **config)
        m = 1 if mask is None else mask[t][:, None]
        states.append(tuple(m * n + (1 - m) * o
                            for n, o in zip(new, states[-1])))
    return [numpy.array(column) for column in zip(*states)]


def scan_loop(arch, variables, config):
    """The same loop with scan, its states laid out as in numpy_loop."""
    n_sequences, n_states = len(arch.sequences), len(arch.states)
    names = list(arch.weights)

    def step(*arguments):
        sequences = arguments[:n_sequences]
        rest = arguments[n_sequences:]
        m = None
        if config['masked']:
            m, rest = rest[0][:, None], rest[1:]
        states = rest[:n_states]
        weights = dict(zip(names, rest[n_states:]))
        new = arch.scan_step(*sequences, *states, weights, **config)
        if m is None:
            return list(new)
        return [m * n + (1 - m) * o for n, o in zip(new, states)]

    initial = [variables['initial_' + name] for name in arch.states]
    results, _ = aesara.scan(
        step, sequences=[variables[name] for name in arch.sequences]
        + ([variables['mask']] if config['masked'] else []),
        outputs_info=initial, non_sequences=[variables[n] for n in names],
        go_backwards=config.get('reverse', False), mode=SCAN_MODE)
    if not isinstance(results, list):
        results = [results]
    return [tensor.concatenate([state[None], result])
            for state, result in zip(initial, results)]


def fused_loop(arch, variables, config):
    return arch.fused(
        {name: variables[name] for name in arch.sequences},
        [variables['initial_' + name] for name in arch.states],
        {name: variables[name] for name in arch.weights},
        variables['mask'] if config['masked'] else None, **config)


def wrt_names(arch, config):
    """The inputs that get gradients in a configuration."""
    names = (list(arch.sequences) + ['initial_' + n for n in arch.states]
             + list(arch.weights))
    if not config.get('peepholes', True):
        names = [name for name in names if name not in PEEPHOLES]
    return names


def make_variables(arch, dtype):
    variables = {'mask': tensor.matrix('mask', dtype=dtype)}
    for name in list(arch.sequences) + ['projection_' + n
                                        for n in arch.states]:
        variables[name] = tensor.tensor3(name, dtype=dtype)
    for name in arch.states:
        variables['initial_' + name] = tensor.matrix(name, dtype=dtype)
    for name, shape in arch.weights.items():
        variables[name] = tensor.tensor(
            dtype=dtype, shape=(None,) * len(shape), name=name)
    return variables


def loop_outputs(loop, arch, variables, config, partial=True):
    """The states and the gradients of a cost on all of them (the initial
    ones included); with ``partial``, also the gradients of a cost on the
    states after the initial ones only (the cells then get no gradient)."""
    states = loop(arch, variables, config)
    wrt = [variables[name] for name in wrt_names(arch, config)]
    cost = sum((state * variables['projection_' + name]).sum()
               for state, name in zip(states, arch.states))
    outputs = states + aesara.grad(cost, wrt)
    if partial:
        partial_cost = (states[0][1:]
                        * variables['projection_states'][1:]).sum()
        outputs += aesara.grad(partial_cost, wrt,
                               disconnected_inputs='ignore')
    return outputs


def make_values(arch, dtype, batch, dim=DIM):
    rng = numpy.random.default_rng(1)
    values = {}
    for name, size in arch.sequences.items():
        values[name] = rng.normal(size=(TIME, batch, size * dim))
    for name in arch.states:
        values['initial_' + name] = rng.normal(size=(batch, dim)) / 2
        values['projection_' + name] = rng.normal(size=(TIME + 1, batch, dim))
    for name, shape in arch.weights.items():
        values[name] = rng.normal(size=[size * dim for size in shape]) / 2
        if len(shape) == 2:
            values[name] *= 3 / dim ** 0.5
    lengths = ([TIME, TIME - 2, 1, 0, TIME - 1] * batch)[:batch] \
        if batch > 1 else [TIME - 1]
    values['mask'] = (numpy.arange(TIME)[:, None]
                      < numpy.array(lengths)[None, :])
    return {name: value.astype(dtype) for name, value in values.items()}


class Compiled:
    """The fused (and in float64 the scan) function of one architecture
    and dtype."""
    def __init__(self, arch_name, dtype):
        self.arch = arch = ARCHITECTURES[arch_name]
        self.configs = arch.configs[dtype]
        self.variables = make_variables(arch, dtype)
        inputs = list(self.variables.values())
        self.fused = aesara.function(
            inputs, [output for config in self.configs
                     for output in loop_outputs(fused_loop, arch,
                                                self.variables, config)],
            on_unused_input='ignore', mode=FUSED_MODE)
        self.scan_configs = [config for config in self.configs
                             if dtype == 'float64' and config.get('scan')]
        self.scan = aesara.function(
            inputs, [output for config in self.scan_configs
                     for output in loop_outputs(scan_loop, arch,
                                                self.variables, config,
                                                partial=False)],
            on_unused_input='ignore', mode=PYTHON_MODE)

    def _split(self, outputs, configs, partial):
        """Per configuration: (states, gradients[, partial gradients])."""
        result = []
        n_states = len(self.arch.states)
        for config in configs:
            n_wrt = len(wrt_names(self.arch, config))
            size = n_states + (2 if partial else 1) * n_wrt
            block, outputs = outputs[:size], outputs[size:]
            result.append([block[:n_states], block[n_states:n_states + n_wrt],
                           block[n_states + n_wrt:]])
        return result

    def run_fused(self, values):
        return self._split(self.fused(*[values[name]
                                        for name in self.variables]),
                           self.configs, True)

    def run_scan(self, values):
        return self._split(self.scan(*[values[name]
                                       for name in self.variables]),
                           self.scan_configs, False)


@pytest.fixture(scope='module')
def compiled():
    cache = {}

    def get(arch_name, dtype):
        if (arch_name, dtype) not in cache:
            cache[arch_name, dtype] = Compiled(arch_name, dtype)
        return cache[arch_name, dtype]
    return get


def float64_references(functions, values):
    """Per configuration, the reference states, gradients and partial
    gradients: from scan where the configuration says so; for a
    configuration without a mask, from the first one's (with a mask) with
    a mask of ones; for the partial gradients, the gradients of the full
    cost with the projections of what the partial cost leaves out set to
    zero."""
    scan = iter(functions.run_scan(values))
    ones = dict(values, mask=numpy.ones_like(values['mask']))
    with_ones = functions.run_fused(ones)
    zeroed = dict(values)
    for name in functions.arch.states:
        zeroed['projection_' + name] = numpy.zeros_like(
            values['projection_' + name])
    zeroed['projection_states'][1:] = values['projection_states'][1:]
    partial = functions.run_fused(zeroed)
    references = []
    for config, partial_results in zip(functions.configs, partial):
        if config.get('scan'):
            states, grads, _ = next(scan)
        else:
            assert not config['masked'] and functions.configs[0] == dict(
                masked=True, scan=True)
            states, grads, _ = with_ones[0]
        references.append([states, grads, partial_results[1]])
    return references


@pytest.mark.parametrize('batch', [1, 3])
@pytest.mark.parametrize('dtype', ['float64', 'float32'])
@pytest.mark.parametrize('arch_name', ['simple', 'lstm', 'gru'])
def test_fused_matches_numpy_and_scan(compiled, arch_name, dtype, batch):
    functions = compiled(arch_name, dtype)
    arch = functions.arch
    values = make_values(arch, dtype, batch)
    fused = functions.run_fused(values)
    if dtype == 'float64':
        references = float64_references(functions, values)
    else:
        references = compiled(arch_name, 'float64').run_fused(
            make_values(arch, 'float64', batch))
    tolerance = TOLERANCES[dtype]
    for config, results, reference_results in zip(functions.configs, fused,
                                                   references):
        expected = numpy_loop(arch, values, config)
        for name, state, reference, numpy_reference in zip(
                arch.states, results[0], reference_results[0], expected):
            assert state.dtype == dtype
            assert state.shape == (TIME + 1, batch, DIM)
            assert_allclose(state, numpy_reference, err_msg='{} {}'.format(
                config, name), **tolerance)
            assert_allclose(state, reference, err_msg='{} {}'.format(
                config, name), **tolerance)
        names = wrt_names(arch, config) * 2
        for name, gradient, reference in zip(
                names, results[1] + results[2],
                reference_results[1] + reference_results[2]):
            assert gradient.dtype == dtype
            assert_allclose(gradient, reference, err_msg='{} d{}'.format(
                config, name), **tolerance)
    if batch > 1:
        # Past the end of a sequence the states are carried through.
        states = fused[0][0][0]
        assert_allclose(states[2:, 2], numpy.repeat(states[1:2, 2], 3, 0))


@pytest.mark.parametrize('arch_name, reverse', [
    ('simple', False), ('lstm', False), ('gru', False), ('lstm', True)])
def test_gradients_numerically(compiled, arch_name, reverse):
    """The gradient Ops against finite differences of the forward Ops,
    float64, with a ragged mask."""
    compiled(arch_name, 'float64')  # The C modules, compiled once.
    arch = ARCHITECTURES[arch_name]
    values = make_values(arch, 'float64', 3)
    mask = tensor.constant(values['mask'])
    names = wrt_names(arch, {})

    def loop(*variables):
        states = arch.fused(dict(zip(arch.sequences, variables)),
                            variables[len(arch.sequences):][:len(arch.states)],
                            dict(zip(arch.weights,
                                     variables[-len(arch.weights):])),
                            mask, reverse=reverse)
        return tensor.concatenate(states)

    verify_grad(loop, [values[name] for name in names], n_tests=1,
                rng=numpy.random.default_rng(3), mode=PYTHON_MODE)


@pytest.mark.parametrize('arch_name', ['simple', 'lstm', 'gru'])
def test_float32_blocks(compiled, arch_name):
    """Sizes that fill the float32 products' blocks of 6 rows and 16
    columns, with remainders: against NumPy and the float64 gradients."""
    float32, float64 = (compiled(arch_name, dtype)
                        for dtype in ('float32', 'float64'))
    values = make_values(float32.arch, 'float64', 7, dim=20)
    results = float32.run_fused({name: value.astype('float32')
                                 for name, value in values.items()})
    for config, (states, grads, partial), (_, grads64, partial64) in zip(
            float32.configs, results, float64.run_fused(values)):
        expected = numpy_loop(float32.arch, values, config)
        for state, reference in zip(states, expected):
            assert_allclose(state, reference, rtol=1e-4, atol=1e-5)
        for grad, reference in zip(grads + partial, grads64 + partial64):
            assert_allclose(grad, reference, rtol=1e-3,
                            atol=1e-5 * abs(reference).max())


def test_empty_sequences(compiled):
    """Zero steps: the states are the initial ones, the gradients of the
    weights zero."""
    functions = compiled('lstm', 'float64')
    values = make_values(LSTM, 'float64', 2)
    for name in list(LSTM.sequences) + ['mask']:
        values[name] = values[name][:0]
    for name in LSTM.states:
        values['projection_' + name] = values['projection_' + name][:1]
    for config, (states, grads, partial) in zip(functions.configs,
                                               functions.run_fused(values)):
        for name, state in zip(LSTM.states, states):
            assert_allclose(state, values['initial_' + name][None])
        grads = dict(zip(wrt_names(LSTM, config), grads))
        assert grads['inputs'].shape == (0, 2, 4 * DIM)
        for name in LSTM.states:
            assert_allclose(grads['initial_' + name],
                            values['projection_' + name][0])
        assert not grads['W_state'].any()


def test_non_contiguous_inputs(compiled):
    functions = compiled('gru', 'float64')
    values = make_values(GRU, 'float64', 3)
    strided = dict(values)
    for name in ('inputs', 'gate_inputs', 'state_to_gates'):
        doubled = numpy.repeat(values[name], 2, axis=-1)
        strided[name] = doubled[..., ::2]
        assert not strided[name].flags.c_contiguous
    strided['state_to_state'] = values['state_to_state'].T.copy().T
    for results, expected in zip(functions.run_fused(strided),
                                 functions.run_fused(values)):
        for result, reference in zip(results[0] + results[1],
                                     expected[0] + expected[1]):
            assert_allclose(result, reference, rtol=1e-14)


def test_shapes_without_running_the_loops():
    """infer_shape: the shapes of the outputs and gradients need no loop."""
    x, g2, g4 = (tensor.tensor3(name) for name in ('x', 'g2', 'g4'))
    h0, c0, W, W2, W4 = (tensor.matrix(name)
                         for name in ('h0', 'c0', 'W', 'W2', 'W4'))
    states = fused_simple_recurrent(x, h0, W)
    lstm_states, cells = fused_lstm(g4, h0, c0, W4)
    gru_states = fused_gated_recurrent(x, g2, h0, W, W2)
    outputs = [states, lstm_states, cells, gru_states]
    inputs = [x, g2, g4, h0, c0, W, W2, W4]
    grads = aesara.grad(sum(output.sum() for output in outputs), inputs)
    function = aesara.function(
        inputs, [variable.shape for variable in outputs + grads],
        mode=FUSED_MODE)
    assert not [node for node in function.maker.fgraph.toposort()
                if 'Fused' in type(node.op).__name__]
    shapes = function(*[numpy.zeros(shape) for shape in
                        [(5, 2, 3), (5, 2, 6), (5, 2, 12), (2, 3), (2, 3),
                         (3, 3), (3, 6), (3, 12)]])
    assert [tuple(shape) for shape in shapes] == [
        (6, 2, 3), (6, 2, 3), (6, 2, 3), (6, 2, 3), (5, 2, 3), (5, 2, 6),
        (5, 2, 12), (2, 3), (2, 3), (3, 3), (3, 6), (3, 12)]


def test_ops_and_graphs_pickle():
    ops = [FusedSimpleRecurrent('rectifier', True),
           FusedSimpleRecurrentGrad('identity', False), FusedLSTM(False, True),
           FusedLSTMGrad(True, False), FusedGatedRecurrent(True),
           FusedGatedRecurrentGrad(False)]
    for op in ops:
        copy = pickle.loads(pickle.dumps(op))
        assert copy == op and hash(copy) == hash(op)
        assert copy.__dict__ == op.__dict__
    assert FusedLSTM(False, True) != FusedLSTM(True, True)
    x, h0, W = tensor.tensor3('x'), tensor.matrix('h0'), tensor.matrix('W')
    mask = tensor.matrix('mask')
    states = fused_simple_recurrent(x, h0, W, mask, reverse=True)
    graph = [states, aesara.grad(states.sum(), W)]
    inputs = [x, h0, W, mask]
    inputs_copy, copy = pickle.loads(pickle.dumps((inputs, graph)))
    assert equal_computations(copy, graph, inputs_copy, inputs)
    assert copy[1].owner.op == FusedSimpleRecurrentGrad(
        'tanh', True)


def test_build_time_errors():
    x = tensor.tensor3('x')
    h0, c0, W = tensor.matrix('h0'), tensor.matrix('c0'), tensor.matrix('W')
    with pytest.raises(TypeError, match="FusedLSTM: initial_cells must have "
                       "the dtype of the inputs \\(float64\\), got float32"):
        fused_lstm(x, h0, tensor.matrix(dtype='float32'), W)
    with pytest.raises(TypeError, match="FusedGatedRecurrent: state_to_gates "
                       "must have 2 dimensions \\(dim, 2 \\* dim\\), got 1"):
        fused_gated_recurrent(x, x, h0, W, tensor.vector())
    with pytest.raises(TypeError, match="inputs must be float32 or float64"):
        fused_simple_recurrent(tensor.tensor3(dtype='int64'), h0, W)
    with pytest.raises(ValueError, match=r"FusedLSTM: W_state has shape "
                       r"\(3, 8\), expected \(3, 12\) = \(dim, 4 \* dim\)"):
        fused_lstm(x, tensor.tensor(shape=(None, 3), dtype='float64'), c0,
                   tensor.tensor(shape=(3, 8), dtype='float64'))
    with pytest.raises(TypeError, match="takes inputs, initial_states, "
                       "initial_cells, W_state and an optional mask, got 3"):
        FusedLSTM(peepholes=False)(x, h0, c0)
    with pytest.raises(ValueError, match="give all three peepholes"):
        fused_lstm(x, h0, c0, W, tensor.vector())
    with pytest.raises(ValueError, match="activation must be one of"):
        fused_simple_recurrent(x, h0, W, activation='softplus')
    # A mask of another dtype is cast.
    assert fused_simple_recurrent(
        x, h0, W, tensor.matrix(dtype='int8')).dtype == 'float64'


def test_run_time_shape_errors(compiled):
    functions = compiled('lstm', 'float64')
    wrong = make_values(LSTM, 'float64', 2)
    wrong['W_state'] = wrong['W_state'][:, :8].copy()
    with pytest.raises(ValueError, match=r"FusedLSTM: W_state has shape "
                       r"\(3, 8\), expected \(3, 12\) = \(dim, 4 \* dim\)"):
        functions.run_fused(wrong)
    wrong = make_values(LSTM, 'float64', 2)
    wrong['mask'] = numpy.ones((TIME, 3))
    with pytest.raises(ValueError, match=r"FusedLSTM: mask has shape "
                       r"\(4, 3\), expected \(4, 2\) = \(time, batch\)"):
        functions.run_fused(wrong)


def test_unsupported_gradients():
    x, h0, c0, W = (tensor.tensor3('x'), tensor.matrix('h0'),
                    tensor.matrix('c0'), tensor.matrix('W'))
    gates = FusedLSTM(peepholes=False)(x, h0, c0, W)[2]
    with pytest.raises(NotImplementedError, match="buffers it saves"):
        aesara.grad(gates.sum(), W)
    states, _ = fused_lstm(x, h0, c0, W)
    grad_W = aesara.grad(states.sum(), W)
    with pytest.raises(aesara.gradient.NullTypeGradError):
        aesara.grad(grad_W.sum(), W)


def test_needs_a_compiler(monkeypatch):
    from blocks.bricks.recurrent import fused

    class NoCompiler:
        cxx = ''
    x, h0, W = tensor.tensor3('x'), tensor.matrix('h0'), tensor.matrix('W')
    states = fused_simple_recurrent(x, h0, W)
    monkeypatch.setattr(fused, 'config', NoCompiler())
    with pytest.raises(RuntimeError, match="C implementation only"):
        aesara.function([x, h0, W], states, mode=PYTHON_MODE)
