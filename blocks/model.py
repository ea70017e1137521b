"""Models: the parameterized entities trained in a main loop.

A model is a thin layer of abstraction between the user-defined computation
graph, bricks, parameters and main loop extensions. This module provides
the basic :class:`AbstractModel` interface as well as its implementation
:class:`Model`.

"""
from abc import ABC, abstractmethod
from collections import Counter, OrderedDict
from typing import List

import numpy

from blocks.bricks.base import Brick
from blocks.filter import get_brick
from blocks.graph import ComputationGraph

set_values_error = """

set_parameter_values takes a dictionary with one value for each parameter \
of the model, keyed by the names that get_parameter_dict() returns (e.g. \
'/mlp/linear_0.W'); nothing was changed."""


class AbstractModel(ABC):
    """A parameterized entity trained in the main loop.

    A model is a parameterized entity the user trains in a main loop. The
    following are traits of every model:

    * It has parameters and supports a way to access them. In addition to
      returning handles to parameter objects it can return their values as
      numpy arrays and set their values to given numpy arrays.
    * It has an optimality objective.
    * It can be serialized and deserialized by means of pickling.
    * It might have bricks as its components.

    This class provides an interface for models. For experiments use a
    subclass, e.g. :class:`Model`.

    """
    @abstractmethod
    def get_objective(self):
        """Return the optimization objective."""

    @abstractmethod
    def get_parameter_dict(self) -> OrderedDict:
        """Return the model parameters.

        Returns
        -------
        parameters : OrderedDict
            Dictionary of (name, parameter) pairs.

        """

    def get_parameter_values(self) -> OrderedDict:
        """Return the values of model parameters.

        The default implementation assumes that parameters are Aesara
        shared variables.

        Returns
        -------
        parameter_values : OrderedDict
            Dictionary of (parameter name, :class:`~numpy.ndarray`) pairs;
            the arrays are copies.

        """
        return OrderedDict(
            (name, parameter.get_value())
            for name, parameter in self.get_parameter_dict().items())

    def set_parameter_values(self, parameter_values: dict) -> None:
        """Set the values of model parameters.

        The default implementation assumes that parameters are Aesara
        shared variables.

        Parameters
        ----------
        parameter_values : dict
            Dictionary of (parameter name, :class:`~numpy.ndarray`) pairs,
            with one value for every parameter. Values are cast to the
            dtype of the parameter.

        Raises
        ------
        ValueError
            If names are unknown or missing, or if shapes do not match.
            Every problem is listed, and no parameter is changed.

        """
        parameter_dict = self.get_parameter_dict()
        unknown = [name for name in parameter_values
                   if name not in parameter_dict]
        missing = [name for name in parameter_dict
                   if name not in parameter_values]
        problems = []
        if unknown:
            problems.append("unknown parameter names: {}".format(
                ', '.join(map(str, unknown))))
        if missing:
            problems.append("missing values for parameters: {}".format(
                ', '.join(map(str, missing))))
        converted = OrderedDict()
        mismatches = []
        for name, parameter in parameter_dict.items():
            if name not in parameter_values:
                continue
            expected_shape = parameter.get_value(borrow=True).shape
            try:
                value = numpy.asarray(parameter_values[name],
                                      dtype=parameter.dtype)
            except (TypeError, ValueError) as exc:
                problems.append("{}: cannot convert the given value to "
                                "{} ({})".format(name, parameter.dtype, exc))
                continue
            if value.shape != expected_shape:
                mismatches.append("{}: given shape {}, expected {}".format(
                    name, value.shape, expected_shape))
            converted[name] = value
        if mismatches:
            problems.append("shape mismatch for {}".format(
                '; '.join(mismatches)))
        if problems:
            raise ValueError("set_parameter_values: {}".format(
                '; '.join(problems)) + set_values_error)
        for name, value in converted.items():
            parameter_dict[name].set_value(value)

    @abstractmethod
    def get_top_bricks(self) -> List[Brick]:
        """Return the top-level bricks that are used in the model.

        Returns
        -------
        bricks : list
            List of bricks.

        """


class Model(AbstractModel, ComputationGraph):
    """Wraps a computation graph to support model interface.

    This model covers the most common case when all information about the
    model is contained in an annotated computation graph: parameters are
    identified by the roles, bricks found by annotations. Due to frequency
    of this case this class is called simply 'Model' and not
    'ComputationGraphModel'.

    Parameters
    ----------
    outputs : (list of) :class:`~aesara.graph.basic.Variable`
        The output variables of the computation graph.

    Raises
    ------
    ValueError
        If two different top bricks have the same name, or two parameters
        get the same name (see :meth:`get_parameter_dict`).

    Notes
    -----
    The top bricks are the roots (bricks without parents) of the
    hierarchies of the bricks found in the annotations of the graph's
    variables, scan inner graphs included, in the order they are first
    met.

    Examples
    --------
    >>> from aesara import tensor
    >>> from blocks.bricks import MLP, Tanh
    >>> from blocks.initialization import Constant
    >>> mlp = MLP([Tanh()], [2, 3], weights_init=Constant(1),
    ...           biases_init=Constant(0))
    >>> mlp.initialize()
    >>> model = Model(mlp.apply(tensor.matrix('x')).sum())
    >>> model.get_top_bricks()
    [<blocks.bricks.sequences.MLP object at ...: name=mlp>]
    >>> sorted(model.get_parameter_dict())
    ['/mlp/linear_0.W', '/mlp/linear_0.b']
    >>> model.get_parameter_values()['/mlp/linear_0.b']
    array([0., 0., 0.])

    """
    def __init__(self, outputs):
        super().__init__(outputs)
        self.top_bricks = self._find_top_bricks()
        self._parameter_dict = self._name_parameters()

    def _find_top_bricks(self):
        top_bricks = []
        seen = set()
        for var in self.variables + self.scan_variables:
            for annotation in getattr(var.tag, 'annotations', []):
                if not isinstance(annotation, Brick) or \
                        id(annotation) in seen:
                    continue
                to_visit = [annotation]
                while to_visit:
                    brick = to_visit.pop(0)
                    if id(brick) in seen:
                        continue
                    seen.add(id(brick))
                    if brick.parents:
                        to_visit.extend(brick.parents)
                    elif brick not in top_bricks:
                        top_bricks.append(brick)
        names = Counter(brick.name for brick in top_bricks)
        repeated = sorted(name for name, count in names.items() if count > 1)
        if repeated:
            raise ValueError(
                "Model: different top bricks share the name(s) {}, so the "
                "paths of their parameters would clash; give them distinct "
                "names (e.g. MLP(..., name='encoder'))".format(
                    ', '.join(repeated)))
        return top_bricks

    def _name_parameters(self):
        names = []
        for parameter in self.parameters:
            brick = get_brick(parameter)
            if brick is not None:
                try:
                    name = brick.get_hierarchical_name(parameter)
                except ValueError as exc:
                    raise ValueError(
                        "Model: cannot name the parameter {} of brick {!r}: "
                        "{}".format(parameter, brick.name, exc)) from exc
            elif parameter.name is not None:
                name = parameter.name
            else:
                raise ValueError(
                    "Model: the parameter {!r} belongs to no brick and has "
                    "no name; give it a name".format(parameter))
            names.append(name)
        counts = Counter(names)
        repeated = [name for name in counts if counts[name] > 1]
        if repeated:
            raise ValueError(
                "Model: several parameters are named {}; give the bricks "
                "or the parameters distinct names".format(
                    ', '.join(repeated)))
        return OrderedDict(zip(names, self.parameters))

    def get_objective(self):
        """Return the output variable, if there is a single one.

        If there is only one output variable, it is a reasonable default
        setting to assume that it is the optimization objective.

        Raises
        ------
        ValueError
            If the model has several outputs.

        """
        if len(self.outputs) != 1:
            raise ValueError(
                "Model.get_objective: the model has {} outputs ({}), "
                "expected exactly one".format(
                    len(self.outputs),
                    ', '.join(str(output) for output in self.outputs)))
        return self.outputs[0]

    def get_parameter_dict(self) -> OrderedDict:
        """Get model parameters.

        The parameter names are formed from positions of their owner bricks
        in the bricks hierarchy (e.g. ``/mlp/linear_0.W``). The variable
        names are used for the parameters that do not belong to any brick.

        """
        return OrderedDict(self._parameter_dict)

    def get_top_bricks(self) -> List[Brick]:
        return list(self.top_bricks)

    def summary(self, input_shapes=None) -> str:
        """Return a table of the model's bricks and parameters, as text.

        Every brick is listed by path, depth-first from the top bricks,
        with its class; under it, each of its parameters with its roles,
        shape and number of values. The table ends with the total number
        of trainable parameters (and of the values of other shared
        variables, such as population statistics, if there are any).

        Parameters
        ----------
        input_shapes : dict, optional
            Maps the name of each input of the graph to a shape, e.g.
            ``{'features': (10, 784)}``. When given, the shapes of the
            outputs of every application call are listed too (computed on
            zeros by a function compiled without C code).

        Returns
        -------
        str

        Raises
        ------
        ValueError
            If `input_shapes` lacks an input or gives it the wrong number
            of dimensions.

        Examples
        --------
        >>> from aesara import tensor
        >>> from blocks.bricks import MLP, Tanh, Softmax
        >>> mlp = MLP([Tanh(), Softmax()], [4, 3, 2])
        >>> model = Model(mlp.apply(tensor.matrix('features')))
        >>> print(model.summary({'features': (10, 4)}))
        Brick / parameter  Type / roles  Shape    Parameters
        ----------------------------------------------------
        /mlp               MLP
          apply()          output        (10, 2)
        /mlp/linear_0      Linear
          apply()          output        (10, 3)
          .W               WEIGHT        (4, 3)           12
          .b               BIAS          (3,)              3
        /mlp/tanh          Tanh
          apply()          output        (10, 3)
        /mlp/linear_1      Linear
          apply()          output        (10, 2)
          .W               WEIGHT        (3, 2)            6
          .b               BIAS          (2,)              2
        /mlp/softmax       Softmax
          apply()          output        (10, 2)
        ----------------------------------------------------
        Trainable parameters: 23 in 4 arrays

        """
        # Imported here: the summary compiles functions, which the model
        # itself never does.
        from blocks.summary import model_summary
        return model_summary(self, input_shapes)
