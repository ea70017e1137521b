"""``blocks-plot``: plot a training log, live or into a file.

Usage::

    blocks-plot LOG [--run ID] [--channels a+b,c,...] [--port 5006]
                    [--address localhost] [--output run.html|run.png]
                    [--width 800] [--height 600] [--csv out.csv]
                    [--allow MODULE]...

LOG is the SQLite database of the ``sqlite`` log backend, or a checkpoint
(a ``.zip`` written by :class:`~blocks.extensions.saveload.Checkpoint`,
holding a main loop or, with ``save_separately=['log']``, a log).

Without ``--output`` or ``--csv`` it serves live plots of the log at
``http://localhost:PORT/`` until interrupted (Ctrl-C): the same page as
the :class:`~blocks.extensions.plot.Plot` extension, updated every second
with the records that a run in progress in another process adds to the
database (or, for a checkpoint, when the file is rewritten). This is how
to watch training from another terminal.

``--output run.html`` writes a self-contained page that opens without a
network; ``--output run.png`` an image, 800 by 600 pixels unless
``--width``/``--height`` say otherwise (this needs headless Chromium or
Chrome). ``--csv out.csv`` writes the log's records, one row per
iteration (the ``iteration`` column first) and one column per record.

By default every numeric record gets a figure (records whose name starts
with an underscore excepted); ``--channels cost+test_cost,error_rate``
draws ``cost`` and ``test_cost`` in one figure and ``error_rate`` in
another. ``--run`` picks a run of the database by its UUID, or by the
beginning of it; the latest run by default. Loading a checkpoint
unpickles it: ``--allow MODULE`` trusts one more module, as for
``blocks-continue``.

"""
import argparse
import logging
import os
import signal
import sqlite3
import sys
import time
import zipfile

from blocks.log import SQLiteLog

logger = logging.getLogger(__name__)

SQLITE_HEADER = b'SQLite format 3\x00'

#: Seconds between two reads of a log that is being written.
POLL_INTERVAL = 1.0


class LogError(ValueError):
    """The log cannot be read: an unknown file or run."""


def list_runs(database):
    """Return the UUIDs of the runs in an SQLite log, oldest first.

    Parameters
    ----------
    database : str
        The database file.

    Returns
    -------
    list of str
        Hexadecimal UUIDs, in the order the runs were started.

    """
    connection = sqlite3.connect('file:{}?mode=ro'.format(database),
                                 uri=True)
    try:
        return [uuid for uuid, in connection.execute(
            'SELECT uuid FROM status GROUP BY uuid ORDER BY MIN(rowid)')]
    except sqlite3.Error as exc:
        raise LogError("{} is not the database of an SQLite log: {}"
                       .format(database, exc)) from exc
    finally:
        connection.close()


def open_sqlite_log(database, run=None):
    """Open a run of an SQLite log, the latest one by default.

    Parameters
    ----------
    database : str
        The database file.
    run : str, optional
        The run's UUID in hexadecimal, or its beginning.

    Returns
    -------
    :class:`~blocks.log.SQLiteLog`

    Raises
    ------
    LogError
        If the database holds no run, or not exactly one matching `run`.

    """
    runs = list_runs(database)
    if not runs:
        raise LogError("{} holds no run".format(database))
    if run is None:
        return SQLiteLog(database, uuid=runs[-1])
    run = run.lower().replace('-', '')
    matches = [uuid for uuid in runs if uuid.startswith(run)]
    if len(matches) != 1:
        raise LogError("{} holds {} runs whose UUID starts with {!r}; its "
                       "runs are {}".format(database, len(matches), run,
                                            ', '.join(runs)))
    return SQLiteLog(database, uuid=matches[0])


def load_checkpoint_log(path, allowed_modules=()):
    """Return the log of a checkpoint: of its main loop, or the log."""
    # Imported here: unpickling needs the whole library.
    from blocks.log import TrainingLogBase
    from blocks.serialization import load
    loaded = load(path, allowed_modules=allowed_modules)
    log = loaded if isinstance(loaded, TrainingLogBase) else getattr(
        loaded, 'log', None)
    if not isinstance(log, TrainingLogBase):
        raise LogError("checkpoint {} holds a {}, which has no training log"
                       .format(path, type(loaded).__name__))
    return log


def open_log(path, run=None, allowed_modules=()):
    """Open the log of an SQLite database or of a checkpoint."""
    if not os.path.isfile(path):
        raise LogError("no such file: {}".format(path))
    if zipfile.is_zipfile(path):
        if run is not None:
            raise LogError("--run picks a run of an SQLite database; {} is "
                           "a checkpoint".format(path))
        return load_checkpoint_log(path, allowed_modules)
    with open(path, 'rb') as source:
        header = source.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise LogError("{} is neither an SQLite log database nor a "
                       "checkpoint".format(path))
    return open_sqlite_log(path, run)


def parse_channels(text):
    """Parse ``--channels``: figures separated by commas, the channels of
    a figure by plus signs.

    Examples
    --------
    >>> parse_channels('cost+test_cost,error_rate')
    [['cost', 'test_cost'], ['error_rate']]

    """
    groups = [[name.strip() for name in group.split('+') if name.strip()]
              for group in text.split(',')]
    groups = [group for group in groups if group]
    if not groups:
        raise argparse.ArgumentTypeError(
            "expected record names, e.g. cost+test_cost,error_rate")
    return groups


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog='blocks-plot',
        description='Plot a Blocks training log: live in the browser, or '
        'into an HTML, PNG or CSV file.')
    parser.add_argument('log', help='an SQLite log database or a checkpoint')
    parser.add_argument('--run', help='the UUID (or its beginning) of the '
                        'run of the database; the latest by default')
    parser.add_argument('--channels', type=parse_channels,
                        help='the records to plot: figures separated by '
                        'commas, records sharing a figure by +; every '
                        'numeric record by default')
    parser.add_argument('--port', type=int, default=5006,
                        help='the port to serve on (default: 5006)')
    parser.add_argument('--address', default='localhost',
                        help='the address to listen on (default: localhost; '
                        '0.0.0.0 for every interface)')
    parser.add_argument('--output', help='write the plot to this .html or '
                        '.png file instead of serving it')
    parser.add_argument('--width', type=int, default=800,
                        help='the width of a PNG in pixels (default: 800)')
    parser.add_argument('--height', type=int, default=600,
                        help='the height of a PNG in pixels (default: 600)')
    parser.add_argument('--csv', help='write the records to this CSV file '
                        'instead of serving the plot')
    parser.add_argument('--allow', action='append', default=[],
                        metavar='MODULE', help='trust the globals of this '
                        'module when unpickling a checkpoint')
    args = parser.parse_args(argv)
    if args.output and os.path.splitext(args.output)[1].lower() not in (
            '.html', '.htm', '.png'):
        parser.error('--output must end with .html or .png, got {!r}'
                     .format(args.output))
    return args


def _title(path, log):
    return '{} {}'.format(os.path.basename(path), log.h_uuid[:8])


def _write_files(args, log, data):
    from blocks.plot.export import write_html, write_png
    if args.csv:
        records = None
        if args.channels:
            records = [name for group in args.channels for name in group]
        log.to_csv(args.csv, records=records)
        print('blocks-plot: wrote {}'.format(args.csv))
    if args.output:
        if args.output.lower().endswith('.png'):
            write_png(data, args.output, width=args.width,
                      height=args.height)
        else:
            write_html(data, args.output)
        print('blocks-plot: wrote {}'.format(args.output))


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


def _serve(args, log, data):
    from blocks.plot.server import serve, stop_servers
    url = serve(data, 'http://{}:{}/'.format(args.address, args.port))
    print('blocks-plot: serving {} at {} (Ctrl-C to stop)'.format(
        args.log, url), flush=True)
    previous_handler = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    checkpoint_time = os.path.getmtime(args.log)
    try:
        while True:
            time.sleep(POLL_INTERVAL)
            if isinstance(log, SQLiteLog):
                data.read_log(log)
            elif os.path.getmtime(args.log) != checkpoint_time:
                checkpoint_time = os.path.getmtime(args.log)
                log = load_checkpoint_log(args.log, args.allow)
                data.read_log(log)
    except KeyboardInterrupt:
        print('blocks-plot: stopped', flush=True)
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
        stop_servers()


def main(argv=None):
    """Run ``blocks-plot``; return the exit status.

    Parameters
    ----------
    argv : list of str, optional
        The arguments, ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        0 on success, 1 when the log cannot be read or the file cannot be
        written (the reason is printed on standard error).

    """
    args = parse_args(argv)
    # Imported here, after the arguments are checked: this loads Aesara.
    from blocks.plot.data import PlotData
    from blocks.serialization import CheckpointError, UnsafeGlobalError
    if os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())
    try:
        log = open_log(args.log, args.run, args.allow)
        data = PlotData(_title(args.log, log), args.channels)
        data.read_log(log)
        if args.output or args.csv:
            _write_files(args, log, data)
        else:
            _serve(args, log, data)
    except (LogError, CheckpointError, UnsafeGlobalError, OSError,
            RuntimeError) as exc:
        print('blocks-plot: {}'.format(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
