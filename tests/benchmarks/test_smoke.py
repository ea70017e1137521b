"""Every benchmark of ``benchmarks/`` runs, on tiny sizes, and agrees.

Each model runs through the harness as ``python -m benchmarks.<model>
--tiny`` would: worker processes on the usual compiledir, a few steps, the
final losses checked against PyTorch's where PyTorch is installed (and
computes the same model), otherwise against raw Aesara where that runs.
No speed is asserted.
"""
import importlib.util
import math

import pytest

from benchmarks import harness

HAVE_TORCH = importlib.util.find_spec('torch') is not None
STEPS = 10  # One per chunk of the interleaved run.


def frameworks(name):
    chosen = ['blocks']
    # Raw Aesara's scan graphs cost a first compile of their own; the MLP's
    # graph is cheap and checks Blocks against raw Aesara without PyTorch.
    if name == 'mlp':
        chosen.append('aesara')
    if HAVE_TORCH:
        chosen.append('torch')
    return tuple(chosen)


def quiet(*args):
    pass


@pytest.mark.parametrize('name', harness.model_names())
def test_benchmark_runs_and_agrees(name):
    result = harness.run_model(name, repeats=1, steps=STEPS,
                               frameworks=frameworks(name), tiny=True,
                               cold=False, progress=quiet)
    model = harness.get_model(name)
    expected_reference = (
        'torch' if HAVE_TORCH and model.torch_loss_comparable else
        'aesara' if name == 'mlp' else None)
    assert result['loss_check']['reference'] == expected_reference
    for framework in frameworks(name):
        report, = result['reports'][framework]
        assert report['steps'] == STEPS
        assert report['steps_per_s'] > 0
        assert math.isfinite(report['loss_final'])
    summary = harness.summarise(result)
    table = harness.format_table(result, summary)
    assert table.startswith(result['description'])
    assert 'tiny sizes' in result['description']


def fake_result(losses, phase='cached'):
    return {'reports': {framework: [{'phase': phase, 'loss_final': loss}]
                        for framework, loss in losses.items()}}


def test_losses_must_agree():
    model = harness.get_model('lstm')
    check = harness.check_losses(
        model, fake_result({'blocks': 0.5004, 'torch': 0.5}))
    assert check['reference'] == 'torch'
    assert check['max_difference'] == pytest.approx(4e-4)
    with pytest.raises(harness.LossMismatch, match='the blocks build ended '
                       'at a loss of 0.6, torch at 0.5'):
        harness.check_losses(model, fake_result({'blocks': 0.6,
                                                 'torch': 0.5}))
    with pytest.raises(harness.LossMismatch, match='nan'):
        harness.check_losses(model, fake_result({'blocks': float('nan')}))
    # Cold workers only compile; their loss is that of the initial weights.
    assert harness.check_losses(model, fake_result(
        {'blocks': 0.9, 'aesara': 0.5}, phase='cold'))['reference'] is None


def test_torch_not_compared_where_it_computes_another_model():
    gru = harness.get_model('gru')
    assert not gru.torch_loss_comparable
    check = harness.check_losses(gru, fake_result(
        {'blocks': 0.5, 'aesara': 0.5, 'torch': 0.9}))
    assert check['reference'] == 'aesara'
    assert harness.check_losses(gru, fake_result(
        {'blocks': 0.5, 'torch': 0.9}))['reference'] is None


def test_tiny_sizes():
    lstm = harness.get_model('lstm', tiny=True)
    assert (lstm.hidden_dim, lstm.warmup_steps) == (6, 1)
    assert harness.get_model('lstm').hidden_dim == 256
    for name in harness.model_names():
        assert harness.get_model(name).tiny_sizes, name
