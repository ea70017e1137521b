import logging
import os
import pickle
import signal

import numpy
import pytest
from aesara import tensor

from blocks.algorithms import GradientDescent, Scale
from blocks.data.schemes import ShuffledScheme
from blocks.extensions import FinishAfter, SimpleExtension, TrainingExtension
from blocks.extensions.monitoring import (DataStreamMonitoring,
                                          TrainingDataMonitoring)
from blocks.log import SQLiteLog, TrainingLog
from blocks.main_loop import MainLoop
from blocks.model import Model
from tests.extensions import (CallbackRecorder, FakeAlgorithm, Recorder,
                              batches_stream, examples_stream,
                              regression_model, regression_stream)


def processed(main_loop):
    """The data of the batches the fake algorithm was given."""
    return [int(batch['data']) for batch in main_loop.algorithm.batches]


def test_main_loop_runs_epochs_until_finish_is_requested():
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(3),
                         extensions=[FinishAfter(after_n_epochs=2)])
    assert main_loop.status['training_started'] is False
    main_loop.run()
    assert main_loop.algorithm.initialized == 1
    assert processed(main_loop) == [0, 1, 2, 0, 1, 2]
    status = main_loop.status
    assert status['iterations_done'] == 6 and status['epochs_done'] == 2
    assert status['_epoch_ends'] == [3, 6]
    assert status['training_started'] is True
    assert status['epoch_started'] is False
    assert main_loop.log[6] == {'training_finish_requested': True,
                                'training_finished': True}
    assert isinstance(main_loop.log, TrainingLog)


def test_gradient_descent_training_lowers_the_cost():
    features, targets, weights, cost = regression_model()
    model = Model(cost)
    algorithm = GradientDescent(cost=cost, parameters=[weights],
                                step_rule=Scale(learning_rate=0.1))
    main_loop = MainLoop(algorithm, regression_stream(5, 2), model=model,
                         extensions=[DataStreamMonitoring(
                                         [cost], regression_stream(5, 2),
                                         prefix='valid'),
                                     FinishAfter(after_n_epochs=3)])
    main_loop.run()
    assert main_loop.model is model
    costs = [main_loop.log[iteration]['valid_cost']
             for iteration in (0, 3, 6, 9)]
    assert all(later < earlier for earlier, later in zip(costs, costs[1:]))


def test_main_loop_attributes():
    stream = examples_stream()
    main_loop = MainLoop(FakeAlgorithm(), stream)
    with pytest.raises(AttributeError, match='This main loop has no model'):
        main_loop.model
    assert main_loop.iteration_state == (stream, None)
    other_stream = examples_stream(2)
    iterator = other_stream.get_epoch_iterator(as_dict=True)
    main_loop.iteration_state = (other_stream, iterator)
    assert main_loop.data_stream is other_stream
    assert main_loop.epoch_iterator is iterator
    assert main_loop.status is main_loop.log.status


def test_find_extension():
    first, second = FinishAfter(name='stop'), Recorder(name='record')
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(),
                         extensions=[first, second, Recorder(name='record')])
    assert main_loop.find_extension('stop') is first
    assert first.main_loop is main_loop
    with pytest.raises(ValueError, match=r"expected one extension named "
                       r"'record', found 2; the extensions are named "
                       r"\['stop', 'record', 'record'\]"):
        main_loop.find_extension('record')
    with pytest.raises(ValueError, match="named 'missing', found 0"):
        main_loop.find_extension('missing')


def test_main_loop_checks_its_arguments(tmp_path):
    with pytest.raises(TypeError, match='MainLoop: algorithm must have an '
                       'initialize'):
        MainLoop(object(), examples_stream())
    with pytest.raises(TypeError, match='MainLoop: data_stream must be a '
                       'data stream'):
        MainLoop(FakeAlgorithm(), [1, 2])
    with pytest.raises(TypeError, match='extension 1 is 3'):
        MainLoop(FakeAlgorithm(), examples_stream(),
                 extensions=[Recorder(), 3])
    with pytest.raises(ValueError, match=r"log_backend must be one of "
                       r"\['python', 'sqlite'\], got 'csv'"):
        MainLoop(FakeAlgorithm(), examples_stream(), log_backend='csv')


def test_main_loop_with_the_sqlite_log(tmp_path, monkeypatch):
    monkeypatch.setenv('BLOCKS_SQLITEDB', str(tmp_path / 'log.sqlite'))
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(2),
                         log_backend='sqlite',
                         extensions=[FinishAfter(after_n_epochs=2)])
    assert isinstance(main_loop.log, SQLiteLog)
    main_loop.run()
    assert main_loop.status['_epoch_ends'] == [2, 4]
    assert main_loop.log[4]['training_finished'] is True


def test_algorithm_inputs_must_be_provided_by_the_stream():
    algorithm = FakeAlgorithm(inputs=[tensor.vector('data'),
                                      tensor.vector('weights')])
    recorder = CallbackRecorder()
    main_loop = MainLoop(algorithm, examples_stream(),
                         extensions=[recorder])
    with pytest.raises(ValueError, match=r"MainLoop: the data stream does not "
                       r"provide the sources \['weights'\] .* Inputs of the "
                       r"algorithm: \['data', 'weights'\]; sources of the "
                       r"data stream: \['data'\]"):
        main_loop.run()
    assert recorder.callbacks == ['before_training', 'on_error']
    assert algorithm.initialized == 0


def test_empty_epochs_are_an_error():
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(0))
    with pytest.raises(ValueError, match='the epoch iterator of the data '
                       r'stream yielded no batches \(epoch 0\)'):
        main_loop.run()


def test_resumption_continues_the_epoch_in_progress():
    recorder = CallbackRecorder()
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(3),
                         extensions=[FinishAfter(after_n_batches=2),
                                     FinishAfter(after_n_batches=5),
                                     recorder])
    main_loop.run()
    first_uuid = main_loop.log.h_uuid
    assert processed(main_loop) == [0, 1]
    assert main_loop.status['epoch_started'] is True
    main_loop.run()
    assert processed(main_loop) == [0, 1, 2, 0, 1]
    assert main_loop.algorithm.initialized == 1
    assert main_loop.status['resumed_from'] == first_uuid
    assert recorder.callbacks.count('before_training') == 1
    assert recorder.callbacks.count('on_resumption') == 1
    assert recorder.callbacks.count('before_epoch') == 2
    assert recorder.callbacks.count('after_training') == 2


def test_a_new_main_loop_continues_the_log_of_another():
    first = MainLoop(FakeAlgorithm(), examples_stream(3),
                     extensions=[FinishAfter(after_n_batches=2)])
    first.run()
    recorder = CallbackRecorder()
    second = MainLoop(FakeAlgorithm(), examples_stream(3), log=first.log,
                      extensions=[FinishAfter(after_n_epochs=1), recorder])
    assert second.status['training_started'] is False
    second.run()
    # The log counts on; the new data stream starts a new epoch.
    assert processed(second) == [0, 1, 2]
    assert second.status['iterations_done'] == 5
    assert second.status['epochs_done'] == 1
    assert second.status['_epoch_ends'] == [5]
    assert recorder.callbacks[:3] == ['before_training', 'on_resumption',
                                      'before_epoch']
    assert second.algorithm.initialized == 1


def test_setting_the_iteration_state_continues_its_epoch():
    stream = examples_stream(4)
    iterator = stream.get_epoch_iterator(as_dict=True)
    next(iterator)
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(4),
                         extensions=[FinishAfter(after_n_epochs=2)])
    main_loop.iteration_state = (stream, iterator)
    main_loop.run()
    assert processed(main_loop) == [1, 2, 3, 0, 1, 2, 3]
    assert main_loop.iteration_state == (stream, None)


class Snapshot(SimpleExtension):
    """Pickle the main loop."""
    def do(self, which_callback, *args):
        self.pickled = pickle.dumps(self.main_loop)


def test_pickled_main_loop_resumes_where_it_was():
    snapshot = Snapshot(after_n_batches=4)
    main_loop = MainLoop(FakeAlgorithm(), batches_stream(5, 2),
                         extensions=[snapshot, FinishAfter(after_n_epochs=3)])
    main_loop.run()
    resumed = pickle.loads(snapshot.pickled)
    assert resumed.status['iterations_done'] == 4
    assert resumed.extensions[0].main_loop is resumed
    resumed.run()
    assert [batch['data'].tolist() for batch in resumed.algorithm.batches] \
        == [batch['data'].tolist() for batch in main_loop.algorithm.batches]
    assert resumed.status['iterations_done'] == 9
    assert resumed.log[9]['training_finished'] is True
    assert resumed.algorithm.initialized == 1


def test_pickled_gradient_descent_training_resumes_exactly():
    features, targets, weights, cost = regression_model()
    algorithm = GradientDescent(cost=cost, parameters=[weights],
                                step_rule=Scale(learning_rate=0.1))
    snapshot = Snapshot(after_n_batches=4)
    scheme = ShuffledScheme(7, batch_size=3,
                            rng=numpy.random.RandomState(5))
    main_loop = MainLoop(algorithm, regression_stream(7, scheme=scheme),
                         extensions=[TrainingDataMonitoring(
                                         [cost], after_epoch=True),
                                     snapshot, FinishAfter(after_n_epochs=3)])
    main_loop.run()
    resumed = pickle.loads(snapshot.pickled)
    resumed_weights, = resumed.algorithm.parameters
    assert resumed_weights is not weights
    resumed.run()
    assert resumed.status['iterations_done'] == 9
    numpy.testing.assert_array_equal(resumed_weights.get_value(),
                                     weights.get_value())
    for iteration in (6, 9):
        assert resumed.log[iteration]['cost'] == \
            main_loop.log[iteration]['cost']


class SendSignal(SimpleExtension):
    """Send signals to this process, as a user pressing Ctrl + C would."""
    def __init__(self, signal_number, times=1, **kwargs):
        super().__init__(**kwargs)
        self.signal_number = signal_number
        self.times = times

    def do(self, which_callback, *args):
        for _ in range(self.times):
            os.kill(os.getpid(), self.signal_number)


class InterruptRecorder(TrainingExtension):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.interrupted_at = None
        self.finished = False

    def on_interrupt(self):
        self.interrupted_at = self.main_loop.status['iterations_done']

    def after_training(self):
        self.finished = True


@pytest.mark.parametrize('signal_number', [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_training_after_the_current_batch(signal_number):
    handlers = [signal.getsignal(signal.SIGINT),
                signal.getsignal(signal.SIGTERM)]
    interrupts = InterruptRecorder()
    triggers = Recorder(on_interrupt=True, on_resumption=True)
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(5),
                         extensions=[SendSignal(signal_number,
                                                after_n_batches=2),
                                     Recorder(after_batch=True),
                                     interrupts, triggers])
    main_loop.run()
    assert triggers.calls == [('on_interrupt', 2, 0, ())]
    assert processed(main_loop) == [0, 1]
    # The batch in which the signal came was finished, extensions included.
    assert main_loop.extensions[1].calls[-1][:2] == ('after_batch', 2)
    assert interrupts.interrupted_at == 2 and interrupts.finished
    assert main_loop.status['batch_interrupt_received'] is True
    assert main_loop.log[2]['interrupt_received'] == \
        signal.Signals(signal_number).name
    # Interrupted, not finished: the run is to be resumed.
    assert main_loop.log[2]['training_interrupted'] is True
    assert 'training_finished' not in main_loop.log[2]
    assert main_loop.interrupted == signal.Signals(signal_number).name
    assert [signal.getsignal(signal.SIGINT),
            signal.getsignal(signal.SIGTERM)] == handlers
    # A resumed main loop is not interrupted any more.
    main_loop.extensions[0].set_conditions()
    main_loop.extensions.append(FinishAfter(after_n_batches=4))
    main_loop.run()
    assert processed(main_loop) == [0, 1, 2, 3]
    assert main_loop.status['batch_interrupt_received'] is False
    assert triggers.calls[1] == ('on_resumption', 2, 0, ())


def test_a_second_sigint_aborts_at_once():
    handler = signal.getsignal(signal.SIGINT)
    errors = CallbackRecorder()
    interrupts = InterruptRecorder()
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(5),
                         extensions=[SendSignal(signal.SIGINT, times=2,
                                                after_n_batches=2),
                                     errors, interrupts])
    with pytest.raises(KeyboardInterrupt, match='training aborted by a '
                       'second SIGINT'):
        main_loop.run()
    assert processed(main_loop) == [0, 1]
    assert interrupts.interrupted_at is None and not interrupts.finished
    assert 'on_error' not in errors.callbacks
    assert 'KeyboardInterrupt' in main_loop.status['got_exception']
    assert 'training_finished' not in main_loop.log.current_row
    assert signal.getsignal(signal.SIGINT) == handler


class EpochInterrupt(SimpleExtension):
    def do(self, which_callback, *args):
        self.main_loop.status['epoch_interrupt_received'] = True


def test_epoch_interrupt_stops_at_the_end_of_the_epoch():
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(3),
                         extensions=[EpochInterrupt(after_n_batches=1)])
    main_loop.run()
    assert processed(main_loop) == [0, 1, 2]
    assert main_loop.log[3]['training_finished'] is True


class Failing(SimpleExtension):
    def do(self, which_callback, *args):
        raise ValueError('the extension fails on purpose')


class ErrorRecorder(TrainingExtension):
    def __init__(self, fail=False, **kwargs):
        super().__init__(**kwargs)
        self.fail = fail
        self.errors = []

    def on_error(self, exception=None):
        self.errors.append(exception)
        if self.fail:
            raise RuntimeError('on_error fails too')


def test_an_error_in_an_extension_names_it_and_calls_on_error():
    errors = ErrorRecorder()
    finished = InterruptRecorder()
    triggers = Recorder(on_error=True)
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(3),
                         extensions=[Failing(name='failing',
                                             after_n_batches=2),
                                     errors, finished, triggers])
    with pytest.raises(ValueError, match='fails on purpose') as excinfo:
        main_loop.run()
    assert excinfo.value.__notes__ == [
        "MainLoop: raised by the extension 'failing' (Failing) in its "
        "callback after_batch, at iteration 2 (epoch 0)"]
    assert errors.errors == [excinfo.value]
    assert triggers.calls == [('on_error', 2, 0, (excinfo.value,))]
    assert not finished.finished
    assert main_loop.status['iterations_done'] == 2
    assert 'fails on purpose' in main_loop.status['got_exception']
    assert 'fails on purpose' in main_loop.log[2]['got_exception']
    assert 'training_finished' not in main_loop.log[2]
    assert excinfo.traceback[-1].name == 'do'


def test_an_error_is_printed_once(caplog):
    """The error propagates with its traceback and notes; the main loop
    does not print it before."""
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(3),
                         extensions=[Failing(name='failing',
                                             after_n_batches=2)])
    with caplog.at_level(logging.DEBUG, logger='blocks'):
        with pytest.raises(ValueError, match='fails on purpose') as excinfo:
            main_loop.run()
    assert "raised by the extension 'failing'" in excinfo.value.__notes__[0]
    assert all(record.levelno < logging.WARNING
               for record in caplog.records)
    assert caplog.records[-1].getMessage() == (
        'Training stopped on ValueError at iteration 2 (epoch 0); the '
        'traceback is recorded in the training log as got_exception')
    assert 'fails on purpose' not in caplog.text
    assert 'Traceback' not in caplog.text


def test_an_error_in_the_algorithm():
    errors = ErrorRecorder(fail=True)
    main_loop = MainLoop(FakeAlgorithm(fail_at=1), examples_stream(3),
                         extensions=[errors])
    with pytest.raises(RuntimeError, match='fails on purpose') as excinfo:
        main_loop.run()
    assert excinfo.value.__notes__[0] == (
        "MainLoop: raised by the algorithm FakeAlgorithm in process_batch, "
        "at iteration 1 (epoch 0)")
    assert "the extension 'ErrorRecorder' raised RuntimeError('on_error " \
        "fails too') in its on_error callback" in excinfo.value.__notes__[1]
    assert errors.errors == [excinfo.value]


def test_profile_is_reported_when_configured(monkeypatch, capsys):
    monkeypatch.setenv('BLOCKS_PROFILE', 'true')
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(2),
                         extensions=[FinishAfter(after_n_epochs=1)])
    main_loop.run()
    lines = capsys.readouterr().err.splitlines()
    for section in ('Section', 'Before training', 'Initialization',
                    'Training', '  Epoch', '    Read data', '    Train',
                    '      FinishAfter', 'After training'):
        assert any(line.startswith(section + ' ') for line in lines)
    monkeypatch.setenv('BLOCKS_PROFILE', 'false')
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(2),
                         extensions=[FinishAfter(after_n_epochs=1)])
    main_loop.run()
    assert capsys.readouterr().err == ''
    assert main_loop.profile.total[('training', 'epoch', 'train')] > 0


def nonfinite_cost_training(step_rule, data=(1., 2., -1., 3.)):
    """A main loop whose cost, log(w * x), is NaN on the third example."""
    import aesara
    from blocks.data.datasets import IterableDataset
    from blocks.data.streams import DataStream
    weight = aesara.shared(numpy.asarray(1., dtype=aesara.config.floatX),
                           name='w')
    x = tensor.scalar('data')
    cost = tensor.log(weight * x)
    cost.name = 'cost'
    data = numpy.asarray(data, dtype=aesara.config.floatX)
    main_loop = MainLoop(
        GradientDescent(cost=cost, parameters=[weight], step_rule=step_rule),
        DataStream(IterableDataset(data)),
        extensions=[FinishAfter(after_n_epochs=1)])
    return main_loop, weight


def test_a_nonfinite_cost_stops_training_and_names_the_iteration():
    main_loop, weight = nonfinite_cost_training(Scale(0.1))
    with pytest.raises(FloatingPointError,
                       match=r'cost is nan at iteration 3 \(epoch 0\).*'
                             r'RemoveNotFinite'):
        main_loop.run()
    assert numpy.isnan(main_loop.log[3]['nonfinite_cost'])
    assert 'training_finished' not in main_loop.log.current_row


def test_remove_not_finite_lets_training_go_on_past_a_nan_cost():
    from blocks.algorithms import CompositeRule, RemoveNotFinite
    main_loop, weight = nonfinite_cost_training(
        CompositeRule([Scale(0.1), RemoveNotFinite()]))
    with pytest.warns(RuntimeWarning, match='iteration 3'):
        main_loop.run()
    assert main_loop.status['iterations_done'] == 4
    assert numpy.isnan(main_loop.log[3]['nonfinite_cost'])
    assert numpy.isfinite(weight.get_value())


def test_a_nonfinite_cost_from_nonfinite_data_names_the_source():
    main_loop, weight = nonfinite_cost_training(Scale(0.1),
                                                data=(1., 2., numpy.nan, 3.))
    with pytest.raises(ValueError, match=r"cost is nan at iteration 3 "
                       r"\(epoch 0\)\. The batch holds NaN or infinite "
                       r"values in the sources 'data' \(1 NaN and 0 infinite "
                       r"of 1 values\)\. The data, not the training, is at "
                       r"fault") as excinfo:
        main_loop.run()
    assert 'learning rate' not in str(excinfo.value)
    assert numpy.isnan(main_loop.log[3]['nonfinite_cost'])


def test_remove_not_finite_warns_about_nonfinite_data():
    from blocks.algorithms import CompositeRule, RemoveNotFinite
    main_loop, weight = nonfinite_cost_training(
        CompositeRule([Scale(0.1), RemoveNotFinite()]),
        data=(1., numpy.inf, 2., 3.))
    with pytest.warns(RuntimeWarning, match=r"iteration 2 .* in the "
                      r"sources 'data' \(0 NaN and 1 infinite of 1 values\)"
                      r"\. RemoveNotFinite skipped the step"):
        main_loop.run()
    assert main_loop.status['iterations_done'] == 4


SQLITE_READER = """
import json
import sys

from blocks.log import SQLiteLog

log = SQLiteLog(sys.argv[1], uuid=sys.argv[2])
print(json.dumps({'status': log.status.to_dict(),
                  'rows': {str(time): row.to_dict()
                           for time, row in log.items()}}))
"""


def test_sqlite_backend_records_the_same_training(tmp_path, monkeypatch):
    """The same training, logged in memory and in SQLite, read back from
    the database by a new process."""
    import json
    import subprocess
    import sys

    def train(log_backend):
        features, targets, weights, cost = regression_model()
        algorithm = GradientDescent(cost=cost, parameters=[weights],
                                    step_rule=Scale(0.1))
        main_loop = MainLoop(
            algorithm, regression_stream(num_examples=5, batch_size=2),
            log_backend=log_backend,
            extensions=[TrainingDataMonitoring([cost], prefix='train',
                                               after_batch=True),
                        DataStreamMonitoring([cost], regression_stream(),
                                             prefix='valid'),
                        FinishAfter(after_n_epochs=2)])
        main_loop.run()
        return main_loop.log

    database = tmp_path / 'log.sqlite'
    monkeypatch.setenv('BLOCKS_SQLITEDB', str(database))
    python_log = train('python')
    sqlite_log = train('sqlite')
    result = subprocess.run(
        [sys.executable, '-c', SQLITE_READER, str(database),
         sqlite_log.h_uuid], capture_output=True, text=True, timeout=300,
        check=True)
    read = json.loads(result.stdout.splitlines()[-1])
    expected_rows = {str(time): dict(row) for time, row in python_log.items()
                     if row}
    assert sorted(read['rows']) == sorted(expected_rows)
    for time, row in expected_rows.items():
        assert sorted(read['rows'][time]) == sorted(row), time
        for key, value in row.items():
            assert read['rows'][time][key] == pytest.approx(value), \
                (time, key)
    for key in ('iterations_done', 'epochs_done', '_epoch_ends'):
        assert read['status'][key] == python_log.status[key]
    assert len(expected_rows) >= 5


def test_the_cost_is_checked_every_so_many_batches():
    # log(w * x) is NaN on the third example only: seen when every batch
    # is checked (above), missed when every second one is.
    main_loop, weight = nonfinite_cost_training(Scale(0.1))
    main_loop.check_cost_every = 2
    main_loop.run()
    assert main_loop.status['iterations_done'] == 4
    assert 'nonfinite_cost' not in main_loop.log[3]
    for value in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match=r"MainLoop: check_cost_every "
                           r"must be a positive integer.*got {!r}".format(
                               value)):
            MainLoop(main_loop.algorithm, main_loop.data_stream,
                     check_cost_every=value)
