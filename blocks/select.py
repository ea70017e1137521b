"""Selecting bricks and parameters of a brick hierarchy by path.

A path names bricks from the top of a hierarchy down, separated by ``/``,
and may end with a parameter name after a ``.``: ``/mlp/linear_0`` is the
first layer of an MLP named ``mlp``, ``/mlp/linear_0.W`` its weight matrix.
These are the names under which :class:`~blocks.model.Model` stores
parameter values.

>>> from blocks.bricks import MLP, Tanh
>>> mlp = MLP([Tanh(), Tanh()], [3, 4, 2])
>>> mlp.allocate()
>>> Selector([mlp]).select('/mlp/linear_1.b')
[b]

"""
import re
from collections import OrderedDict
from typing import Iterable, Optional, Union

from blocks.bricks.base import Brick

no_match_error = """

A path is matched from the bricks given to the Selector: its first element \
must be the name of one of them, each following element the name of a child \
of the brick matched before, and a final `.name` the name of a parameter of \
the bricks matched last."""


class Path:
    """Encapsulates a path in a hierarchy of bricks.

    Currently the only allowed elements of paths are names of the bricks
    and names of parameters. The latter can only be put in the end of the
    path.

    Parameters
    ----------
    nodes : list or tuple of path nodes
        The nodes of the path: :class:`Path.BrickName` or
        :class:`Path.ParameterName` instances (plain strings are taken as
        brick names).

    Attributes
    ----------
    nodes : tuple
        The tuple containing path nodes.

    Examples
    --------
    >>> path = Path.parse('/mlp/linear_0.W')
    >>> path.nodes
    ('mlp', 'linear_0', 'W')
    >>> isinstance(path.nodes[-1], Path.ParameterName)
    True
    >>> str(path)
    '/mlp/linear_0.W'
    >>> str(Path.parse('/mlp') + Path.parse('/linear_0'))
    '/mlp/linear_0'

    """
    separator = '/'
    parameter_separator = '.'
    separator_re = re.compile('([{}{}])'.format(
        re.escape(separator), re.escape(parameter_separator)))

    class BrickName(str):
        """The name of a brick in a :class:`Path`."""
        def part(self) -> str:
            return Path.separator + self

    class ParameterName(str):
        """The name of a parameter, the last node of a :class:`Path`."""
        def part(self) -> str:
            return Path.parameter_separator + self

    def __init__(self, nodes: Union[list, tuple]):
        if not isinstance(nodes, (list, tuple)):
            raise TypeError("Path: nodes must be a list or a tuple of names, "
                            "got {!r}".format(nodes))
        converted = []
        for index, node in enumerate(nodes):
            if not isinstance(node, str):
                raise TypeError("Path: nodes must be strings, got {!r} at "
                                "position {}".format(node, index))
            if not isinstance(node, (Path.BrickName, Path.ParameterName)):
                node = Path.BrickName(node)
            if isinstance(node, Path.ParameterName) and \
                    index != len(nodes) - 1:
                raise ValueError(
                    "Path: a parameter name can only be the last node, got "
                    "parameter {!r} at position {} of {}".format(
                        str(node), index, len(nodes)))
            converted.append(node)
        self.nodes = tuple(converted)

    def __str__(self):
        return ''.join(node.part() for node in self.nodes)

    def __repr__(self):
        return 'Path({!r})'.format(str(self))

    def __add__(self, other: 'Path') -> 'Path':
        if not isinstance(other, Path):
            return NotImplemented
        return Path(self.nodes + other.nodes)

    def __eq__(self, other):
        if not isinstance(other, Path):
            return NotImplemented
        return (self.nodes == other.nodes and
                [type(node) for node in self.nodes] ==
                [type(node) for node in other.nodes])

    def __hash__(self):
        return hash(self.nodes)

    @staticmethod
    def parse(string: str) -> 'Path':
        """Constructs a path from its string representation.

        Parameters
        ----------
        string : str
            String representation of the path, e.g. ``/mlp/linear_0.W``.

        Raises
        ------
        ValueError
            If the string does not start with a separator, has an empty
            name, or has a parameter name anywhere but at the end.

        Examples
        --------
        >>> Path.parse('mlp')
        Traceback (most recent call last):
          ...
        ValueError: Path.parse: 'mlp' must start with '/' or '.' ...

        """
        if not isinstance(string, str):
            raise TypeError("Path.parse: expected a str such as "
                            "'/mlp/linear_0.W', got {!r}".format(string))
        elements = Path.separator_re.split(string)
        if elements[0]:
            raise ValueError(
                "Path.parse: {!r} must start with {!r} or {!r} (e.g. "
                "'/mlp/linear_0.W')".format(string, Path.separator,
                                            Path.parameter_separator))
        separators = elements[1::2]
        names = elements[2::2]
        nodes = []
        for index, (separator, name) in enumerate(zip(separators, names)):
            if not name:
                raise ValueError("Path.parse: {!r} has an empty name after "
                                 "separator {}".format(string, index + 1))
            if separator == Path.separator:
                nodes.append(Path.BrickName(name))
            else:
                if index != len(names) - 1:
                    raise ValueError(
                        "Path.parse: in {!r} the parameter name {!r} is "
                        "followed by more names; a parameter can only end a "
                        "path".format(string, name))
                nodes.append(Path.ParameterName(name))
        return Path(nodes)


def _brick_path(brick):
    """The full path of a brick, or just its name if that is ambiguous."""
    try:
        return brick.get_path()
    except ValueError:
        return Path.separator + brick.name


def _parameters_of(brick, path):
    try:
        return list(brick.parameters)
    except AttributeError as exc:
        raise ValueError(
            "brick {} is not allocated, so it has no parameters yet: call "
            "allocate() first".format(path)) from exc


class Selector:
    """Selection of elements of a hierarchy of bricks.

    Parameters
    ----------
    bricks : list of :class:`~blocks.bricks.base.Brick`
        The bricks of the selection (a single brick is accepted too).

    Attributes
    ----------
    bricks : list of :class:`~blocks.bricks.base.Brick`

    Examples
    --------
    >>> from blocks.bricks import MLP, Tanh
    >>> mlp = MLP([Tanh(), Tanh()], [3, 4, 2])
    >>> mlp.allocate()
    >>> selector = Selector([mlp])
    >>> selector.select('/mlp/linear_0').bricks
    [<blocks.bricks.simple.Linear object at ...: name=linear_0>]
    >>> selector.select('/mlp/linear_9')
    Traceback (most recent call last):
      ...
    ValueError: no brick 'linear_9' under /mlp; its children are linear_0, \
tanh, linear_1, tanh ...

    """
    def __init__(self, bricks: Union[Brick, Iterable[Brick]]):
        if isinstance(bricks, Brick):
            bricks = [bricks]
        bricks = list(bricks)
        for brick in bricks:
            if not isinstance(brick, Brick):
                raise TypeError("Selector: bricks must be Brick instances, "
                                "got {!r} ({})".format(
                                    brick, type(brick).__name__))
        self.bricks = bricks

    def __repr__(self):
        return 'Selector([{}])'.format(', '.join(
            _brick_path(brick) for brick in self.bricks))

    def select(self, path: Union[Path, str]) -> Union['Selector', list]:
        """Select a subset of current selection matching the path given.

        Parameters
        ----------
        path : :class:`Path` or str
            The path for the desired selection. If a string is given it is
            parsed into a path. Its first brick name is matched against
            the bricks of this selection, each following one against the
            children of the bricks matched so far.

        Returns
        -------
        :class:`Selector` or list of shared variables
            The matching bricks, or, if the path ends with a parameter
            name, the parameters of that name owned by the matching bricks.

        Raises
        ------
        ValueError
            If nothing matches the path; the message names the deepest
            matching level and what exists there.

        """
        if isinstance(path, str):
            path = Path.parse(path)
        elif not isinstance(path, Path):
            raise TypeError("Selector.select: path must be a Path or a str "
                            "such as '/mlp/linear_0.W', got {!r}".format(path))
        current_bricks = None
        matched = Path([])
        for node in path.nodes:
            if isinstance(node, Path.ParameterName):
                return self._select_parameters(current_bricks, node, matched,
                                               path)
            candidates = self.bricks if current_bricks is None else [
                child for brick in current_bricks for child in brick.children]
            next_bricks = []
            for brick in candidates:
                if brick.name == node and brick not in next_bricks:
                    next_bricks.append(brick)
            if not next_bricks:
                names = ', '.join(brick.name for brick in candidates)
                if current_bricks is None:
                    where = ("among the selected bricks; they are {}".format(
                        names or 'none'))
                else:
                    where = "under {}; its children are {}".format(
                        matched, names or 'none')
                raise ValueError("no brick {!r} {} (selecting {})".format(
                    str(node), where, path) + no_match_error)
            current_bricks = next_bricks
            matched = matched + Path([node])
        return Selector(current_bricks if current_bricks is not None
                        else self.bricks)

    def _select_parameters(self, bricks, name, matched, path):
        if bricks is None:
            raise ValueError("the path {} names a parameter but no brick; "
                             "write e.g. '/mlp/linear_0.W'".format(path))
        parameters = []
        available = []
        for brick in bricks:
            for parameter in _parameters_of(brick, matched):
                if parameter.name == name:
                    parameters.append(parameter)
                elif parameter.name not in available:
                    available.append(parameter.name)
        if not parameters:
            raise ValueError(
                "no parameter {!r} in {}; its parameters are {} (selecting "
                "{})".format(str(name), matched,
                             ', '.join(map(str, available)) or 'none', path) +
                no_match_error)
        return parameters

    def get_parameters(
            self, parameter_name: Optional[str] = None) -> OrderedDict:
        """Returns parameters from selected bricks and their descendants.

        Parameters
        ----------
        parameter_name : :class:`Path.ParameterName` or str, optional
            If given, only parameters with a ``name`` attribute equal to
            ``parameter_name`` are returned.

        Returns
        -------
        parameters : OrderedDict
            A dictionary of (path, parameter) pairs, where path is a string
            representation of the path in the brick hierarchy to the
            parameter (i.e. the slash-delimited path to the brick that owns
            the parameter, followed by a dot, followed by the parameter's
            name), and parameter is the Aesara variable representing the
            parameter. The path starts at the top of the hierarchy (as
            :meth:`~blocks.bricks.base.Brick.get_path` does) when a selected
            brick's path is unique, else at the selected brick.

        Raises
        ------
        ValueError
            If a selected brick is not allocated, or if two different
            parameters get the same path.

        Examples
        --------
        >>> from blocks.bricks import MLP, Tanh
        >>> mlp = MLP([Tanh(), Tanh(), Tanh()], [5, 7, 11, 2])
        >>> mlp.allocate()
        >>> selector = Selector([mlp])
        >>> selector.get_parameters()
        OrderedDict([('/mlp/linear_0.W', W), ('/mlp/linear_0.b', b), \
('/mlp/linear_1.W', W), ('/mlp/linear_1.b', b), ('/mlp/linear_2.W', W), \
('/mlp/linear_2.b', b)])

        Or, select just the weights of the MLP by passing the parameter
        name ``W``:

        >>> w_select = Selector([mlp])
        >>> w_select.get_parameters('W')
        OrderedDict([('/mlp/linear_0.W', W), ('/mlp/linear_1.W', W), \
('/mlp/linear_2.W', W)])

        """
        result = OrderedDict()

        def collect(brick, brick_path):
            for parameter in _parameters_of(brick, brick_path):
                if parameter_name is not None and \
                        parameter.name != parameter_name:
                    continue
                key = brick_path + Path.parameter_separator + \
                    str(parameter.name)
                if key in result and result[key] is not parameter:
                    raise ValueError(
                        "Selector.get_parameters: two different parameters "
                        "are named {}; give the bricks or parameters "
                        "distinct names".format(key))
                result[key] = parameter
            for child in brick.children:
                collect(child, brick_path + Path.separator + child.name)

        for brick in self.bricks:
            collect(brick, _brick_path(brick))
        return result
