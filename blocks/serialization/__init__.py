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

Unpickling runs code: :func:`load` therefore resolves only the globals of
an allow-list (see :func:`load` and ``docs/serialization.rst``), and
:func:`load_parameters` never unpickles at all.

"""
import contextlib
import io
import logging
import os
import tempfile
import zipfile


from blocks.config import config
from blocks.utils import change_recursion_limit

from blocks.serialization.common import (
    DEFAULT_PROTOCOL, PICKLE_MEMBER, ARRAY_SUFFIX, UNNAMED, STATE_PREFIX,
    CheckpointError, UnsafeGlobalError)
from blocks.serialization.files import (
    check_writable_directory, _fsync_directory, _new_file_mode)
from blocks.serialization.pickling import (
    add_to_dump, dump, PersistentParameterID, PicklerWithWarning,
    shared_variable_name, _open, _source_name)
from blocks.serialization.unpickling import (
    _AllowList, _read_array, _SafePythonUnpickler, _SafeUnpickler)

__all__ = ['ARRAY_SUFFIX', 'CheckpointError', 'DEFAULT_PROTOCOL',
           'PICKLE_MEMBER', 'PersistentParameterID', 'PicklerWithWarning',
           'STATE_PREFIX', 'UNNAMED', 'UnsafeGlobalError', 'add_to_dump',
           'check_writable_directory', 'continue_training', 'dump', 'load',
           'load_parameter_values', 'load_parameters', 'secure_dump',
           'shared_variable_name']

logger = logging.getLogger(__name__)


# Unpickling -----------------------------------------------------------------

@contextlib.contextmanager
def _open_archive(file_handler):
    """Open a checkpoint for reading, turning ZIP errors into ours."""
    source = _source_name(file_handler)
    with _open(file_handler, 'rb') as handle:
        try:
            zip_file = zipfile.ZipFile(handle, 'r')
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError,
                ValueError) as exc:
            raise CheckpointError("checkpoint {} is not a readable ZIP "
                                  "archive (truncated or corrupt?): {}"
                                  .format(source, exc)) from exc
        with zip_file:
            yield zip_file, source


def load(file_handler, use_cpickle=False, allowed_modules=(),
         name=PICKLE_MEMBER):
    """Load an object saved by :func:`dump`, trusting only known globals.

    Parameters
    ----------
    file_handler : file or str
        A file open for binary reading, or a path.
    use_cpickle : bool, optional
        Use the C unpickler (faster; the allow-list applies all the same).
    allowed_modules : list of str, optional
        Modules (with their sub-modules) or fully qualified globals the
        pickle may name besides the allow-list, e.g. the module defining
        your own extensions or mapping functions.
    name : str, optional
        The member holding the pickle, ``_pkl`` by default; see
        :func:`add_to_dump`.

    Returns
    -------
    object
        The unpickled object; shared variables get their values from the
        npy members.

    Raises
    ------
    UnsafeGlobalError
        If the pickle names a global outside the allow-list. The message
        says how to allow it.
    CheckpointError
        If the file is not a ZIP archive, is truncated or corrupt, or lacks
        the pickle or an array it refers to.

    Notes
    -----
    Unpickling can run arbitrary code: a pickle calls the functions it
    names. :func:`load` resolves only the globals of Blocks, Aesara, NumPy,
    ``scipy.sparse``/``special``/``stats``, picklable_itertools,
    ``collections``, ``itertools`` and the harmless parts of the standard
    library (:data:`SAFE_STDLIB`), minus what touches files, processes or
    compiled code (:data:`DENIED_MODULES`, :data:`DENIED_GLOBALS`), plus
    ``allowed_modules``; ``getattr`` is restricted (see
    :class:`_GuardedGetattr`). This stops the usual payloads, but it is not
    a sandbox: only unpickle checkpoints you trust, and use
    :func:`load_parameters` (which never unpickles) for the others.

    """
    with _open_archive(file_handler) as (zip_file, source):
        try:
            data = zip_file.read(name)
        except KeyError as exc:
            raise CheckpointError(
                "checkpoint {} has no member {!r}: it holds no pickled "
                "object (only parameters?); its members are {}".format(
                    source, name, sorted(zip_file.namelist()))) from exc
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise CheckpointError("checkpoint {}: member {!r} is corrupt: {}"
                                  .format(source, name, exc)) from exc
        unpickler_class = _SafeUnpickler if use_cpickle \
            else _SafePythonUnpickler
        unpickler = unpickler_class(io.BytesIO(data))
        unpickler._setup(zip_file, _AllowList(allowed_modules, source))
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


def load_parameters(path, include_state=False):
    """Read the parameter values of a checkpoint without unpickling.

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
        If the file is not a readable archive or a member is corrupt.

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
    values = {}
    with _open_archive(path) as (zip_file, source):
        for member in zip_file.namelist():
            if member.endswith(ARRAY_SUFFIX) and (
                    include_state or not member.startswith(STATE_PREFIX)):
                values['/' + member[:-len(ARRAY_SUFFIX)]] = _read_array(
                    zip_file, member, source)
    return values


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
        prefix='.{}.'.format(os.path.basename(target)), suffix='.tmp',
        dir=directory)
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


# Resuming -------------------------------------------------------------------

def continue_training(path, allowed_modules=()):
    """Resume training from a checkpoint.

    Parameters
    ----------
    path : str
        The checkpoint, written by
        :class:`~blocks.extensions.saveload.Checkpoint` with the main loop.
    allowed_modules : list of str, optional
        Modules the checkpoint may name besides the allow-list of
        :func:`load`: the modules defining your own extensions, bricks or
        data stream functions.

    Returns
    -------
    :class:`~blocks.main_loop.MainLoop`
        The main loop, after training.

    Notes
    -----
    The main loop, with its data stream position, step rule state, random
    generators and log, is unpickled and :meth:`run` continues where it
    stopped. Functions and classes the main loop refers to must be
    importable: objects defined in the training script itself
    (``__main__``) are not, unless you call this function from that script
    and pass ``allowed_modules=['__main__']``.

    A checkpoint written when training had finished as requested (e.g. by
    :class:`~blocks.extensions.FinishAfter`) is not run again: its stopping
    conditions have passed, so it would train for ever. Training stopped by
    a signal or an error is resumed.

    """
    with open(path, 'rb') as source:
        main_loop = load(source, allowed_modules=allowed_modules)
    if not callable(getattr(main_loop, 'run', None)):
        raise CheckpointError(
            "continue_training: checkpoint {!r} holds a {}, not a main loop "
            "(was it saved with save_main_loop=False?)".format(
                os.fspath(path), type(main_loop).__name__))
    if main_loop.log.current_row.get('training_finish_requested', False):
        logger.warning("continue_training: training in %s had finished (at "
                       "iteration %s); there is nothing to continue",
                       os.fspath(path), main_loop.status['iterations_done'])
        return main_loop
    main_loop.run()
    return main_loop
