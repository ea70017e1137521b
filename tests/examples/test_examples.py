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


def test_lenet_example_trains_one_epoch_with_batch_norm(tmp_path, capsys):
    lenet = load_example('lenet')
    checkpoint = tmp_path / 'lenet.zip'
    main_loop = lenet.main(['--epochs', '1', '--checkpoint', str(checkpoint),
                            '--no-progress-bar'])
    output = capsys.readouterr().out
    assert 'Test accuracy after 1 epochs' in output
    log = main_loop.log
    assert main_loop.status['epochs_done'] == 1
    # One epoch of the convolutional network already beats the MLP of the
    # quickstart after one epoch by far; 30 epochs reach 98.5% or more.
    assert log.current_row['test_error_rate'] < 0.2
    assert log.current_row['test_cost'] < log[0]['test_cost']
    # The population statistics moved from their initial zeros and ones,
    # and the checkpoint holds them.
    top_bricks = {brick.name: brick
                  for brick in main_loop.model.get_top_bricks()}
    batch_norm = top_bricks['convolutions'].layers[1]
    assert batch_norm.name == 'batch_norm_0'
    assert numpy.all(batch_norm.population_mean.get_value() != 0)
    with zipfile.ZipFile(checkpoint) as archive:
        names = archive.namelist()
    assert any('population_mean' in name for name in names)


def test_lenet_example_reads_mnist_idx_files(tmp_path, monkeypatch):
    from blocks.config import config
    from tests.data.test_datasets import fake_mnist

    monkeypatch.delitem(config.config['data_path'], 'value', raising=False)
    monkeypatch.setenv('BLOCKS_DATA_PATH', str(tmp_path))
    fake_mnist(str(tmp_path), num_train=6, num_test=4)
    lenet = load_example('lenet')
    main_loop = lenet.build_main_loop(dataset='mnist', batch_size=3,
                                      checkpoint_path=None,
                                      progress_bar=False)
    convolutions, = [brick for brick in main_loop.model.get_top_bricks()
                     if brick.name == 'convolutions']
    assert convolutions.get_dim('input_') == (1, 28, 28)
    assert convolutions.get_dim('output') == (50, 4, 4)
    batch = next(main_loop.data_stream.get_epoch_iterator(as_dict=True))
    assert batch['features'].shape == (3, 1, 28, 28)
    assert float(batch['features'].max()) <= 1.0
    with pytest.raises(ValueError, match="dataset must be 'digits' or "
                                         "'mnist', got 'cifar'"):
        lenet.build_main_loop(dataset='cifar')


def test_char_lm_example_trains_a_tiny_model_and_samples(tmp_path, capsys):
    char_lm = load_example('char_lm')
    checkpoint = tmp_path / 'char_lm.zip'
    main_loop = char_lm.main([
        '--transition', 'simple', '--dim', '8', '--epochs', '2',
        '--max-lines', '64', '--batch-size', '16', '--learning-rate', '0.03',
        '--checkpoint', str(checkpoint)])
    output = capsys.readouterr().out
    assert main_loop.status['epochs_done'] == 2
    # 64 lines in batches of 16 (the validation set is read whole).
    assert main_loop.status['iterations_done'] == 8
    log = main_loop.log
    bits = [row['valid_bits_per_character'] for _, row in sorted(
        log.items()) if 'valid_bits_per_character' in row]
    assert len(bits) == 3  # before training and after each epoch
    # Untrained, about log2 of the number of characters; then less.
    assert 6 < bits[0] < 7.5
    assert bits[-1] < bits[0] - 0.5
    assert 'Validation: {:.3f} bits per character after 2 epochs'.format(
        bits[-1]) in output
    samples = [line for line in output.split('\n')
               if line.startswith('Sample: ')]
    assert len(samples) == 3
    assert (tmp_path / 'char_lm_data' / 'valid.txt').exists()
    with zipfile.ZipFile(checkpoint) as archive:
        assert any(name.endswith('.npy') for name in archive.namelist())


def test_char_lm_splits_the_help_topics():
    char_lm = load_example('char_lm')
    lines = char_lm.help_topics_lines()
    assert len(lines) > 8000 and all(line.strip() for line in lines)
    with pytest.raises(ValueError, match="transition must be one of"):
        char_lm.CharacterModel(10, transition='rnn')
