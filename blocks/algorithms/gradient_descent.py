"""Gradient descent: the training algorithm that applies step rules."""
import warnings
from collections import OrderedDict
from collections.abc import Mapping

import numpy
import aesara
from aesara import tensor
from aesara.gradient import DisconnectedInputError
from aesara.graph.basic import graph_inputs, Variable

from blocks.aesara_expressions import l2_norm
from blocks.algorithms.base import (check_parameters_initialized,
                                    DifferentiableCostMinimizer)
from blocks.algorithms.batches import (check_not_empty, convert_source,
                                       describe_batch,
                                       match_sources, unused_sources_error)
from blocks.algorithms.step_rules import (cast_update, CompositeRule,
                                         RemoveNotFinite, Scale, StepRule)
from blocks.backend import compile_function
from blocks.roles import add_role, AUXILIARY
from blocks.utils.compiling import compiling

__all__ = ['GradientDescent']

disconnected_parameters_error = """\
{owner}: the cost does not depend on some of the parameters, so their \
gradients are undefined. Pass only the parameters the cost depends on as \
`parameters` (by default all shared variables with the PARAMETER role in \
the graph of the cost are used)."""


class GradientDescent(DifferentiableCostMinimizer):
    r"""A base class for all gradient descent algorithms.

    By "gradient descent" we mean a training algorithm of the following
    form::

        for batch in data:
            steps = step_rule.compute_steps(gradients_wr_parameters)
            for parameter in parameters:
                parameter -= steps[parameter]

    Note that the step is *subtracted*, not added! This is done in order to
    make step rule chaining possible.

    Parameters
    ----------
    cost : :class:`~aesara.tensor.TensorVariable`, optional
        The scalar objective to be minimized. Required unless `gradients`
        is given.
    parameters : list of shared variables, optional
        The parameters to be tuned. By default the keys of `gradients` if
        given, otherwise the shared variables with the ``PARAMETER`` role
        in the graph of ``cost`` (with a warning to pass them explicitly).
    step_rule : :class:`~blocks.algorithms.StepRule`, optional
        An object encapsulating most of the algorithm's logic. Its
        ``compute_steps`` method is called to get Aesara expressions for
        the steps. The step rule may have a state, e.g. to remember a
        weighted sum of gradients from previous steps like it is done in
        gradient descent with momentum. If None, an instance of
        :class:`~blocks.algorithms.Scale` is created.
    gradients : dict, optional
        A dictionary mapping a parameter to an expression for the cost's
        gradient with respect to the parameter; its keys must be the
        parameters. If None, the gradients are taken automatically using
        :func:`aesara.grad`.
    known_grads : dict, optional
        A passthrough to :func:`aesara.grad`'s `known_grads` argument.
        Useful when you know the [approximate] gradients of some
        sub-expressions and would like Aesara to use that information to
        compute parameter gradients. Only makes sense when `gradients` is
        None.
    consider_constant : list, optional
        A passthrough to :func:`aesara.grad`'s `consider_constant`
        argument. A list of expressions through which gradients will not
        be backpropagated. Only makes sense when `gradients` is None.
    on_unused_sources : {'raise', 'warn', 'ignore'}, optional
        What to do when a batch contains sources that no input variable
        uses. 'raise' (the default) raises a ``ValueError``, 'warn' warns
        once per new unused source, 'ignore' does nothing.
    aesara_func_kwargs : dict, optional
        A passthrough to :func:`aesara.function` for additional arguments.
        Useful for passing ``profile`` or ``mode`` arguments to the Aesara
        function that will be compiled for the algorithm.

    Attributes
    ----------
    gradients : OrderedDict
        The gradient dictionary, in the order of the parameters.
    steps : OrderedDict
        The steps computed by the step rule, in the order of the
        parameters.
    step_rule_updates : list of pairs
        The updates of the state of the step rule.
    total_gradient_norm : :class:`~aesara.tensor.TensorVariable`
        The L2 norm of all gradients together, named
        ``total_gradient_norm``, with the ``AUXILIARY`` role, for
        monitoring.
    total_step_norm : :class:`~aesara.tensor.TensorVariable`
        The L2 norm of all steps together, named ``total_step_norm``.

    Notes
    -----
    :meth:`initialize` compiles a single Aesara function. Its inputs are
    the input variables of the cost and of all updates; they are fed from
    the batch sources with the same names. Its updates are, in this order,
    ``parameter - step`` for every parameter, the updates of the step rule
    and those added with :meth:`add_updates`; they are all computed from
    the values before the batch.

    Data is converted to the dtype of its input variable when this is
    safe, and from any float or integer to a float dtype (``float64`` data
    for a ``float32`` variable, say). Data that does not fit, and errors
    raised by the compiled function, are reported with the name, shape
    and dtype of the sources and the types of the variables.

    The algorithm pickles without its compiled function, which is
    recompiled on the next call to :meth:`process_batch`; parameters and
    the state of the step rule are shared variables and pickle with it.

    If steps can become NaN or infinite, end the step rule with
    :class:`~blocks.algorithms.RemoveNotFinite`.

    Examples
    --------
    Fit :math:`y = 2x` with a single weight:

    >>> import numpy
    >>> from aesara import tensor
    >>> from blocks.algorithms import Scale
    >>> from blocks.utils import shared_floatx
    >>> w = shared_floatx([0.], name='w')
    >>> x = tensor.vector('x')
    >>> y = tensor.vector('y')
    >>> cost = tensor.square(x * w - y).mean()
    >>> algorithm = GradientDescent(cost=cost, parameters=[w],
    ...                             step_rule=Scale(learning_rate=0.1))
    >>> algorithm.initialize()
    >>> for _ in range(50):
    ...     algorithm.process_batch({'x': numpy.array([1., 2.]),
    ...                              'y': numpy.array([2., 4.])})
    >>> w.get_value().round(3)
    array([2.])

    """
    def __init__(self, cost=None, parameters=None, step_rule=None,
                 gradients=None, known_grads=None, consider_constant=None,
                 on_unused_sources: str = 'raise',
                 aesara_func_kwargs: dict | None = None, **kwargs):
        owner = type(self).__name__
        if step_rule is None:
            step_rule = Scale()
        elif not isinstance(step_rule, StepRule):
            raise TypeError("{}: step_rule must be a StepRule instance, got "
                            "{!r} of type {}".format(
                                owner, step_rule, type(step_rule).__name__))
        if gradients is not None:
            gradients = _gradients_dict(owner, gradients)
            if known_grads or consider_constant:
                raise ValueError("{}: known_grads and consider_constant "
                                 "have no effect when gradients are "
                                 "given".format(owner))
            if parameters is None:
                parameters = list(gradients)
        elif cost is None:
            raise ValueError("{}: cost is required unless gradients are "
                             "given, got neither".format(owner))
        super().__init__(cost, parameters,
                         on_unused_sources=on_unused_sources,
                         aesara_func_kwargs=aesara_func_kwargs, **kwargs)
        if gradients is None:
            gradients = self._compute_gradients(known_grads,
                                                consider_constant)
        else:
            _check_gradients(owner, self.parameters, gradients)
        self.gradients = OrderedDict((parameter, gradients[parameter])
                                     for parameter in self.parameters)
        self.step_rule = step_rule

        self.total_gradient_norm = l2_norm(
            list(self.gradients.values())).copy(name='total_gradient_norm')
        add_role(self.total_gradient_norm, AUXILIARY)
        steps, self.step_rule_updates = step_rule.compute_steps(
            OrderedDict(self.gradients))
        missing = [parameter.name for parameter in self.parameters
                   if parameter not in steps]
        if missing:
            raise ValueError("{}: the step rule {} returned no step for the "
                             "parameters {}".format(
                                 owner, type(step_rule).__name__, missing))
        self.steps = OrderedDict((parameter, steps[parameter])
                                 for parameter in self.parameters)
        self.total_step_norm = l2_norm(
            list(self.steps.values())).copy(name='total_step_norm')
        add_role(self.total_step_norm, AUXILIARY)
        self._function = None
        self._function_inputs = None
        self._gradient_function = None
        self._step_function = None
        self._warned_unused_sources = set()
        self.last_cost = None

    @property
    def last_cost(self):
        """The cost of the last batch processed, a float (None before the
        first).

        Under JAX the training function leaves the cost where it was
        computed (on the device); it is copied to the host when this is
        first read for the batch, by the main loop's check (see
        :class:`~blocks.main_loop.MainLoop`'s `check_cost_every`) or an
        extension.

        """
        # A checkpoint written before this was a property has 'last_cost'.
        cost = self.__dict__.get('_last_cost',
                                 self.__dict__.get('last_cost'))
        if cost is not None and not isinstance(cost, float):
            cost = self._last_cost = float(cost)
        return cost

    @last_cost.setter
    def last_cost(self, value):
        self._last_cost = value

    #: Set by :func:`blocks.distributed.distribute`: cuts batches into
    #: per-rank shares and averages the gradients of the ranks.
    distribution = None

    def _compute_gradients(self, known_grads, consider_constant):
        try:
            gradients = aesara.grad(self.cost, self.parameters,
                                    known_grads=known_grads,
                                    consider_constant=consider_constant)
        except DisconnectedInputError as exc:
            raise ValueError(disconnected_parameters_error.format(
                owner=type(self).__name__)) from exc
        return OrderedDict(zip(self.parameters, gradients))

    @property
    def parameter_updates(self):
        """The updates ``parameter - step``, in the order of parameters."""
        return [(parameter, cast_update(parameter, parameter - step))
                for parameter, step in self.steps.items()]

    def _all_updates(self):
        all_updates = [
            (variable, cast_update(variable, update)) for variable, update
            in self.parameter_updates + self.step_rule_updates +
            self.updates]
        targets = [variable for variable, _ in all_updates]
        duplicates = [variable.name for index, variable in enumerate(targets)
                      if variable in targets[:index]]
        if duplicates:
            raise ValueError(
                "{}: the shared variables {} are updated more than once; "
                "parameters are updated by the algorithm and step rule "
                "buffers by the step rule, so added updates must target "
                "other variables".format(type(self).__name__, duplicates))
        return all_updates

    def _graph_outputs(self):
        outputs = [] if self.cost is None else [self.cost]
        return outputs + [update for _, update in self._all_updates()]

    def initialize(self, **kwargs) -> None:
        """Compile the Aesara function that processes a batch.

        Calling it again recompiles the function, taking into account
        updates added since.

        Raises
        ------
        ValueError
            If parameters hold NaN values, as the parameters of a brick
            that was allocated but never initialized do.

        """
        if kwargs:
            raise TypeError("{}.initialize: unexpected keyword arguments "
                            "{}".format(type(self).__name__, sorted(kwargs)))
        check_parameters_initialized(type(self).__name__, self.parameters)
        self._compile()

    def _compile(self, inputs=None):
        if inputs is None:
            inputs = self._input_variables()
        function_kwargs = dict(self.aesara_func_kwargs)
        # Inputs that feed only the cost are accepted, and left unused.
        function_kwargs.setdefault('on_unused_input', 'ignore')
        # The cost is computed for the gradients anyway; returning it lets
        # the main loop notice a NaN or infinite cost at once.
        outputs = [] if self.cost is None else [self.cost]
        function_kwargs.setdefault('mode', getattr(self, 'mode', None))
        self._function_inputs = inputs
        if self._distributed:
            self._compile_distributed(inputs, outputs, function_kwargs)
            return
        with compiling('the training function'):
            self._function = compile_function(
                inputs, outputs, updates=self._all_updates(),
                **function_kwargs)

    @property
    def _distributed(self):
        """Whether steps are shared with other ranks (more than one).

        With one rank, a distributed algorithm compiles and runs the same
        single function as an ordinary one: the split into a gradient and
        a step function, with a copy of the flat gradient between, costs
        about 30% of a step of the 784-500-500-10 MLP at batch 256.

        """
        return self.distribution is not None and self.distribution.size > 1

    def _compile_distributed(self, inputs, outputs, function_kwargs):
        """Compile gradients and steps apart, for an Allreduce between.

        The first function computes the cost and all the gradients
        flattened into one vector, with the updates added by
        :meth:`add_updates` (monitoring accumulators); the second takes
        the averaged vector and applies the step rule.

        """
        owner = type(self).__name__
        self._all_updates()  # checks for duplicate targets
        gradients = list(self.gradients.values())
        dtype = aesara.scalar.upcast(*[gradient.dtype
                                       for gradient in gradients])
        flat = tensor.concatenate([tensor.cast(gradient, dtype).flatten()
                                   for gradient in gradients])
        self._function = None
        self._gradient_function = compile_function(
            inputs, outputs + [flat],
            updates=[(variable, cast_update(variable, update))
                     for variable, update in self.updates],
            **function_kwargs)
        averaged = tensor.vector('averaged_gradients', dtype=dtype)
        replace = {}
        offset = 0
        for parameter, gradient in self.gradients.items():
            size = int(numpy.prod(parameter.get_value(borrow=True).shape))
            replace[gradient] = tensor.cast(
                averaged[offset:offset + size].reshape(parameter.shape),
                gradient.dtype)
            offset += size
        self._gradient_size = offset
        self._gradient_dtype = dtype
        step_updates = [(variable, cast_update(variable, update))
                        for variable, update
                        in self.parameter_updates + self.step_rule_updates]
        new_values = aesara.clone_replace(
            [update for _, update in step_updates], replace=replace)
        leftover = [variable.name for variable in graph_inputs(new_values)
                    if variable in inputs]
        if leftover:
            raise ValueError(
                "{}: the steps of the step rule depend on the input data "
                "{} other than through the gradients, so they cannot be "
                "computed from gradients averaged across ranks".format(
                    owner, leftover))
        step_kwargs = dict(function_kwargs)
        step_kwargs.pop('on_unused_input', None)
        self._step_function = compile_function(
            [averaged], [], on_unused_input='ignore',
            updates=[(variable, new_value) for (variable, _), new_value
                     in zip(step_updates, new_values)],
            **step_kwargs)

    @property
    def tolerates_nonfinite_cost(self):
        """Whether the step rule skips non-finite steps.

        True when the step rule is or contains :class:`RemoveNotFinite`, so
        that a NaN or infinite cost leaves the parameters intact.

        """
        rules = [self.step_rule]
        while rules:
            rule = rules.pop()
            if isinstance(rule, RemoveNotFinite):
                return True
            if isinstance(rule, CompositeRule):
                rules.extend(rule.components)
        return False

    def process_batch(self, batch: dict) -> None:
        """Do one gradient descent step on a batch.

        Parameters
        ----------
        batch : dict
            Maps source names to arrays; each input variable is fed from
            the source of the same name.

        Raises
        ------
        ValueError
            If a source needed by an input is missing, if a source is
            unused and `on_unused_sources` is 'raise', if the data does
            not fit its variable (number of dimensions, static shape), or
            if the batch holds no examples.
        TypeError
            If the dtype of the data can't be cast safely to that of its
            variable.

        """
        owner = type(self).__name__
        if not isinstance(batch, Mapping):
            raise TypeError("{}.process_batch: batch must be a dict mapping "
                            "source names to arrays, got {!r} of type "
                            "{}".format(owner, batch, type(batch).__name__))
        if self._function_inputs is None:
            self._function_inputs = self._input_variables()
        inputs = self._function_inputs
        distributed = self._distributed
        if distributed:
            batch, local_length, global_length = \
                self.distribution.local_batch(batch)
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
        if distributed and global_length:
            self._process_share(arrays, local_length, global_length)
            return
        check_not_empty(owner, [variable.name for variable in inputs],
                        arrays)
        if self._function is None:
            self._compile(inputs)
        # Under JAX, the outputs as JAX gives them (the cost stays on the
        # device until it is read, see `last_cost`).
        call = getattr(self._function, 'call_without_copies', self._function)
        try:
            outputs = call(*arrays)
        except (TypeError, ValueError) as exc:
            error_class = TypeError if isinstance(exc, TypeError) \
                else ValueError
            raise error_class(
                "{}: the compiled training function failed on the batch "
                "{}, fed to the inputs {}: {}".format(
                    owner, describe_batch(batch),
                    _describe_inputs(inputs),
                    str(exc).strip().split('\n')[0])) from exc
        self.last_cost = outputs[0] if outputs else None

    def _process_share(self, arrays, local_length, global_length):
        """One step of distributed training on this rank's share."""
        if getattr(self, '_gradient_function', None) is None:
            self._compile(self._function_inputs)
        if local_length:
            outputs = self._gradient_function(*arrays)
            flat = outputs[-1]
            self.last_cost = float(outputs[0]) if len(outputs) > 1 else None
        else:
            # A batch with fewer examples than ranks: this rank adds
            # nothing to the average.
            flat = numpy.zeros(self._gradient_size,
                               dtype=self._gradient_dtype)
            self.last_cost = None
        averaged = self.distribution.reduce_gradients(
            numpy.array(flat, copy=True), local_length, global_length)
        self._step_function(averaged)

    def __getstate__(self):
        state = self.__dict__.copy()
        # Compiled functions are large and tied to this process; the
        # function is recompiled from the graph after unpickling.
        state['_function'] = None
        state['_function_inputs'] = None
        state['_gradient_function'] = None
        state['_step_function'] = None
        state.pop('last_cost', None)
        state['_last_cost'] = self.last_cost
        return state


def _gradients_dict(owner, gradients):
    if isinstance(gradients, Mapping):
        return OrderedDict(gradients)
    try:
        return OrderedDict(gradients)
    except (TypeError, ValueError) as exc:
        raise TypeError("{}: gradients must be a dict mapping parameters to "
                        "gradient expressions, got {!r}".format(
                            owner, gradients)) from exc


def _check_gradients(owner, parameters, gradients):
    missing = [parameter.name for parameter in parameters
               if parameter not in gradients]
    extra = [getattr(parameter, 'name', parameter) for parameter in gradients
             if parameter not in parameters]
    if missing or extra:
        raise ValueError("{}: the keys of gradients must be the parameters; "
                         "parameters without a gradient: {}, gradients for "
                         "variables that are not parameters: {}".format(
                             owner, missing, extra))
    for parameter in parameters:
        gradient = gradients[parameter]
        if not isinstance(gradient, Variable):
            gradients[parameter] = gradient = tensor.as_tensor_variable(
                gradient)
        if gradient.ndim != parameter.ndim:
            raise ValueError("{}: the gradient for parameter {} has {} "
                             "dimensions, expected {} like the "
                             "parameter".format(owner, parameter.name,
                                                gradient.ndim,
                                                parameter.ndim))


def _describe_inputs(inputs):
    return ', '.join(
        "{} (ndim {}, dtype {}, static shape {})".format(
            variable.name, variable.type.ndim, variable.type.dtype,
            tuple(variable.type.shape))
        for variable in inputs if hasattr(variable.type, 'shape'))
