"""Which Aesara mode compiles the functions of Blocks.

Every function Blocks compiles (the training step of
:class:`~blocks.algorithms.UpdatesAlgorithm` and
:class:`~blocks.algorithms.GradientDescent`, the monitoring functions, the
:class:`~blocks.monitoring.evaluators.DatasetEvaluator`,
:meth:`~blocks.graph.ComputationGraph.get_aesara_function`) goes through
:func:`compile_function`, which picks the mode in this order:

1. the ``mode`` argument given where the function is compiled;
2. the ``mode`` configuration key (``mode:`` in ``.blocksrc``, or the
   ``BLOCKS_MODE`` environment variable), e.g. ``JAX``, ``FAST_RUN``,
   ``FAST_COMPILE``;
3. Aesara's default mode (``aesara.config.mode``).

The mode is resolved when the function is compiled, not when the object
that compiles it is built: an algorithm or an evaluator created without a
``mode`` argument, saved in a checkpoint and resumed, compiles with the
mode configured when the run resumes.

>>> from blocks.backend import resolve_mode
>>> resolve_mode('JAX')
'JAX'

Under the ``JAX`` mode, a graph holding an Op that Aesara's JAX backend
cannot convert raises :class:`BackendError`, a ``TypeError`` that names the
Op and the brick whose application produced it (see
:func:`describe_unconvertible`).

"""
import logging

import numpy
import aesara
from aesara.compile.mode import Mode, get_mode

from blocks.config import config

logger = logging.getLogger(__name__)

__all__ = ['BackendError', 'HostOutputs', 'check_mode', 'compile_function',
           'describe_unconvertible', 'is_jax_mode', 'resolve_mode']


class BackendError(TypeError):
    """A graph holds an Op the chosen backend cannot run."""


def resolve_mode(mode=None):
    """The mode a function is compiled with.

    Parameters
    ----------
    mode : str or :class:`aesara.compile.mode.Mode`, optional
        An explicit mode; returned as is. If None, the ``mode``
        configuration key; if that is not set either, None (Aesara's
        default mode).

    Returns
    -------
    str or :class:`~aesara.compile.mode.Mode` or None

    """
    if mode is not None:
        return check_mode(mode, 'the mode argument')
    if config.mode is None:
        return None
    return check_mode(config.mode, 'the mode configuration key '
                      '(BLOCKS_MODE or .blocksrc)')


def check_mode(mode, source='mode'):
    """Check that `mode` names an Aesara mode; return it.

    Raises
    ------
    ValueError
        If `mode` is a string Aesara does not know.
    TypeError
        If `mode` is neither a string nor a Mode.

    """
    if isinstance(mode, Mode):
        return mode
    if not isinstance(mode, str):
        raise TypeError("{}: expected an Aesara mode name (e.g. 'JAX', "
                        "'FAST_RUN') or a Mode, got {!r}".format(source, mode))
    try:
        get_mode(mode)
    except Exception as exc:
        raise ValueError("{}: {!r} is not an Aesara mode ({}); e.g. 'JAX', "
                         "'FAST_RUN', 'FAST_COMPILE'".format(source, mode,
                                                              exc)) from None
    return mode


def is_jax_mode(mode):
    """Whether `mode` (after :func:`resolve_mode`) runs on JAX."""
    if mode is None:
        mode = aesara.config.mode
    if isinstance(mode, str):
        try:
            mode = get_mode(mode)
        except Exception:
            return False
    linker = getattr(mode, 'linker', None)
    return any(cls.__name__ == 'JAXLinker' for cls in type(linker).__mro__)


def compile_function(inputs, outputs=None, mode=None, **kwargs):
    """Compile an Aesara function with the mode Blocks is configured for.

    Parameters
    ----------
    inputs : list of :class:`~aesara.graph.basic.Variable`
    outputs : variable or list of variables, optional
    mode : str or :class:`~aesara.compile.mode.Mode`, optional
        See :func:`resolve_mode`.
    \\*\\*kwargs
        Passed to :func:`aesara.function` (``updates``, ...).

    Returns
    -------
    :class:`aesara.compile.function.types.Function`

    Raises
    ------
    BackendError
        If the mode runs on JAX and the graph holds an Op Aesara's JAX
        backend cannot convert; the message names the Op and the brick.

    """
    mode = resolve_mode(mode)
    if is_jax_mode(mode):
        # Conversions of Ops Aesara 2.9.4 lacks, registered on first use,
        # and the linker that takes integer scalar inputs as constants.
        from blocks import jax_ops
        mode = jax_ops.blocks_jax_mode(mode)
    try:
        function = aesara.function(inputs, outputs, mode=mode, **kwargs)
    except ValueError as exc:
        # Aesara 2.9.4's JAX linker fails on a graph its rewrites leave
        # without any computation (e.g. resetting an accumulator to a
        # constant); such a function has nothing for JAX to do.
        if not is_jax_mode(mode) or 'Length of thunks' not in str(exc):
            raise
        logger.debug('compiling an empty graph in FAST_COMPILE mode')
        return aesara.function(inputs, outputs, mode='FAST_COMPILE',
                               **kwargs)
    except NotImplementedError as exc:
        if not is_jax_mode(mode) or 'JAX' not in str(exc):
            raise
        variables = list(_as_list(outputs)) + [
            update for _, update in _pairs(kwargs.get('updates'))]
        raise BackendError(describe_unconvertible(variables, exc)) from exc
    if is_jax_mode(mode):
        return HostOutputs(function)
    return function


class HostOutputs:
    """A function compiled for JAX whose outputs are NumPy arrays.

    Aesara's JAX backend returns JAX arrays; Blocks writes outputs into
    logs and checkpoints, which must load where JAX is not installed, so
    they are copied to NumPy arrays when the function returns. Everything
    else (``maker``, ``input_storage``, ...) is the wrapped function's.

    Parameters
    ----------
    function : :class:`aesara.compile.function.types.Function`

    """
    def __init__(self, function):
        self.function = function

    def __call__(self, *args, **kwargs):
        outputs = self.function(*args, **kwargs)
        if isinstance(outputs, (list, tuple)):
            return [numpy.asarray(output) for output in outputs]
        if outputs is None:
            return None
        return numpy.asarray(outputs)

    def call_without_copies(self, *args, **kwargs):
        """Call the function; return its outputs as JAX gives them."""
        return self.function(*args, **kwargs)

    def __getattr__(self, name):
        if name == 'function':
            raise AttributeError(name)
        return getattr(self.function, name)


def _as_list(outputs):
    if outputs is None:
        return []
    if isinstance(outputs, (list, tuple)):
        return outputs
    return [outputs]


def _pairs(updates):
    if updates is None:
        return []
    if hasattr(updates, 'items'):
        return list(updates.items())
    return list(updates)


def _has_jax_conversion(op):
    from aesara.link.jax.dispatch import jax_funcify
    implementation = jax_funcify.dispatch(type(op))
    return implementation is not jax_funcify.dispatch(object)


def _is_scan(op):
    from aesara.scan.op import Scan
    return isinstance(op, Scan)


def _describe_loop(op, where):
    """What JAX cannot run of the ``Scan`` `op`: the loop itself (see
    :func:`blocks.jax_scan.refusal`) or Ops of its step."""
    from blocks.jax_scan import refusal
    name = op.name or 'scan'
    reason = refusal(op)
    found = []
    if reason is not None:
        found.append('the loop {} (a Scan){}: {}'.format(name, where,
                                                         reason))
    for node in op.fgraph.toposort():
        if _is_scan(node.op):
            found.extend(_describe_loop(
                node.op, ' in the step of the loop {}{}'.format(name, where)))
        elif not _has_jax_conversion(node.op):
            found.append('the Op {} (a {}) in the step of the loop {}{}'
                         .format(node.op, type(node.op).__name__, name,
                                 where))
    return found


def describe_unconvertible(variables, error=None):
    """Say which Ops of a graph JAX cannot run, and which bricks made them.

    Parameters
    ----------
    variables : list of :class:`~aesara.graph.basic.Variable`
        The outputs (and update expressions) of the graph.
    error : Exception, optional
        The error Aesara's JAX backend raised, quoted at the end.

    Returns
    -------
    str

    """
    from aesara.graph.basic import io_toposort, graph_inputs
    from blocks.bricks.base import ApplicationCall
    from blocks.filter import get_annotation
    variables = [variable for variable in variables
                 if getattr(variable, 'owner', None) is not None or
                 hasattr(variable, 'type')]
    nodes = io_toposort(list(graph_inputs(variables)), variables)
    # Every variable's nearest consumer made inside a brick application.
    brick_of = {}
    for node in reversed(nodes):
        here = None
        for output in node.outputs:
            call = get_annotation(output, ApplicationCall)
            if call is not None:
                here = '{}.{}'.format(
                    call.application.brick.path_or_name(),
                    call.application.application_name)
                break
        if here is None:
            here = next((brick_of[output] for output in node.outputs
                         if output in brick_of), None)
        if here is not None:
            for input_ in node.inputs:
                brick_of.setdefault(input_, here)
            for output in node.outputs:
                brick_of.setdefault(output, here)
    found = []
    for node in nodes:
        where = next((brick_of[output] for output in node.outputs
                      if output in brick_of), None)
        where = (' made in the application ' + where if where else
                 ', outside any brick application')
        if _is_scan(node.op):
            found.extend(_describe_loop(node.op, where))
        elif not _has_jax_conversion(node.op):
            found.append("the Op {} (a {}){}".format(
                node.op, type(node.op).__name__, where))
    if found:
        lines = sorted(set(found))
    else:
        named = str(error).rpartition(': ')[2] if error is not None else ''
        lines = ["the Op {}, which Aesara's rewrites put in place of Ops "
                 "that convert".format(named or '(unknown)')]
    message = "Aesara's JAX backend cannot convert {}.".format(
        '; '.join(lines))
    message += (" Compile this graph in another mode (mode='FAST_RUN', or "
                "set BLOCKS_MODE), or build it from Ops JAX converts.")
    if error is not None:
        message += ' Aesara said: {}'.format(error)
    return message
