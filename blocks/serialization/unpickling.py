"""The restricted unpickler: it constructs only what the table allows.

:class:`RestrictedUnpickler` is Python's own pickle machine with the
opcodes that name, call, create and fill objects replaced:

``GLOBAL``, ``STACK_GLOBAL``
    look the ``(module, name)`` pair up in the table
    (:class:`~blocks.serialization.table.Trust`), exactly; nothing is
    imported or looked up that the table or the user did not list.
``REDUCE``
    calls only callables of the table that may be called, after checking
    their arguments where that matters (``getattr`` is replaced by a guard
    that returns only the methods the table names and the application
    methods of bricks; ``functools.partial`` only wraps callables of the
    table; NumPy's array reconstructor only makes arrays).
``NEWOBJ``, ``NEWOBJ_EX``
    create instances only of classes the table lists as objects.
``BUILD``
    fills only instances of classes the table allows to be filled, never a
    class, module or function, and never with a double-underscore
    attribute. Aesara ``Op`` s and types are not filled with the pickled
    state at all: they are constructed again from their defining
    parameters (``__props__``), so that attributes such as C source code
    or NumPy function names cannot be smuggled into them.
``APPEND(S)``, ``SETITEM(S)``, ``ADDITEMS``
    only on lists, dicts and sets.
``INST``, ``OBJ``, ``EXT1/2/4``
    refused (protocols 0 and 1 and the extension registry, which Blocks
    never writes).

A refusal raises :class:`~blocks.serialization.UnsafeGlobalError` naming
the global or the opcode; nothing the pickle asked for afterwards is run.

"""
import builtins
import functools
import inspect
import io
import dataclasses
import pickle
import types

import numpy

from blocks.serialization.common import (
    CheckpointError, UnsafeGlobalError, blocks_refusal_explanation,
    library_refusal_explanation,
    main_refusal_explanation, refusal_explanation)
from blocks.serialization.table import PROTECTED_PACKAGES, Trust, TrustError

_FORBIDDEN_TARGETS = (type, types.ModuleType, types.FunctionType,
                      types.BuiltinFunctionType, types.MethodType,
                      types.BuiltinMethodType, types.CodeType,
                      types.FrameType, property, staticmethod, classmethod)

#: Base types that ``copyreg._reconstructor`` may initialise from.
_RECONSTRUCTOR_BASES = (object, list, dict, tuple, set, frozenset, int,
                        float, complex, str, bytes)


def _name_of(obj):
    if isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType)):
        return '{}.{}'.format(getattr(obj, '__module__', '?'),
                              getattr(obj, '__qualname__', '?'))
    return 'a {}.{}'.format(type(obj).__module__, type(obj).__qualname__)


def _is_dunder(name):
    return name.startswith('__') and name.endswith('__')


class _GuardedGetattr:
    """``getattr`` for unpickling: only the methods the table allows."""
    def __init__(self, unpickler):
        self.unpickler = unpickler

    def __call__(self, owner, name, *default):
        unpickler = self.unpickler
        if default or not isinstance(name, str) or \
                not unpickler.trust.allows_method(owner, name):
            unpickler.refuse("getattr({}, {!r})".format(_name_of(owner),
                                                        name),
                             ": only the methods listed in the table and the "
                             "application methods of bricks may be looked "
                             "up")
        return getattr(owner, name)


def _unbroadcast_arguments(state):
    return tuple(state.get('axes', ())), {}


def _axis_list_arguments(state):
    axis = state.get('axis')
    return (), {'axis': None if axis is None else list(axis)}


#: Ops whose constructor does not take their ``__props__`` as stored.
_ADAPTERS = {
    ('aesara.tensor.shape', 'Unbroadcast'): _unbroadcast_arguments,
    ('aesara.tensor.math', 'MaxAndArgmax'): _axis_list_arguments,
}


def _init_parameters(cls):
    try:
        parameters = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return ()
    return tuple(name for name, parameter in parameters.items()
                 if name != 'self' and parameter.kind in (
                     parameter.POSITIONAL_OR_KEYWORD,
                     parameter.KEYWORD_ONLY))


def _same(first, second):
    try:
        if isinstance(first, numpy.ndarray) or \
                isinstance(second, numpy.ndarray):
            return numpy.array_equal(first, second)
        return bool(first == second)
    except Exception:
        return False


def _rebuild_graph_object(obj, state, refuse):
    """Construct an Aesara ``Op`` or type again with its constructor.

    Only its defining parameters (``__props__``, or for the scalar ops,
    which have none, the parameters of their constructor) are taken from
    the pickle; everything else, C code and NumPy function names included,
    is what the constructor makes. The defining parameters of the result
    must equal the pickled ones, so that the object is the one that was
    pickled.

    """
    cls = type(obj)
    if state is None:
        state = {}
    if not isinstance(state, dict):
        refuse("opcode BUILD on {} with a state that is not a dict".format(
            _name_of(obj)))
    props = getattr(cls, '__props__', None)
    adapter = _ADAPTERS.get((cls.__module__, cls.__qualname__))
    if adapter is not None:
        args, kwargs = adapter(state)
    else:
        parameters = _init_parameters(cls)
        accepted = props if props is not None else parameters
        args = ()
        kwargs = {name: state[name] for name in parameters
                  if name in state and name in accepted}
    cls.__init__(obj, *args, **kwargs)
    checked = props if props is not None else ('output_types_preference',)
    for name in checked:
        if name in state and not _same(getattr(obj, name, None),
                                       state[name]):
            refuse("opcode BUILD on {}: its {} {!r} is not what its "
                   "constructor makes ({!r})".format(
                       _name_of(obj), name, state[name],
                       getattr(obj, name, None)))


def _rebuild_scan(obj, state, refuse):
    """Construct a ``Scan`` op again from its inner graph and its info."""
    if not isinstance(state, dict):
        refuse("BUILD of a Scan with a state that is not a dict", "")
    fgraph = state.get('fgraph')
    info = state.get('info')
    if fgraph is None or info is None:
        refuse("BUILD of a Scan without its inner graph and info", "")
    type(obj).__init__(
        obj, list(fgraph.inputs), list(fgraph.outputs), info,
        truncate_gradient=state.get('truncate_gradient', -1),
        name=state.get('name'), as_while=state.get('as_while', False),
        allow_gc=state.get('allow_gc', True),
        strict=state.get('strict', True))


#: The options of a ``Scan`` that :func:`scan_from_inner_graph` passes on.
SCAN_OPTIONS = ('truncate_gradient', 'name', 'as_while', 'allow_gc', 'strict')


def scan_from_inner_graph(inputs, outputs, info, options):
    """Construct a ``Scan`` Op from its inner graph, its info and options.

    Blocks' pickler writes ``Scan`` Ops as a call of this function instead
    of their ``__dict__`` (which holds the inner function graph, its
    features and a compilation mode), so that unpickling a loop
    constructs nothing but variables, a ``ScanInfo`` of plain integers and
    the Op itself (see :func:`scan_reduction`).

    """
    from aesara.scan.op import Scan, ScanInfo
    return Scan(list(inputs), list(outputs), ScanInfo(**info), **options)


def scan_reduction(op):
    """What Blocks' pickler writes for a ``Scan`` Op."""
    info = {field.name: getattr(op.info, field.name)
            for field in dataclasses.fields(op.info)}
    options = {name: getattr(op, name) for name in SCAN_OPTIONS
               if hasattr(op, name)}
    return scan_from_inner_graph, (list(op.inner_inputs),
                                   list(op.inner_outputs), info, options)


def _plain(value):
    """Whether a value is made of ints, bools and tuples only."""
    if isinstance(value, tuple):
        return all(_plain(item) for item in value)
    return isinstance(value, (int, bool))


def _refuser(opcode):
    """The handler of an opcode that is always refused."""
    def refuse_opcode(unpickler):
        unpickler.refuse("opcode {}".format(opcode),
                         ": checkpoints written by Blocks never use it")
    return refuse_opcode


class RestrictedUnpickler(pickle._Unpickler):
    """Unpickles only what a :class:`~blocks.serialization.table.Trust`
    allows.

    Parameters
    ----------
    file : file
        The pickle, open for binary reading.
    trust : :class:`~blocks.serialization.table.Trust`
        The table and what the user added to it.
    source : str
        The checkpoint and member, for messages.
    persistent_load : callable, optional
        Returns the object of a persistent id (the arrays of npy members).

    """
    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file, trust=None, source='<pickle>',
                 persistent_load=None):
        super().__init__(file, fix_imports=False)
        self.trust = trust if trust is not None else Trust()
        self.source = source
        self._persistent = persistent_load
        self._entries = {}
        self._getattr = _GuardedGetattr(self)

    def refuse(self, what, explanation=None):
        """Raise :class:`UnsafeGlobalError` about ``what``."""
        if explanation is None:
            explanation = ''
        raise UnsafeGlobalError("refusing {} in checkpoint {}{}".format(
            what, self.source, explanation))

    def persistent_load(self, pid):
        if self._persistent is None:
            self.refuse("the persistent id {!r}".format(pid),
                        ": this pickle has no archive to read it from")
        return self._persistent(pid)

    # Naming globals -------------------------------------------------------

    def find_class(self, module, name):
        if not isinstance(module, str) or not isinstance(name, str):
            self.refuse("a global named by {!r} and {!r}".format(module,
                                                                 name))
        try:
            entry = self.trust.lookup(module, name)
        except TrustError:
            full_name = '{}.{}'.format(module, name)
            top = module.split('.')[0]
            if module == '__main__':
                explanation = main_refusal_explanation
            elif top == 'blocks':
                explanation = blocks_refusal_explanation.format(
                    name=full_name)
            elif top in PROTECTED_PACKAGES:
                explanation = library_refusal_explanation.format(
                    name=full_name, top=top)
            else:
                explanation = refusal_explanation.format(name=full_name)
            self.refuse("global {}".format(full_name), explanation)
        except (ImportError, AttributeError) as exc:
            raise CheckpointError(
                "checkpoint {} refers to {}.{}, which cannot be found: {} "
                "(is the code that wrote the checkpoint importable?)".format(
                    self.source, module, name, exc)) from exc
        if entry.obj is builtins.getattr:
            self._entries[id(self._getattr)] = entry
            return self._getattr
        self._entries[id(entry.obj)] = entry
        return entry.obj

    def _entry(self, obj):
        entry = self._entries.get(id(obj))
        if entry is not None and (entry.obj is obj or
                                  obj is self._getattr):
            return entry
        return None

    # Calling ---------------------------------------------------------------

    def load_reduce(self):
        stack = self.stack
        args = stack.pop()
        func = stack[-1]
        entry = self._entry(func)
        if entry is None or not entry.call:
            self.refuse("opcode REDUCE (a call) of {}".format(
                _name_of(func)), ": only the callables of the table may be "
                "called")
        if not isinstance(args, tuple):
            self.refuse("opcode REDUCE of {} with arguments that are not a "
                        "tuple".format(_name_of(func)))
        if entry.check is not None:
            getattr(self, '_check_' + entry.check)(func, args)
        stack[-1] = func(*args)
    dispatch[pickle.REDUCE[0]] = load_reduce

    def _check_getattr(self, func, args):
        if len(args) != 2:
            self.refuse("getattr with {} arguments".format(len(args)))

    def _check_iter(self, func, args):
        if len(args) != 1 or not isinstance(args[0], (list, tuple, range)):
            self.refuse("iter() of something other than a list, tuple or "
                        "range")

    def _trusted_callable(self, obj):
        entry = self._entry(obj)
        return entry is not None and entry.call

    def _check_defaultdict(self, func, args):
        if args and args[0] is not None and \
                self._entry(args[0]) is None:
            self.refuse("a defaultdict whose factory {} is not in the table"
                        .format(_name_of(args[0])))

    def _check_partial(self, func, args):
        if not args or not self._trusted_callable(args[0]):
            self.refuse("functools.partial of {}, which is not a callable "
                        "of the table".format(
                            _name_of(args[0]) if args else 'nothing'))

    def _check_reconstruct(self, func, args):
        if not args or args[0] is not numpy.ndarray:
            self.refuse("numpy's array reconstructor for {}".format(
                _name_of(args[0]) if args else 'nothing'))

    def _check_reconstructor(self, func, args):
        if len(args) != 3:
            self.refuse("copyreg._reconstructor with {} arguments".format(
                len(args)))
        cls, base, _ = args
        entry = self._entry(cls)
        if entry is None or not entry.new or \
                base not in _RECONSTRUCTOR_BASES:
            self.refuse("copyreg._reconstructor of {} from {}".format(
                _name_of(cls), _name_of(base)))

    def _check_generator(self, func, args):
        from numpy.random import _pickle as numpy_pickle
        if len(args) > 2 or (args and not isinstance(args[0], str)) or (
                len(args) == 2 and
                args[1] is not vars(numpy_pickle)['__bit_generator_ctor']):
            self.refuse("a NumPy random generator made by {!r}".format(args))

    def _check_seed_sequence(self, func, args):
        from numpy.random import SeedSequence
        if len(args) != 3 or args[0] is not SeedSequence or \
                not isinstance(args[1], int) or \
                not isinstance(args[2], (tuple, type(None))):
            self.refuse("numpy's SeedSequence reconstructor with {}".format(
                ', '.join(_name_of(arg) for arg in args)))

    def _check_scan(self, func, args):
        from aesara.graph.basic import Variable
        from aesara.scan.op import ScanInfo
        fields = {field.name for field in dataclasses.fields(ScanInfo)}
        if len(args) != 4 or not all(
                isinstance(group, list) and
                all(isinstance(variable, Variable) for variable in group)
                for group in args[:2]):
            self.refuse("a Scan whose inner graph is not two lists of "
                        "variables")
        info, options = args[2], args[3]
        if not isinstance(info, dict) or set(info) != fields or \
                not all(_plain(value) for value in info.values()):
            self.refuse("a Scan with the info {!r}".format(info))
        if not isinstance(options, dict) or \
                not set(options) <= set(SCAN_OPTIONS) or not all(
                    value is None or isinstance(value, (int, bool, str))
                    for value in options.values()):
            self.refuse("a Scan with the options {!r}".format(options))

    def _check_nominal(self, func, args):
        from aesara.graph.type import Type
        if len(args) != 2 or not isinstance(args[0], int) or \
                not isinstance(args[1], Type):
            self.refuse("a NominalVariable made of {}".format(
                ', '.join(_name_of(arg) for arg in args)))

    # Creating --------------------------------------------------------------

    def _check_new(self, cls, opcode):
        entry = self._entry(cls)
        if entry is None or not entry.new or not isinstance(cls, type):
            self.refuse("opcode {} of {}".format(opcode, _name_of(cls)),
                        ": only the classes of the table may be "
                        "instantiated")

    def load_newobj(self):
        args = self.stack.pop()
        cls = self.stack.pop()
        self._check_new(cls, 'NEWOBJ')
        if not isinstance(args, tuple):
            self.refuse("opcode NEWOBJ of {} with arguments that are not a "
                        "tuple".format(_name_of(cls)))
        self.append(cls.__new__(cls, *args))
    dispatch[pickle.NEWOBJ[0]] = load_newobj

    def load_newobj_ex(self):
        kwargs = self.stack.pop()
        args = self.stack.pop()
        cls = self.stack.pop()
        self._check_new(cls, 'NEWOBJ_EX')
        if not isinstance(args, tuple) or not isinstance(kwargs, dict):
            self.refuse("opcode NEWOBJ_EX of {} with malformed arguments"
                        .format(_name_of(cls)))
        self.append(cls.__new__(cls, *args, **kwargs))
    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex

    for _opcode in ('INST', 'OBJ', 'EXT1', 'EXT2', 'EXT4'):
        dispatch[getattr(pickle, _opcode)[0]] = _refuser(_opcode)
    del _opcode

    # Filling ---------------------------------------------------------------

    def load_build(self):
        state = self.stack.pop()
        inst = self.stack[-1]
        if isinstance(inst, _FORBIDDEN_TARGETS):
            self.refuse("opcode BUILD on {}".format(_name_of(inst)),
                        ": classes, modules and functions are never "
                        "modified")
        cls = type(inst)
        entry = self.trust.entry_of_class(cls)
        if entry is None or not entry.build:
            self.refuse("opcode BUILD on an instance of {}.{}".format(
                cls.__module__, cls.__qualname__),
                ": only instances of the classes of the table may be filled")
        from aesara.graph.op import Op
        from aesara.graph.type import Type
        from aesara.scan.op import Scan
        if isinstance(inst, Scan):
            _rebuild_scan(inst, state, self.refuse)
            return
        if isinstance(inst, (Op, Type)) and not entry.user:
            _rebuild_graph_object(inst, state, self.refuse)
            return
        if cls is functools.partial:
            if not (isinstance(state, tuple) and state and
                    self._trusted_callable(state[0])):
                self.refuse("functools.partial filled with a callable that "
                            "is not in the table")
        self._check_constant(inst, state)
        setstate = getattr(cls, '__setstate__', None)
        if setstate is not None:
            setstate(inst, state)
            return
        slot_state = None
        if isinstance(state, tuple) and len(state) == 2:
            state, slot_state = state
        if state:
            if not isinstance(state, dict):
                self.refuse("opcode BUILD on {} with a state that is not a "
                            "dict".format(_name_of(inst)))
            instance_dict = inst.__dict__
            for key, value in state.items():
                self._check_attribute(inst, key)
                instance_dict[key] = value
        if slot_state:
            if not isinstance(slot_state, dict):
                self.refuse("opcode BUILD on {} with slots that are not a "
                            "dict".format(_name_of(inst)))
            for key, value in slot_state.items():
                self._check_attribute(inst, key)
                setattr(inst, key, value)
    dispatch[pickle.BUILD[0]] = load_build

    def _check_attribute(self, inst, key):
        if not isinstance(key, str) or _is_dunder(key):
            self.refuse("opcode BUILD setting the attribute {!r} of {}"
                        .format(key, _name_of(inst)),
                        ": double-underscore attributes are never set")

    def _check_constant(self, inst, state):
        from aesara.graph.basic import Constant
        if isinstance(inst, Constant) and isinstance(state, dict):
            data = state.get('data')
            if isinstance(data, numpy.ndarray) and data.dtype.hasobject:
                self.refuse("an Aesara constant holding Python objects")

    # Containers ------------------------------------------------------------

    def load_append(self):
        value = self.stack.pop()
        target = self.stack[-1]
        if not isinstance(target, list):
            self.refuse("opcode APPEND to {}".format(_name_of(target)))
        target.append(value)
    dispatch[pickle.APPEND[0]] = load_append

    def load_appends(self):
        items = self.pop_mark()
        target = self.stack[-1]
        if not isinstance(target, list):
            self.refuse("opcode APPENDS to {}".format(_name_of(target)))
        target.extend(items)
    dispatch[pickle.APPENDS[0]] = load_appends

    def load_setitem(self):
        value = self.stack.pop()
        key = self.stack.pop()
        target = self.stack[-1]
        if not isinstance(target, dict):
            self.refuse("opcode SETITEM on {}".format(_name_of(target)))
        target[key] = value
    dispatch[pickle.SETITEM[0]] = load_setitem

    def load_setitems(self):
        items = self.pop_mark()
        target = self.stack[-1]
        if not isinstance(target, dict):
            self.refuse("opcode SETITEMS on {}".format(_name_of(target)))
        for index in range(0, len(items), 2):
            target[items[index]] = items[index + 1]
    dispatch[pickle.SETITEMS[0]] = load_setitems

    def load_additems(self):
        items = self.pop_mark()
        target = self.stack[-1]
        if not isinstance(target, set):
            self.refuse("opcode ADDITEMS on {}".format(_name_of(target)))
        target.update(items)
    dispatch[pickle.ADDITEMS[0]] = load_additems


def restricted_loads(data, allowed=(), source='<bytes>'):
    """Unpickle bytes with the restricted unpickler (no persistent ids).

    Parameters
    ----------
    data : bytes
        The pickle.
    allowed : iterable, optional
        See :class:`~blocks.serialization.table.Trust`.
    source : str, optional
        Where the bytes come from, for messages.

    Examples
    --------
    >>> import pickle
    >>> restricted_loads(pickle.dumps((1, 'two', [3.0])))
    (1, 'two', [3.0])
    >>> restricted_loads(b"cos\\nsystem\\n(Vecho pwned\\ntR.")
    Traceback (most recent call last):
    ...
    blocks.serialization.UnsafeGlobalError: refusing global os.system in \
checkpoint <bytes>: it is not in the table of trusted globals...

    """
    return RestrictedUnpickler(io.BytesIO(data), Trust(allowed),
                               source).load()

