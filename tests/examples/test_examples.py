"""Smoke tests of the runnable examples in examples/."""
import importlib.util
import os
import zipfile

import numpy
import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir,
                        'examples')


def load_example(name):
    spec = importlib.util.spec_from_file_location(
        'example_' + name, os.path.join(EXAMPLES, name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mnist_example_trains_one_epoch_and_checkpoints(tmp_path, capsys):
    mnist = load_example('mnist')
    checkpoint = tmp_path / 'mnist.zip'
    main_loop = mnist.main(['--epochs', '1', '--checkpoint', str(checkpoint),
                            '--no-progress-bar'])
    output = capsys.readouterr().out
    assert 'TRAINING HAS BEEN FINISHED' in output
    assert 'Test accuracy after 1 epochs' in output
    log = main_loop.log
    assert main_loop.status['epochs_done'] == 1
    # One epoch already beats chance (an error rate of 90%).
    assert log.current_row['test_error_rate'] < 0.8
    assert log.current_row['test_cost'] < log[0]['test_cost']
    # The checkpoint holds every parameter, readable with zipfile alone.
    with zipfile.ZipFile(checkpoint) as archive:
        names = archive.namelist()
    assert any(name.endswith('.npy') for name in names)


def test_mnist_example_rejects_an_unknown_dataset():
    mnist = load_example('mnist')
    with pytest.raises(ValueError, match="dataset must be 'digits' or "
                                         "'mnist', got 'cifar'"):
        mnist.build_main_loop(dataset='cifar')


def test_sqrt_example_fits_the_exponent(capsys):
    sqrt = load_example('sqrt')
    main_loop = sqrt.main(['--epochs', '3'])
    a = [value for _, value in sorted(
        (time, row['a']) for time, row in main_loop.log.items()
        if 'a' in row)]
    assert a[0] == pytest.approx(3, abs=0.1)
    assert abs(a[-1] - 2) < abs(a[0] - 2)
    assert abs(float(a[-1]) - 2) < 0.1
    assert numpy.isfinite(main_loop.log.current_row['cost'])
