import pickle
from uuid import UUID

import pytest

from blocks.log import BACKENDS, SQLiteLog, TrainingLog, TrainingLogBase
from blocks.log.log import PendingRow, default_status


@pytest.fixture(params=['python', 'sqlite'])
def log(request, tmp_path):
    if request.param == 'python':
        return TrainingLog()
    return SQLiteLog(tmp_path / 'log.sqlite')


def test_backends():
    assert BACKENDS == {'python': TrainingLog, 'sqlite': SQLiteLog}
    assert issubclass(TrainingLog, TrainingLogBase)
    assert issubclass(SQLiteLog, TrainingLogBase)


def test_initial_status(log):
    assert dict(log.status) == {
        'iterations_done': 0, 'epochs_done': 0, '_epoch_ends': [],
        'received_first_batch': False, 'resumed_from': None,
        'training_started': False, 'epoch_interrupt_received': False,
        'batch_interrupt_received': False}
    assert len(log) == 0
    assert list(log) == []


def test_default_status_is_fresh():
    default_status()['_epoch_ends'].append(1)
    assert default_status()['_epoch_ends'] == []
    assert TrainingLog().status['_epoch_ends'] is not \
        TrainingLog().status['_epoch_ends']


def test_uuid(log):
    assert isinstance(log.uuid, UUID)
    assert log.h_uuid == log.uuid.hex
    assert len(log.h_uuid) == 32
    assert int(log.h_uuid, 16) == log.uuid.int
    assert TrainingLog().uuid != TrainingLog().uuid


def test_reading_a_missing_row_does_not_store_it(log):
    row = log[3]
    assert len(row) == 0
    assert dict(row) == {}
    assert row == {}
    assert 'cost' not in row
    assert row.get('cost') is None
    with pytest.raises(KeyError):
        row['cost']
    assert 3 not in log
    assert len(log) == 0


def test_writing_a_missing_row_stores_it(log):
    row = log[3]
    row['cost'] = 1.0
    assert 3 in log
    assert log[3]['cost'] == 1.0
    row['accuracy'] = 0.5
    assert dict(log[3]) == {'cost': 1.0, 'accuracy': 0.5}
    log[5]['cost'] = 2.0
    assert list(log) == [3, 5]
    assert len(log) == 2


def test_rows_behave_like_dicts(log):
    log[0]['a'] = 1
    log[0]['b'] = 'two'
    log[0]['a'] = 3
    assert list(log[0]) == ['a', 'b']
    assert dict(log[0].items()) == {'a': 3, 'b': 'two'}
    del log[0]['a']
    assert dict(log[0]) == {'b': 'two'}
    with pytest.raises(KeyError):
        del log[0]['a']
    log[0].update(c=None)
    assert dict(log[0]) == {'b': 'two', 'c': None}


def test_setting_and_deleting_rows(log):
    log[2]['old'] = 1
    log[2] = {'new': 2}
    assert dict(log[2]) == {'new': 2}
    del log[2]
    assert 2 not in log
    with pytest.raises(KeyError):
        del log[2]


def test_iteration_is_ordered_by_time(log):
    for time in [5, 1, 3]:
        log[time]['x'] = time
    assert list(log) == [1, 3, 5]
    assert [dict(row) for row in log.values()] == [{'x': 1}, {'x': 3},
                                                    {'x': 5}]


@pytest.mark.parametrize('time', [-1, 1.0, '1', None, True])
def test_invalid_times(log, time):
    with pytest.raises(ValueError, match="{}: an iteration number must be a "
                       "non-negative integer, got {!r}".format(
                           type(log).__name__, time).replace('.', r'\.')):
        log[time]


def test_current_and_previous_rows(log):
    log.current_row['cost'] = 3
    assert dict(log[0]) == {'cost': 3}
    with pytest.raises(ValueError, match="non-negative integer, got -1"):
        log.previous_row
    log.status['iterations_done'] += 1
    assert log.current_row == {}
    assert log.previous_row['cost'] == 3


def test_last_epoch_row(log):
    with pytest.raises(IndexError, match="{}: no epoch has ended yet"
                       .format(type(log).__name__)):
        log.last_epoch_row
    log[4]['epoch_cost'] = 1.5
    log.status['_epoch_ends'] += [4]
    assert log.last_epoch_row['epoch_cost'] == 1.5


def test_status(log):
    log.status['iterations_done'] += 1
    log.status['_epoch_ends'] += [1]
    log.status['custom'] = (1, 'a')
    assert log.status['iterations_done'] == 1
    assert log.status['_epoch_ends'] == [1]
    assert log.status['custom'] == (1, 'a')
    del log.status['custom']
    assert 'custom' not in log.status
    with pytest.raises(KeyError):
        log.status['custom']


def test_resume_keeps_history(log):
    log[0]['cost'] = 2.0
    log.status['iterations_done'] = 1
    old_uuid = log.uuid
    log.resume()
    assert log.uuid != old_uuid
    assert log.status['resumed_from'] == old_uuid.hex
    assert log.status['iterations_done'] == 1
    assert log[0]['cost'] == 2.0
    log.current_row['cost'] = 1.0
    assert list(log) == [0, 1]


def test_training_log_pickles():
    log = TrainingLog()
    log[0]['cost'] = 1.0
    log[0]['pair'] = (1, 2)
    log.status['iterations_done'] = 1
    log.resume()
    unpickled = pickle.loads(pickle.dumps(log))
    assert unpickled.uuid == log.uuid
    assert dict(unpickled.status) == dict(log.status)
    assert {time: dict(row) for time, row in unpickled.items()} == \
        {0: {'cost': 1.0, 'pair': (1, 2)}}
    unpickled.current_row['cost'] = 0.5
    assert 1 not in log


def test_pending_row_pickles_with_its_log():
    log = TrainingLog()
    row = log[2]
    assert isinstance(row, PendingRow)
    unpickled_row = pickle.loads(pickle.dumps(row))
    unpickled_row['cost'] = 1
    assert unpickled_row.log[2] == {'cost': 1}
    assert 2 not in log


def test_training_log_accepts_uuid():
    log = TrainingLog('12345678123456781234567812345678')
    assert log.h_uuid == '12345678123456781234567812345678'
    with pytest.raises(ValueError, match="TrainingLog: uuid must be a UUID "
                       "or its hexadecimal representation, got 'xyz'"):
        TrainingLog('xyz')


def test_repr():
    log = TrainingLog()
    log[0]['a'] = 1
    assert repr(log) == '<TrainingLog {}: 1 rows, 0 iterations done>'.format(
        log.h_uuid)
    assert repr(log[1]) == '{}'
