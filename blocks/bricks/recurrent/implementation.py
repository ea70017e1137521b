"""Which loop a standard recurrent brick runs: a fused Op or ``scan``.

:class:`~blocks.bricks.recurrent.SimpleRecurrent`,
:class:`~blocks.bricks.recurrent.LSTM` and
:class:`~blocks.bricks.recurrent.GatedRecurrent` applied with
``iterate=True`` compute their whole loop with one of the fused Ops of
:mod:`blocks.bricks.recurrent.fused` (C code, many times faster than
``scan``) when the fused Op computes exactly what their step computes:

* the brick's own ``apply`` and ``step`` (a subclass that overrides them,
  e.g. to draw noise or dropout inside the step, keeps ``scan``);
* the standard activations (:class:`~blocks.bricks.Tanh`,
  :class:`~blocks.bricks.Logistic` gates; a simple recurrent network may
  also use :class:`~blocks.bricks.Identity` or
  :class:`~blocks.bricks.Rectifier`), of exactly these classes;
* float32 or float64 values, and a C compiler for Aesara.

Otherwise the step is iterated with ``scan``. Both give the same values and
gradients within float tolerance. A
:class:`~blocks.bricks.recurrent.RecurrentStack` whose layers all run
fused loops iterates them layer by layer (see :func:`would_fuse`).

The choice can be forced, for all bricks with the configuration key
``recurrent_implementation`` (environment variable
``BLOCKS_RECURRENT_IMPLEMENTATION``), or for one brick with its attribute
of the same name, which overrides the configuration:

* ``'auto'`` (the default): the fused Op where it applies, else ``scan``;
* ``'fused'``: the fused Op, or a ``ValueError`` saying why it cannot be;
* ``'scan'``: always ``scan``. Choose it to transform the graph *inside*
  the step, e.g. dropout on the previous states through
  :attr:`ComputationGraph.scan_variables
  <blocks.graph.ComputationGraph.scan_variables>`: a fused loop has no
  inner graph.

"""
from aesara import config as aesara_config
from aesara import scalar

from blocks.config import config

#: The values of ``recurrent_implementation``.
IMPLEMENTATIONS = ('auto', 'fused', 'scan')

_CANNOT_FUSE = """

The brick's recurrent_implementation (or Blocks' configuration key of that
name, environment variable BLOCKS_RECURRENT_IMPLEMENTATION) asks for the
fused loop. Set it to 'auto' to fall back on scan where the fused loop does
not apply, or to 'scan'."""


def requested_implementation(brick):
    """The brick's ``recurrent_implementation``, or the configuration's.

    Raises
    ------
    ValueError
        If the brick's attribute is not one of :data:`IMPLEMENTATIONS`.

    """
    value = getattr(brick, 'recurrent_implementation', None)
    if value is None:
        return config.recurrent_implementation
    if value not in IMPLEMENTATIONS:
        raise ValueError('{}: recurrent_implementation must be None or one '
                         'of {}, got {!r}'.format(brick.path_or_name(),
                                                  IMPLEMENTATIONS, value))
    return value


def common_dtype(variables):
    """The dtype all the variables are cast to, or None if it is not one
    the fused Ops take (float32, float64)."""
    dtype = scalar.upcast(*[variable.dtype for variable in variables])
    return dtype if dtype in ('float32', 'float64') else None


def fusion_obstacle(brick, owner, application, sequences, contexts, rest):
    """Why the fused loop of `owner` cannot replace `brick`'s scan, or None.

    Parameters
    ----------
    brick : :class:`~blocks.bricks.recurrent.BaseRecurrent`
        The brick being applied.
    owner : type
        The class whose step the fused loop computes (`brick`'s class or a
        base of it).
    application : :class:`~blocks.bricks.base.BoundApplication`
        The recurrent application being iterated.
    sequences, contexts, rest : OrderedDict
        The arguments of the loop, see
        :meth:`~blocks.bricks.recurrent.BaseRecurrent.iterate`.

    """
    if application.application is not owner.apply:
        return 'the application {} is not {}.apply'.format(
            application.application.application_name, owner.__name__)
    if type(brick).step is not owner.step:
        return '{} overrides the step of {}'.format(type(brick).__name__,
                                                    owner.__name__)
    if contexts or rest:
        return 'the call has other arguments than sequences and states ({})'\
            .format(', '.join(list(contexts) + list(rest)))
    if 'inputs' not in sequences:
        return 'no inputs sequence is given'
    obstacle = brick.fused_obstacle(sequences)
    if obstacle:
        return obstacle
    if not aesara_config.cxx:
        return 'Aesara has no C compiler (aesara.config.cxx is empty)'
    return None


def fused_owner(brick):
    """The class of `brick` whose step a fused loop computes, or None."""
    return next((cls for cls in type(brick).__mro__
                 if '_fused_loop' in vars(cls)), None)


def would_fuse(brick, sequences, states, contexts=None):
    """Whether ``brick.apply`` iterated with these arguments would run its
    fused loop (never raises where :func:`use_fused` would).

    Parameters
    ----------
    brick : :class:`~blocks.bricks.recurrent.BaseRecurrent`
    sequences, states, contexts : dict
        The arguments of the call by name (a value may be None where only
        the name matters).

    """
    owner = fused_owner(brick)
    if owner is None or requested_implementation(brick) == 'scan':
        return False
    if fusion_obstacle(brick, owner, brick.apply, sequences, contexts or {},
                       {}) is not None:
        return False
    values = [value for name, value in sequences.items()
              if name != 'mask' and value is not None]
    return common_dtype(values + [value for value in states.values()
                                  if value is not None] +
                        list(brick.parameters)) is not None


def use_fused(brick, owner, application, sequences, states, contexts,
              rest):
    """Whether `brick` iterates with the fused loop of `owner`.

    Returns
    -------
    str or None
        The dtype to run the fused loop in, or None for ``scan``.

    Raises
    ------
    ValueError
        If the fused loop is requested (``'fused'``) but cannot be used.

    """
    requested = requested_implementation(brick)
    if requested == 'scan':
        return None
    obstacle = fusion_obstacle(brick, owner, application, sequences,
                               contexts, rest)
    dtype = None
    if obstacle is None:
        dtype = common_dtype(
            [value for name, value in sequences.items() if name != 'mask'] +
            list(states.values()) + list(brick.parameters))
        if dtype is None:
            obstacle = 'the values are not float32 or float64'
    if obstacle is not None and requested == 'fused':
        raise ValueError('{}: cannot use the fused loop: {}'.format(
            brick.path_or_name(), obstacle) + _CANNOT_FUSE)
    return dtype
