"""Random numbers drawn inside the step of a loop.

A step may draw random numbers from a random stream (dropout on the
previous states, noise). Inside an Aesara ``scan`` the stream's generator
would be a shared variable of the loop, and ``scan`` cannot differentiate
through values computed from such a variable ("Depends on a shared
variable"): training would not compile. So the draws are taken out of the
loop: after a first trace of the step, every random draw is made once
before the loop, for all steps at once (a tensor with the number of steps
as its first axis), and the loop is built again with those tensors as
sequences, each step reading its own slice. The draws then come from the
same generators (same seeds), whose updates the loop returns.

This needs the draws' sizes and parameters to depend on the step's inputs
only through their shapes (as ``size=states.shape`` does), which is the
case for dropout masks and additive noise.

"""
from collections import OrderedDict

from aesara import tensor
from aesara.compile.sharedvalue import SharedVariable
from aesara.graph.basic import io_toposort
from aesara.tensor.random.op import RandomVariable
from aesara.tensor.random.type import RandomType
from aesara.tensor.shape import Shape, Shape_i

value_dependent_draw = """

A random draw inside the step of {where} depends on the values of the
step's arguments ({names}), not only on their shapes. Draws inside a loop
are made before the loop for all steps at once, so their sizes and
parameters may only use the shapes of the step's arguments and values from
outside the loop (e.g. size=states.shape, a constant probability)."""


def substitute(variables, replacements):
    """Rebuild `variables` with `replacements`, cloning only the nodes that
    depend on a replaced variable.

    Unlike ``clone_replace``, which copies the whole graph, the rest of the
    graph (and the tags of its variables) stays as it is: no duplicate of
    a tagged variable outside a loop, no copy of the outer graph inside.

    """
    memo = dict(replacements)
    for node in io_toposort([], list(variables)):
        new_inputs = [memo.get(variable, variable) for variable in node.inputs]
        if all(new is old for new, old in zip(new_inputs, node.inputs)):
            continue
        new_node = node.clone_with_new_inputs(new_inputs)
        for old, new in zip(node.outputs, new_node.outputs):
            if old not in replacements:
                memo[old] = new
    return [memo.get(variable, variable) for variable in variables]


def _depends_on_values(variable, traced):
    """Whether `variable` depends on `traced` variables other than through
    their shapes; returns the names of those it depends on."""
    found = []
    seen = set()
    pending = [variable]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        if current in traced:
            found.append(current)
            continue
        owner = current.owner
        if owner is None or isinstance(owner.op, (Shape, Shape_i)):
            continue
        pending.extend(owner.inputs)
    return found


def hoisted_draws(where, traced_inputs, traced_outputs, outer_values,
                  n_steps, updates):
    """Find the random draws of a traced step and make them before the loop.

    Parameters
    ----------
    where : str
        The application, for messages.
    traced_inputs : list of :class:`~aesara.graph.basic.Variable`
        The variables the first trace gave the step.
    traced_outputs : list of :class:`~aesara.graph.basic.Variable`
        What the step returned.
    outer_values : list of :class:`~aesara.graph.basic.Variable`
        For each traced input, a value outside the loop with the same shape
        (the first slice of a sequence, the initial state, the context).
    n_steps : int or scalar :class:`~aesara.tensor.TensorVariable`
    updates : dict
        The updates ``scan`` returned: the generators used in the step.

    Returns
    -------
    draws : list of pairs
        ``(value inside the step, tensor of all steps' values)``.
    new_updates : OrderedDict
        The updates of the generators, now used before the loop.

    """
    for shared in updates:
        if not (isinstance(shared, SharedVariable) and
                isinstance(shared.type, RandomType)):
            raise ValueError(
                "{}: the step updates the shared variable {}, which is not "
                "a random generator; a step may only update the generators "
                "of random streams".format(where, shared))
    traced = set(traced_inputs)
    replacements = dict(zip(traced_inputs, outer_values))
    draws = []
    new_updates = OrderedDict()
    for node in io_toposort([], list(traced_outputs)):
        if not isinstance(node.op, RandomVariable):
            continue
        rng, size, dtype = node.inputs[:3]
        parameters = node.inputs[3:]
        if rng not in updates:
            # Drawn outside the step (e.g. a mask given to it).
            continue
        dependent = []
        for variable in [size] + list(parameters):
            dependent.extend(_depends_on_values(variable, traced))
        if dependent:
            raise ValueError("{}: random draw {} depends on the values of "
                             "the step's arguments".format(where, node) +
                             value_dependent_draw.format(
                                 where=where, names=', '.join(
                                     sorted({str(variable)
                                             for variable in dependent}))))
        if size.type.shape == (0,):
            raise ValueError(
                "{}: a random draw inside the step has no size; give its "
                "size (e.g. size=states.shape) so that the draws of all "
                "steps can be made before the loop".format(where))
        outer_size, *outer_parameters = substitute(
            [size] + list(parameters), replacements)
        all_steps_size = tensor.concatenate([
            tensor.as_tensor_variable([n_steps]).astype(outer_size.dtype),
            outer_size])
        outer = node.op.make_node(rng, all_steps_size, dtype,
                                  *outer_parameters)
        next_rng, values = outer.outputs
        draws.append((node.outputs[1], values))
        new_updates[rng] = next_rng
    return draws, new_updates


class ReplayStep:
    """The step of the second trace: the first trace's graph with the
    random draws replaced by slices of the draws made before the loop."""
    def __init__(self, traced_inputs, traced_outputs, draws,
                 num_sequences):
        self.traced_inputs = traced_inputs
        self.traced_outputs = traced_outputs
        self.draws = draws
        self.num_sequences = num_sequences

    def __call__(self, *args):
        args = list(args)
        num_draws = len(self.draws)
        sequences = args[:self.num_sequences]
        draws = args[self.num_sequences:self.num_sequences + num_draws]
        others = args[self.num_sequences + num_draws:]
        replace = dict(zip(self.traced_inputs, sequences + others))
        replace.update((inside, slice_) for (inside, _), slice_
                       in zip(self.draws, draws))
        return substitute(list(self.traced_outputs), replace)
