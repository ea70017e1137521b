"""General helpers: packing arguments, dictionaries, errors, hooks.

Nothing here depends on Aesara; the helpers for Aesara variables are in
:mod:`blocks.utils.aesara_utils`. Both are re-exported by
:mod:`blocks.utils`.

"""
import sys
from collections import OrderedDict
from contextlib import contextmanager

__all__ = ['pack', 'unpack', 'dict_subset', 'dict_union', 'repr_attrs',
           'reraise_as', 'change_recursion_limit', 'extract_args',
           'ipdb_breakpoint', 'print_sum', 'print_shape', 'find_bricks']


def pack(arg):
    """Pack variables into a list.

    Parameters
    ----------
    arg : object
        Either a list or tuple, or any other Python object. Lists are
        returned as is, tuples are cast to lists, anything else is put in a
        singleton list.

    Returns
    -------
    list

    Examples
    --------
    >>> pack((1, 2))
    [1, 2]
    >>> pack(3)
    [3]

    """
    if isinstance(arg, (list, tuple)):
        return list(arg)
    return [arg]


def unpack(arg, singleton=False):
    """Unpack variables from a list or tuple.

    Parameters
    ----------
    arg : object
        A list or tuple of length one is replaced by its only element; a
        longer tuple is cast to a list; anything else is returned as is.
    singleton : bool
        If True, ``arg`` must hold exactly one element.

    Raises
    ------
    ValueError
        If ``singleton`` is True and ``arg`` is not a singleton.

    Examples
    --------
    >>> unpack([1])
    1
    >>> unpack((1, 2))
    [1, 2]

    """
    if isinstance(arg, (list, tuple)):
        if len(arg) == 1:
            return arg[0]
        if singleton:
            raise ValueError("expected a singleton, got {!r}".format(arg))
        return list(arg)
    if singleton:
        raise ValueError("expected a singleton, got {!r}".format(arg))
    return arg


def dict_subset(dict_, keys, pop=False, must_have=True):
    """Return a subset of a dictionary corresponding to a set of keys.

    Parameters
    ----------
    dict_ : dict
        The dictionary.
    keys : iterable
        The keys of interest.
    pop : bool
        If True, the pairs are popped from the dictionary.
    must_have : bool
        If True, a missing key raises ``KeyError``; otherwise it is skipped.

    Returns
    -------
    OrderedDict
        The pairs, in the order of ``keys``.

    """
    if not pop:
        getter = dict_.__getitem__
    else:
        getter = dict_.pop
    result = OrderedDict()
    for key in keys:
        if key in dict_:
            result[key] = getter(key)
        elif must_have:
            raise KeyError(key)
    return result


def dict_union(*dicts, **kwargs):
    """Return the union of disjoint dictionaries.

    Parameters
    ----------
    \\*dicts : dicts
        Dictionaries with no keys in common. If the first one is an
        ``OrderedDict``, so is the result.
    \\*\\*kwargs
        Further pairs to add.

    Raises
    ------
    ValueError
        If a key appears twice.

    Examples
    --------
    >>> dict_union({'a': 1}, {'b': 2}, c=3) == {'a': 1, 'b': 2, 'c': 3}
    True

    """
    dicts = list(dicts)
    if dicts and isinstance(dicts[0], OrderedDict):
        result = OrderedDict()
    else:
        result = {}
    for dictionary in dicts + [kwargs]:
        duplicates = set(result.keys()) & set(dictionary.keys())
        if duplicates:
            raise ValueError("The dictionaries share the keys: {}".format(
                sorted(map(str, duplicates))))
        result.update(dictionary)
    return result


def repr_attrs(instance, *attrs):
    r"""Represent an object with some of its attributes.

    Parameters
    ----------
    instance : object
        The object to represent.
    \*attrs
        Names of the attributes to show.

    Examples
    --------
    >>> class A:
    ...     def __init__(self, value):
    ...         self.value = value
    >>> repr_attrs(A('a_value'), 'value')  # doctest: +ELLIPSIS
    '<blocks.utils.utils.A object at ...: value=a_value>'

    """
    orig_repr_template = ("<{0.__class__.__module__}.{0.__class__.__name__} "
                          "object at {1:#x}")
    if attrs:
        repr_template = (orig_repr_template + ": " +
                         ", ".join(["{0}={{0.{0}}}".format(attr)
                                    for attr in attrs]))
    else:
        repr_template = orig_repr_template
    repr_template += '>'
    orig_repr_template += '>'
    try:
        return repr_template.format(instance, id(instance))
    except Exception:
        return orig_repr_template.format(instance, id(instance))


def reraise_as(new_exc):
    """Reraise the exception being handled as a different one.

    The original exception stays attached as ``__cause__``, so its
    traceback is kept.

    Parameters
    ----------
    new_exc : Exception or str
        The new exception, or a string prepended to the original message.

    Examples
    --------
    >>> try:
    ...     1 / 0
    ... except Exception:
    ...     reraise_as(ValueError("Informative message"))
    Traceback (most recent call last):
      ...
    ValueError: Informative message
    <BLANKLINE>
    Original exception:
        ZeroDivisionError: division by zero

    """
    orig_exc_type, orig_exc_value, orig_exc_traceback = sys.exc_info()
    if isinstance(new_exc, str):
        new_exc = orig_exc_type(new_exc)
    if hasattr(new_exc, 'args') and orig_exc_value is not None:
        if len(new_exc.args) > 0:
            new_message = ", ".join(str(arg) for arg in new_exc.args)
        else:
            new_message = ""
        original = ", ".join(str(arg) for arg in orig_exc_value.args)
        new_message += ("\n\nOriginal exception:\n\t" +
                        orig_exc_type.__name__ + ": " + original)
        new_exc.args = (new_message,)
    raise new_exc.with_traceback(orig_exc_traceback) from orig_exc_value


@contextmanager
def change_recursion_limit(limit):
    """Temporarily change the recursion limit."""
    old_limit = sys.getrecursionlimit()
    if old_limit < limit:
        sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        sys.setrecursionlimit(old_limit)


def extract_args(expected, *args, **kwargs):
    r"""Route keyword and positional arguments to a list of names.

    Parameters
    ----------
    expected : list of str
        The names of the expected arguments, in order.
    \*args
        Positional arguments that have been passed.
    \*\*kwargs
        Keyword arguments that have been passed.

    Returns
    -------
    OrderedDict
        Maps the names in ``expected`` to their values.

    Raises
    ------
    KeyError
        If a keyword argument is not in ``expected``.
    TypeError
        If an argument is given both positionally and by keyword.
    ValueError
        If an expected argument receives no value.

    Examples
    --------
    >>> dict(extract_args(['a', 'b'], 1, b=2))
    {'a': 1, 'b': 2}

    """
    routed_args = OrderedDict()
    for name, value in zip(expected, args):
        routed_args[name] = value
    if len(args) > len(expected):
        raise TypeError("got {} positional arguments, expected at most {}: "
                        "{}".format(len(args), len(expected), expected))
    for name, value in kwargs.items():
        if name not in expected:
            raise KeyError("unexpected keyword argument {!r}; expected one "
                           "of {}".format(name, expected))
        if name in routed_args:
            raise TypeError("argument {!r} given both positionally and by "
                            "keyword".format(name))
        routed_args[name] = value
    missing = [name for name in expected if name not in routed_args]
    if missing:
        raise ValueError("no value given for: {}".format(missing))
    return OrderedDict((name, routed_args[name]) for name in expected)


def ipdb_breakpoint(x):
    """A hook function for :func:`put_hook` that enters the debugger."""
    import pdb
    pdb.set_trace()


def print_sum(x, header=None):
    """A hook for :func:`put_hook` that prints the sum of a value."""
    if not header:
        header = 'print_sum'
    print(header + ':', x.sum())


def print_shape(x, header=None):
    """A hook for :func:`put_hook` that prints the shape of a value."""
    if not header:
        header = 'print_shape'
    print(header + ':', x.shape)


def find_bricks(top_bricks, predicate):
    """Walk the brick hierarchy, returning bricks satisfying a predicate.

    Parameters
    ----------
    top_bricks : list
        The bricks to start from.
    predicate : callable
        Takes a brick, returns True for those to keep.

    Returns
    -------
    list
        Each brick of the hierarchies that satisfies ``predicate``, once,
        in breadth-first order.

    """
    found = []
    visited = set()
    to_visit = list(top_bricks)
    while to_visit:
        current = to_visit.pop(0)
        if id(current) in visited:
            continue
        visited.add(id(current))
        if predicate(current):
            found.append(current)
        to_visit.extend(current.children)
    return found
