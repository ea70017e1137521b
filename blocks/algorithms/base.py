"""The training algorithm interface and the base classes built on it.

:class:`UpdatesAlgorithm` runs one compiled function with updates per
batch; :class:`DifferentiableCostMinimizer` adds a cost and the parameters
to minimize it over; :class:`~blocks.algorithms.GradientDescent` derives
from both.

"""
import warnings
from abc import ABC, abstractmethod
from collections.abc import Mapping

import numpy
from aesara import tensor
from aesara.compile.sharedvalue import SharedVariable
from aesara.graph.basic import graph_inputs, Variable

from blocks.algorithms.batches import (ON_UNUSED_SOURCES, convert_source,
                                       describe_batch, match_sources,
                                       unused_sources_error)
from blocks.backend import check_mode, compile_function
from blocks.filter import get_brick
from blocks.graph import ComputationGraph
from blocks.utils import is_graph_input

__all__ = ['TrainingAlgorithm', 'UpdatesAlgorithm',
           'DifferentiableCostMinimizer', 'check_parameters_initialized']

parameters_not_given_warning = """\
{}: parameters were not given, so all the shared variables with the \
PARAMETER role found in the graph of the cost are trained ({}). Pass \
`parameters` explicitly (e.g. `ComputationGraph(cost).parameters`, or a \
subset of it) to make the choice, and the order of the parameters, \
visible in your script."""

uninitialized_parameters_error = """\
{owner}: the parameters {names} hold NaN values before the first training \
step: they were allocated but never initialized. {remedy}"""

initialize_bricks_remedy = """\
Call `initialize()` on the bricks {bricks} before training (a brick \
initializes its children; give it weights_init and biases_init first)."""

set_values_remedy = """\
Give them values (`set_value`) before training."""


class TrainingAlgorithm(ABC):
    """Base class for training algorithms.

    A training algorithm object has a simple life-cycle. First it is
    initialized by calling its :meth:`initialize` method. At this stage,
    for instance, Aesara functions can be compiled. After that the
    :meth:`process_batch` method is repeatedly called with a batch of
    training data as a parameter.

    """
    def __init__(self, **kwargs):
        if kwargs:
            raise TypeError("{}: unexpected keyword arguments {}".format(
                type(self).__name__, sorted(kwargs)))

    @abstractmethod
    def initialize(self, **kwargs):
        """Initialize the training algorithm."""

    @abstractmethod
    def process_batch(self, batch):
        """Process a batch of training data.

        Parameters
        ----------
        batch : dict
            A dictionary of (source name, data) pairs.

        """


class UpdatesAlgorithm(TrainingAlgorithm):
    """An algorithm that runs a function with updates on every batch.

    :meth:`initialize` compiles one Aesara function whose inputs are the
    inputs of the update expressions, fed from the batch sources of the
    same names, and whose updates are :attr:`updates`. This is the base
    of :class:`~blocks.algorithms.GradientDescent`; used on its own it
    trains graphs that only have updates (e.g. a running average, or a
    rule written by hand).

    Parameters
    ----------
    updates : list of pairs or dict, optional
        The ``(shared variable, new value)`` updates to do for every batch.
    aesara_func_kwargs : dict, optional
        Passed to :func:`aesara.function`, except ``inputs``, ``outputs``,
        ``updates`` and ``givens``.
    mode : str or :class:`~aesara.compile.mode.Mode`, optional
        The Aesara mode of the compiled function, e.g. ``'JAX'``. If not
        given, the ``mode`` configuration key when the function is
        compiled (after unpickling too), else Aesara's default (see
        :mod:`blocks.backend`). Giving it here and in
        `aesara_func_kwargs` is an error.
    on_unused_sources : {'raise', 'warn', 'ignore'}, optional
        What to do with batch sources that no input variable uses.
        'raise' by default.

    Attributes
    ----------
    updates : list of pairs
        See :meth:`add_updates`.
    aesara_func_kwargs : dict
    mode : str or :class:`~aesara.compile.mode.Mode` or None
    on_unused_sources : str

    Notes
    -----
    Changing :attr:`updates` or calling :meth:`add_updates` after
    :meth:`initialize` has effect only when the function is compiled
    again: by :meth:`initialize`, or after unpickling (the compiled
    function is not pickled).

    Examples
    --------
    Keep a running sum of the data:

    >>> import numpy
    >>> from aesara import tensor
    >>> from blocks.utils import shared_floatx
    >>> total = shared_floatx(0., name='total')
    >>> x = tensor.vector('x')
    >>> algorithm = UpdatesAlgorithm(updates=[(total, total + x.sum())])
    >>> algorithm.initialize()
    >>> algorithm.process_batch({'x': numpy.array([1., 2.])})
    >>> algorithm.process_batch({'x': numpy.array([3.])})
    >>> float(total.get_value())
    6.0

    """
    def __init__(self, updates=None, aesara_func_kwargs: dict | None = None,
                 on_unused_sources: str = 'raise', mode=None, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        if on_unused_sources not in ON_UNUSED_SOURCES:
            raise ValueError("{}: on_unused_sources must be one of {}, got "
                             "{!r}".format(owner, list(ON_UNUSED_SOURCES),
                                           on_unused_sources))
        if aesara_func_kwargs is not None and \
                not isinstance(aesara_func_kwargs, Mapping):
            raise TypeError("{}: aesara_func_kwargs must be a dict of "
                            "keyword arguments of aesara.function, got {!r}"
                            .format(owner, aesara_func_kwargs))
        aesara_func_kwargs = dict(aesara_func_kwargs or {})
        reserved = sorted(set(aesara_func_kwargs) &
                          {'inputs', 'outputs', 'updates', 'givens'})
        if reserved:
            raise ValueError("{}: aesara_func_kwargs must not contain {}; "
                             "use add_updates for extra updates".format(
                                 owner, reserved))
        if mode is not None:
            if 'mode' in aesara_func_kwargs:
                raise ValueError("{}: the mode is given twice, as mode={!r} "
                                 "and in aesara_func_kwargs ({!r}); give it "
                                 "once".format(owner, mode,
                                               aesara_func_kwargs['mode']))
            mode = check_mode(mode, '{}: mode'.format(owner))
        self.mode = mode
        self.aesara_func_kwargs = aesara_func_kwargs
        self.on_unused_sources = on_unused_sources
        self._updates = [] if updates is None else \
            check_updates(owner, updates)
        self._function = None
        self._function_inputs = None
        self._warned_unused_sources = set()

    @property
    def inputs(self):
        """Return the inputs of the computation graph.

        Returns
        -------
        list of :class:`~aesara.tensor.TensorVariable`
            The variables that the data must provide: the inputs of the
            graph (of the updates, and of the cost for a cost minimizer),
            shared variables and constants excluded, in a deterministic
            order.

        """
        inputs = []
        for variable in graph_inputs(self._graph_outputs()):
            if is_graph_input(variable) and variable not in inputs:
                inputs.append(variable)
        return inputs

    def _graph_outputs(self):
        """The variables whose inputs the algorithm needs as data."""
        return [update for _, update in self.updates]

    @property
    def updates(self):
        """The list of ``(shared variable, new value)`` pairs."""
        return self._updates

    @updates.setter
    def updates(self, value):
        self._updates = check_updates(type(self).__name__, value)

    def add_updates(self, updates):
        """Add updates to the training process.

        The updates will be done *before* the parameters are changed: their
        expressions see the old values of the parameters.

        Parameters
        ----------
        updates : list of pairs or dict
            The ``(shared variable, new value)`` pairs to add.

        Raises
        ------
        TypeError
            If `updates` is neither a list of pairs nor a dictionary, or a
            pair does not update a shared variable.

        """
        self._updates.extend(check_updates(type(self).__name__, updates))

    def initialize(self, **kwargs) -> None:
        """Compile the Aesara function that processes a batch.

        Calling it again recompiles the function, taking into account
        updates added since.

        Raises
        ------
        ValueError
            If input variables lack names or share one, or a shared
            variable is updated twice.

        """
        if kwargs:
            raise TypeError("{}.initialize: unexpected keyword arguments "
                            "{}".format(type(self).__name__, sorted(kwargs)))
        self._compile()

    def _input_variables(self):
        """Find and check the inputs of the graph."""
        owner = type(self).__name__
        inputs = self.inputs
        names = [variable.name for variable in inputs]
        unnamed = [variable for variable in inputs if variable.name is None]
        if unnamed:
            raise ValueError("{}: input variables {} have no name, so no "
                             "batch source can feed them; name them after "
                             "their sources".format(owner, unnamed))
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError("{}: several input variables are named {}; "
                             "each name must be unique to match a single "
                             "batch source".format(owner, repeated))
        return inputs

    def _all_updates(self):
        """The updates of the compiled function, checked for duplicates."""
        targets = [variable for variable, _ in self.updates]
        duplicates = [variable.name for index, variable in enumerate(targets)
                      if variable in targets[:index]]
        if duplicates:
            raise ValueError("{}: the shared variables {} are updated more "
                             "than once".format(type(self).__name__,
                                                duplicates))
        return list(self.updates)

    def _compile(self, inputs=None):
        if inputs is None:
            inputs = self._input_variables()
        function_kwargs = dict(self.aesara_func_kwargs)
        function_kwargs.setdefault('on_unused_input', 'ignore')
        function_kwargs.setdefault('mode', getattr(self, 'mode', None))
        self._function = compile_function(inputs, [],
                                          updates=self._all_updates(),
                                          **function_kwargs)
        self._function_inputs = inputs

    def process_batch(self, batch: dict) -> None:
        """Run the updates on a batch.

        Parameters
        ----------
        batch : dict
            Maps source names to arrays; each input variable is fed from
            the source of the same name.

        Raises
        ------
        ValueError
            If a source needed by an input is missing, if a source is
            unused and `on_unused_sources` is 'raise', or if the data does
            not fit its variable.
        TypeError
            If `batch` is not a dict, or the dtype of the data can't be
            cast safely to that of its variable.

        """
        owner = type(self).__name__
        if not isinstance(batch, Mapping):
            raise TypeError("{}.process_batch: batch must be a dict mapping "
                            "source names to arrays, got {!r} of type "
                            "{}".format(owner, batch, type(batch).__name__))
        if self._function is None:
            self._compile()
        inputs = self._function_inputs
        values, unused = match_sources(owner, inputs, batch,
                                       self.on_unused_sources)
        new_unused = [source for source in unused
                      if source not in self._warned_unused_sources]
        if new_unused and self.on_unused_sources == 'warn':
            warnings.warn(unused_sources_error.format(
                owner=owner, unused=new_unused, sources=list(batch),
                inputs=[variable.name for variable in inputs]))
            self._warned_unused_sources.update(new_unused)
        arrays = [convert_source(owner, variable.name, value, variable)
                  for variable, value in zip(inputs, values)]
        try:
            self._function(*arrays)
        except (TypeError, ValueError) as exc:
            raise type(exc)("{}: the compiled function failed on the batch "
                            "{}: {}".format(owner, describe_batch(batch),
                                            str(exc).strip().split('\n')[0])
                            ) from exc

    def __getstate__(self):
        state = self.__dict__.copy()
        # Compiled functions are large and tied to this process; the
        # function is recompiled from the graph after unpickling.
        state['_function'] = None
        state['_function_inputs'] = None
        return state


class DifferentiableCostMinimizer(UpdatesAlgorithm):
    """Minimizes a differentiable cost given as an Aesara expression.

    Very often the goal of training is to minimize the expected value of
    an Aesara expression. Batch processing in this case typically consists
    of running a (or a few) Aesara functions.
    :class:`DifferentiableCostMinimizer` is the base class for such
    algorithms.

    Parameters
    ----------
    cost : :class:`~aesara.tensor.TensorVariable`
        The scalar objective to be minimized. Subclasses may accept None
        when they are given another way to compute the gradients.
    parameters : list of shared variables, optional
        The parameters to be tuned. If None, all the shared variables with
        the ``PARAMETER`` role in the graph of ``cost`` are used, with a
        warning recommending to pass them explicitly.
    \\*\\*kwargs
        Passed to :class:`UpdatesAlgorithm` (`updates`,
        `aesara_func_kwargs`, `on_unused_sources`).

    Attributes
    ----------
    cost : :class:`~aesara.tensor.TensorVariable`
        The objective to be minimized.
    parameters : list of :class:`~aesara.tensor.sharedvar.TensorSharedVariable`
        The parameters to be tuned.
    updates : list of pairs
        Updates ``(shared variable, new value)`` to be done for every
        batch; see :meth:`add_updates`.

    Notes
    -----
    Changing the :attr:`updates` attribute or calling :meth:`add_updates`
    after the :meth:`initialize` method is called has no effect.

    Updates attached to the graph by bricks (``ComputationGraph.updates``,
    e.g. population statistics of batch normalization) are not added
    automatically: pass them to :meth:`add_updates`.

    Shared variables used only inside the inner graph of a scan are not
    found when the parameters are inferred.

    """
    def __init__(self, cost, parameters=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        if cost is not None:
            if not isinstance(cost, Variable):
                raise TypeError("{}: cost must be an Aesara variable, got "
                                "{!r} of type {}".format(
                                    name, cost, type(cost).__name__))
            if getattr(cost, 'ndim', 0) != 0:
                raise ValueError("{}: cost must be a scalar (ndim 0), got "
                                 "{} with ndim {}".format(name, cost,
                                                          cost.ndim))
        if parameters is None:
            if cost is None:
                raise ValueError("{}: either cost or parameters must be "
                                 "given, got neither".format(name))
            parameters = ComputationGraph(cost).parameters
            warnings.warn(parameters_not_given_warning.format(
                name, [parameter.name for parameter in parameters]))
        self.cost = cost
        self.parameters = check_parameters(name, parameters)

    def _graph_outputs(self):
        outputs = [] if self.cost is None else [self.cost]
        return outputs + [update for _, update in self.updates]


def check_parameters(owner, parameters):
    """Check that parameters are distinct shared variables; list them."""
    if isinstance(parameters, (Variable, str, Mapping)):
        raise TypeError("{}: parameters must be a list of shared variables, "
                        "got {!r}".format(owner, parameters))
    parameters = list(parameters)
    if not parameters:
        raise ValueError("{}: there are no parameters to train; pass a "
                         "non-empty list of shared variables".format(owner))
    for index, parameter in enumerate(parameters):
        if not isinstance(parameter, SharedVariable):
            raise TypeError("{}: parameters must be shared variables; "
                            "parameter {} is {!r} of type {}".format(
                                owner, index, parameter,
                                type(parameter).__name__))
    duplicates = [parameter for index, parameter in enumerate(parameters)
                  if parameter in parameters[:index]]
    if duplicates:
        raise ValueError("{}: parameters {} are listed more than once".format(
            owner, [parameter.name for parameter in duplicates]))
    return parameters


def check_updates(owner, updates):
    """Check a list of updates or a dictionary of updates; list its pairs.

    Parameters
    ----------
    owner : str
        The name of the class, for messages.
    updates : list of pairs or dict
        Maps shared variables to their new values.

    Returns
    -------
    list of pairs

    Raises
    ------
    TypeError
        If `updates` is neither a dictionary nor a list or tuple of pairs,
        or a pair does not map a shared variable to an Aesara variable.

    Examples
    --------
    >>> from blocks.utils import shared_floatx
    >>> counter = shared_floatx(0., name='counter')
    >>> [(variable.name, update.eval()) for variable, update
    ...  in check_updates('GradientDescent', {counter: counter + 1})]
    [('counter', array(1.))]
    >>> check_updates('GradientDescent', counter + 1)
    Traceback (most recent call last):
      ...
    TypeError: GradientDescent: updates must be a list of (shared ... got ...

    """
    if isinstance(updates, Mapping):
        pairs = list(updates.items())
    elif isinstance(updates, (list, tuple)):
        pairs = list(updates)
    else:
        raise TypeError("{}: updates must be a list of (shared variable, new "
                        "value) pairs or a dict, got {!r} of type {}".format(
                            owner, updates, type(updates).__name__))
    checked = []
    for index, pair in enumerate(pairs):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise TypeError("{}: update {} must be a (shared variable, new "
                            "value) pair, got {!r}".format(owner, index, pair))
        variable, update = pair
        if not isinstance(variable, SharedVariable):
            raise TypeError("{}: update {} must update a shared variable, "
                            "got {!r} of type {}".format(
                                owner, index, variable,
                                type(variable).__name__))
        if not isinstance(update, Variable):
            try:
                update = tensor.as_tensor_variable(update)
            except (TypeError, ValueError) as exc:
                raise TypeError(
                    "{}: the new value of {} (update {}) must be an Aesara "
                    "variable or a constant, got {!r} of type {}".format(
                        owner, variable.name, index, update,
                        type(update).__name__)) from exc
        checked.append((variable, update))
    return checked


def _parameter_path(parameter):
    """E.g. '/mlp/linear_0.W', or the name of a parameter of no brick."""
    brick = get_brick(parameter)
    if brick is not None:
        try:
            return brick.get_hierarchical_name(parameter)
        except ValueError:
            pass
    return parameter.name if parameter.name else str(parameter)


def _top_brick_path(parameter):
    brick = get_brick(parameter)
    if brick is None:
        return None
    try:
        return '/' + brick.get_unique_path()[0].name
    except ValueError:
        return brick.path_or_name()


def check_parameters_initialized(owner, parameters):
    """Refuse parameters that hold NaN values, as those of bricks that were
    allocated but not initialized do.

    Parameters
    ----------
    owner : str
        The name of the training algorithm, for messages.
    parameters : list of shared variables
        The parameters to check.

    Raises
    ------
    ValueError
        Naming the parameters that hold NaN values by their brick path
        (e.g. ``/mlp/linear_0.W``) and the bricks to initialize.

    Examples
    --------
    >>> from blocks.bricks import Linear
    >>> linear = Linear(input_dim=2, output_dim=3)
    >>> linear.allocate()
    >>> check_parameters_initialized('GradientDescent', linear.parameters)
    Traceback (most recent call last):
      ...
    ValueError: GradientDescent: the parameters ['/linear.W', '/linear.b'] \
hold NaN values before the first training step: they were allocated but \
never initialized. Call `initialize()` on the bricks ['/linear'] ...

    """
    names, bricks = [], []
    for parameter in parameters:
        value = numpy.asarray(parameter.get_value(borrow=True))
        if value.dtype.kind not in 'fc' or not numpy.isnan(value).any():
            continue
        names.append(_parameter_path(parameter))
        brick = _top_brick_path(parameter)
        if brick is not None and brick not in bricks:
            bricks.append(brick)
    if not names:
        return
    remedy = (initialize_bricks_remedy.format(bricks=bricks) if bricks
              else set_values_remedy)
    raise ValueError(uninitialized_parameters_error.format(
        owner=owner, names=sorted(names), remedy=remedy))
