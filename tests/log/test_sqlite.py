import io
import math
import pickle
import sqlite3
import subprocess
import sys
import time
import warnings

import numpy
import pytest
from numpy.testing import assert_equal

from blocks.config import config
from blocks.log import SQLiteLog, TrainingLog
from blocks.serialization import UnsafeGlobalError

# Reads a run from a database in a fresh process and pickles what it read.
READ_SCRIPT = """
import pickle
import sys

from blocks.log import SQLiteLog

database, uuid, output = sys.argv[1:]
log = SQLiteLog(database, uuid=uuid)
with open(output, 'wb') as handle:
    pickle.dump({'uuid': log.h_uuid, 'status': log.status.to_dict(),
                 'rows': {time: row.to_dict() for time, row in log.items()}},
                handle)
"""

# Polls a run while another process writes to it; every row holds
# value = 2 * time. Prints how many different lengths it saw.
POLL_SCRIPT = """
import sys
import time

from blocks.log import SQLiteLog

database, uuid, last = sys.argv[1], sys.argv[2], int(sys.argv[3])
log = SQLiteLog(database, uuid=uuid)
print('ready', flush=True)
lengths = set()
deadline = time.time() + 60
while time.time() < deadline:
    times = list(log)
    lengths.add(len(times))
    for row_time in times:
        assert log[row_time]['value'] == 2 * row_time, row_time
    if log.status['iterations_done'] == last:
        break
else:
    sys.exit('timed out')
print(len(lengths), len(log), flush=True)
"""


def record_sequence(log):
    """Write the same records, as a main loop would, into a log."""
    log.status['training_started'] = True
    for iteration in range(4):
        row = log.current_row
        row['cost'] = numpy.float32(1.0 / (iteration + 1))
        row['iteration_label'] = 'it{}'.format(iteration)
        row['count'] = numpy.int64(iteration)
        row['array'] = numpy.arange(3.) * iteration
        row['zero_d'] = numpy.array(iteration * 0.5)
        row['pair'] = (iteration, 'a')
        row['flag'] = iteration % 2 == 0
        row['nothing'] = None
        log.status['iterations_done'] += 1
        log.status['received_first_batch'] = True
        if iteration % 2 == 1:
            log.current_row['after_epoch'] = True
            log.status['epochs_done'] += 1
            log.status['_epoch_ends'] += [log.status['iterations_done']]
    log[1]['cost'] = float('nan')
    log[2]['huge'] = 2 ** 70
    log[2]['bytes'] = b'\x00\x01'
    log[2]['inf'] = float('-inf')
    log.current_row['training_finish_requested'] = True


def assert_same(value, expected):
    if isinstance(expected, numpy.ndarray) and expected.ndim > 0:
        assert isinstance(value, numpy.ndarray)
        assert_equal(value, expected)
    elif isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(value)
    else:
        assert value == expected
        if isinstance(expected, (bool, tuple, str, bytes)) or \
                expected is None:
            assert type(value) is type(expected)


def assert_rows_equal(rows, expected_log):
    assert list(rows) == list(expected_log)
    for time, row in rows.items():
        expected = expected_log[time]
        assert list(row) == list(expected), time
        for key in expected:
            assert_same(row[key], expected[key])


def test_same_records_read_back_equal(tmp_path):
    python_log = TrainingLog()
    sqlite_log = SQLiteLog(tmp_path / 'log.sqlite')
    record_sequence(python_log)
    record_sequence(sqlite_log)
    assert dict(sqlite_log.status) == python_log.status
    assert sqlite_log.last_epoch_row == python_log.last_epoch_row
    assert_rows_equal(sqlite_log, python_log)
    assert type(sqlite_log[0]['cost']) is float
    assert type(sqlite_log[0]['count']) is int


def test_fresh_process_reads_the_log(tmp_path):
    database = tmp_path / 'log.sqlite'
    python_log = TrainingLog()
    sqlite_log = SQLiteLog(database)
    record_sequence(python_log)
    record_sequence(sqlite_log)
    output = tmp_path / 'read.pkl'
    subprocess.run([sys.executable, '-c', READ_SCRIPT, str(database),
                    sqlite_log.h_uuid, str(output)], check=True, timeout=120)
    with open(output, 'rb') as handle:
        read = pickle.load(handle)
    assert read['uuid'] == sqlite_log.h_uuid
    assert read['status'] == python_log.status
    assert_rows_equal(read['rows'], python_log)


def test_values_are_stored_natively_when_possible(tmp_path):
    database = tmp_path / 'log.sqlite'
    log = SQLiteLog(database)
    log[0]['float'] = numpy.float64(0.25)
    log[0]['int'] = 3
    log[0]['text'] = 'x'
    log[0]['tuple'] = (1,)
    connection = sqlite3.connect(database)
    types = dict(connection.execute(
        'SELECT "key", typeof(value) FROM entries WHERE uuid = ?',
        (log.h_uuid,)))
    connection.close()
    assert types == {'float': 'real', 'int': 'integer', 'text': 'text',
                     'tuple': 'blob'}


def test_runs_sharing_a_database_stay_separate(tmp_path):
    database = tmp_path / 'log.sqlite'
    first, second = SQLiteLog(database), SQLiteLog(database)
    first[0]['cost'] = 1
    second[0]['cost'] = 2
    second[1]['other'] = 3
    first.status['iterations_done'] = 5
    assert first.h_uuid != second.h_uuid
    assert dict(first[0]) == {'cost': 1}
    assert dict(second[0]) == {'cost': 2}
    assert list(first) == [0]
    assert list(second) == [0, 1]
    assert second.status['iterations_done'] == 0
    reopened = SQLiteLog(database, uuid=first.uuid)
    assert reopened.status['iterations_done'] == 5
    assert dict(reopened[0]) == {'cost': 1}


def test_default_database_comes_from_config(tmp_path, monkeypatch):
    database = tmp_path / 'configured.sqlite'
    monkeypatch.setenv('BLOCKS_SQLITEDB', str(database))
    assert config.sqlite_database == str(database)
    log = SQLiteLog()
    log[0]['a'] = 1
    assert log.database == str(database)
    assert database.exists()


def test_opening_an_unknown_run(tmp_path):
    database = tmp_path / 'log.sqlite'
    SQLiteLog(database)
    with pytest.raises(ValueError, match="SQLiteLog: the database .* holds "
                       "no run with the uuid 0+1$"):
        SQLiteLog(database, uuid='0' * 31 + '1')


def test_unopenable_database(tmp_path):
    with pytest.raises(ValueError, match="SQLiteLog: cannot open the "
                       "database '.*missing.*'"):
        SQLiteLog(tmp_path / 'missing' / 'log.sqlite')


def test_keys_must_be_strings(tmp_path):
    log = SQLiteLog(tmp_path / 'log.sqlite')
    with pytest.raises(TypeError, match="SQLiteLog: keys must be strings, "
                       "got 1"):
        log[0][1] = 'a'
    with pytest.raises(TypeError, match="SQLiteLog: keys must be strings"):
        log.status[('a',)] = 'a'


def test_unpicklable_values_are_refused(tmp_path):
    log = SQLiteLog(tmp_path / 'log.sqlite')
    with pytest.raises(TypeError, match="SQLiteLog: record 'callback' at "
                       "iteration 0 cannot be stored: <function .*> does not "
                       "pickle"):
        log[0]['callback'] = lambda: None
    assert 0 not in log


def test_large_values_warn_but_are_stored(tmp_path):
    log = SQLiteLog(tmp_path / 'log.sqlite')
    large = numpy.zeros(1000)
    buffer = io.BytesIO()
    numpy.lib.format.write_array(buffer, large)
    size = len(buffer.getvalue())
    assert size > config.max_blob_size
    with pytest.warns(UserWarning, match=r"SQLiteLog: record 'weights' at "
                      r"iteration 2 takes {} bytes, more than "
                      r"max_blob_size={} bytes".format(
                          size, config.max_blob_size)):
        log[2]['weights'] = large
    assert_equal(log[2]['weights'], large)
    with pytest.warns(UserWarning, match="SQLiteLog: status key 'big'"):
        log.status['big'] = large
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        log[2]['small'] = numpy.zeros(10)


def test_resumption_keeps_history(tmp_path):
    database = tmp_path / 'log.sqlite'
    log = SQLiteLog(database)
    for iteration in range(3):
        log.current_row['cost'] = iteration
        log.status['iterations_done'] += 1
    old_uuid = log.h_uuid
    log.resume()
    assert log.status['resumed_from'] == old_uuid
    assert log.status['iterations_done'] == 3
    log.current_row['cost'] = 3
    log[2]['cost'] = 20  # overrides the old run's record in the new run
    log[2]['extra'] = 'new'
    assert list(log) == [0, 1, 2, 3]
    assert [row['cost'] for row in log.values()] == [0, 1, 20, 3]
    assert list(log[2]) == ['cost', 'extra']
    old = SQLiteLog(database, uuid=old_uuid)
    assert list(old) == [0, 1, 2]
    assert old[2]['cost'] == 2
    assert old.status['resumed_from'] is None
    # The old run's history cannot be deleted through the new run.
    with pytest.raises(ValueError, match="SQLiteLog: cannot delete 'cost' "
                       "at iteration 1: it was recorded by a run that this "
                       "log resumed"):
        del log[1]['cost']
    with pytest.raises(ValueError, match="SQLiteLog: cannot delete the row "
                       "of iteration 1"):
        del log[1]
    with pytest.raises(ValueError, match=r"SQLiteLog: cannot replace the row "
                       r"of iteration 1 without \['cost'\]"):
        log[1] = {'other': 1}
    assert old[1]['cost'] == 1
    log[1] = {'cost': 10, 'other': 1}
    assert dict(log[1]) == {'cost': 10, 'other': 1}
    del log[2]['extra']
    assert dict(log[2]) == {'cost': 20}


def test_pickling_round_trip(tmp_path):
    database = tmp_path / 'log.sqlite'
    log = SQLiteLog(database)
    record_sequence(log)
    pickled = pickle.dumps(log)
    assert b'array' not in pickled  # rows stay in the database
    unpickled = pickle.loads(pickled)
    assert unpickled.uuid == log.uuid
    assert unpickled.database == log.database
    assert unpickled._connection is None
    assert dict(unpickled.status) == dict(log.status)
    assert_rows_equal(unpickled, log)
    unpickled.current_row['later'] = 1
    assert log.current_row['later'] == 1


def test_resuming_from_a_checkpoint_ignores_later_records(tmp_path):
    database = tmp_path / 'log.sqlite'
    log = SQLiteLog(database)
    for iteration in range(2):
        log.current_row['cost'] = iteration
        log.status['iterations_done'] += 1
    checkpoint = pickle.dumps(log)
    # The old run goes on after the checkpoint was taken.
    for iteration in range(2, 10):
        log.current_row['cost'] = iteration
        log.status['iterations_done'] += 1
    resumed = pickle.loads(checkpoint)
    # Until it is resumed, the unpickled log is the run as it was pickled.
    assert resumed.status['iterations_done'] == 2
    assert list(resumed) == [0, 1, 2] and 3 not in resumed
    resumed.resume()
    assert resumed.status['iterations_done'] == 2
    assert resumed.status['resumed_from'] == log.h_uuid
    assert list(resumed) == [0, 1, 2]
    assert 3 not in resumed
    assert resumed[2] == {'cost': 2}
    for iteration in range(2, 6):
        resumed.current_row['cost'] = 'b{}'.format(iteration)
        resumed.status['iterations_done'] += 1
    assert log[2]['cost'] == 2
    # Resuming again: the first run stays cut at the first resumption.
    resumed.resume()
    resumed.status['iterations_done'] += 1
    resumed.current_row['cost'] = 'c'
    assert list(resumed) == [0, 1, 2, 3, 4, 5, 7]
    assert [row['cost'] for row in resumed.values()] == \
        [0, 1, 'b2', 'b3', 'b4', 'b5', 'c']


def test_writing_to_an_unpickled_log_makes_it_the_live_run(tmp_path):
    log = SQLiteLog(tmp_path / 'log.sqlite')
    checkpoint = pickle.dumps(log)
    unpickled = pickle.loads(checkpoint)
    for iteration in range(3):
        unpickled.current_row['cost'] = iteration
        unpickled.status['iterations_done'] += 1
    unpickled.resume()
    assert unpickled.status['iterations_done'] == 3
    assert list(unpickled) == [0, 1, 2]


def test_in_memory_log_does_not_pickle():
    with pytest.raises(TypeError, match="SQLiteLog: a log in an in-memory "
                       "database cannot be pickled"):
        pickle.dumps(SQLiteLog(':memory:'))


def test_close_and_reconnect(tmp_path):
    log = SQLiteLog(tmp_path / 'log.sqlite')
    log[0]['a'] = 1
    log.close()
    assert log._connection is None
    assert log[0]['a'] == 1


def test_wal_mode(tmp_path):
    database = tmp_path / 'log.sqlite'
    SQLiteLog(database)
    connection = sqlite3.connect(database)
    assert connection.execute('PRAGMA journal_mode').fetchone()[0] == 'wal'
    connection.close()


def test_concurrent_reader(tmp_path):
    database = tmp_path / 'log.sqlite'
    log = SQLiteLog(database)
    last = 100
    reader = subprocess.Popen(
        [sys.executable, '-c', POLL_SCRIPT, str(database), log.h_uuid,
         str(last)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        assert reader.stdout.readline().strip() == 'ready'
        for iteration in range(last):
            log.current_row['value'] = 2 * iteration
            log.status['iterations_done'] += 1
            time.sleep(0.005)
        output, errors = reader.communicate(timeout=120)
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()
    assert reader.returncode == 0, errors
    lengths_seen, final_length = map(int, output.split())
    assert final_length == last
    assert lengths_seen > 1  # it read while the writer was writing


# Values without pickle; untrusted databases ----------------------------------

def test_arrays_are_stored_as_npy_bytes_and_the_rest_never_unpickled(
        tmp_path):
    database = tmp_path / 'log.sqlite'
    log = SQLiteLog(database)
    log[0]['weights'] = numpy.arange(6.).reshape(2, 3)
    log[0]['pair'] = (1, 'two')
    connection = sqlite3.connect(str(database))
    blob, = connection.execute(
        'SELECT value FROM entries WHERE "key" = ?', ('weights',)).fetchone()
    assert blob.startswith(b'\x93NUMPY')
    assert_equal(log[0]['weights'], numpy.arange(6.).reshape(2, 3))
    assert log[0]['pair'] == (1, 'two')
    marker = tmp_path / 'pwned'
    payload = (b"cos\nsystem\n(Vtouch " + str(marker).encode() +
               b"\ntR.")
    with connection:
        connection.execute(
            'INSERT INTO entries (uuid, time, "key", value) '
            'VALUES (?, 0, ?, ?)', (log.h_uuid, 'evil', payload))
    with pytest.raises(UnsafeGlobalError, match='refusing global os.system '
                       'in checkpoint the SQLite log'):
        log[0]['evil']
    with pytest.raises(UnsafeGlobalError):
        SQLiteLog(database, uuid=log.h_uuid)[0].to_dict()
    assert not marker.exists()


def test_unpickled_log_never_creates_an_empty_database(tmp_path):
    database = tmp_path / 'log.sqlite'
    log = SQLiteLog(database)
    log.current_row['cost'] = 1.
    log.status['iterations_done'] += 1
    pickled = pickle.dumps(log)
    log.close()
    database.unlink()
    for suffix in ('-wal', '-shm'):
        (tmp_path / ('log.sqlite' + suffix)).unlink(missing_ok=True)
    unpickled = pickle.loads(pickled)
    assert unpickled.status['iterations_done'] == 1
    with pytest.raises(ValueError, match=r"the database '.*log\.sqlite' of "
                       r"run \w+ does not exist .* blocks-continue "
                       r"--new-log"):
        unpickled.current_row['cost']
    with pytest.raises(ValueError, match='does not exist'):
        unpickled.resume()
    assert not database.exists()
    unpickled.recreate_database()
    unpickled.resume()
    assert unpickled.status['iterations_done'] == 1
    assert database.exists()
