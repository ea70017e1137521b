"""The Checkpoint and Load extensions."""
import logging
import os
import zipfile

import numpy
import pytest
from aesara import tensor
from numpy.testing import assert_equal

from blocks.bricks import MLP, Identity, Tanh
from blocks.extensions import FinishAfter, SimpleExtension
from blocks.extensions.saveload import LOADED_FROM, SAVED_TO, Checkpoint, Load
from blocks.initialization import Constant, IsotropicGaussian
from blocks.main_loop import MainLoop
from blocks.model import Model
from blocks.serialization import CheckpointError, load, load_parameters
from tests.extensions import batches_stream


class NumpyStep:
    """An algorithm that adds the batch sum to every parameter, in NumPy.

    It changes the parameters without compiling anything, which keeps
    these tests fast.

    """
    def __init__(self, parameters):
        self.parameters = parameters

    def initialize(self):
        pass

    def process_batch(self, batch):
        for parameter in self.parameters:
            parameter.set_value(parameter.get_value() + batch['data'].sum())


class Unpicklable(SimpleExtension):
    """An extension that cannot be pickled once it has run."""
    def do(self, which_callback, *args):
        self.function = lambda: None


def build_main_loop(checkpoint_path=None, seed=1, dims=(2, 3, 2),
                    extensions=(), **checkpoint_kwargs):
    mlp = MLP([Tanh(), Identity()], list(dims),
              weights_init=IsotropicGaussian(0.5), biases_init=Constant(0.),
              seed=seed)
    mlp.initialize()
    model = Model(mlp.apply(tensor.matrix('data')).sum())
    extensions = list(extensions)
    if checkpoint_path is not None:
        extensions.append(Checkpoint(checkpoint_path, **checkpoint_kwargs))
    return MainLoop(NumpyStep(model.parameters), batches_stream(5, 2),
                    model=model,
                    extensions=[FinishAfter(after_n_batches=4)] + extensions)


def values(main_loop):
    return main_loop.model.get_parameter_values()


def test_checkpoint_saves_the_main_loop_after_training(tmp_path):
    path = str(tmp_path / 'model.zip')
    main_loop = build_main_loop(path)
    main_loop.run()
    assert main_loop.log.current_row[SAVED_TO] == (path,)
    saved = load_parameters(path)
    for name, value in values(main_loop).items():
        assert_equal(saved[name], value)
    loaded = load(path, allowed_modules=['tests.extensions'])
    assert loaded.status['iterations_done'] == 4
    for name, value in values(main_loop).items():
        assert_equal(loaded.model.get_parameter_dict()[name].get_value(),
                     value)
    # The record is made after pickling: the saved log lacks it.
    assert SAVED_TO not in loaded.log.current_row


def test_checkpoint_triggers_and_user_path(tmp_path):
    path = str(tmp_path / 'model.zip')
    other = str(tmp_path / 'other.zip')
    checkpoint = Checkpoint(path, every_n_batches=2, after_training=False)
    checkpoint.add_condition(['after_batch'], arguments=(other,))
    main_loop = build_main_loop(extensions=[checkpoint])
    main_loop.run()
    assert main_loop.log[2][SAVED_TO] == (path, other)
    assert main_loop.log[3][SAVED_TO] == (other,)
    assert load(path, allowed_modules=['tests.extensions']).status[
        'iterations_done'] == 4
    assert sorted(os.listdir(tmp_path)) == ['model.zip', 'other.zip']


def test_checkpoint_saved_twice_at_an_iteration_lists_the_path_once(
        tmp_path):
    path = str(tmp_path / 'model.zip')
    main_loop = build_main_loop(path, every_n_batches=4)
    main_loop.run()
    # Saved after the fourth batch and after training, at iteration 4.
    assert main_loop.log[4][SAVED_TO] == (path,)


def test_parameters_only(tmp_path):
    path = str(tmp_path / 'parameters.zip')
    main_loop = build_main_loop(path, save_main_loop=False)
    main_loop.run()
    with zipfile.ZipFile(path) as zip_file:
        names = sorted(zip_file.namelist())
    assert names == ['mlp/linear_0.W.npy', 'mlp/linear_0.b.npy',
                     'mlp/linear_1.W.npy', 'mlp/linear_1.b.npy']


def test_explicit_parameters_without_model(tmp_path):
    path = str(tmp_path / 'parameters.zip')
    main_loop = build_main_loop()
    weights = main_loop.model.get_parameter_dict()['/mlp/linear_1.W']
    main_loop.extensions.append(Checkpoint(path, parameters=[weights],
                                           save_main_loop=False))
    main_loop.extensions[-1].main_loop = main_loop
    main_loop._model = None
    main_loop.run()
    assert list(load_parameters(path)) == ['/mlp/linear_1.W']


def test_save_separately(tmp_path):
    path = str(tmp_path / 'model.zip')
    main_loop = build_main_loop(path, save_separately=['log'])
    main_loop.run()
    log_path = str(tmp_path / 'model_log.zip')
    assert main_loop.log.current_row[SAVED_TO] == (path, log_path)
    assert load(log_path).status['iterations_done'] == 4


def test_failed_save_keeps_previous_checkpoint(tmp_path):
    path = str(tmp_path / 'model.zip')
    main_loop = build_main_loop(
        path, extensions=[Unpicklable(after_n_batches=3)],
        every_n_batches=2)
    with pytest.raises(Exception) as excinfo:
        main_loop.run()
    assert any("saving to {!r} failed".format(path) in note
               for note in excinfo.value.__notes__)
    assert main_loop.log[4][SAVED_TO] == (None,)
    assert load(path, allowed_modules=['tests.extensions']).status[
        'iterations_done'] == 2
    assert os.listdir(tmp_path) == ['model.zip']


def test_checkpoint_path_is_checked_at_construction(tmp_path):
    with pytest.raises(ValueError, match="Checkpoint: cannot write .*"
                       "does not exist"):
        Checkpoint(str(tmp_path / 'missing' / 'model.zip'))
    with pytest.raises(ValueError, match='it is a directory'):
        Checkpoint(str(tmp_path))
    with pytest.raises(TypeError, match='path must be a string'):
        Checkpoint(3)
    with pytest.raises(TypeError, match='save_separately must be a list'):
        Checkpoint(str(tmp_path / 'model.zip'), save_separately='log')


def test_read_only_directory_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(os, 'access', lambda path, mode: False)
    with pytest.raises(ValueError, match='is not writable'):
        Checkpoint(str(tmp_path / 'model.zip'))


def test_directory_removed_after_construction(tmp_path):
    directory = tmp_path / 'gone'
    directory.mkdir()
    main_loop = build_main_loop(str(directory / 'model.zip'))
    directory.rmdir()
    with pytest.raises(ValueError, match='does not exist'):
        main_loop.run()
    assert main_loop.log.current_row[SAVED_TO] == (None,)


def test_load_matches_parameters_by_brick_path(tmp_path):
    path = str(tmp_path / 'model.zip')
    trained = build_main_loop(path)
    trained.run()
    fresh = build_main_loop(seed=2, extensions=[Load(path)])
    assert not numpy.array_equal(values(fresh)['/mlp/linear_0.W'],
                                 values(trained)['/mlp/linear_0.W'])
    fresh.extensions[1].before_training()
    for name, value in values(trained).items():
        assert_equal(values(fresh)[name], value)
    assert fresh.log.current_row[LOADED_FROM] == path


def test_load_log_and_iteration_state(tmp_path):
    path = str(tmp_path / 'model.zip')
    trained = build_main_loop(path)
    trained.run()
    fresh = build_main_loop(extensions=[Load(
        path, load_log=True, load_iteration_state=True,
        allowed_modules=['tests.extensions'])])
    fresh.extensions[1].before_training()
    assert fresh.status['iterations_done'] == 4
    assert fresh.log.current_row[LOADED_FROM] == path
    assert fresh.epoch_iterator is not None


def test_load_refuses_mismatching_shapes(tmp_path):
    path = str(tmp_path / 'model.zip')
    build_main_loop(path).run()
    other = build_main_loop(dims=(2, 4, 2), extensions=[Load(path)])
    before = values(other)
    with pytest.raises(CheckpointError) as excinfo:
        other.extensions[1].before_training()
    message = str(excinfo.value)
    assert path in message
    assert ("member 'mlp/linear_0.W.npy' has shape (2, 3), but parameter "
            "/mlp/linear_0.W has shape (2, 4)") in message
    for name, value in values(other).items():
        assert_equal(value, before[name])


def test_load_without_checkpoint_warns(tmp_path, caplog):
    main_loop = build_main_loop(extensions=[Load(str(tmp_path / 'no.zip'))])
    with caplog.at_level(logging.WARNING):
        main_loop.extensions[1].before_training()
    assert 'no checkpoint at' in caplog.text
    assert LOADED_FROM not in main_loop.log.current_row
