"""The fused recurrent Ops against PyTorch's nn.LSTM, nn.GRU and nn.RNN.

One training step (forward, backward, SGD) of a one-layer network on
time-major float32 sequences, T=50, B=32, 128 inputs, 256 units, the loss
the mean square of all outputs. The Aesara graph is what a brick builds:
one input projection for all steps, then the fused Op. Both frameworks
start from the same weights; the LSTM (without peepholes) and the simple
network compute PyTorch's function, so their first losses are checked to
agree (Blocks' GRU is a different variant). The ratio is PyTorch's step
time over ours, the median over paired chunks run in turns. Also times the
first compile of the LSTM training function (a new, empty compiledir) and
the cached one, each in a new process.

Usage, from the repository root: ``python -m benchmarks.fused_recurrent
[--rounds 7] [--steps 10] [--threads N] [--skip-compile]``.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy
import threadpoolctl

import blocks  # noqa: F401  (configures Aesara's BLAS; before aesara)
import aesara
from aesara import tensor
import torch

from blocks.bricks.recurrent.fused import (
    fused_gated_recurrent, fused_lstm, fused_simple_recurrent)

T, B, N_IN, DIM = 50, 32, 128, 256
GATES = {'lstm': 4, 'lstm_peepholes': 4, 'gru': 3, 'rnn': 1}


def aesara_step(arch, params):
    """A compiled training step: loss and SGD updates."""
    shared = {name: aesara.shared(value, name=name)
              for name, value in params.items()}
    x = tensor.tensor3('x', dtype='float32')

    def project(W_in, b):  # As a brick does: one product for all steps.
        return (tensor.dot(x.reshape((T * B, N_IN)), W_in) + b).reshape(
            (T, B, W_in.shape[1]))
    projected = project(shared['W_in'], shared['b'])
    h0 = tensor.zeros((B, DIM), dtype='float32')
    if arch.startswith('lstm'):
        peepholes = [shared[name] for name in ('p_in', 'p_forget', 'p_out')
                     if name in shared]
        states = fused_lstm(projected, h0, h0, shared['W'], *peepholes)[0]
    elif arch == 'gru':
        states = fused_gated_recurrent(
            projected, project(shared['W_in_gates'], shared['b_gates']), h0,
            shared['W'], shared['W_gates'])
    else:
        states = fused_simple_recurrent(projected, h0, shared['W'])
    loss = (states[1:] ** 2).mean()
    grads = aesara.grad(loss, list(shared.values()))
    updates = [(p, p - numpy.float32(0.01) * g)
               for p, g in zip(shared.values(), grads)]
    return aesara.function([x], loss, updates=updates)


def torch_step(arch, params):
    module = {'lstm': torch.nn.LSTM, 'gru': torch.nn.GRU,
              'rnn': torch.nn.RNN}[arch.split('_')[0]](N_IN, DIM)
    for theirs, name in ((module.weight_ih_l0, 'W_in'),
                         (module.bias_ih_l0, 'b'), (module.weight_hh_l0, 'W')):
        value = params[name]
        if arch == 'gru':
            value = numpy.concatenate([params[name + '_gates'], value], -1)
        with torch.no_grad():
            theirs.copy_(torch.from_numpy(value.T.copy()))
    with torch.no_grad():
        module.bias_hh_l0.zero_()
    optimizer = torch.optim.SGD(module.parameters(), lr=0.01)

    def step(x):
        optimizer.zero_grad()
        loss = (module(x)[0] ** 2).mean()
        loss.backward()
        optimizer.step()
        return loss.item()
    return step


def compare(arch, rounds, steps, threads):
    rng = numpy.random.default_rng(0)
    gates = GATES[arch]
    params = {'W_in': rng.normal(0, N_IN ** -0.5, (N_IN, gates * DIM)),
              'b': numpy.zeros(gates * DIM),
              'W': rng.normal(0, DIM ** -0.5, (DIM, gates * DIM))}
    if arch == 'gru':  # Separate matrices for the gates, as the brick has.
        for name in ('W_in', 'b', 'W'):
            params[name + '_gates'] = params[name][..., DIM:]
            params[name] = params[name][..., :DIM].copy()
    if arch == 'lstm_peepholes':
        params.update({name: rng.normal(0, 0.1, DIM)
                       for name in ('p_in', 'p_forget', 'p_out')})
    params = {name: value.astype('float32') for name, value in params.items()}
    x = rng.normal(size=(T, B, N_IN)).astype('float32')
    ours, theirs, x_torch = aesara_step(arch, params), torch_step(
        arch, params), torch.from_numpy(x)
    first = ours(x), theirs(x_torch)
    if threads:  # OpenBLAS is loaded now, by the compiled function.
        threadpoolctl.threadpool_limits(threads)
        torch.set_num_threads(threads)
    if arch in ('lstm', 'rnn'):
        assert numpy.isclose(*first, rtol=1e-4), first
    times = []  # Per round, ours and theirs, in seconds per step.
    for _ in range(rounds):
        times.append([])
        for step, data in ((ours, x), (theirs, x_torch)):
            time.sleep(0.2)
            start = time.perf_counter()
            for _ in range(steps):
                step(data)
            times[-1].append((time.perf_counter() - start) / steps)
    times = numpy.array(times)
    ratios = times[:, 1] / times[:, 0]
    print('{:15s} ours {:6.1f} ms  torch {:6.1f} ms  torch/ours {:.2f} '
          '(median of {}; range {:.2f}-{:.2f})  first losses {:.6f} {:.6f}'
          .format(arch, *1000 * numpy.median(times, axis=0),
                  numpy.median(ratios), rounds, ratios.min(), ratios.max(),
                  *first), flush=True)


def compile_time():
    """Print the time to compile the LSTM training step, in seconds."""
    params = {'W_in': numpy.zeros((N_IN, 4 * DIM), 'float32'),
              'b': numpy.zeros(4 * DIM, 'float32'),
              'W': numpy.zeros((DIM, 4 * DIM), 'float32')}
    start = time.perf_counter()
    aesara_step('lstm', params)
    print(time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--steps', type=int, default=10)
    parser.add_argument('--threads', type=int, default=0,
                        help='threads of BLAS and PyTorch (default: theirs)')
    parser.add_argument('--skip-compile', action='store_true')
    parser.add_argument('--compile-only', action='store_true',
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.compile_only:
        return compile_time()
    if not args.skip_compile:
        with tempfile.TemporaryDirectory() as compiledir:
            env = dict(os.environ, AESARA_FLAGS=','.join(
                filter(None, [os.environ.get('AESARA_FLAGS'),
                              'compiledir=' + compiledir])))
            for kind in ('first', 'cached'):
                seconds = float(subprocess.run(
                    [sys.executable, '-m', 'benchmarks.fused_recurrent',
                     '--compile-only'], env=env, check=True,
                    capture_output=True, text=True).stdout.split()[-1])
                print('LSTM training function, {} compile: {:.1f} s'.format(
                    kind, seconds), flush=True)
    for arch in ('lstm', 'lstm_peepholes', 'gru', 'rnn'):
        compare(arch, args.rounds, args.steps, args.threads)


if __name__ == '__main__':
    main()
