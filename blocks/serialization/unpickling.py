"""Safe unpickling: the allow-list of globals that a checkpoint may refer
to, and the unpicklers that enforce it."""
import builtins
import pickle
import types
import zipfile

import numpy

from blocks.serialization.common import (
    ARRAY_SUFFIX, CheckpointError, UnsafeGlobalError, refusal_explanation,
    main_refusal_explanation, denied_explanation)


# The allow-list -------------------------------------------------------------

#: Packages whose globals a checkpoint may name (with their sub-modules).
SAFE_PACKAGES = ('blocks', 'aesara', 'numpy', 'scipy.sparse',
                 'scipy.special', 'scipy.stats', 'picklable_itertools',
                 'collections', 'itertools')

#: Sub-modules of the trusted packages that are refused nonetheless: they
#: read and write files, compile and load code, run processes or hold the
#: configuration.
DENIED_MODULES = ('numpy.distutils', 'numpy.f2py', 'numpy.testing',
                  'numpy.ctypeslib', 'numpy.lib.npyio', 'numpy.lib.format',
                  'numpy.lib.utils', 'numpy.lib._datasource',
                  'numpy.core.memmap', 'numpy.compat',
                  'aesara.link.c.cmodule', 'aesara.link.c.exceptions',
                  'aesara.compile.compilelock', 'aesara.compile.compiledir',
                  'aesara.misc.pkl_utils', 'aesara.configparser',
                  'aesara.configdefaults', 'aesara.d3viz', 'aesara.printing',
                  'blocks.config', 'blocks.serialization', 'blocks.scripts',
                  'scipy.sparse._matrix_io')

#: Globals of trusted modules that are refused nonetheless (the name under
#: which they are defined, ``__module__`` + ``.`` + ``__qualname__``, and
#: the names they are usually reached by).
DENIED_GLOBALS = frozenset([
    'numpy.load', 'numpy.save', 'numpy.savez', 'numpy.savez_compressed',
    'numpy.savetxt', 'numpy.loadtxt', 'numpy.genfromtxt', 'numpy.fromfile',
    'numpy.fromregex', 'numpy.memmap', 'numpy.DataSource',
    'numpy.core.records.fromfile', 'numpy.rec.fromfile',
    'numpy.ndarray.tofile', 'numpy.ndarray.dump', 'numpy.generic.tofile',
    'numpy.generic.dump', 'numpy.ma.core.MaskedArray.tofile',
    'numpy.ma.core.MaskedArray.dump', 'numpy.ma.dump', 'numpy.ma.load',
    'numpy.ma.core.dump', 'numpy.ma.core.load', 'numpy.ma.core.dumps',
    'numpy.ma.core.loads',
    'aesara.utils.call_subprocess_Popen',
    'aesara.utils.output_subprocess_Popen', 'aesara.utils.subprocess_Popen',
    'aesara.config', 'aesara.link.c.op.ExternalCOp',
    'scipy.sparse.load_npz', 'scipy.sparse.save_npz',
    'blocks.utils.ipdb_breakpoint',
])

#: Built-ins a checkpoint may name: types and pure functions. ``getattr``
#: is replaced by a guarded version, see :class:`_GuardedGetattr`.
SAFE_BUILTINS = frozenset(
    ['object', 'bool', 'int', 'float', 'complex', 'str', 'bytes',
     'bytearray', 'tuple', 'list', 'dict', 'set', 'frozenset', 'slice',
     'range', 'type', 'NotImplemented', 'Ellipsis', 'getattr', 'iter',
     'reversed', 'enumerate', 'zip', 'map', 'filter', 'property',
     'staticmethod', 'classmethod', 'len', 'min', 'max', 'sum', 'abs',
     'round', 'divmod', 'pow', 'all', 'any', 'sorted', 'hash', 'repr',
     'ord', 'chr', 'isinstance', 'issubclass', 'callable', 'format',
     'bin', 'oct', 'hex', 'id'] +
    [name for name, value in vars(builtins).items()
     if isinstance(value, type) and issubclass(value, BaseException)])

#: Other standard library globals a checkpoint may name.
SAFE_STDLIB = {
    'builtins': SAFE_BUILTINS,
    'copyreg': frozenset(['_reconstructor', '__newobj__', '__newobj_ex__']),
    '_codecs': frozenset(['encode']),
    'functools': frozenset(['partial', 'reduce', 'cmp_to_key']),
    'operator': frozenset(
        ['itemgetter', 'add', 'sub', 'mul', 'truediv', 'floordiv', 'mod',
         'neg', 'pos', 'abs', 'pow', 'eq', 'ne', 'lt', 'le', 'gt', 'ge',
         'not_', 'and_', 'or_', 'xor', 'getitem', 'contains', 'index']),
    'datetime': frozenset(['datetime', 'date', 'time', 'timedelta',
                           'timezone']),
    'decimal': frozenset(['Decimal']),
    'fractions': frozenset(['Fraction']),
    'uuid': frozenset(['UUID', 'SafeUUID']),
    're': frozenset(['_compile', 'Pattern', 'RegexFlag']),
    'pathlib': frozenset(['Path', 'PosixPath', 'WindowsPath', 'PurePath',
                          'PurePosixPath', 'PureWindowsPath']),
    'array': frozenset(['array', '_array_reconstructor']),
    'random': frozenset(['Random']),
    'logging': frozenset(['getLogger', 'Logger', 'RootLogger']),
    'types': frozenset(['SimpleNamespace']),
    'enum': frozenset(['Enum', 'IntEnum', 'Flag', 'IntFlag']),
    'numbers': frozenset(['Number', 'Integral', 'Real', 'Complex']),
    'signal': frozenset(['Signals']),
}


def _in_modules(module, prefixes):
    """Whether ``module`` is one of ``prefixes`` or below one of them."""
    return any(module == prefix or module.startswith(prefix + '.')
               for prefix in prefixes)


def _is_dunder(name):
    return any(part.startswith('__') and part.endswith('__')
               for part in name.split('.'))


class _AllowList:
    """Decides which globals a pickle may name.

    Parameters
    ----------
    allowed_modules : iterable of str
        Extra modules (with their sub-modules) or fully qualified globals
        (``'numpy.save'``) the caller trusts; they override the deny-lists.
    source : str
        The file being loaded, for messages.

    """
    def __init__(self, allowed_modules, source):
        if isinstance(allowed_modules, str):
            raise TypeError("load: allowed_modules must be a list of module "
                            "names, got the string {!r}; write [{!r}]"
                            .format(allowed_modules, allowed_modules))
        self.allowed_modules = tuple(allowed_modules)
        self.source = source

    def allowed_by_caller(self, module, name):
        full_name = '{}.{}'.format(module, name)
        return (_in_modules(module, self.allowed_modules) or
                any(full_name == entry or
                    full_name.startswith(entry + '.')
                    for entry in self.allowed_modules))

    def refuse(self, module, name, explanation):
        raise UnsafeGlobalError(
            "refusing to load global {}.{} from checkpoint {}{}".format(
                module, name, self.source, explanation))

    def check(self, module, name):
        """Raise :class:`UnsafeGlobalError` unless ``module.name`` is safe."""
        if self.allowed_by_caller(module, name):
            return
        if module == '__main__':
            self.refuse(module, name, main_refusal_explanation)
        full_name = '{}.{}'.format(module, name)
        if module in SAFE_STDLIB:
            if name in SAFE_STDLIB[module]:
                return
            self.refuse(module, name, refusal_explanation.format(
                module=full_name))
        if not _in_modules(module, SAFE_PACKAGES):
            self.refuse(module, name, refusal_explanation.format(
                module=module))
        if _in_modules(module, DENIED_MODULES) or full_name in \
                DENIED_GLOBALS or _is_dunder(name):
            self.refuse(module, name, denied_explanation.format(
                name=full_name))

    def check_object(self, obj, module, name):
        """Check a resolved object: no modules, and defined somewhere safe."""
        if isinstance(obj, types.ModuleType):
            self.refuse(module, name, " (a module)" +
                        refusal_explanation.format(module=obj.__name__))
        if self.allowed_by_caller(module, name):
            # The caller vouches for everything the module holds.
            return
        # What a module of the allow-list merely imports (``from os import
        # system``) is judged by where it is defined.
        if isinstance(obj, (type, types.FunctionType,
                            types.BuiltinFunctionType, types.MethodType)):
            defined_in = getattr(obj, '__module__', None)
            qualname = getattr(obj, '__qualname__', None)
            if isinstance(obj, types.BuiltinMethodType) and \
                    getattr(obj, '__self__', None) is not None and \
                    not isinstance(obj.__self__, types.ModuleType):
                owner = obj.__self__ if isinstance(obj.__self__, type) \
                    else type(obj.__self__)
                defined_in = owner.__module__
            if defined_in and qualname and \
                    (defined_in, qualname) != (module, name):
                self.check(defined_in, qualname)
        else:
            owner = type(obj)
            if (owner.__module__, owner.__qualname__) != (module, name):
                self.check(owner.__module__, owner.__qualname__)


class _GuardedGetattr:
    """``getattr`` for unpickling, restricted to trusted objects.

    Pickles use ``getattr(owner, name)`` to refer to methods: bound methods
    (``getattr(tensor_type, 'filter')``) and the application methods of
    bricks (``getattr(MLP, 'apply')``, see
    :meth:`blocks.bricks.base.Application.__reduce__`). Left unrestricted,
    ``getattr`` reaches everything (``getattr(f, '__globals__')``), so it is
    only granted when

    * the name is public (no leading underscore), so no dunder or private
      attribute can be reached;
    * the owner is a class, or an instance of a class, from a trusted
      module, and never a module;
    * the result is not a module and, if it is a class, function or method,
      is defined in a trusted module and is not on the deny-list (this
      refuses e.g. ``getattr(array, 'tofile')``).

    """
    def __init__(self, allow_list):
        self.allow_list = allow_list

    def __call__(self, owner, name, *default):
        if default:
            raise UnsafeGlobalError(
                "refusing getattr with a default from checkpoint {}"
                .format(self.allow_list.source))
        if not isinstance(name, str) or name.startswith('_'):
            raise UnsafeGlobalError(
                "refusing getattr({!r}, {!r}) from checkpoint {}: only "
                "public attributes may be looked up".format(
                    type(owner).__name__, name, self.allow_list.source))
        if isinstance(owner, types.ModuleType):
            raise UnsafeGlobalError(
                "refusing getattr(<module {}>, {!r}) from checkpoint {}"
                .format(owner.__name__, name, self.allow_list.source))
        owner_class = owner if isinstance(owner, type) else type(owner)
        self.allow_list.check(owner_class.__module__, owner_class.__qualname__)
        for klass in owner_class.__mro__:
            if name in vars(klass):
                self.allow_list.check(
                    klass.__module__, '{}.{}'.format(klass.__qualname__, name))
                break
        result = getattr(owner, name)
        self.allow_list.check_object(result, owner_class.__module__,
                                     '{}.{}'.format(owner_class.__qualname__,
                                                    name))
        return result


def _read_array(zip_file, member, source):
    try:
        with zip_file.open(member) as handle:
            return numpy.lib.format.read_array(handle, allow_pickle=False)
    except KeyError as exc:
        raise CheckpointError("checkpoint {} has no member {!r}".format(
            source, member)) from exc
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise CheckpointError("checkpoint {}: member {!r} is corrupt: {}"
                              .format(source, member, exc)) from exc


class _SafeUnpicklerMixin:
    """Resolve globals through the allow-list, arrays from npy members."""
    def _setup(self, zip_file, allow_list):
        self.zip_file = zip_file
        self.allow_list = allow_list
        self.arrays = {}
        self.guarded_getattr = _GuardedGetattr(allow_list)

    def find_class(self, module, name):
        self.allow_list.check(module, name)
        if (module, name) == ('builtins', 'getattr'):
            return self.guarded_getattr
        try:
            obj = super().find_class(module, name)
        except (ImportError, AttributeError) as exc:
            raise CheckpointError(
                "checkpoint {} refers to {}.{}, which cannot be found: {} "
                "(is the code that wrote the checkpoint importable?)".format(
                    self.allow_list.source, module, name, exc)) from exc
        self.allow_list.check_object(obj, module, name)
        return obj

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 2 and
                pid[0] == 'ndarray' and isinstance(pid[1], str) and
                pid[1].endswith(ARRAY_SUFFIX)):
            raise CheckpointError("checkpoint {}: unknown persistent id {!r}"
                                  .format(self.allow_list.source, pid))
        member = pid[1]
        if member not in self.arrays:
            self.arrays[member] = _read_array(self.zip_file, member,
                                              self.allow_list.source)
        return self.arrays[member]


class _SafeUnpickler(_SafeUnpicklerMixin, pickle.Unpickler):
    pass


class _SafePythonUnpickler(_SafeUnpicklerMixin, pickle._Unpickler):
    pass
