"""Exact resumption of training, and the ``blocks-continue`` script.

Training an MLP with Adam on a shuffled stream, with dropout, is stopped
(SIGINT in the middle of an epoch, SIGKILL while a checkpoint is being
written, an exception) and resumed from its checkpoint: the final
parameters must equal, bit for bit, those of an uninterrupted run of the
same length.

The training runs in subprocesses built from the module-level helpers
below, so that checkpoints refer to this importable module (allowed with
``--allow tests.scripts.test_continue``).
"""
import os
import shutil
import signal
import subprocess
import sys
from collections import OrderedDict

import numpy
import pytest
from aesara import tensor
from aesara.graph.basic import graph_inputs

from blocks.algorithms import Adam, GradientDescent
from blocks.bricks import MLP, Identity, Tanh
from blocks.data.datasets import IndexableDataset
from blocks.data.schemes import ShuffledScheme
from blocks.data.streams import DataStream
from blocks.extensions import FinishAfter, SimpleExtension
from blocks.extensions.saveload import Checkpoint
from blocks.filter import VariableFilter
from blocks.graph import ComputationGraph, apply_dropout
from blocks.initialization import Constant, IsotropicGaussian
from blocks.log import SQLiteLog
from blocks.main_loop import MainLoop
from blocks.model import Model
from blocks.roles import INPUT
from blocks.scripts import continue_
from blocks.serialization import load, load_parameters, secure_dump
from tests.extensions import FakeAlgorithm, examples_stream
from tests.resumption import assert_bit_identical

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
THIS_MODULE = 'tests.scripts.test_continue'
TOTAL_BATCHES = 12
# 20 examples in batches of 3: an epoch has 7 batches, so iterations 5 and
# 8 are in the middle of the first and second epochs.
NUM_EXAMPLES, BATCH_SIZE = 20, 3


class StopAt(SimpleExtension):
    """Stop training abruptly after a given batch.

    Parameters
    ----------
    iteration : int
        The number of batches done when it acts.
    how : {'sigint', 'sigkill', 'raise'}
        Send SIGINT or SIGKILL to the process, or raise RuntimeError.

    """
    def __init__(self, iteration, how, **kwargs):
        kwargs.setdefault('after_batch', True)
        super().__init__(**kwargs)
        self.iteration = iteration
        self.how = how

    def do(self, which_callback, *args):
        if self.main_loop.status['iterations_done'] != self.iteration:
            return
        if self.how == 'raise':
            raise RuntimeError('stopped on purpose')
        os.kill(os.getpid(), {'sigint': signal.SIGINT,
                              'sigkill': signal.SIGKILL}[self.how])


class CrashOnce(SimpleExtension):
    """Raise at the end of a given epoch, the first time only.

    Parameters
    ----------
    epoch : int
        The number of epochs done when it acts.
    marker : str
        A file created when it raises; once it exists, it does nothing.

    """
    def __init__(self, epoch, marker, **kwargs):
        kwargs.setdefault('after_epoch', True)
        super().__init__(**kwargs)
        self.epoch = epoch
        self.marker = marker

    def do(self, which_callback, *args):
        if self.main_loop.status['epochs_done'] == self.epoch and \
                not os.path.exists(self.marker):
            with open(self.marker, 'w'):
                pass
            raise RuntimeError('validation crashed')


def build_fake_main_loop(path, marker, database):
    """Two epochs of a fake algorithm with an SQLite log; the validation
    at the end of the second epoch crashes once."""
    log = SQLiteLog(database)
    return MainLoop(FakeAlgorithm(), examples_stream(3), log=log,
                    extensions=[FinishAfter(after_n_epochs=2),
                                CrashOnce(2, marker),
                                Checkpoint(path, after_epoch=True)])


def train_fake(path, marker, database):
    build_fake_main_loop(path, marker, database).run()


def build_main_loop(path, stop_at=None, how=None):
    """An MLP with dropout trained by Adam on a shuffled stream."""
    rng = numpy.random.RandomState(0)
    dataset = IndexableDataset(OrderedDict([
        ('features', rng.normal(size=(NUM_EXAMPLES, 3))),
        ('targets', rng.normal(size=(NUM_EXAMPLES, 2)))]))
    stream = DataStream(dataset, iteration_scheme=ShuffledScheme(
        NUM_EXAMPLES, BATCH_SIZE, rng=numpy.random.RandomState(1)))
    mlp = MLP([Tanh(), Identity()], [3, 4, 2],
              weights_init=IsotropicGaussian(0.5), biases_init=Constant(0.1),
              seed=2)
    mlp.initialize()
    features = tensor.matrix('features')
    targets = tensor.matrix('targets')
    cost = tensor.sqr(mlp.apply(features) - targets).mean()
    graph = ComputationGraph(cost)
    hidden = VariableFilter(roles=[INPUT],
                            bricks=[mlp.linear_transformations[1]])(
        graph.variables)
    cost = apply_dropout(graph, hidden, 0.5, seed=3).outputs[0]
    algorithm = GradientDescent(cost=cost,
                                parameters=ComputationGraph(cost).parameters,
                                step_rule=Adam(learning_rate=0.05))
    extensions = [FinishAfter(after_n_batches=TOTAL_BATCHES),
                  Checkpoint(path, every_n_batches=4)]
    if stop_at is not None:
        for iteration in numpy.atleast_1d(stop_at):
            extensions.append(StopAt(int(iteration), how,
                                     name='StopAt_{}'.format(iteration)))
    return MainLoop(algorithm, stream, model=Model(cost),
                    extensions=extensions)


class _KillingReplace:
    """``os.replace`` that kills the process at its n-th call."""
    def __init__(self, call, replace):
        self.call = call
        self.calls = 0
        self.replace = replace

    def __call__(self, source, destination):
        self.calls += 1
        if self.calls == self.call:
            os.kill(os.getpid(), signal.SIGKILL)
        return self.replace(source, destination)


def train(path, stop_at=None, how=None, kill_at_save=None):
    """Train in this process (the entry point of the subprocesses)."""
    if kill_at_save is not None:
        os.replace = _KillingReplace(kill_at_save, os.replace)
    build_main_loop(path, stop_at, how).run()


def run_python(*arguments, cwd=REPOSITORY):
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [REPOSITORY] + [path for path in [os.environ.get('PYTHONPATH')]
                        if path]))
    return subprocess.run([sys.executable] + list(arguments),
                          cwd=str(cwd), env=environment,
                          capture_output=True, text=True, timeout=300)


def blocks_continue(*arguments, cwd=REPOSITORY):
    return run_python('-m', 'blocks.scripts.continue_', *map(str, arguments),
                      cwd=cwd)


def train_in_subprocess(path, **kwargs):
    return run_python('-c', 'from {} import train; train({!r}, **{!r})'
                      .format(THIS_MODULE, str(path), kwargs))


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    """The parameters after an uninterrupted run."""
    path = tmp_path_factory.mktemp('reference') / 'model.zip'
    main_loop = build_main_loop(str(path))
    main_loop.run()
    values = main_loop.model.get_parameter_values()
    assert main_loop.status['iterations_done'] == TOTAL_BATCHES
    assert sorted(values) == ['/mlp/linear_0.W', '/mlp/linear_0.b',
                              '/mlp/linear_1.W', '/mlp/linear_1.b']
    return values


def test_sigint_mid_epoch_then_blocks_continue(tmp_path, reference):
    path = tmp_path / 'model.zip'
    process = train_in_subprocess(path, stop_at=[5, 9], how='sigint')
    assert process.returncode == 0, process.stderr
    assert 'SIGINT' in process.stderr
    stopped = load(path, allowed_modules=[THIS_MODULE])
    assert stopped.status['iterations_done'] == 5
    assert stopped.status['epoch_started']  # in the middle of an epoch
    row = stopped.log.current_row
    assert row['interrupt_received'] == 'SIGINT'
    assert row['training_interrupted'] and 'training_finished' not in row
    stopped_values = load_parameters(path)
    assert not numpy.array_equal(stopped_values['/mlp/linear_0.W'],
                                 reference['/mlp/linear_0.W'])

    # Stopped again at iteration 9: exit status 130, as a shell reports.
    process = blocks_continue(path, '--allow', THIS_MODULE)
    assert process.returncode == 130, process.stderr
    assert 'Training resumes' in process.stderr
    assert ('training was stopped by SIGINT at iteration 9; continue it '
            'with: blocks-continue {}'.format(path)) in process.stderr
    process = blocks_continue(path, '--allow', THIS_MODULE)
    assert process.returncode == 0, process.stderr
    resumed = load(path, allowed_modules=[THIS_MODULE])
    assert resumed.status['iterations_done'] == TOTAL_BATCHES
    assert resumed.log.current_row['training_finished']
    assert_bit_identical(load_parameters(path), reference)


def test_resumption_writes_where_the_checkpoint_was_loaded_from(
        tmp_path, reference):
    run = tmp_path / 'run1'
    run.mkdir()
    # The checkpoint path is relative to the directory training ran in.
    process = run_python('-c', 'from {} import train; train({!r}, '
                         'stop_at=5, how={!r})'.format(
                             THIS_MODULE, 'model.zip', 'sigint'), cwd=run)
    assert process.returncode == 0, process.stderr
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    moved = elsewhere / 'moved.zip'
    shutil.move(run / 'model.zip', moved)
    shutil.rmtree(run)
    process = blocks_continue('moved.zip', '--allow', THIS_MODULE,
                              cwd=elsewhere)
    assert process.returncode == 0, process.stderr
    assert sorted(os.listdir(elsewhere)) == ['moved.zip']
    assert not run.exists()
    assert_bit_identical(load_parameters(moved), reference)


def test_resumption_ignores_the_path_stored_in_the_checkpoint(tmp_path):
    path = tmp_path / 'model.zip'
    victim = tmp_path / 'victim.txt'
    victim.write_text('precious')
    with pytest.raises(RuntimeError, match='stopped on purpose'):
        train(str(path), stop_at=5, how='raise')
    main_loop = load(path, allowed_modules=[THIS_MODULE])
    assert main_loop.status['iterations_done'] == 4
    main_loop.find_extension('Checkpoint').path = str(victim)
    main_loop.find_extension('StopAt_5').iteration = None
    secure_dump(main_loop, path)
    other = tmp_path / 'other.zip'
    assert continue_.main([str(path), '--allow', THIS_MODULE,
                           '--to', str(other)]) == 0
    assert victim.read_text() == 'precious'
    assert load(other, allowed_modules=[THIS_MODULE]).status[
        'iterations_done'] == TOTAL_BATCHES
    assert continue_.main([str(path), '--allow', THIS_MODULE,
                           '--to', str(tmp_path / 'missing' / 'x.zip')]) == 1


def test_sigkill_while_writing_a_checkpoint(tmp_path, reference):
    path = tmp_path / 'model.zip'
    # The checkpoints are written after batches 4 and 8: the process is
    # killed after writing the second one, before renaming it into place.
    process = train_in_subprocess(path, kill_at_save=2)
    assert process.returncode == -signal.SIGKILL, process.stderr
    leftovers = sorted(name for name in os.listdir(tmp_path)
                       if name != 'model.zip')
    assert len(leftovers) == 1 and leftovers[0].startswith('.model.zip.')
    assert sorted(load_parameters(path)) == sorted(
        load_parameters(tmp_path / leftovers[0]))
    previous = load(path, allowed_modules=[THIS_MODULE])
    assert previous.status['iterations_done'] == 4

    assert continue_.main([str(path), '--allow', THIS_MODULE]) == 0
    assert_bit_identical(load_parameters(path), reference)
    # The successful saves removed what the killed one left behind.
    assert os.listdir(tmp_path) == ['model.zip']


def test_crash_in_the_last_validation_with_an_sqlite_log(tmp_path, capsys):
    path, marker = tmp_path / 'fake.zip', tmp_path / 'crashed'
    database = tmp_path / 'log.sqlite'
    process = run_python('-c', 'from {} import train_fake; train_fake('
                         '{!r}, {!r}, {!r})'.format(
                             THIS_MODULE, str(path), str(marker),
                             str(database)))
    assert process.returncode == 1 and 'validation crashed' in \
        process.stderr
    saved = load(path, allowed=[THIS_MODULE, 'tests.extensions'])
    assert saved.status['epochs_done'] == 1
    # The live database says training finished; the checkpoint does not.
    live = SQLiteLog(database, uuid=saved.log.h_uuid)
    assert live.current_row['training_finish_requested']

    shutil.copy(database, tmp_path / 'backup.sqlite')
    database.unlink()
    for suffix in ('-wal', '-shm'):
        (tmp_path / ('log.sqlite' + suffix)).unlink(missing_ok=True)
    arguments = [str(path), '--allow', THIS_MODULE, '--allow',
                 'tests.extensions']
    assert continue_.main(arguments) == 1
    error = capsys.readouterr().err
    assert "SQLite database '{}', which is missing".format(database) in error
    assert '--new-log' in error
    assert not database.exists()

    shutil.copy(tmp_path / 'backup.sqlite', database)
    assert continue_.main(arguments) == 0
    resumed = load(path, allowed=[THIS_MODULE, 'tests.extensions'])
    assert resumed.status['epochs_done'] == 2
    assert len(resumed.algorithm.batches) == 6
    assert resumed.log.current_row['training_finished']

    database.unlink()
    shutil.copy(saved_path := tmp_path / 'fake.zip', tmp_path / 'again.zip')
    assert continue_.main([str(tmp_path / 'again.zip'), '--new-log'] +
                          arguments[1:]) == 0
    assert saved_path.exists() and database.exists()
    # The new database holds the finished run's last row: nothing reran.
    recreated = SQLiteLog(database, uuid=resumed.log.h_uuid)
    assert recreated.current_row['training_finished']
    assert recreated.status['epochs_done'] == 2


def test_exception_then_resume_and_sensitivity(tmp_path, reference):
    path = tmp_path / 'model.zip'
    with pytest.raises(RuntimeError, match='stopped on purpose'):
        train(str(path), stop_at=9, how='raise')
    copy = tmp_path / 'copy.zip'
    shutil.copy(path, copy)
    resumed = load(path, allowed_modules=[THIS_MODULE])
    assert resumed.status['iterations_done'] == 8
    resumed.find_extension('StopAt_9').iteration = None  # the bug is fixed
    resumed.run()
    assert_bit_identical(resumed.model.get_parameter_values(), reference)

    # The comparison is sensitive to the state of the dropout generator:
    # resuming with a fresh one gives other parameters.
    control = load(copy, allowed_modules=[THIS_MODULE])
    control.find_extension('StopAt_9').iteration = None
    generators = [variable for variable in
                  graph_inputs([control.algorithm.cost])
                  if isinstance(getattr(variable, 'container', None) and
                                variable.get_value(borrow=True),
                                numpy.random.Generator)]
    assert len(generators) == 1
    generators[0].set_value(numpy.random.default_rng(3))
    control.run()
    values = control.model.get_parameter_values()
    assert not all(numpy.array_equal(values[name], reference[name])
                   for name in reference)


def test_blocks_continue_refuses_modules_not_allowed(tmp_path, capsys):
    path = tmp_path / 'extension.zip'
    secure_dump(StopAt(3, 'raise'), path)
    assert continue_.main([str(path)]) == 1
    error = capsys.readouterr().err
    assert 'refusing global {}.StopAt'.format(THIS_MODULE) in error
    assert '--allow {}.StopAt'.format(THIS_MODULE) in error


def test_blocks_continue_needs_a_main_loop(tmp_path, capsys):
    path = tmp_path / 'extension.zip'
    secure_dump(StopAt(3, 'raise'), path)
    assert continue_.main([str(path), '--allow', THIS_MODULE]) == 1
    assert 'holds a StopAt, not a main loop' in capsys.readouterr().err
    secure_dump(None, path, parameters=[])
    assert continue_.main([str(path)]) == 1
    assert "has no member '_pkl'" in capsys.readouterr().err
    assert continue_.main([str(tmp_path / 'missing.zip')]) == 1
    assert 'No such file' in capsys.readouterr().err


def test_finished_training_is_not_run_again(tmp_path, caplog):
    path = tmp_path / 'finished.zip'
    MainLoop(FakeAlgorithm(), examples_stream(3), extensions=[
        FinishAfter(after_n_batches=2), Checkpoint(str(path))]).run()
    assert continue_.main([str(path), '--allow', 'tests.extensions']) == 0
    assert 'there is nothing to continue' in caplog.text
    finished = load(path, allowed_modules=['tests.extensions'])
    assert finished.status['iterations_done'] == 2
    assert len(finished.algorithm.batches) == 2
