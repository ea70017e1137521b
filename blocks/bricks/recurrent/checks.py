"""Checks of the arguments of recurrent applications.

They use the static types of the variables: the number of axes always, the
lengths of axes where Aesara knows them. Where it does not, the lengths of
the sequences are compared by an assertion in the graph.

"""
import numbers
from collections import OrderedDict

from aesara import tensor
from aesara.graph.basic import Variable
from aesara.raise_op import Assert
from aesara.tensor.basic import tensor_copy


def expected_dim(brick, name):
    """The brick's ``get_dim(name)`` as a tuple of axis lengths, or None."""
    try:
        dim = brick.get_dim(name)
    except Exception:
        return None
    if isinstance(dim, numbers.Integral) and not isinstance(dim, bool):
        return () if dim == 0 else (int(dim),)
    if isinstance(dim, tuple) and all(isinstance(length, numbers.Integral)
                                      for length in dim):
        return tuple(int(length) for length in dim)
    return None


def check_argument(brick, names, name, value, leading, kind='sequence'):
    """Check the number of axes and the feature axes of an argument.

    ``leading`` is the number of axes before the features: 2 (time, batch)
    for a sequence with iterate=True, 1 (batch) for a state or a step's
    input.

    """
    if not isinstance(value, Variable) or not hasattr(value.type, 'ndim'):
        return
    expected = expected_dim(brick, name)
    if expected is None:
        return
    ndim = leading + len(expected)
    axes = ('time, batch' if leading == 2 else 'batch') + \
        (', features' if expected else '')
    where = "{}: argument {!r}".format(names.where, name)
    if value.type.ndim != ndim:
        if kind == 'state':
            context = "a state"
        elif leading == 2:
            context = "a sequence with iterate=True"
        else:
            context = "one step (iterate=False)"
        raise ValueError(
            "{} must be a {}-dimensional tensor ({}) for {}, got {} with {} "
            "dimension(s)".format(where, ndim, axes, context,
                                  _given(value), value.type.ndim))
    static = value.type.shape[leading:]
    for axis, (given, wanted) in enumerate(zip(static, expected)):
        if given is not None and given != wanted:
            raise ValueError(
                "{}: axis {} of {} has length {}, expected {} (the brick's "
                "get_dim({!r}){})".format(
                    where, leading + axis, _given(value), given, wanted, name,
                    _dim_note(brick, name)))


def _given(value):
    """The user's variable behind the copy an application tagged."""
    while value.owner is not None and value.owner.op == tensor_copy and \
            getattr(value.tag, 'roles', None):
        value = value.owner.inputs[0]
    if value.name:
        return value.name
    return 'an unnamed {}'.format(value.type)


def _dim_note(brick, name):
    note = getattr(brick, 'dim_notes', {}).get(name)
    return ' = {}'.format(note) if note else ''


def check_sequence_shapes(names, sequences):
    """Check that all sequences agree on their number of steps and
    examples: statically where the shapes are known, with an assertion in
    the graph otherwise (scan would silently use the shortest)."""
    items = list(sequences.items())
    reference_name, reference = next(
        ((name, value) for name, value in items if name != 'mask'),
        items[0])
    checked = OrderedDict()
    for name, value in items:
        if value is reference or value.ndim < 2 or reference.ndim < 2:
            checked[name] = value
            continue
        for axis, what in ((0, 'steps'), (1, 'examples')):
            given = value.type.shape[axis]
            wanted = reference.type.shape[axis]
            if given is not None and wanted is not None and given != wanted:
                raise ValueError(
                    "{}: argument {!r} has {} {} (axis {} of {}), but the "
                    "sequence {!r} has {}; all sequences, masks included, "
                    "are (time, batch, ...) with the same time and batch "
                    "lengths".format(names.where, name, given, what, axis,
                                     _given(value), reference_name, wanted))
        message = ("{}: the sequence {!r} and the sequence {!r} differ in "
                   "their number of steps or examples (axes 0 and 1)".format(
                       names.where, name, reference_name))
        checked[name] = Assert(message)(
            value, tensor.eq(value.shape[0], reference.shape[0]),
            tensor.eq(value.shape[1], reference.shape[1]))
    return checked
