"""Drawings of computation graphs with Graphviz.

:func:`to_dot` writes a :class:`~blocks.graph.ComputationGraph` as DOT
text: the variables that bricks produced are grouped in one cluster per
brick (nested as the bricks are), labelled with their roles. By default
Aesara's internal variables, those without a role or a name, are
collapsed: an edge then joins two shown variables and names the
operations between them. :func:`draw` runs Graphviz's ``dot`` to make an
SVG, PNG or PDF file.

"""
import os
import shutil
import subprocess
import uuid

from aesara.graph.basic import Constant

from blocks.bricks.base import Brick
from blocks.filter import get_annotation
from blocks.utils import is_shared_variable

# Operations named on a collapsed edge before it says "...".
_MAX_OPS_ON_EDGE = 3

no_dot_error = """\
ComputationGraph.draw: Graphviz's `dot` program is not on the PATH; \
install Graphviz (e.g. `apt-get install graphviz`) or write the DOT text \
of to_dot() to a file and render it elsewhere."""


def _quote(text):
    return '"{}"'.format(str(text).replace('\\', '\\\\').replace('"', '\\"')
                         .replace('\n', '\\n'))


def _op_name(node):
    op = node.op
    scalar_op = getattr(op, 'scalar_op', None)
    if scalar_op is not None:
        return type(scalar_op).__name__
    return type(op).__name__


def _label(variable):
    roles = getattr(variable.tag, 'roles', [])
    name = variable.name or type(variable.type).__name__
    if isinstance(variable, Constant):
        name = str(variable.data) if variable.data.size <= 4 else 'constant'
    lines = [name]
    if is_shared_variable(variable):
        lines.append(str(variable.get_value(borrow=True).shape))
    if roles:
        lines.append('[{}]'.format(', '.join(repr(role) for role in roles)))
    return '\n'.join(lines)


def _is_shown(variable, graph):
    """Whether a collapsed drawing shows the variable."""
    return (variable.owner is None or variable in graph.outputs or
            bool(getattr(variable.tag, 'roles', None)) or
            variable.name is not None)


def _brick_path(brick):
    try:
        return brick.get_path()
    except (ValueError, AttributeError):
        return '/' + brick.name


def _ancestors(brick):
    chain = [brick]
    while chain[-1].parents:
        chain.append(chain[-1].parents[0])
    return list(reversed(chain))


def to_dot(graph, collapse=True):
    """Return the DOT text of a computation graph.

    Parameters
    ----------
    graph : :class:`~blocks.graph.ComputationGraph`
        The graph.
    collapse : bool, optional
        Hide Aesara's internal variables (those without roles or names)
        and the operations that compute them (True by default); if False,
        every variable and operation is drawn.

    Returns
    -------
    str
        A ``digraph``: variables are ellipses (parameters filled), the
        operations boxes; one cluster per brick, named
        ``cluster_`` followed by the brick's path.

    """
    variables = [variable for variable in graph.variables
                 if not (collapse and isinstance(variable, Constant))]
    shown = [variable for variable in variables
             if not collapse or _is_shown(variable, graph)]
    ids = {variable: 'v{}'.format(index)
           for index, variable in enumerate(shown)}
    clusters = {}
    members = {}
    loose = []
    for variable in shown:
        brick = get_annotation(variable, Brick)
        if brick is None:
            loose.append(ids[variable])
            continue
        for ancestor in _ancestors(brick):
            clusters.setdefault(id(ancestor), ancestor)
        members.setdefault(id(brick), []).append(ids[variable])
    lines = ['digraph computation_graph {', '  rankdir=TB;',
             '  node [fontsize=10];', '  edge [fontsize=8];']
    for variable in shown:
        style = ', style=filled, fillcolor="#dde8f5"' if \
            is_shared_variable(variable) else ''
        lines.append('  {} [label={}, shape=ellipse{}];'.format(
            ids[variable], _quote(_label(variable)), style))
    edges = []
    if collapse:
        edges = _collapsed_edges(shown, ids)
    else:
        nodes = {}
        for node in graph.applies:
            node_id = 'a{}'.format(len(nodes))
            nodes[node] = node_id
            lines.append('  {} [label={}, shape=box];'.format(
                node_id, _quote(_op_name(node))))
            brick = None
            for output in node.outputs:
                brick = brick or get_annotation(output, Brick)
            if brick is not None:
                members.setdefault(id(brick), []).append(node_id)
                for ancestor in _ancestors(brick):
                    clusters.setdefault(id(ancestor), ancestor)
            for variable in node.inputs:
                if variable in ids:
                    edges.append((ids[variable], node_id, None))
            for variable in node.outputs:
                if variable in ids:
                    edges.append((node_id, ids[variable], None))
    children = {}
    for brick in clusters.values():
        parent = brick.parents[0] if brick.parents else None
        children.setdefault(id(parent) if parent else None, []).append(brick)

    def emit(brick, depth):
        indent = '  ' * depth
        path = _brick_path(brick)
        lines.append('{}subgraph {} {{'.format(indent,
                                               _quote('cluster_' + path)))
        lines.append('{}  label={};'.format(
            indent, _quote('{} ({})'.format(path, type(brick).__name__))))
        lines.append('{}  style=rounded; color="#7f7f7f";'.format(indent))
        for member in members.get(id(brick), []):
            lines.append('{}  {};'.format(indent, member))
        for child in children.get(id(brick), []):
            emit(child, depth + 1)
        lines.append('{}}}'.format(indent))
    for brick in children.get(None, []):
        emit(brick, 1)
    for source, target, label in edges:
        attributes = ' [label={}]'.format(_quote(label)) if label else ''
        lines.append('  {} -> {}{};'.format(source, target, attributes))
    lines.append('}')
    return '\n'.join(lines) + '\n'


def _collapsed_edges(shown, ids):
    """Edges between shown variables, through the hidden ones."""
    edges = []
    for variable in shown:
        if variable.owner is None:
            continue
        # Walk back through hidden variables to the shown ones.
        sources = {}
        stack = [(input_, (_op_name(variable.owner),))
                 for input_ in variable.owner.inputs]
        visited = set()
        while stack:
            ancestor, ops = stack.pop()
            if ancestor in ids:
                sources.setdefault(ancestor, ops)
                continue
            if ancestor.owner is None or ancestor in visited:
                continue
            visited.add(ancestor)
            stack.extend((input_, (_op_name(ancestor.owner),) + ops)
                         for input_ in ancestor.owner.inputs)
        for source, ops in sources.items():
            # Bricks tag copies of variables: the copies are no news.
            ops = [op for op in ops if op != 'Identity']
            label = ', '.join(ops[:_MAX_OPS_ON_EDGE])
            if len(ops) > _MAX_OPS_ON_EDGE:
                label += ', ...'
            edges.append((ids[source], ids[variable], label))
    return edges


def draw(graph, path, collapse=True):
    """Render a computation graph to a file with Graphviz's ``dot``.

    Parameters
    ----------
    graph : :class:`~blocks.graph.ComputationGraph`
        The graph.
    path : str
        The file to write; its extension (``.svg``, ``.png``, ``.pdf``)
        chooses the format. It is replaced atomically.
    collapse : bool, optional
        See :func:`to_dot`.

    Raises
    ------
    RuntimeError
        If ``dot`` is not installed or fails.
    ValueError
        If the extension is not one of those above.

    """
    path = os.fspath(path)
    extension = os.path.splitext(path)[1].lower().lstrip('.')
    if extension not in ('svg', 'png', 'pdf'):
        raise ValueError("ComputationGraph.draw: the path must end with "
                         ".svg, .png or .pdf, got {!r}".format(path))
    dot = shutil.which('dot')
    if dot is None:
        raise RuntimeError(no_dot_error)
    directory = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(directory, '.{}.{}.tmp'.format(
        os.path.basename(path), uuid.uuid4().hex))
    try:
        result = subprocess.run(
            [dot, '-T' + extension, '-o', temporary],
            input=to_dot(graph, collapse), capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError("ComputationGraph.draw: dot failed (exit "
                               "status {}): {}".format(
                                   result.returncode, result.stderr.strip()))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
