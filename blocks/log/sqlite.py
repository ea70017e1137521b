"""A training log stored in an SQLite database.

Many runs can share one database file; each is identified by the UUID of
its log. The database can be read by other processes while training writes
to it, e.g. to plot progress.

The tables are::

    entries(uuid TEXT, time INTEGER, key TEXT, value,
            PRIMARY KEY(uuid, time, key))
    status(uuid TEXT, key TEXT, value, PRIMARY KEY(uuid, key))
    ancestry(uuid TEXT PRIMARY KEY, parent TEXT, resumed_at INTEGER)

``uuid`` is the hexadecimal UUID of a run (:attr:`SQLiteLog.h_uuid`).
``ancestry`` links a resumed run to the run it continues (``parent``) and
the iteration at which it took over (``resumed_at``).

Integers, floats, strings and ``None`` are stored natively, so the database
can be queried with SQL; NumPy scalars and 0-d numerical arrays are
converted to them. Numerical arrays are stored as BLOBs holding ``.npy``
bytes, read back without unpickling. Everything else (tuples, lists,
booleans, NaN, which SQLite would store as NULL, bytes) is pickled into a
BLOB, and read back only through the restricted unpickler of
:mod:`blocks.serialization` (:func:`~blocks.serialization.restricted_loads`):
a database written by someone else cannot make reading it run code.

"""
import io
import math
import numbers
import os
import pickle
import sqlite3
import warnings
from collections.abc import MutableMapping
from contextlib import contextmanager
from uuid import UUID, uuid4

import numpy

from blocks.config import config
from blocks.log.log import TrainingLogBase, default_status

# Seconds a statement waits for another connection's write lock.
BUSY_TIMEOUT = 30.

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS entries (
           uuid TEXT NOT NULL,
           time INTEGER NOT NULL,
           "key" TEXT NOT NULL,
           value,
           PRIMARY KEY (uuid, time, "key"))""",
    """CREATE TABLE IF NOT EXISTS status (
           uuid TEXT NOT NULL,
           "key" TEXT NOT NULL,
           value,
           PRIMARY KEY (uuid, "key"))""",
    """CREATE TABLE IF NOT EXISTS ancestry (
           uuid TEXT PRIMARY KEY,
           parent TEXT NOT NULL,
           resumed_at INTEGER)""",
]

# The rows of a run are its own and those of its ancestors up to the
# iteration at which each was resumed; the nearest run wins a conflict.
VISIBLE_ENTRIES = """
    FROM entries AS e JOIN chain AS c ON e.uuid = c.uuid
    WHERE (c.max_time IS NULL OR e.time <= c.max_time)"""

UPSERT_ENTRY = """
    INSERT INTO entries (uuid, time, "key", value) VALUES (?, ?, ?, ?)
    ON CONFLICT (uuid, time, "key") DO UPDATE SET value = excluded.value"""

UPSERT_STATUS = """
    INSERT INTO status (uuid, "key", value) VALUES (?, ?, ?)
    ON CONFLICT (uuid, "key") DO UPDATE SET value = excluded.value"""

INT64_MIN, INT64_MAX = -2 ** 63, 2 ** 63 - 1

missing_database_error = """\
SQLiteLog: the database {database!r} of run {uuid} does not exist (was it \
moved or deleted?). A checkpoint holds only the status of the run, not its \
history. Restore the database, or start a new one holding the status: \
log.recreate_database(), continue_training(..., new_log=True) or \
blocks-continue --new-log."""


def encode_value(value, description):
    """Convert a value to what is stored in the database.

    Parameters
    ----------
    value : object
        The value to store.
    description : str
        What the value is, for the warning about large values.

    Returns
    -------
    int, float, str, None or bytes

    Raises
    ------
    TypeError
        If the value must be pickled but does not pickle.

    Warns
    -----
    UserWarning
        If the value is pickled into more than ``config.max_blob_size``
        bytes. It is stored anyway.

    Examples
    --------
    >>> import numpy
    >>> encode_value(numpy.float32(0.5), 'cost')
    0.5
    >>> decode_value(encode_value((1, 2), 'pair'))
    (1, 2)

    """
    if isinstance(value, numpy.generic) or (
            isinstance(value, numpy.ndarray) and value.ndim == 0 and
            value.dtype.kind in 'biuf'):
        value = value.item()
    if value is None or type(value) is str:
        return value
    if type(value) is int and INT64_MIN <= value <= INT64_MAX:
        return value
    if type(value) is float and not math.isnan(value):
        return value
    if isinstance(value, numpy.ndarray) and not value.dtype.hasobject:
        buffer = io.BytesIO()
        numpy.lib.format.write_array(buffer, value, allow_pickle=False)
        blob = buffer.getvalue()
        _warn_if_large(blob, description)
        return blob
    try:
        blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise TypeError("SQLiteLog: {} cannot be stored: {!r} does not "
                        "pickle".format(description, value)) from exc
    _warn_if_large(blob, description)
    return blob


def _warn_if_large(blob, description):
    if len(blob) > config.max_blob_size:
        warnings.warn("SQLiteLog: {} takes {} bytes, more than "
                      "max_blob_size={} bytes; it is stored anyway, but large "
                      "values slow the database down"
                      .format(description, len(blob), config.max_blob_size),
                      stacklevel=4)


_NPY_MAGIC = b'\x93NUMPY'


def decode_value(value, source='an SQLite log'):
    """Convert a value read from the database back to a Python object.

    Arrays are read from their ``.npy`` bytes; other BLOBs go through the
    restricted unpickler, which refuses anything outside the table of
    trusted globals (:mod:`blocks.serialization.table`).

    Examples
    --------
    >>> import numpy
    >>> decode_value(encode_value(numpy.arange(3), 'counts'))
    array([0, 1, 2])
    >>> decode_value(b"cos\\nsystem\\n(Vecho pwned\\ntR.")
    Traceback (most recent call last):
    ...
    blocks.serialization.UnsafeGlobalError: refusing global os.system in \
checkpoint an SQLite log...

    """
    if isinstance(value, bytes):
        if value.startswith(_NPY_MAGIC):
            return numpy.lib.format.read_array(io.BytesIO(value),
                                               allow_pickle=False)
        from blocks.serialization import restricted_loads
        return restricted_loads(value, source=source)
    return value


def _check_key(log, key):
    if not isinstance(key, str):
        raise TypeError("{}: keys must be strings, got {!r}"
                        .format(type(log).__name__, key))
    return key


class SQLiteStatus(MutableMapping):
    """The status of an :class:`SQLiteLog`, stored in the database.

    Parameters
    ----------
    log : :class:`SQLiteLog`
        The log whose status this is; it follows the log's UUID.

    """
    def __init__(self, log):
        self.log = log

    def __getitem__(self, key):
        snapshot = self.log._snapshot
        if snapshot is not None:
            return snapshot[key]
        row = self.log._execute(
            'SELECT value FROM status WHERE uuid = ? AND "key" = ?',
            (self.log.h_uuid, key)).fetchone()
        if row is None:
            raise KeyError(key)
        return self.log._decode(row[0])

    def __setitem__(self, key, value):
        _check_key(self.log, key)
        encoded = encode_value(value, 'status key {!r}'.format(key))
        snapshot = self.log._snapshot
        if snapshot is not None:
            snapshot[key] = self.log._decode(encoded)
            return
        self.log._execute(UPSERT_STATUS, (self.log.h_uuid, key, encoded))

    def __delitem__(self, key):
        snapshot = self.log._snapshot
        if snapshot is not None:
            del snapshot[key]
            return
        cursor = self.log._execute(
            'DELETE FROM status WHERE uuid = ? AND "key" = ?',
            (self.log.h_uuid, key))
        if cursor.rowcount == 0:
            raise KeyError(key)

    def __iter__(self):
        if self.log._snapshot is not None:
            return iter(list(self.log._snapshot))
        return iter([key for key, in self.log._execute(
            'SELECT "key" FROM status WHERE uuid = ? ORDER BY rowid',
            (self.log.h_uuid,))])

    def __len__(self):
        if self.log._snapshot is not None:
            return len(self.log._snapshot)
        return self.log._execute('SELECT COUNT(*) FROM status WHERE uuid = ?',
                                 (self.log.h_uuid,)).fetchone()[0]

    def to_dict(self):
        """Read the whole status with a single query."""
        if self.log._snapshot is not None:
            return dict(self.log._snapshot)
        return {key: self.log._decode(value)
                for key, value in self.log._execute(
                    'SELECT "key", value FROM status WHERE uuid = ? '
                    'ORDER BY rowid', (self.log.h_uuid,))}

    def __repr__(self):
        return repr(self.to_dict())


class SQLiteRow(MutableMapping):
    """A row of an :class:`SQLiteLog`, read from and written to the database.

    Every write is committed at once. A row of a resumed log includes the
    records of the runs it continues; they can be overwritten but not
    deleted.

    Parameters
    ----------
    log : :class:`SQLiteLog`
        The log that the row belongs to.
    time : int
        The iteration number of the row.

    """
    def __init__(self, log, time):
        self.log = log
        self.time = time

    def __getitem__(self, key):
        chain, parameters = self.log._chain_query()
        row = self.log._execute(
            chain + ' SELECT e.value' + VISIBLE_ENTRIES +
            ' AND e.time = ? AND e."key" = ? ORDER BY c.depth LIMIT 1',
            parameters + [self.time, key]).fetchone()
        if row is None:
            raise KeyError(key)
        return self.log._decode(row[0])

    def __setitem__(self, key, value):
        _check_key(self.log, key)
        description = 'record {!r} at iteration {}'.format(key, self.time)
        self.log._execute(UPSERT_ENTRY, (self.log.h_uuid, self.time, key,
                                         encode_value(value, description)))

    def __delitem__(self, key):
        if key in self.log._inherited_keys(self.time):
            raise ValueError("SQLiteLog: cannot delete {!r} at iteration {}: "
                             "it was recorded by a run that this log resumed, "
                             "whose history is kept".format(key, self.time))
        cursor = self.log._execute(
            'DELETE FROM entries WHERE uuid = ? AND time = ? AND "key" = ?',
            (self.log.h_uuid, self.time, key))
        if cursor.rowcount == 0:
            raise KeyError(key)

    def to_dict(self):
        """Read the whole row with a single query."""
        chain, parameters = self.log._chain_query()
        rows = self.log._execute(
            chain + ' SELECT e."key", e.value' + VISIBLE_ENTRIES +
            ' AND e.time = ? ORDER BY c.depth DESC, e.rowid',
            parameters + [self.time])
        return {key: self.log._decode(value) for key, value in rows}

    def __iter__(self):
        return iter(self.to_dict())

    def __len__(self):
        return len(self.to_dict())

    def __repr__(self):
        return repr(self.to_dict())


class SQLiteLog(TrainingLogBase):
    """Training log using SQLite as a backend.

    Every write is committed at once, in write-ahead-log mode, so that
    other processes can read the database while training writes to it.
    Each run is identified by its UUID; runs of a log that was resumed
    share the rows recorded before the resumption.

    Parameters
    ----------
    database : str, optional
        The SQLite database file to use; ``config.sqlite_database`` by
        default. It is created if it does not exist. ``':memory:'`` gives a
        private database that cannot be pickled.
    uuid : :class:`uuid.UUID` or str, optional
        The UUID of a run in the database to open, e.g. to read its log
        from another process. By default a new run is started.

    Raises
    ------
    ValueError
        If the database cannot be opened, or holds no run with the given
        UUID.

    Notes
    -----
    Reading returns copies of the stored values, so a mutable value must be
    assigned anew for a change to be stored:
    ``log.status['_epoch_ends'] += [10]``, not
    ``log.status['_epoch_ends'].append(10)``.

    A pickled log holds the database path, its UUID and a copy of its
    status; the connection is opened again when the unpickled log is first
    used. Until :meth:`resume` is called, the unpickled log is the run as
    it was pickled: its status is the pickled copy (changes stay in
    memory), and rows after the iteration it had reached are hidden, even
    if the old run went on recording them. :meth:`resume` continues from
    that status, and the new run only inherits the rows up to that
    iteration: resuming from a checkpoint ignores what the old run
    recorded after the checkpoint. The database must still exist: an
    unpickled log never creates an empty one (see
    :meth:`recreate_database`).

    Examples
    --------
    >>> log = SQLiteLog(':memory:')
    >>> log.current_row['cost'] = 2.5
    >>> log.status['iterations_done'] += 1
    >>> log.previous_row
    {'cost': 2.5}
    >>> old_uuid = log.h_uuid
    >>> log.resume()
    >>> log.status['resumed_from'] == old_uuid, log[0]['cost']
    (True, 2.5)

    """
    def __init__(self, database: str | os.PathLike | None = None,
                 uuid: UUID | str | None = None):
        if database is None:
            database = config.sqlite_database
        if not isinstance(database, (str, os.PathLike)):
            raise TypeError("SQLiteLog: database must be a path, got {!r}"
                            .format(database))
        database = os.fspath(database)
        if database != ':memory:':
            database = os.path.abspath(os.path.expanduser(database))
        self.database = database
        super().__init__(uuid)
        self._reset_state()
        self.status = SQLiteStatus(self)
        if uuid is None:
            with self._transaction() as connection:
                connection.executemany(UPSERT_STATUS, [
                    (self.h_uuid, key, encode_value(value, key))
                    for key, value in default_status().items()])
        else:
            self._check_run_exists()

    def _reset_state(self):
        self._connection = None
        self._chain = None
        self._snapshot = None
        self._snapshot_row = {}
        self._expect_database = False

    def _decode(self, value):
        return decode_value(value, 'the SQLite log {}'.format(self.database))

    def _connect(self):
        if self._expect_database and not os.path.exists(self.database):
            raise ValueError(missing_database_error.format(
                database=self.database, uuid=self.h_uuid))
        try:
            connection = sqlite3.connect(self.database, timeout=BUSY_TIMEOUT,
                                         isolation_level=None)
            connection.execute('PRAGMA journal_mode=WAL')
            # With WAL, NORMAL never corrupts the database; a crash of the
            # machine (not of the process) may lose the last commits.
            connection.execute('PRAGMA synchronous=NORMAL')
            for statement in SCHEMA:
                connection.execute(statement)
        except sqlite3.Error as exc:
            raise ValueError("SQLiteLog: cannot open the database {!r}: {}"
                             .format(self.database, exc)) from exc
        return connection

    @property
    def connection(self):
        """The connection to the database, opened on first use."""
        if self._connection is None:
            self._connection = self._connect()
        return self._connection

    def close(self):
        """Close the connection; it is opened again when needed."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _execute(self, query, parameters=()):
        return self.connection.execute(query, parameters)

    @contextmanager
    def _transaction(self):
        connection = self.connection
        connection.execute('BEGIN IMMEDIATE')
        try:
            yield connection
        except BaseException:
            connection.execute('ROLLBACK')
            raise
        connection.execute('COMMIT')

    def _check_run_exists(self):
        found = self._execute(
            'SELECT 1 FROM status WHERE uuid = ? UNION ALL '
            'SELECT 1 FROM entries WHERE uuid = ? LIMIT 1',
            (self.h_uuid, self.h_uuid)).fetchone()
        if found is None:
            raise ValueError("SQLiteLog: the database {!r} holds no run with "
                             "the uuid {}".format(self.database, self.h_uuid))

    def _ancestors(self):
        """Return ``(uuid, last visible iteration)`` from this run back.

        An unpickled log that was not resumed yet shows its run as it was
        when it was pickled: no row after the iteration it had reached.

        """
        if self._chain is None or self._chain[0][0] != self.h_uuid:
            limit = None
            if self._snapshot is not None:
                limit = self._snapshot.get('iterations_done')
                if not isinstance(limit, numbers.Integral):
                    limit = None
            chain = [(self.h_uuid, limit)]
            while True:
                link = self._execute(
                    'SELECT parent, resumed_at FROM ancestry WHERE uuid = ?',
                    (chain[-1][0],)).fetchone()
                if link is None or link[0] in {run for run, _ in chain}:
                    break
                parent, resumed_at = link
                if resumed_at is not None:
                    limit = resumed_at if limit is None else min(limit,
                                                                 resumed_at)
                chain.append((parent, limit))
            self._chain = chain
        return self._chain

    def _chain_query(self):
        """A ``WITH`` clause defining ``chain(uuid, depth, max_time)``."""
        ancestors = self._ancestors()
        parameters = []
        for depth, (run, limit) in enumerate(ancestors):
            parameters += [run, depth, limit]
        clause = 'WITH chain(uuid, depth, max_time) AS (VALUES {})'.format(
            ', '.join(['(?, ?, ?)'] * len(ancestors)))
        return clause, parameters

    def resume(self):
        status = self.status.to_dict()
        old_uuid = self.h_uuid
        status['resumed_from'] = old_uuid
        resumed_at = status.get('iterations_done')
        if not isinstance(resumed_at, numbers.Integral):
            resumed_at = None
        new_uuid = uuid4()
        with self._transaction() as connection:
            connection.execute(
                'INSERT INTO ancestry (uuid, parent, resumed_at) '
                'VALUES (?, ?, ?)', (new_uuid.hex, old_uuid, resumed_at))
            connection.executemany(UPSERT_STATUS, [
                (new_uuid.hex, key, encode_value(value, key))
                for key, value in status.items()])
        self.uuid = new_uuid
        self._chain = None
        self._snapshot = None

    def __getitem__(self, time):
        return SQLiteRow(self, self._check_time(time))

    def _inherited_keys(self, time):
        chain, parameters = self._chain_query()
        return {key for key, in self._execute(
            chain + ' SELECT e."key"' + VISIBLE_ENTRIES +
            ' AND e.time = ? AND c.depth > 0', parameters + [time])}

    def __setitem__(self, time, row):
        time = self._check_time(time)
        row = dict(row)
        for key in row:
            _check_key(self, key)
        hidden = self._inherited_keys(time) - set(row)
        if hidden:
            raise ValueError("SQLiteLog: cannot replace the row of iteration "
                             "{} without {}: recorded by a run that this log "
                             "resumed, whose history is kept"
                             .format(time, sorted(hidden)))
        entries = [(self.h_uuid, time, key, encode_value(
            value, 'record {!r} at iteration {}'.format(key, time)))
            for key, value in row.items()]
        with self._transaction() as connection:
            connection.execute(
                'DELETE FROM entries WHERE uuid = ? AND time = ?',
                (self.h_uuid, time))
            connection.executemany(UPSERT_ENTRY, entries)

    def __delitem__(self, time):
        time = self._check_time(time)
        if self._inherited_keys(time):
            raise ValueError("SQLiteLog: cannot delete the row of iteration "
                             "{}: it was recorded by a run that this log "
                             "resumed, whose history is kept".format(time))
        cursor = self._execute(
            'DELETE FROM entries WHERE uuid = ? AND time = ?',
            (self.h_uuid, time))
        if cursor.rowcount == 0:
            raise KeyError(time)

    def __contains__(self, time):
        if isinstance(time, bool) or not isinstance(time, numbers.Integral):
            return False
        chain, parameters = self._chain_query()
        return self._execute(
            chain + ' SELECT 1' + VISIBLE_ENTRIES + ' AND e.time = ? LIMIT 1',
            parameters + [int(time)]).fetchone() is not None

    def __iter__(self):
        chain, parameters = self._chain_query()
        return iter([time for time, in self._execute(
            chain + ' SELECT DISTINCT e.time' + VISIBLE_ENTRIES +
            ' ORDER BY e.time', parameters)])

    def __len__(self):
        chain, parameters = self._chain_query()
        return self._execute(
            chain + ' SELECT COUNT(DISTINCT e.time)' + VISIBLE_ENTRIES,
            parameters).fetchone()[0]

    def __getstate__(self):
        if self.database == ':memory:':
            raise TypeError("SQLiteLog: a log in an in-memory database cannot "
                            "be pickled; give SQLiteLog a database file")
        status = self.status.to_dict()
        row = {}
        if isinstance(status.get('iterations_done'), numbers.Integral):
            row = dict(self.current_row)
        return {'database': self.database, 'uuid': self.h_uuid,
                'status': status, 'row': row}

    def __setstate__(self, state):
        self.database = state['database']
        self.uuid = UUID(hex=state['uuid'])
        self._reset_state()
        self._snapshot = dict(state['status'])
        self._snapshot_row = dict(state.get('row', {}))
        self._expect_database = True
        self.status = SQLiteStatus(self)

    def recreate_database(self):
        """Start a new database for an unpickled log whose database is gone.

        The new database holds this run's status and the row of its current
        iteration as they were pickled, and no earlier rows: the history of
        the run is lost. Used by
        :func:`~blocks.serialization.continue_training` with
        ``new_log=True`` (``blocks-continue --new-log``).

        """
        if os.path.exists(self.database):
            raise ValueError("SQLiteLog: the database {!r} exists; it is not "
                             "replaced".format(self.database))
        self._expect_database = False
        status = self.status.to_dict()
        with self._transaction() as connection:
            connection.executemany(UPSERT_STATUS, [
                (self.h_uuid, key, encode_value(value, key))
                for key, value in status.items()])
            time = status.get('iterations_done')
            if isinstance(time, numbers.Integral):
                connection.executemany(UPSERT_ENTRY, [
                    (self.h_uuid, time, key, encode_value(value, key))
                    for key, value in self._snapshot_row.items()])

    def __repr__(self):
        return '<SQLiteLog {} in {}>'.format(self.h_uuid, self.database)
