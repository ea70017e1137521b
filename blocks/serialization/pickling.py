"""Pickling into ZIP archives: shared variables become ``.npy`` members
named by brick path."""
import contextlib
import hashlib
import io
import os
import pickle
import sys
import types
import warnings
import zipfile

import numpy
from aesara.compile.sharedvalue import SharedVariable

from blocks.config import config
from blocks.filter import get_brick
from blocks.roles import PARAMETER, has_roles
from blocks.utils import change_recursion_limit
from blocks.serialization.common import (
    DEFAULT_PROTOCOL, PICKLE_MEMBER, ARRAY_SUFFIX, UNNAMED, STATE_PREFIX,
    SIGNATURE_PREFIX, main_warning)
from blocks.serialization.signing import make_signature, signature_member
from blocks.serialization.unpickling import scan_reduction


def _source_name(file_handler):
    """A name for a file or file object, for messages."""
    if isinstance(file_handler, (str, bytes, os.PathLike)):
        return repr(os.fsdecode(file_handler))
    name = getattr(file_handler, 'name', None)
    if isinstance(name, (str, bytes)):
        return repr(os.fsdecode(name))
    return '<{}>'.format(type(file_handler).__name__)


def _member_name(name):
    """Turn a shared variable's name into a safe archive member name.

    No absolute paths, no ``..``: the archive extracts safely. None if
    nothing is left.

    """
    parts = [part for part in name.replace('\\', '/').split('/')
             if part not in ('', '.', '..')]
    return '/'.join(parts) or None


def shared_variable_name(variable):
    """The name under which a shared variable's value is saved.

    Parameters
    ----------
    variable : :class:`~aesara.compile.sharedvalue.SharedVariable`
        The variable.

    Returns
    -------
    str or None
        The brick path without its leading slash followed by the variable's
        name (``mlp/linear_0.W``) if a brick owns it, else the variable's
        name; None if it has no name. A step rule buffer (with a
        ``tag.for_parameter``) is named after the brick of its parameter:
        ``mlp/linear_0.W_adam_mean``.

    Examples
    --------
    >>> from blocks.bricks import MLP, Identity
    >>> mlp = MLP([Identity()], [3, 2])
    >>> mlp.allocate()
    >>> shared_variable_name(mlp.linear_transformations[0].W)
    'mlp/linear_0.W'

    """
    if not variable.name:
        return None
    brick = get_brick(variable)
    if brick is None:
        # Step rule buffers (see blocks.algorithms) are named after the
        # brick of the parameter they belong to.
        parameter = getattr(variable.tag, 'for_parameter', None)
        brick = None if parameter is None else get_brick(parameter)
    if brick is None:
        return _member_name(variable.name)
    try:
        path = brick.get_path()
    except (ValueError, AttributeError):
        path = '/' + brick.name
    return _member_name(path + '.' + variable.name)


def _array_value(variable):
    """The array a shared variable stores, if it can go in an npy member."""
    value = variable.container.storage[0]
    if type(value) is numpy.ndarray and not value.dtype.hasobject:
        return value
    return None


class PersistentParameterID:
    """Save the arrays of shared variables as ``.npy`` members of a ZIP.

    Used as the ``persistent_id`` of a pickler: every shared variable the
    pickler meets is given a member name (see :func:`shared_variable_name`;
    variables without the ``PARAMETER`` role, such as step rule buffers,
    go under ``_state/``) and its array is written to the archive the first
    time it is met; the pickle holds a reference ``('ndarray', member)``
    instead of the data.
    Values that are not plain numeric arrays (random generators, object
    arrays) are pickled as usual.

    Parameters
    ----------
    zip_file : :class:`zipfile.ZipFile`
        The archive, open for writing or appending.
    allow_unnamed : bool, optional
        Allow shared variables without a name, saved as ``unnamed``,
        ``unnamed_2``, ... True by default.
    allow_duplicates : bool, optional
        Allow several shared variables with one name, saved as ``x``,
        ``x_2``, ``x_3``, ... True by default.

    Raises
    ------
    ValueError
        If an unnamed shared variable is met and ``allow_unnamed`` is False,
        or two have the same name and ``allow_duplicates`` is False.

    """
    def __init__(self, zip_file, allow_unnamed=True, allow_duplicates=True):
        self.zip_file = zip_file
        self.allow_unnamed = allow_unnamed
        self.allow_duplicates = allow_duplicates
        self.used_names = {PICKLE_MEMBER}
        self.used_names.update(
            name[:-len(ARRAY_SUFFIX)] if name.endswith(ARRAY_SUFFIX)
            else name for name in zip_file.namelist())
        # id(array) -> (array, member, written); the array is kept so that
        # its id cannot be reused by another object while pickling.
        self.arrays = {}
        #: The SHA-256 digests of the members written or referred to.
        self.digests = {}

    def _unique_name(self, name, variable, prefix):
        if name is None:
            if not self.allow_unnamed:
                raise ValueError("PersistentParameterID: unnamed shared "
                                 "variable {!r} and allow_unnamed is False"
                                 .format(variable))
            name = UNNAMED
        name = prefix + name
        if name not in self.used_names:
            return name
        if not self.allow_duplicates and name != prefix + UNNAMED:
            raise ValueError("PersistentParameterID: several shared "
                             "variables are named {!r} and allow_duplicates "
                             "is False".format(name))
        count = 2
        while '{}_{}'.format(name, count) in self.used_names:
            count += 1
        return '{}_{}'.format(name, count)

    def register(self, variable, existing_member=None, parameter=None):
        """Give a shared variable's array a member name.

        Parameters
        ----------
        variable : SharedVariable
            The variable; ignored if its value is not a numeric array or
            it is registered already.
        existing_member : str, optional
            A member of the archive that already holds the value: it is
            referred to instead of writing a new one.
        parameter : bool, optional
            Whether to save it as a parameter (at the top of the archive)
            or as other state (under ``_state/``). By default, whether it
            has the ``PARAMETER`` role.

        Returns
        -------
        str or None
            The member name, None if the value is not saved as a member.

        """
        array = _array_value(variable)
        if array is None:
            return None
        if id(array) in self.arrays:
            return self.arrays[id(array)][1]
        if existing_member is not None:
            self.arrays[id(array)] = (array, existing_member, True)
            self.digests[existing_member] = _member_digest(
                self.zip_file, existing_member)
            return existing_member
        if parameter is None:
            parameter = has_roles(variable, [PARAMETER])
        name = self._unique_name(shared_variable_name(variable), variable,
                                 '' if parameter else STATE_PREFIX)
        self.used_names.add(name)
        member = name + ARRAY_SUFFIX
        self.arrays[id(array)] = (array, member, False)
        return member

    def write(self, variable):
        """Register a shared variable as a parameter and write it now."""
        member = self.register(variable, parameter=True)
        if member is not None:
            self._write_array(id(_array_value(variable)))
        return member

    def _write_array(self, key):
        array, member, written = self.arrays[key]
        if not written:
            with self.zip_file.open(member, 'w', force_zip64=True) as handle:
                hashing = _HashingWriter(handle)
                numpy.lib.format.write_array(hashing, array,
                                             allow_pickle=False)
            self.digests[member] = hashing.hexdigest()
            self.arrays[key] = (array, member, True)
        return member

    def __call__(self, obj):
        if isinstance(obj, SharedVariable):
            self.register(obj)
        elif type(obj) is numpy.ndarray and id(obj) in self.arrays:
            return ('ndarray', self._write_array(id(obj)))
        return None


class _HashingWriter:
    """A binary file wrapper that computes the SHA-256 of what is written."""
    def __init__(self, handle):
        self.handle = handle
        self.hash = hashlib.sha256()

    def write(self, data):
        self.hash.update(data)
        return self.handle.write(data)

    def hexdigest(self):
        return self.hash.hexdigest()


def _member_digest(zip_file, member):
    digest = hashlib.sha256()
    with zip_file.open(member) as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


class PicklerWithWarning(pickle._Pickler):
    """The Python pickler, warning about objects defined in ``__main__``.

    Objects defined in the script that is run (``__main__``) are pickled by
    name and cannot be found by another process, such as
    ``blocks-continue``: this pickler warns when it meets one.

    """
    dispatch = pickle._Pickler.dispatch.copy()

    def save_global(self, obj, name=None):
        module = getattr(obj, '__module__', None)
        if module == '__main__':
            warnings.warn(main_warning.format(name='__main__.{}'.format(
                name or getattr(obj, '__qualname__', repr(obj)))))
        super().save_global(obj, name)

    dispatch[types.FunctionType] = save_global
    dispatch[type] = save_global

    def reducer_override(self, obj):
        return _reduce_graph_object(obj)


class _FastPickler(pickle.Pickler):
    """The C pickler (``use_cpickle=True``), writing loops like the other."""
    def reducer_override(self, obj):
        return _reduce_graph_object(obj)


def _reduce_graph_object(obj):
    """Write ``Scan`` Ops as their inner graph and info (see
    :func:`~blocks.serialization.unpickling.scan_from_inner_graph`)."""
    scan = sys.modules.get('aesara.scan.op')
    if scan is not None and type(obj) is scan.Scan:
        return scan_reduction(obj)
    return NotImplemented


class _DiscardingWriter:
    def write(self, data):
        return len(data)


class _SharedVariableCollector(pickle.Pickler):
    """Walks an object like pickle does, listing the shared variables."""
    def __init__(self):
        super().__init__(_DiscardingWriter(), protocol=DEFAULT_PROTOCOL)
        self.shared_variables = []
        self.seen = set()

    def persistent_id(self, obj):
        if isinstance(obj, SharedVariable):
            if id(obj) not in self.seen:
                self.seen.add(id(obj))
                self.shared_variables.append(obj)
        elif isinstance(obj, numpy.ndarray):
            return 0  # the data itself is irrelevant here
        return None


def _collect_shared_variables(obj):
    """The shared variables reachable from ``obj``, in pickling order.

    They are named before the real pickling starts, so that a variable's
    array gets its name even when the pickler meets the array (through a
    compiled function's storage, say) before the variable itself.

    """
    collector = _SharedVariableCollector()
    with change_recursion_limit(config.recursion_limit):
        collector.dump(obj)
    return collector.shared_variables


def _open(file_handler, mode):
    if isinstance(file_handler, (str, bytes, os.PathLike)):
        return open(file_handler, mode)
    return contextlib.nullcontext(file_handler)


def _pickle_to_member(obj, zip_file, name, persistent_id, protocol,
                      use_cpickle):
    """Pickle ``obj`` into the member ``name`` and sign it.

    The signature (see :mod:`blocks.serialization.signing`) covers the
    pickle and every ``.npy`` member of the archive.

    """
    buffer = io.BytesIO()
    pickler_class = _FastPickler if use_cpickle else PicklerWithWarning
    pickler = pickler_class(buffer, protocol=protocol)
    pickler.persistent_id = persistent_id
    with change_recursion_limit(config.recursion_limit):
        pickler.dump(obj)
    data = buffer.getvalue()
    zip_file.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    digests = dict(getattr(persistent_id, 'digests', {}))
    for member in zip_file.namelist():
        if member.endswith(ARRAY_SUFFIX) and member not in digests:
            digests[member] = _member_digest(zip_file, member)
    digests[name] = hashlib.sha256(data).hexdigest()
    zip_file.writestr(signature_member(name),
                      make_signature(name, digests),
                      compress_type=zipfile.ZIP_DEFLATED)


def _check_parameters(caller, parameters):
    if parameters is None:
        return []
    if isinstance(parameters, SharedVariable):
        raise TypeError("{}: parameters must be a list of shared variables, "
                        "got the single variable {!r}".format(caller,
                                                              parameters))
    parameters = list(parameters)
    for parameter in parameters:
        if not isinstance(parameter, SharedVariable):
            raise TypeError("{}: parameters must be shared variables, got "
                            "{!r}".format(caller, parameter))
    return parameters


def dump(obj, file_handler, protocol=DEFAULT_PROTOCOL,
         persistent_id=PersistentParameterID, use_cpickle=False,
         parameters=None):
    """Pickle an object into a ZIP archive, with arrays as npy members.

    Parameters
    ----------
    obj : object
        The object to pickle, e.g. a main loop. None writes only the
        ``parameters``.
    file_handler : file or str
        A file open for binary writing, or a path. Writing to a path is not
        atomic: use :func:`secure_dump` for that.
    protocol : int, optional
        The pickle protocol, :data:`DEFAULT_PROTOCOL` by default.
    persistent_id : callable, optional
        Called with the archive, returns the ``persistent_id`` function of
        the pickler. By default :class:`PersistentParameterID`, which saves
        the value of every shared variable as its own npy member.
    use_cpickle : bool, optional
        Use the C pickler: faster, but without the warnings about objects
        defined in ``__main__``.
    parameters : list of shared variables, optional
        Variables whose values are written as npy members first, under
        their canonical names, whether or not ``obj`` refers to them.

    Notes
    -----
    The archive holds ``_pkl``, the pickle, and an npy member per shared
    variable (see :mod:`blocks.serialization`); :func:`numpy.load` reads
    it like an ``.npz`` file.

    Examples
    --------
    >>> import io
    >>> import numpy
    >>> from blocks.bricks import MLP, Identity
    >>> from blocks.initialization import Constant
    >>> mlp = MLP([Identity()], [10, 10], weights_init=Constant(0.),
    ...           biases_init=Constant(0.))
    >>> mlp.initialize()
    >>> archive = io.BytesIO()
    >>> dump(mlp, archive)
    >>> _ = archive.seek(0)
    >>> arrays = numpy.load(archive)
    >>> sorted(arrays.keys())
    ['_pkl', '_signature/_pkl', 'mlp/linear_0.W', 'mlp/linear_0.b']
    >>> arrays['mlp/linear_0.W'].shape
    (10, 10)
    >>> from blocks.serialization import load
    >>> mlp2 = load(archive)
    >>> mlp2.name, mlp2.linear_transformations[0].W.get_value().shape
    ('mlp', (10, 10))

    """
    parameters = _check_parameters('dump', parameters)
    with _open(file_handler, 'wb') as handle, \
            zipfile.ZipFile(handle, 'w', zipfile.ZIP_STORED,
                            allowZip64=True) as zip_file:
        persister = persistent_id(zip_file)
        for parameter in parameters:
            if hasattr(persister, 'write'):
                persister.write(parameter)
        if obj is None:
            return
        if hasattr(persister, 'register'):
            for variable in _collect_shared_variables(obj):
                persister.register(variable)
        _pickle_to_member(obj, zip_file, PICKLE_MEMBER, persister, protocol,
                          use_cpickle)


def add_to_dump(obj, file_handler, name, parameters=None, use_cpickle=False,
                protocol=DEFAULT_PROTOCOL,
                persistent_id=PersistentParameterID):
    """Pickle one more object into an existing checkpoint archive.

    Shared variables met while pickling get new npy members, except those
    listed in ``parameters`` whose canonical member (see
    :func:`shared_variable_name`, at the top of the archive or under
    ``_state/``) is in the archive already: the new pickle refers to that
    member instead of saving the value twice.

    Parameters
    ----------
    obj : object
        The object to pickle.
    file_handler : file or str
        The archive, open for reading and writing (``'r+b'``), or its path.
        The archive is modified in place: work on a copy, or inside the
        ``dump_function`` of :func:`secure_dump`, if it must stay intact.
    name : str
        The member to write the pickle to; read it back with
        ``load(file_handler, name=name)``.
    parameters : list of shared variables, optional
        Variables whose values are in the archive already.
    use_cpickle, protocol, persistent_id
        As for :func:`dump`.

    Raises
    ------
    ValueError
        If ``name`` is ``_pkl``, ends with ``.npy`` or is in the archive.

    Examples
    --------
    >>> import io
    >>> from aesara import shared
    >>> weights = shared(numpy.ones(2), name='weights')
    >>> archive = io.BytesIO()
    >>> dump(weights, archive)
    >>> add_to_dump({'note': 'best so far', 'weights': weights}, archive,
    ...             'extra', parameters=[weights])
    >>> from blocks.serialization import load
    >>> load(archive, name='extra')['weights'].get_value()
    array([1., 1.])
    >>> sorted(zipfile.ZipFile(archive).namelist())
    ['_pkl', '_signature/_pkl', '_signature/extra', '_state/weights.npy',
     'extra']

    """
    if not isinstance(name, str) or not name or name == PICKLE_MEMBER or \
            name.endswith(ARRAY_SUFFIX) or _member_name(name) != name or \
            name.startswith(SIGNATURE_PREFIX):
        raise ValueError("add_to_dump: name must be a relative member name, "
                         "neither {!r} nor ending with {!r}; got {!r}".format(
                             PICKLE_MEMBER, ARRAY_SUFFIX, name))
    parameters = _check_parameters('add_to_dump', parameters)
    with _open(file_handler, 'r+b') as handle, \
            zipfile.ZipFile(handle, 'a', zipfile.ZIP_STORED,
                            allowZip64=True) as zip_file:
        existing = set(zip_file.namelist())
        if name in existing:
            raise ValueError("add_to_dump: {} already has a member {!r}"
                             .format(_source_name(file_handler), name))
        persister = persistent_id(zip_file)
        for parameter in parameters:
            canonical = shared_variable_name(parameter)
            candidates = [] if canonical is None else [
                prefix + canonical + ARRAY_SUFFIX
                for prefix in ('', STATE_PREFIX)]
            found = [member for member in candidates if member in existing]
            if found:
                persister.register(parameter, found[0])
            else:
                persister.write(parameter)
        for variable in _collect_shared_variables(obj):
            persister.register(variable)
        _pickle_to_member(obj, zip_file, name, persister, protocol,
                          use_cpickle)


def dump_and_add_to_dump(object_, file_handler, parameters=None, to_add=None,
                         use_cpickle=False, protocol=DEFAULT_PROTOCOL,
                         **kwargs):
    """Dump an object and add more objects to the same archive.

    The form later Blocks used: :func:`dump` of ``object_``, then
    :func:`add_to_dump` of each value of ``to_add`` under its key.

    Parameters
    ----------
    object_ : object
        The object of the ``_pkl`` member.
    file_handler : file or str
        A file open for reading and writing in binary mode (``'w+b'``), or
        a path.
    parameters : list of shared variables, optional
        Passed to :func:`dump` and to every :func:`add_to_dump`, so that
        the added objects refer to the arrays of the first.
    to_add : dict, optional
        Member name to object.
    use_cpickle, protocol
        As for :func:`dump`.
    \*\*kwargs
        Passed to :func:`dump`.

    Examples
    --------
    >>> import io
    >>> import numpy
    >>> from aesara import shared
    >>> from blocks.serialization import load
    >>> weights = shared(numpy.zeros(3), name='weights')
    >>> archive = io.BytesIO()
    >>> dump_and_add_to_dump({'step': 4}, archive, parameters=[weights],
    ...                      to_add={'log': [0.5, 0.25]})
    >>> load(archive)['step'], load(archive, name='log')
    (4, [0.5, 0.25])

    """
    with _open(file_handler, 'w+b') as handle:
        dump(object_, handle, parameters=parameters, use_cpickle=use_cpickle,
             protocol=protocol, **kwargs)
        for name, value in (to_add or {}).items():
            handle.seek(0)
            add_to_dump(value, handle, name, parameters=parameters,
                        use_cpickle=use_cpickle, protocol=protocol)
