"""A text summary of a model: its bricks, parameters and output shapes.

:func:`model_summary` is what :meth:`Model.summary
<blocks.model.Model.summary>` returns.

"""
import numpy
import aesara

from blocks.bricks.base import ApplicationCall
from blocks.filter import get_annotation
from blocks.roles import OUTPUT, PARAMETER, has_roles

_HEADER = ('Brick / parameter', 'Type / roles', 'Shape', 'Parameters')

missing_shape_error = """\
Model.summary: input_shapes has no shape for the input {name!r}; give one \
for every input of the graph ({inputs}), e.g. {{'features': (10, 784)}}"""


def _roles(variable):
    return ', '.join(repr(role) for role in getattr(variable.tag, 'roles',
                                                    []))


def _walk(bricks):
    """Yield the bricks of hierarchies depth-first, each brick once."""
    seen = set()
    stack = list(reversed(bricks))
    while stack:
        brick = stack.pop()
        if id(brick) in seen:
            continue
        seen.add(id(brick))
        yield brick
        stack.extend(reversed(brick.children))


def output_shapes(model, input_shapes):
    """Compute the shapes of the outputs of every application call.

    Parameters
    ----------
    model : :class:`~blocks.model.Model`
        The model.
    input_shapes : dict
        Maps the name of every input of the graph to a shape.

    Returns
    -------
    dict
        Maps ``id(brick)`` to a list of ``(application name, shapes)``
        pairs, one per call, in the order of the graph.

    """
    inputs = model.inputs
    values = []
    for variable in inputs:
        if variable.name not in input_shapes:
            raise ValueError(missing_shape_error.format(
                name=variable.name, inputs=', '.join(
                    repr(input_.name) for input_ in inputs)))
        shape = tuple(input_shapes[variable.name])
        if len(shape) != variable.ndim:
            raise ValueError("Model.summary: the input {!r} has {} "
                             "dimensions, but input_shapes gives it the "
                             "shape {}".format(variable.name, variable.ndim,
                                               shape))
        values.append(numpy.zeros(shape, dtype=variable.dtype))
    calls = []
    outputs = []
    for variable in model.variables:
        call = get_annotation(variable, ApplicationCall)
        if call is not None and has_roles(variable, [OUTPUT]):
            calls.append(call)
            outputs.append(variable)
    if not outputs:
        return {}
    # Python-only compilation: no C code to wait for, and only shapes.
    shapes_of = aesara.function(inputs, [output.shape for output in outputs],
                                mode='FAST_COMPILE',
                                on_unused_input='ignore')
    result = {}
    per_call = {}
    for call, shape in zip(calls, shapes_of(*values)):
        if id(call) not in per_call:
            per_call[id(call)] = []
            brick = call.application.brick
            result.setdefault(id(brick), []).append(
                (call.application.application_name, per_call[id(call)]))
        per_call[id(call)].append(tuple(int(size) for size in shape))
    return result


def model_summary(model, input_shapes=None):
    """Return the summary table of a model, as text.

    See :meth:`blocks.model.Model.summary`.

    """
    shapes = output_shapes(model, input_shapes) if input_shapes else {}
    model_parameters = {id(parameter): parameter
                        for parameter in model.parameters}
    rows = []
    counted = set()
    for brick in _walk(model.get_top_bricks()):
        rows.append((brick.get_path(), type(brick).__name__, '', ''))
        for name, calls in shapes.get(id(brick), []):
            rows.append(('  {}()'.format(name), 'output',
                         ', '.join(str(shape) for shape in calls), ''))
        for parameter in brick.parameters:
            if id(parameter) not in model_parameters:
                continue
            counted.add(id(parameter))
            value = parameter.get_value(borrow=True)
            rows.append(('  .' + parameter.name, _roles(parameter),
                         str(value.shape), '{:,}'.format(value.size)))
    others = [parameter for parameter in model.parameters
              if id(parameter) not in counted]
    for parameter in others:
        value = parameter.get_value(borrow=True)
        rows.append((parameter.name or 'unnamed', _roles(parameter),
                     str(value.shape), '{:,}'.format(value.size)))
    total = sum(parameter.get_value(borrow=True).size
                for parameter in model.parameters)
    state = [variable for variable in model.shared_variables
             if not has_roles(variable, [PARAMETER])]
    state_total = sum(numpy.size(variable.get_value(borrow=True))
                      for variable in state)
    widths = [max(len(row[column]) for row in rows + [_HEADER])
              for column in range(4)]

    def line(row):
        return '  '.join([row[0].ljust(widths[0]), row[1].ljust(widths[1]),
                          row[2].ljust(widths[2]),
                          row[3].rjust(widths[3])]).rstrip()
    rule = '-' * len(line(_HEADER))
    text = [line(_HEADER), rule] + [line(row) for row in rows] + [rule]
    text.append('Trainable parameters: {:,} in {} arrays'.format(
        total, len(model.parameters)))
    if state:
        text.append('Other shared variables: {:,} values in {} arrays'
                    .format(state_total, len(state)))
    return '\n'.join(text)

