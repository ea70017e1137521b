"""Tests of the helpers for the tests of projects built on Blocks."""
import pickle
from unittest import SkipTest

import pytest

from blocks.config import config
from blocks.extensions import FinishAfter
from blocks.utils.testing import (MockAlgorithm, MockMainLoop,
                                  silence_printing, skip_if_configuration_set,
                                  skip_if_not_available)


def test_silence_printing_discards_stdout_and_keeps_the_result(capsys):
    @silence_printing
    def noisy(value):
        print('noise')
        return value * 2

    assert noisy(21) == 42
    assert noisy.__name__ == 'noisy'
    assert capsys.readouterr().out == ''


def test_silence_printing_restores_stdout_after_an_error(capsys):
    @silence_printing
    def failing():
        print('noise')
        raise KeyError('boom')

    with pytest.raises(KeyError):
        failing()
    print('visible')
    assert capsys.readouterr().out == 'visible\n'


def test_skip_if_not_available(tmp_path, monkeypatch):
    skip_if_not_available(modules=['numpy', 'aesara'],
                          configurations=['default_seed'])
    with pytest.raises(SkipTest, match="'no_such_module_at_all'"):
        skip_if_not_available(modules=['no_such_module_at_all'])
    with pytest.raises(SkipTest, match="'no_such_option'"):
        skip_if_not_available(configurations=['no_such_option'])
    with pytest.raises(TypeError, match="modules must be a list"):
        skip_if_not_available(modules='numpy')
    monkeypatch.setenv('BLOCKS_DATA_PATH', str(tmp_path))
    (tmp_path / 'mnist').mkdir()
    skip_if_not_available(datasets=['mnist'])
    with pytest.raises(SkipTest, match="'cifar10'"):
        skip_if_not_available(datasets=['cifar10'])
    monkeypatch.delenv('BLOCKS_DATA_PATH')
    if 'data_path' not in config.yaml_settings:
        with pytest.raises(SkipTest, match="data path is not configured"):
            skip_if_not_available(datasets=['mnist'])


def test_skip_if_configuration_set():
    skip_if_configuration_set('default_seed', config.default_seed + 1)
    with pytest.raises(SkipTest, match="why not"):
        skip_if_configuration_set('default_seed', config.default_seed,
                                  message='why not')


def test_mock_main_loop_runs_and_pickles():
    main_loop = MockMainLoop(extensions=[FinishAfter(after_n_batches=13)])
    main_loop.run()
    assert main_loop.status['iterations_done'] == 13
    assert main_loop.algorithm.batch == {'data': 2}
    copy = pickle.loads(pickle.dumps(main_loop))
    assert copy.status['iterations_done'] == 13
    with pytest.raises(RuntimeError, match="initialize\\(\\) was called "
                                           "twice"):
        copy.algorithm.initialize()


def test_mock_algorithm_accepts_a_given_stream_and_delay():
    algorithm = MockAlgorithm(delay_time=0.001)
    algorithm.initialize()
    algorithm.process_batch({'x': 1})
    assert algorithm.batch == {'x': 1}
