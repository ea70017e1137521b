"""Batch normalization in training mode, and the population updates.

A :class:`~blocks.bricks.bn.BatchNormalization` brick normalizes with its
population statistics unless it is in training mode. There are two ways to
build a training graph:

* apply the bricks inside ``with batch_normalization(*bricks):``, which
  puts every batch normalization brick of the given hierarchies in
  training mode;
* or build the inference graph and transform it with
  :func:`apply_batch_normalization`, which keeps the two graphs (e.g. to
  monitor the inference graph on a validation set while training the
  other).

:func:`get_batch_normalization_updates` then pairs each population
statistic with its minibatch estimate in the training graph; updates that
move the former towards the latter, added to the training algorithm,
keep the population statistics current while the parameters are learned.

"""
import contextlib

from blocks.bricks.bn import BatchNormalization
from blocks.filter import VariableFilter, get_application_call
from blocks.roles import BATCH_NORM_MINIBATCH_ESTIMATE, INPUT, OUTPUT
from blocks.utils import find_bricks

__all__ = ['batch_normalization', 'apply_batch_normalization',
           'get_batch_normalization_updates']

duplicates_error = """

The population statistics of a brick applied several times in a training \
graph have one minibatch estimate per application, and only one update \
per shared variable is possible. Pass allow_duplicates=True to get all \
the pairs and combine them yourself (e.g. average the estimates)."""


def _is_batch_normalization(brick):
    return isinstance(brick, BatchNormalization)


@contextlib.contextmanager
def batch_normalization(*bricks):
    """Put batch normalization bricks in training mode.

    Within the ``with`` block, every
    :class:`~blocks.bricks.bn.BatchNormalization` among the given bricks
    and their descendants normalizes with minibatch statistics. Contexts
    nest: leaving one restores the mode before it.

    Parameters
    ----------
    \\*bricks
        The bricks (top bricks of hierarchies) to search.

    Examples
    --------
    >>> from aesara import tensor
    >>> from blocks.bricks import Tanh
    >>> from blocks.bricks.bn import BatchNormalizedMLP
    >>> mlp = BatchNormalizedMLP([Tanh()], [3, 2])
    >>> x = tensor.matrix('x')
    >>> with batch_normalization(mlp):
    ...     training_output = mlp.apply(x)
    >>> inference_output = mlp.apply(x)

    """
    found = find_bricks(bricks, _is_batch_normalization)
    for brick in found:
        brick._training_mode.append(True)
    try:
        yield
    finally:
        for brick in found:
            brick._training_mode.pop()


def _applications(variables, role):
    """Map application calls of batch normalization to their variables."""
    found = {}
    for variable in VariableFilter(bricks=[BatchNormalization],
                                   roles=[role])(variables):
        application_call = get_application_call(variable)
        if application_call is not None:
            found.setdefault(application_call, variable)
    return found


def _estimates(computation_graph):
    return [variable for variable in
            VariableFilter(roles=[BATCH_NORM_MINIBATCH_ESTIMATE])(
                computation_graph.variables)
            if hasattr(variable.tag, 'batch_norm_population')]


def apply_batch_normalization(computation_graph):
    """Transform an inference graph into a training graph.

    Each output of a :class:`~blocks.bricks.bn.BatchNormalization` brick
    applied in inference mode is replaced by the output of the same brick
    applied, in training mode, to the same input.

    Parameters
    ----------
    computation_graph : :class:`~blocks.graph.ComputationGraph`
        A graph built with batch normalization bricks in inference mode.

    Returns
    -------
    :class:`~blocks.graph.ComputationGraph`
        The training graph; the given one is unchanged.

    Raises
    ------
    ValueError
        If the graph has no batch normalization, or already normalizes
        with minibatch statistics.

    """
    if _estimates(computation_graph):
        raise ValueError("apply_batch_normalization: the graph already "
                         "uses minibatch statistics (it was built in "
                         "training mode); give it the inference graph")
    outputs = _applications(computation_graph.variables, OUTPUT)
    inputs = _applications(computation_graph.variables, INPUT)
    if not outputs:
        raise ValueError("apply_batch_normalization: the graph has no "
                         "output of a BatchNormalization brick")
    replacements = []
    for application_call, output in outputs.items():
        brick = application_call.application.brick
        with batch_normalization(brick):
            replacements.append(
                (output, brick.apply(inputs[application_call])))
    return computation_graph.replace(replacements)


def get_batch_normalization_updates(training_graph, allow_duplicates=False):
    """Pair the population statistics with their minibatch estimates.

    Parameters
    ----------
    training_graph : :class:`~blocks.graph.ComputationGraph`
        A graph with batch normalization in training mode.
    allow_duplicates : bool, optional
        If False (the default), a population statistic with several
        estimates (a brick applied more than once) is an error.

    Returns
    -------
    list of tuple
        ``(population_statistic, minibatch_estimate)`` pairs, the shared
        variable first. To keep the statistics current, add updates such as
        ``(population, (1 - alpha) * population + alpha * estimate)`` to
        the training algorithm (see ``docs/conv.rst``).

    Raises
    ------
    ValueError
        If the graph has no minibatch estimate, or (without
        ``allow_duplicates``) several for one statistic.

    """
    pairs = [(variable.tag.batch_norm_population, variable)
             for variable in _estimates(training_graph)]
    if not pairs:
        raise ValueError("get_batch_normalization_updates: the graph has no "
                         "batch normalization in training mode; build it "
                         "within batch_normalization(...) or transform it "
                         "with apply_batch_normalization")
    if not allow_duplicates:
        populations = [population for population, _ in pairs]
        for index, population in enumerate(populations):
            if population in populations[:index]:
                raise ValueError(
                    "get_batch_normalization_updates: {} of {} has several "
                    "minibatch estimates in the graph".format(
                        population.name,
                        population.tag.annotations[0].path_or_name()) +
                    duplicates_error)
    return pairs
