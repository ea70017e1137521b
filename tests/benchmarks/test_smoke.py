"""Every benchmark of ``benchmarks/`` runs, on tiny sizes, and agrees.

The MLP runs through the whole harness, as ``python -m benchmarks.mlp
--tiny --frameworks blocks,torch`` would: worker processes on the usual
compiledir, a few steps, the table. Every model runs in this process too
(its builders, trainers and losses; a worker process costs two to ten
seconds of imports). The final losses are checked against PyTorch's where
PyTorch is installed (and computes the same model), and the MLP's against
raw Aesara's.
No speed is asserted.
"""
import importlib.util
import math

import pytest

from benchmarks import harness

HAVE_TORCH = importlib.util.find_spec('torch') is not None
STEPS = 10  # One per chunk of the interleaved run.
WITH_TORCH = ('torch',) if HAVE_TORCH else ()


def quiet(*args):
    pass


def test_harness_runs_and_checks_the_mlp():
    frameworks = ('blocks',) + WITH_TORCH
    result = harness.run_model('mlp', repeats=1, steps=STEPS,
                               frameworks=frameworks, tiny=True, cold=False,
                               progress=quiet)
    assert result['loss_check']['reference'] == (
        'torch' if HAVE_TORCH else None)
    for framework in frameworks:
        report, = result['reports'][framework]
        assert report['steps'] == STEPS
        assert report['steps_per_s'] > 0
        assert math.isfinite(report['loss_final'])
    summary = harness.summarise(result)
    table = harness.format_table(result, summary)
    assert table.startswith(result['description'])
    assert 'tiny sizes' in result['description']


@pytest.mark.parametrize('name', harness.model_names())
def test_benchmark_runs_and_agrees(name):
    # Raw Aesara's scan graphs would cost a first compile of their own.
    with_aesara = ('aesara',) if name == 'mlp' else ()
    result = harness.run_in_process(name, ('blocks',) + with_aesara +
                                    WITH_TORCH, steps=STEPS)
    model = harness.get_model(name)
    assert result['loss_check']['reference'] == (
        'torch' if HAVE_TORCH and model.torch_loss_comparable else
        'aesara' if with_aesara else None)
    for runs in result['reports'].values():
        assert math.isfinite(runs[0]['loss_final'])


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
