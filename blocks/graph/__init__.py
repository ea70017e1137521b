"""Annotated computation graphs.

:class:`ComputationGraph` wraps an Aesara graph together with the
auxiliary variables and updates that bricks attached to its variables;
:func:`apply_noise`, :func:`apply_dropout` and :func:`collect_parameters`
transform such graphs.

"""
import logging
from collections import OrderedDict

import numpy
import aesara
from aesara import tensor
from aesara.graph.basic import Variable, io_toposort
from aesara.scan.op import Scan
from aesara.tensor.random.utils import RandomStream

from blocks.backend import compile_function
from blocks.config import config
from blocks.graph.annotations import Annotation, add_annotation
from blocks.roles import (add_role, has_roles, AUXILIARY, PARAMETER,
                          DROPOUT, COLLECTED, COLLECTOR)
from blocks.utils import (is_graph_input, is_shared_variable,
                          shared_floatx_zeros)

logger = logging.getLogger(__name__)

__all__ = ['ComputationGraph', 'Annotation', 'add_annotation',
           'apply_noise', 'apply_dropout', 'collect_parameters']


class ComputationGraph:
    r"""Encapsulates a managed Aesara computation graph.

    The graph contains the variables needed to compute the given outputs
    and also the auxiliary variables and updates that were attached to
    these variables through the annotation system.

    All variables are presented in topologically sorted order according to
    the apply nodes that they are an input to.

    Parameters
    ----------
    outputs : (list of) :class:`~aesara.tensor.TensorVariable`
        The output(s) of the computation graph.

    Attributes
    ----------
    inputs : list of :class:`~aesara.tensor.TensorVariable`
        The inputs of the graph, excluding shared variables and constants.
    shared_variables : list of shared variables
    parameters : list of shared variables
        The shared variables with the PARAMETER role.
    outputs : list of :class:`~aesara.tensor.TensorVariable`
        The outputs of the graph, as passed to the constructor.
    auxiliary_variables : list
        The variables with the AUXILIARY role.
    intermediary_variables : list
        The variables that are neither inputs, outputs, shared variables
        nor constants.
    variables : list
        All variables (auxiliary ones included), in topological order.
    scans : list of :class:`~aesara.scan.op.Scan`
        The Scan ops of the graph.
    scan_variables : list
        The variables of the inner graphs of those Scan ops.
    updates : OrderedDict
        The updates found attached to the annotations.

    """
    def __init__(self, outputs):
        if isinstance(outputs, Variable):
            outputs = [outputs]
        outputs = list(outputs)
        for index, output in enumerate(outputs):
            if not isinstance(output, Variable):
                raise TypeError(
                    "ComputationGraph: outputs must be Aesara variables; "
                    "output {} is {!r} of type {}".format(
                        index, output, type(output).__name__))
        self.outputs = outputs
        self._get_variables(getattr(self, '_replaced_updates', {}))
        self._has_inputs = {}

    def __iter__(self):
        return iter(self.variables)

    @property
    def inputs(self):
        """Inputs to the graph, excluding constants and shared variables."""
        return [var for var in self.variables if is_graph_input(var)]

    @property
    def shared_variables(self):
        return [var for var in self.variables if is_shared_variable(var)]

    @property
    def parameters(self):
        return [var for var in self.shared_variables
                if has_roles(var, [PARAMETER])]

    @property
    def auxiliary_variables(self):
        return [var for var in self.variables if has_roles(var, [AUXILIARY])]

    @property
    def intermediary_variables(self):
        return [var for var in self.variables if
                var not in self.inputs and var not in self.outputs and
                var.owner is not None]

    def _get_variables(self, replaced_updates):
        """Collect the variables, annotations and updates of the graph.

        ``replaced_updates`` maps update expressions found in annotations
        to the expressions that replace them (see :meth:`replace`).

        """
        def add_variables(variables, seen, new_variables):
            nodes = io_toposort([], [var for var in variables
                                     if var not in seen])
            for node in nodes:
                for var in node.inputs + node.outputs:
                    if var not in seen:
                        seen.add(var)
                        new_variables.append(var)
            for var in variables:
                if var not in seen:
                    seen.add(var)
                    new_variables.append(var)

        seen = set()
        variables = []
        annotations = []
        seen_annotations = set()
        updates = OrderedDict()
        # Auxiliary variables and update expressions join the graph by
        # themselves, not with their ancestors: a brick's W_norm must not
        # bring back a parameter that a transformation (collect_parameters,
        # replace) has removed from the main graph.
        add_variables(self.outputs, seen, variables)
        pending = list(variables)
        while pending:
            new_variables = pending
            pending = []
            for var in new_variables:
                for annotation in getattr(var.tag, 'annotations', []):
                    if id(annotation) in seen_annotations:
                        continue
                    seen_annotations.add(id(annotation))
                    annotations.append(annotation)
                    extra = list(annotation.auxiliary_variables)
                    annotation_updates = getattr(annotation, 'updates', {})
                    for shared, update in annotation_updates.items():
                        update = replaced_updates.get(update, update)
                        updates[shared] = update
                        extra.append(update)
                    for extra_var in extra:
                        if extra_var not in seen:
                            seen.add(extra_var)
                            variables.append(extra_var)
                            pending.append(extra_var)
        # Order the whole graph, auxiliary variables included, topologically.
        order = {}
        for node in io_toposort([], variables):
            for var in node.inputs + node.outputs:
                order.setdefault(var, len(order))
        for var in variables:
            order.setdefault(var, len(order))
        self.variables = sorted(variables, key=order.__getitem__)
        self._annotations = annotations
        self.updates = updates
        self.applies = io_toposort([], self.variables)
        scans = []
        for node in self.applies:
            if isinstance(node.op, Scan) and node.op not in scans:
                scans.append(node.op)
        self.scans = scans
        self._scan_graphs = [ComputationGraph(scan.inner_outputs)
                             for scan in scans]

    @property
    def scan_variables(self):
        """Variables of the inner graphs of Scan ops (nested ones too)."""
        variables = []
        for graph in self._scan_graphs:
            variables.extend(graph.variables)
            variables.extend(graph.scan_variables)
        return variables

    def dict_of_inputs(self):
        """Return a mapping from an input name to the input."""
        return {var.name: var for var in self.inputs}

    def replace(self, replacements):
        """Replace certain variables in the computation graph.

        Parameters
        ----------
        replacements : dict
            Maps the variables to replace to their substitutes. A
            substitute may itself depend on a replaced variable.

        Returns
        -------
        :class:`ComputationGraph`

        Examples
        --------
        >>> import aesara
        >>> from aesara import tensor, function
        >>> x = tensor.scalar('x')
        >>> y = x + 2
        >>> z = y + 3
        >>> a = z + 5

        Replacements can depend on each other:

        >>> replacements = {y: x * 2, z: y * 3}
        >>> cg = ComputationGraph([a])
        >>> aesara.pprint(a)
        '(((x + 2) + 3) + 5)'
        >>> cg_new = cg.replace(replacements)
        >>> aesara.pprint(cg_new.outputs[0])
        '(((x * 2) * 3) + 5)'
        >>> float(function(cg_new.inputs, cg_new.outputs)(3.)[0])
        23.0

        """
        replacements = OrderedDict(replacements)
        for key, value in replacements.items():
            if not isinstance(key, Variable) or \
                    not isinstance(value, Variable):
                raise TypeError(
                    "ComputationGraph.replace: keys and values must be "
                    "Aesara variables, got {!r}: {!r}".format(key, value))
            if key.type.ndim != getattr(value.type, 'ndim', key.type.ndim):
                raise ValueError(
                    "ComputationGraph.replace: cannot replace {} (ndim {}) "
                    "by {} (ndim {})".format(key, key.type.ndim, value,
                                             value.type.ndim))
        # The updates (e.g. of random streams used inside a scan) are
        # cloned with the outputs: they may depend on the same nodes.
        update_values = list(self.updates.values())
        outputs_cur = list(self.outputs) + update_values
        keys_cur = list(replacements.keys())
        values_cur = list(replacements.values())
        # One replacement at a time, so later ones see earlier ones.
        while keys_cur:
            replace_what = keys_cur[0]
            replace_by = values_cur[0]
            outputs_new = aesara.clone_replace(
                outputs_cur + keys_cur[1:] + values_cur[1:],
                replace={replace_what: replace_by})
            num_outputs = len(outputs_cur)
            num_keys = len(keys_cur) - 1
            outputs_cur = outputs_new[:num_outputs]
            keys_cur = outputs_new[num_outputs:num_outputs + num_keys]
            values_cur = outputs_new[num_outputs + num_keys:]
        num_outputs = len(self.outputs)
        graph = ComputationGraph.__new__(ComputationGraph)
        graph._replaced_updates = dict(zip(update_values,
                                           outputs_cur[num_outputs:]))
        graph.__init__(outputs_cur[:num_outputs])
        return graph

    def get_aesara_function(self, additional_updates=None, **kwargs):
        r"""Create an Aesara function from the graph.

        Parameters
        ----------
        additional_updates : list or dict, optional
            Updates on top of those found in the annotations.
        \*\*kwargs
            Passed to :func:`aesara.function`; ``mode`` defaults to the
            configured one (see :func:`blocks.backend.compile_function`).

        """
        updates = OrderedDict(self.updates)
        if additional_updates:
            updates.update(additional_updates)
        return compile_function(self.inputs, self.outputs, updates=updates,
                                **kwargs)

    def get_snapshot(self, data):
        """Evaluate all role-carrying variables on given data.

        Parameters
        ----------
        data : dict of (data source, data) pairs
            Values of the inputs, keyed by input name.

        Returns
        -------
        OrderedDict
            Maps variables to their values.

        """
        role_variables = [var for var in self.variables
                          if hasattr(var.tag, 'roles') and
                          not is_shared_variable(var)]
        value_holders = [shared_floatx_zeros((0,) * var.ndim, dtype=var.dtype)
                         for var in role_variables]
        function = self.get_aesara_function(
            list(zip(value_holders, role_variables)),
            on_unused_input='ignore')
        function(*(data[input_.name] for input_ in self.inputs))
        return OrderedDict([(var, value_holder.get_value(borrow=True))
                            for var, value_holder in zip(role_variables,
                                                         value_holders)])

    def to_dot(self, collapse=True):
        """Return the graph as Graphviz DOT text, a cluster per brick.

        See :func:`blocks.graph.drawing.to_dot`.

        """
        from blocks.graph.drawing import to_dot
        return to_dot(self, collapse)

    def draw(self, path, collapse=True):
        """Render the graph to an SVG, PNG or PDF file with Graphviz.

        See :func:`blocks.graph.drawing.draw`.

        """
        from blocks.graph.drawing import draw
        draw(self, path, collapse)

    def has_inputs(self, variable):
        """Check if a variable depends on input variables.

        Returns
        -------
        bool
            True if the given variable depends on input variables.

        """
        if variable not in self._has_inputs:
            self._has_inputs[variable] = False
            if is_graph_input(variable):
                self._has_inputs[variable] = True
            elif getattr(variable, 'owner', None):
                for dependency in variable.owner.inputs:
                    if self.has_inputs(dependency):
                        self._has_inputs[variable] = True
        return self._has_inputs[variable]


def apply_noise(computation_graph, variables, level, seed=None):
    """Add Gaussian noise to certain variables of a computation graph.

    Parameters
    ----------
    computation_graph : :class:`ComputationGraph`
        The computation graph.
    variables : list of :class:`~aesara.tensor.TensorVariable`
        Variables to add noise to.
    level : float
        The standard deviation of the noise.
    seed : int, optional
        The seed of the random stream; ``config.default_seed`` by default.

    Returns
    -------
    :class:`ComputationGraph`

    """
    if not seed:
        seed = config.default_seed
    rng = RandomStream(seed)
    replace = {}
    for variable in variables:
        replace[variable] = (variable +
                             rng.normal(0, level, size=variable.shape,
                                        dtype=variable.dtype))
    return computation_graph.replace(replace)


def apply_dropout(computation_graph, variables, drop_prob, rng=None,
                  seed=None, custom_divisor=None):
    """Apply dropout to specified variables in a graph.

    Parameters
    ----------
    computation_graph : :class:`ComputationGraph`
        The computation graph.
    variables : list of :class:`~aesara.tensor.TensorVariable`
        Variables to be dropped out.
    drop_prob : float
        Probability of dropping out. To use different probabilities for
        different variables, call this function several times.
    rng : :class:`~aesara.tensor.random.utils.RandomStream`, optional
        The random stream to draw masks from.
    seed : int, optional
        Seed of a new random stream when ``rng`` is not given;
        ``config.default_seed`` by default.
    custom_divisor : float, optional
        Divide the kept values by this instead of ``1 - drop_prob``.

    Returns
    -------
    :class:`ComputationGraph`
        The graph with dropout applied. The dropped-out variables have the
        DROPOUT role and a ``tag.replacement_of`` attribute pointing at the
        original variable.

    Notes
    -----
    The masks are drawn from a :class:`RandomStream`, whose state lives in
    shared variables: they are saved in checkpoints, and the same seed gives
    the same masks on every backend.

    Examples
    --------
    >>> import numpy
    >>> import aesara
    >>> from aesara import tensor, function
    >>> from blocks.bricks import MLP, Identity
    >>> from blocks.filter import VariableFilter
    >>> from blocks.initialization import Constant
    >>> from blocks.roles import INPUT
    >>> linear = MLP([Identity(), Identity()], [2, 10, 2],
    ...              weights_init=Constant(1), biases_init=Constant(2))
    >>> x = tensor.matrix('x')
    >>> y = linear.apply(x)
    >>> cg = ComputationGraph(y)

    We drop out all the input variables:

    >>> inputs = VariableFilter(roles=[INPUT])(cg.variables)
    >>> cg_dropout = apply_dropout(cg, inputs, 0.5)

    Dropped out variables have the DROPOUT role and point at the originals:

    >>> dropped_out = VariableFilter(roles=[DROPOUT])(cg_dropout.variables)
    >>> inputs_referenced = [var.tag.replacement_of for var in dropped_out]
    >>> set(inputs) == set(inputs_referenced)
    True

    """
    if not 0 <= drop_prob < 1:
        raise ValueError("apply_dropout: drop_prob must be in [0, 1), got "
                         "{!r}".format(drop_prob))
    if not rng and not seed:
        seed = config.default_seed
    if not rng:
        rng = RandomStream(seed)
    if not custom_divisor:
        divisor = 1 - drop_prob
    else:
        divisor = custom_divisor
    replacements = []
    for var in variables:
        mask = rng.binomial(1, 1 - drop_prob, size=var.shape)
        replacement = var * tensor.cast(mask, var.dtype) / \
            numpy.asarray(divisor, dtype=var.dtype)
        replacement.tag.replacement_of = var
        add_role(replacement, DROPOUT)
        replacements.append((var, replacement))
    return computation_graph.replace(replacements)


def collect_parameters(computation_graph, parameters):
    """Replace parameters with a single shared variable.

    This can be useful to compute the full Hessian of a graph. The
    parameters are replaced by reshaped slices of one large vector.

    Parameters
    ----------
    computation_graph : :class:`ComputationGraph`
        The graph in which to collect parameters.
    parameters : list of shared variables
        The parameters whose values are collected.

    Returns
    -------
    :class:`ComputationGraph`
        A new graph in which the given parameters are slices of a single
        shared variable with the COLLECTOR role; the slices have the
        COLLECTED role.

    Examples
    --------
    >>> from blocks.bricks import MLP, Logistic
    >>> from blocks.bricks.cost import SquaredError
    >>> from aesara import tensor
    >>> x = tensor.matrix()
    >>> mlp = MLP(activations=[Logistic(), Logistic()],
    ...           dims=[784, 100, 784])
    >>> cost = SquaredError().apply(x, mlp.apply(x))
    >>> cg = ComputationGraph(cost)
    >>> new_cg = collect_parameters(cg, cg.shared_variables)
    >>> new_cg.shared_variables
    [collected_parameters]

    """
    parameters = list(parameters)
    if not parameters:
        raise ValueError("collect_parameters: no parameters given")
    parameter_values, parameter_sizes, parameter_shapes = [], [], []
    for parameter in parameters:
        value = parameter.get_value(borrow=True)
        parameter_values.append(value)
        parameter_sizes.append(value.size)
        parameter_shapes.append(value.shape)
    new_parameters = aesara.shared(numpy.concatenate(
        [value.flatten() for value in parameter_values]).astype(
            parameters[0].dtype), name='collected_parameters')
    add_role(new_parameters, COLLECTOR)
    replacements = {}
    offset = 0
    for parameter, size, shape in zip(parameters, parameter_sizes,
                                      parameter_shapes):
        new_parameter = new_parameters[offset:offset + size].reshape(shape)
        new_parameter.name = parameter.name
        offset += size
        add_role(new_parameter, COLLECTED)
        replacements[parameter] = new_parameter
    return computation_graph.replace(replacements)
