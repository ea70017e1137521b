"""Saving and loading training state as ZIP checkpoints.

A checkpoint is one ZIP archive holding

* ``_pkl``: the pickled object (usually the whole main loop);
* one ``.npy`` member per shared variable whose value is a NumPy array,
  named by the path of the brick that owns it (``mlp/linear_0.W.npy``),
  or by the variable's own name when no brick owns it (``W.npy``); names
  that occur twice are made unique by a suffix (``W_2.npy``), unnamed
  variables are called ``unnamed``. Variables that are not parameters
  (step rule buffers, hyperparameters) are under ``_state/``.

The pickle refers to the ``.npy`` members instead of holding the arrays,
so the parameters of a checkpoint can be read by :func:`numpy.load` (or
:func:`load_parameters`, or ``blocks-dump``) without unpickling anything,
even when the code that wrote the pickle is gone.

Unpickling runs code, so :func:`load` unpickles only checkpoints signed
with the user's own key (:mod:`blocks.serialization.signing`) unless told
to trust the file, and then constructs only what the exact table of
:mod:`blocks.serialization.table` allows
(:mod:`blocks.serialization.unpickling`); :func:`load_parameters` never
unpickles at all. See ``docs/serialization.rst`` for the trust model.

"""
import contextlib
import glob
import io
import logging
import os
import tempfile

from blocks.config import config
from blocks.utils import change_recursion_limit

from blocks.serialization.archive import open_archive, read_array, read_member
from blocks.serialization.common import (
    BRICK_DELIMITER, DEFAULT_PROTOCOL, PICKLE_MEMBER, ARRAY_SUFFIX, UNNAMED, STATE_PREFIX,
    SIGNATURE_PREFIX, CheckpointError, UnsafeGlobalError,
    UntrustedCheckpointError)
from blocks.serialization.files import (
    check_writable_directory, _fsync_directory, _new_file_mode)
from blocks.serialization.pickling import (
    add_to_dump, dump, dump_and_add_to_dump, PersistentParameterID, PicklerWithWarning,
    shared_variable_name, _open, _source_name)
from blocks.serialization.signing import (
    key_path, signature_member, verify_signature)
from blocks.serialization.table import Trust
from blocks.serialization.unpickling import (
    RestrictedUnpickler, restricted_loads)

__all__ = ['ARRAY_SUFFIX', 'BRICK_DELIMITER', 'CheckpointError', 'DEFAULT_PROTOCOL',
           'PICKLE_MEMBER', 'PersistentParameterID', 'PicklerWithWarning',
           'STATE_PREFIX', 'UNNAMED', 'UnsafeGlobalError',
           'UntrustedCheckpointError', 'add_to_dump',
           'check_writable_directory', 'continue_training', 'dump',
           'dump_and_add_to_dump',
           'iter_parameters', 'key_path', 'load', 'load_parameter_values',
           'load_parameters', 'restricted_loads', 'secure_dump',
           'shared_variable_name']

logger = logging.getLogger(__name__)


# Unpickling -----------------------------------------------------------------

def _check_array_reference(pid, source):
    if not (isinstance(pid, tuple) and len(pid) == 2 and
            pid[0] == 'ndarray' and isinstance(pid[1], str) and
            pid[1].endswith(ARRAY_SUFFIX) and
            not pid[1].startswith(SIGNATURE_PREFIX)):
        raise CheckpointError("checkpoint {}: unknown persistent id {!r}"
                              .format(source, pid))
    return pid[1]


class _ArrayReader:
    """The persistent loader of a pickle: arrays from npy members."""
    def __init__(self, zip_file, source, digests):
        self.zip_file = zip_file
        self.source = source
        self.digests = digests
        self.arrays = {}

    def __call__(self, pid):
        member = _check_array_reference(pid, self.source)
        if member not in self.arrays:
            digest = None
            if self.digests is not None:
                if member not in self.digests:
                    raise UntrustedCheckpointError(
                        "checkpoint {}: the pickle refers to member {!r}, "
                        "which its signature does not cover".format(
                            self.source, member))
                digest = self.digests[member]
            self.arrays[member] = read_array(self.zip_file, member,
                                             self.source, digest)
        return self.arrays[member]


def load(file_handler, use_cpickle=False, allowed_modules=(),
         name=PICKLE_MEMBER, trusted=False, allowed=()):
    """Load an object saved by :func:`dump`, constructing only what the
    table of trusted globals allows.

    Parameters
    ----------
    file_handler : file or str
        A file open for binary reading, or a path.
    use_cpickle : bool, optional
        Accepted for compatibility and ignored: loading always goes through
        the restricted unpickler, which is written in Python.
    allowed_modules : list, optional
        The same as `allowed` (the name it had before).
    name : str, optional
        The member holding the pickle, ``_pkl`` by default; see
        :func:`add_to_dump`.
    trusted : bool, optional
        Load the checkpoint even if it is not signed with your key (see
        :mod:`blocks.serialization.signing`). It still only goes through
        the restricted unpickler. False by default.
    allowed : list, optional
        What the pickle may name besides the table
        (:mod:`blocks.serialization.table`): classes or functions, given as
        objects or by exact name (``'mymodule.MyExtension'``), or modules
        you own (``'mymodule'``: what it defines, not what it imports;
        never a library such as ``numpy`` or ``aesara`` as a whole).

    Returns
    -------
    object
        The unpickled object; shared variables get their values from the
        npy members.

    Raises
    ------
    UntrustedCheckpointError
        If the checkpoint is not signed with your key, was signed with
        another, or was modified after signing; the message says how to
        trust it.
    UnsafeGlobalError
        If the pickle names a global outside the table, or asks for an
        operation the table does not allow; the message names the global
        or the opcode and says how to allow a global you trust.
    CheckpointError
        If the file is not a ZIP archive, is truncated or corrupt, lacks
        the pickle or an array it refers to, or a member is larger than
        the ``max_member_size`` setting.

    Notes
    -----
    See ``docs/serialization.rst`` for the trust model: what signing
    protects, what the table refuses, and what it cannot.

    """
    trust = Trust(list(allowed_modules) + list(allowed), caller='load')
    source = _source_name(file_handler)
    with open_archive(file_handler, source, _open) as zip_file:
        names = zip_file.namelist()
        if name not in names:
            raise CheckpointError(
                "checkpoint {} has no member {!r}: it holds no pickled "
                "object (only parameters?); its members are {}".format(
                    source, name, sorted(names)))
        digests = None
        if not trusted:
            signature_name = signature_member(name)
            signature = None
            if signature_name in names:
                signature = bytes(read_member(zip_file, signature_name,
                                              source))
            digests = verify_signature(signature, name, source)
            if name not in digests:
                raise UntrustedCheckpointError(
                    "checkpoint {}: the signature does not cover the member "
                    "{!r}".format(source, name))
        data = read_member(zip_file, name, source,
                           None if digests is None else digests[name])
        unpickler = RestrictedUnpickler(
            io.BytesIO(data), trust, '{} (member {!r})'.format(source, name),
            persistent_load=_ArrayReader(zip_file, source, digests))
        with change_recursion_limit(config.recursion_limit):
            try:
                return unpickler.load()
            except (UnsafeGlobalError, CheckpointError):
                raise
            except RecursionError as exc:
                raise CheckpointError(
                    "checkpoint {}: member {!r} is nested too deeply to "
                    "unpickle; raise config.recursion_limit (now {})".format(
                        source, name, config.recursion_limit)) from exc
            except Exception as exc:
                raise CheckpointError("checkpoint {}: member {!r} cannot be "
                                      "unpickled (not a valid pickle, or "
                                      "written by other code): {!r}".format(
                                          source, name, exc)) from exc


def iter_parameters(path, include_state=False):
    """Read the arrays of a checkpoint one at a time, without unpickling.

    Like :func:`load_parameters`, but yields ``(name, array)`` pairs so
    that only one array is in memory at a time.

    """
    source = _source_name(path)
    with open_archive(path, source, _open) as zip_file:
        for member in zip_file.namelist():
            if member.endswith(ARRAY_SUFFIX) and \
                    not member.startswith(SIGNATURE_PREFIX) and (
                        include_state or not member.startswith(STATE_PREFIX)):
                yield ('/' + member[:-len(ARRAY_SUFFIX)],
                       read_array(zip_file, member, source))


def load_parameters(path, include_state=False):
    """Read the parameter values of a checkpoint without unpickling.

    Needs no trust: nothing is unpickled, the ``.npy`` members are read
    with their headers checked against their sizes, and a member larger
    than the ``max_member_size`` setting is refused.

    Parameters
    ----------
    path : str or file
        The checkpoint, a path or a file open for binary reading.
    include_state : bool, optional
        Also return the other arrays (the members under ``_state/``: step
        rule buffers, hyperparameters, ...). False by default.

    Returns
    -------
    dict
        Maps ``'/'`` + member name without ``.npy`` to arrays, in archive
        order. For brick parameters this is the brick path and parameter
        name, ``/mlp/linear_0.W``, as in
        :meth:`~blocks.model.Model.get_parameter_dict`: without
        ``include_state`` the result can be given to
        :meth:`~blocks.model.Model.set_parameter_values`.

    Raises
    ------
    CheckpointError
        If the file is not a readable archive or a member is corrupt or
        too large.

    Examples
    --------
    >>> import io
    >>> from blocks.bricks import MLP, Identity
    >>> mlp = MLP([Identity()], [2, 3])
    >>> mlp.allocate()
    >>> archive = io.BytesIO()
    >>> dump(None, archive,
    ...      parameters=mlp.linear_transformations[0].parameters)
    >>> sorted(load_parameters(archive))
    ['/mlp/linear_0.W', '/mlp/linear_0.b']

    """
    return dict(iter_parameters(path, include_state))


#: The name of this function in the Theano-era Blocks.
load_parameter_values = load_parameters


# Writing files safely -------------------------------------------------------

def secure_dump(object_, path, dump_function=dump, **kwargs):
    """Save an object to a file so that a failure never corrupts it.

    The object is written to a temporary file in the destination's
    directory, flushed and synced to disk, and renamed over the
    destination in one atomic step; the directory is synced too. If
    anything fails (or the process is killed) before the rename, the
    destination is left as it was and the temporary file is removed
    (a killed process can leave a ``.NAME.*.tmp`` file behind).

    Parameters
    ----------
    object_ : object
        The object to save.
    path : str
        The destination. A symbolic link is followed: its target is
        replaced.
    dump_function : callable, optional
        Called as ``dump_function(object_, file, **kwargs)`` with a file
        open for binary writing; :func:`dump` by default, e.g.
        :func:`pickle.dump` works as well.
    **kwargs
        Passed on to ``dump_function``.

    Raises
    ------
    ValueError
        If the directory of ``path`` does not exist or is not writable.

    Examples
    --------
    >>> import os, pickle, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), 'numbers.pkl')
    >>> secure_dump([1, 2], path, dump_function=pickle.dump)
    >>> def broken_dump(object_, file_):
    ...     raise RuntimeError('disk full')
    >>> secure_dump([3], path, dump_function=broken_dump)
    Traceback (most recent call last):
    ...
    RuntimeError: disk full
    >>> with open(path, 'rb') as source:
    ...     pickle.load(source)
    [1, 2]
    >>> os.listdir(os.path.dirname(path))
    ['numbers.pkl']

    """
    path = os.fspath(path)
    check_writable_directory(path, 'secure_dump')
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    mode = _new_file_mode(target)
    descriptor, temporary = tempfile.mkstemp(
        prefix='.{}.{}.'.format(os.path.basename(target), os.getpid()),
        suffix='.tmp', dir=directory)
    try:
        with os.fdopen(descriptor, 'wb') as handle:
            dump_function(object_, handle, **kwargs)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise
    _fsync_directory(directory)
    _remove_stale_temporaries(target)


def _process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_temporaries(target):
    """Remove what interrupted saves of ``target`` left behind.

    Temporary files are named ``.NAME.PID.XXXXXXXX.tmp``; those of a
    process that still runs (another save in progress) are kept.

    """
    directory, base = os.path.split(target)
    prefix = '.{}.'.format(base)
    for path in glob.glob(os.path.join(glob.escape(directory),
                                       glob.escape(prefix) + '*.tmp')):
        middle = os.path.basename(path)[len(prefix):-len('.tmp')]
        pid_text = middle.split('.')[0]
        if pid_text.isdigit() and int(pid_text) != os.getpid() and \
                _process_alive(int(pid_text)):
            continue
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            os.remove(path)


# Resuming -------------------------------------------------------------------

#: Exit statuses of ``blocks-continue`` for training stopped by a signal,
#: as a shell reports them (128 + the signal's number).
SIGNAL_EXIT_STATUS = {'SIGINT': 130, 'SIGTERM': 143}


def _checkpoint_extensions(main_loop):
    from blocks.extensions.saveload import Checkpoint
    return [extension for extension in main_loop.extensions
            if isinstance(extension, Checkpoint)]


def continue_training(path, allowed_modules=(), trusted=False, to=None,
                      new_log=False, allowed=()):
    """Resume training from a checkpoint.

    Parameters
    ----------
    path : str
        The checkpoint, written by
        :class:`~blocks.extensions.saveload.Checkpoint` with the main loop.
    allowed_modules, allowed : list, optional
        What the checkpoint may name besides the table of trusted globals:
        your own extensions, bricks or data stream functions (see
        :func:`load`).
    trusted : bool, optional
        Load the checkpoint even if it is not signed with your key (see
        :func:`load`).
    to : str, optional
        Where to write the checkpoints of the resumed training. By default
        the checkpoint keeps being written where it was loaded from,
        ``path`` made absolute, wherever the training started and whatever
        path the checkpoint names.
    new_log : bool, optional
        If the log is in an SQLite database that is missing, start a new
        database at the same path holding the checkpoint's status (the
        history of the run is lost). Without it, a missing database is an
        error.

    Returns
    -------
    :class:`~blocks.main_loop.MainLoop`
        The main loop, after training. Its :attr:`interrupted` attribute
        says whether training was stopped by a signal again.

    Raises
    ------
    ValueError
        Before anything is trained, if a checkpoint cannot be written
        where the resumed training will write it.
    CheckpointError, UnsafeGlobalError, UntrustedCheckpointError
        If the checkpoint cannot be loaded; see :func:`load`.

    Notes
    -----
    The main loop, with its data stream position, step rule state, random
    generators and log, is unpickled and :meth:`run` continues where it
    stopped. Functions and classes the main loop refers to must be
    importable: objects defined in the training script itself
    (``__main__``) are not, unless you call this function from that script
    and pass ``allowed=['__main__']``.

    Whether training had finished is decided by the state saved in the
    checkpoint (its log, as it was when the checkpoint was written), never
    by records made later: a checkpoint written when training had finished
    as requested (e.g. by :class:`~blocks.extensions.FinishAfter`) is not
    run again. Training stopped by a signal or an error is resumed.

    """
    path = os.path.abspath(os.fspath(path))
    target = os.path.abspath(os.fspath(to)) if to is not None else path
    check_writable_directory(target, 'continue_training')
    with open(path, 'rb') as source:
        main_loop = load(source, allowed_modules=allowed_modules,
                         trusted=trusted, allowed=allowed)
    if not callable(getattr(main_loop, 'run', None)) or \
            not hasattr(main_loop, 'extensions'):
        raise CheckpointError(
            "continue_training: checkpoint {!r} holds a {}, not a main loop "
            "(was it saved with save_main_loop=False?)".format(
                path, type(main_loop).__name__))
    _check_log_database(main_loop.log, path, new_log)
    checkpoints = _checkpoint_extensions(main_loop)
    writers = [extension for extension in checkpoints
               if extension.writing_to is not None]
    if not writers and len(checkpoints) == 1:
        writers = checkpoints
    for extension in writers:
        extension.path = target
        extension.writing_to = None
    for extension in checkpoints:
        for destination in [extension.path] + list(
                extension.save_separately_filenames(
                    extension.path).values()):
            check_writable_directory(destination, 'continue_training')
    row = main_loop.log.current_row
    if row.get('training_finished', False) or \
            row.get('training_finish_requested', False):
        logger.warning("continue_training: training in %s had finished (at "
                       "iteration %s); there is nothing to continue",
                       path, main_loop.status['iterations_done'])
        return main_loop
    main_loop.run()
    return main_loop


def _check_log_database(log, path, new_log):
    """A resumed SQLite log needs its database, or a new one if asked."""
    database = getattr(log, 'database', None)
    if database is None or database == ':memory:' or \
            os.path.exists(database):
        return
    if new_log:
        log.recreate_database()
        logger.warning("continue_training: the log database %s was missing; "
                       "a new one holds the status saved in %s, without "
                       "the history of earlier iterations", database, path)
        return
    raise CheckpointError(
        "continue_training: the training log of checkpoint {!r} is in the "
        "SQLite database {!r}, which is missing. Restore it, or resume with a "
        "new database holding only the checkpoint's status (the history of "
        "the run is lost): continue_training(..., new_log=True) or "
        "blocks-continue --new-log".format(path, database))
