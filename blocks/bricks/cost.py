"""Cost bricks: scalar objectives comparing targets with predictions.

Every cost checks its targets against its predictions before building
anything: dtype and number of dimensions when the graph is built, lengths
too where the static shapes are known, and otherwise at run time through a
:class:`TargetShapeCheck` node, so that targets of the wrong shape raise an
error instead of broadcasting into a meaningless cost.

"""
from abc import abstractmethod

import numpy
import aesara
from aesara import scalar, tensor
from aesara.graph.basic import Apply
from aesara.graph.op import Op
from aesara.gradient import DisconnectedType
from aesara.tensor.elemwise import Elemwise
from aesara.tensor.special import Softmax, log_softmax

from blocks.aesara_expressions import pick_per_row
from blocks.bricks.base import application, Brick
from blocks.bricks.interfaces import check_input

integer_targets_error = """\
{where}: argument 'y' is {y}, but integer targets are class indices and \
must be a vector, one index per row of '{predictions}'. Labels stored as a \
column (shape (batch, 1)) must be flattened first: pass `y.flatten()`. \
Target distributions over the classes are a float matrix with the shape of \
'{predictions}'."""

float_indices_error = """\
{where}: argument 'y' is {y}; class indices must be integers (e.g. \
`tensor.lvector('targets')`, or `y.astype('int64')`)."""

categorical_ndim_error = """\
{where}: argument 'y' must be a vector of integer class indices or a float \
matrix of target distributions, got {y}."""

categorical_dtype_error = """\
{where}: argument 'y' must be integer class indices or float target \
distributions, got {y}."""

indices_shape_error = """\
{where}: argument 'y' has shape {given}, expected {expected}: one class \
index per row of '{predictions}' (shape {predictions_shape})."""

distributions_shape_error = """\
{where}: argument 'y' has shape {given}, expected {expected}, the shape of \
'{predictions}': one target distribution per row of predictions. Class \
labels are an integer vector (`y.flatten()` for a column of labels)."""

elementwise_ndim_error = """\
{where}: arguments 'y' and 'y_hat' must have the same number of \
dimensions, got y with {y_ndim} and y_hat with {y_hat_ndim}; they would \
broadcast against each other (shapes (batch,) and (batch, 1) give a \
(batch, batch) matrix). Give both the same shape, e.g. `y[:, None]` \
(a column) or `y_hat.flatten()`."""

elementwise_shape_error = """\
{where}: argument 'y' has shape {given}, expected {expected}, the shape of \
'y_hat': targets and predictions are compared element by element and must \
not broadcast against each other."""

cost_matrix_ndim_error = """\
{where}: arguments 'y' and 'y_hat' must be matrices (batch, features), got \
tensors with {ndim} dimension(s); for a single output per example pass \
columns, e.g. `y[:, None]` and `y_hat[:, None]`."""


def _describe(variable):
    """E.g. 'a 2-dimensional int64 tensor (static shape (None, 1))'."""
    return 'a {}-dimensional {} tensor (static shape {})'.format(
        variable.ndim, variable.dtype, _format_shape(variable.type.shape))


def _format_shape(shape):
    return '({})'.format(', '.join(
        'None' if length is None else str(int(length)) for length in shape)
        + (',' if len(shape) == 1 else ''))


class TargetShapeCheck(Op):
    """Return the targets, or raise if their shape disagrees at run time.

    Inserted in a cost's graph by the cost bricks where the static shapes
    cannot tell whether targets and predictions agree. Some of the axes of
    the targets must have the length of given axes of the predictions.

    Parameters
    ----------
    axes : tuple of pairs of int
        ``(target axis, prediction axis)`` pairs whose lengths must agree.
    message : str
        The message of the ``ValueError`` raised; ``{given}``,
        ``{expected}`` and ``{predictions_shape}`` in it are replaced by
        the run-time shape of the targets, their expected shape and the
        shape of the predictions.

    Notes
    -----
    The output is the targets themselves (a view), so the check costs a
    comparison of a few integers per call. The gradient passes through to
    the targets; the shape of the predictions is not differentiated.

    """
    __props__ = ('axes', 'message')
    view_map = {0: [0]}

    def __init__(self, axes, message):
        self.axes = tuple((int(target), int(prediction))
                          for target, prediction in axes)
        self.message = message

    def make_node(self, targets, predictions_shape):
        targets = tensor.as_tensor_variable(targets)
        predictions_shape = tensor.as_tensor_variable(predictions_shape)
        return Apply(self, [targets, predictions_shape], [targets.type()])

    def perform(self, node, inputs, output_storage):
        targets, predictions_shape = inputs
        expected = list(targets.shape)
        for target_axis, prediction_axis in self.axes:
            expected[target_axis] = int(predictions_shape[prediction_axis])
        if tuple(expected) != targets.shape:
            raise ValueError(
                self.message.replace('{given}', _format_shape(targets.shape))
                .replace('{expected}', _format_shape(expected))
                .replace('{predictions_shape}',
                         _format_shape(predictions_shape)))
        output_storage[0][0] = targets

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]]

    def grad(self, inputs, output_gradients):
        """The gradient passes through to the checked input."""
        return [output_gradients[0], DisconnectedType()()]

    def connection_pattern(self, node):
        """Only the checked input is connected to the output."""
        return [[True], [False]]

    def R_op(self, inputs, eval_points):
        """The R-operator passes through, like the gradient."""
        return [eval_points[0]]

    def __str__(self):
        return 'TargetShapeCheck{{{}}}'.format(self.axes)


def check_target_shape(where, y, y_hat, axes, message, **details):
    """Check that axes of `y` have the lengths of axes of `y_hat`.

    Lengths known statically on both sides are compared at once (raising
    ``ValueError``); the others are compared at run time by a
    :class:`TargetShapeCheck` node.

    Parameters
    ----------
    where : str
        The brick path and application, for messages.
    y : :class:`~aesara.tensor.TensorVariable`
        The targets.
    y_hat : :class:`~aesara.tensor.TensorVariable`
        The predictions.
    axes : list of pairs of int
        ``(axis of y, axis of y_hat)`` pairs whose lengths must agree.
    message : str
        A template with the fields ``where``, ``given``, ``expected``,
        ``predictions_shape`` and those of `details`.

    Returns
    -------
    :class:`~aesara.tensor.TensorVariable`
        `y`, or `y` passed through a :class:`TargetShapeCheck`.

    """
    y_static, y_hat_static = tuple(y.type.shape), tuple(y_hat.type.shape)
    expected = list(y_static)
    unknown = []
    for target_axis, prediction_axis in axes:
        given = y_static[target_axis]
        wanted = y_hat_static[prediction_axis]
        if given is not None and wanted is not None:
            expected[target_axis] = wanted
        else:
            unknown.append((target_axis, prediction_axis))
    if tuple(expected) != y_static:
        raise ValueError(message.format(
            where=where, given=_format_shape(y_static),
            expected=_format_shape(expected),
            predictions_shape=_format_shape(y_hat_static), **details))
    if not unknown:
        return y
    # Keep the run-time fields for the Op; escape the rest.
    template = message.format(
        where=where.replace('{', '{{').replace('}', '}}'),
        given='{given}', expected='{expected}',
        predictions_shape='{predictions_shape}', **details)
    return TargetShapeCheck(unknown, template)(y, y_hat.shape)


def check_categorical_targets(brick, y, y_hat, application_name='apply',
                              predictions='y_hat'):
    """Check targets for a categorical cost against the predictions.

    Parameters
    ----------
    brick : :class:`~blocks.bricks.base.Brick`
        The brick, named in messages.
    y : :class:`~aesara.tensor.TensorVariable`
        A vector of integer class indices or a float matrix of target
        distributions.
    y_hat : :class:`~aesara.tensor.TensorVariable`
        The predictions (probabilities or unnormalized log-probabilities),
        a float matrix with one row per example; already checked.
    application_name : str, optional
        The application, for messages.
    predictions : str, optional
        The name of the argument `y_hat` in that application.

    Returns
    -------
    :class:`~aesara.tensor.TensorVariable`
        `y`, with a run-time check of its shape where needed.

    Raises
    ------
    ValueError
        If `y` has integer dtype and is not a vector (labels not
        flattened), has neither one nor two dimensions, or its known shape
        does not fit `y_hat`.
    TypeError
        If `y` is a float vector or has a dtype that is neither integer nor
        float.

    """
    y = tensor.as_tensor_variable(y)
    where = '{}.{}'.format(brick.path_or_name(), application_name)
    kind = numpy.dtype(y.dtype).kind
    if kind in 'iu':
        if y.ndim != 1:
            raise ValueError(integer_targets_error.format(
                where=where, y=_describe(y), predictions=predictions))
        return check_target_shape(where, y, y_hat, [(0, 0)],
                                  indices_shape_error,
                                  predictions=predictions)
    if y.ndim not in (1, 2):
        raise ValueError(categorical_ndim_error.format(where=where,
                                                       y=_describe(y)))
    if kind != 'f':
        raise TypeError(categorical_dtype_error.format(where=where,
                                                       y=_describe(y)))
    if y.ndim == 1:
        raise TypeError(float_indices_error.format(where=where,
                                                   y=_describe(y)))
    return check_target_shape(where, y, y_hat, [(0, 0), (1, 1)],
                              distributions_shape_error,
                              predictions=predictions)


def _check_same_ndim(where, y, y_hat):
    y = tensor.as_tensor_variable(y)
    y_hat = tensor.as_tensor_variable(y_hat)
    if y.ndim != y_hat.ndim:
        raise ValueError(elementwise_ndim_error.format(
            where=where, y_ndim=y.ndim, y_hat_ndim=y_hat.ndim))
    return y, y_hat


def check_elementwise_targets(brick, y, y_hat, application_name):
    """Check that targets and predictions have the same shape.

    Returns
    -------
    y, y_hat : :class:`~aesara.tensor.TensorVariable`
        The arguments as tensors, `y` with a run-time check of its shape
        where needed.

    """
    where = '{}.{}'.format(brick.path_or_name(), application_name)
    y, y_hat = _check_same_ndim(where, y, y_hat)
    y = check_target_shape(where, y, y_hat,
                           [(axis, axis) for axis in range(y.ndim)],
                           elementwise_shape_error)
    return y, y_hat


def log_probabilities(probabilities):
    """``log(probabilities)``, from the logits where a softmax made them.

    When `probabilities` is the output of a softmax (possibly through the
    copies bricks make of their outputs), the result is the log-softmax of
    its input: finite, with a finite gradient, where the probability
    underflows to zero. Otherwise it is ``log(probabilities)``.

    """
    variable = probabilities
    while variable.owner is not None:
        op = variable.owner.op
        if isinstance(op, Softmax) and op.axis in (-1, variable.ndim - 1):
            return log_softmax(variable.owner.inputs[0], axis=-1)
        if isinstance(op, Elemwise) and \
                isinstance(op.scalar_op, scalar.Identity):
            variable = variable.owner.inputs[0]
            continue
        break
    return tensor.log(probabilities)


class Cost(Brick):
    """Base class of costs: ``apply(y, y_hat)`` returns a scalar."""
    @abstractmethod
    @application
    def apply(self, *args, **kwargs):
        pass


class CostMatrix(Cost):
    """Base class for costs which can be calculated element-wise.

    Assumes that the data has the layout (batch, features): the element-wise
    costs of :meth:`cost_matrix` are summed over the features and averaged
    over the batch. Targets ``y`` and predictions ``y_hat`` must have the
    same shape; they are not broadcast against each other.

    """
    @application(outputs=['cost'])
    def apply(self, y, y_hat):
        where = '{}.apply'.format(self.path_or_name())
        y, y_hat = _check_same_ndim(where, y, y_hat)
        if y.ndim != 2:
            raise ValueError(cost_matrix_ndim_error.format(where=where,
                                                           ndim=y.ndim))
        return self.cost_matrix(y, y_hat).sum(axis=1).mean()

    @abstractmethod
    @application
    def cost_matrix(self, y, y_hat):
        pass


class BinaryCrossEntropy(CostMatrix):
    r"""Binary cross-entropy for targets and predictions in [0, 1].

    .. math:: -y \log \hat y - (1 - y) \log (1 - \hat y)

    """
    @application
    def cost_matrix(self, y, y_hat):
        check_input(self, 'y_hat', y_hat, dtype_kinds='f',
                    application_name='cost_matrix')
        check_input(self, 'y', y, dtype_kinds='biuf',
                    application_name='cost_matrix')
        y, y_hat = check_elementwise_targets(self, y, y_hat, 'cost_matrix')
        return -(y * tensor.log(y_hat) + (1 - y) * tensor.log(1 - y_hat))


class AbsoluteError(CostMatrix):
    r"""The absolute error, :math:`|y - \hat y|`."""
    @application
    def cost_matrix(self, y, y_hat):
        y, y_hat = check_elementwise_targets(self, y, y_hat, 'cost_matrix')
        return abs(y - y_hat)


class SquaredError(CostMatrix):
    r"""The squared error, :math:`(y - \hat y)^2`."""
    @application
    def cost_matrix(self, y, y_hat):
        y, y_hat = check_elementwise_targets(self, y, y_hat, 'cost_matrix')
        return tensor.square(y - y_hat)


class CategoricalCrossEntropy(Cost):
    """The mean cross-entropy between targets and predicted distributions.

    ``y`` is a vector of integer class indices or a float matrix of target
    distributions with the shape of ``y_hat``; ``y_hat`` a matrix of
    predicted probabilities, one row per example. Integer targets must be
    a vector: a column of labels (shape (batch, 1)) is refused, pass
    ``y.flatten()``.

    Examples
    --------
    >>> from aesara import tensor
    >>> y, y_hat = tensor.lvector('y'), tensor.matrix('y_hat')
    >>> cost = CategoricalCrossEntropy().apply(y, y_hat)
    >>> float(cost.eval({y: [0, 1], y_hat: [[0.5, 0.5], [0.25, 0.75]]}))
    ... # doctest: +ELLIPSIS
    0.49...
    >>> CategoricalCrossEntropy().apply(tensor.lmatrix('y'), y_hat)
    Traceback (most recent call last):
      ...
    ValueError: /categoricalcrossentropy.apply: argument 'y' is a \
2-dimensional int64 tensor (static shape (None, None)), but integer \
targets are class indices and must be a vector, ... `y.flatten()`. ...

    """
    @application(outputs=['cost'])
    def apply(self, y, y_hat):
        check_input(self, 'y_hat', y_hat, ndim=2, dtype_kinds='f')
        y = check_categorical_targets(self, y, y_hat)
        # Elementwise Ops, a cumulative sum and reductions, which every
        # backend (JAX included) runs; the values and gradients are those
        # of aesara.tensor.nnet's deprecated cross-entropy Ops.
        log_y_hat = log_probabilities(y_hat)
        if y.ndim == 1:
            return -pick_per_row(log_y_hat, y).mean()
        return -(y * log_y_hat).sum(axis=1).mean()


class MisclassificationRate(Cost):
    """The fraction of examples whose class is not among the top guesses.

    Parameters
    ----------
    top_k : int, optional
        If the true class is within the ``top_k`` highest scores of an
        example, the prediction counts as correct. Default: 1.

    Notes
    -----
    Ties for the top_k-th place are broken pessimistically: an example
    whose true class ties with others for the top_k-th highest score
    counts as misclassified.

    Examples
    --------
    >>> from aesara import tensor
    >>> y, y_hat = tensor.lvector('y'), tensor.matrix('y_hat')
    >>> rate = MisclassificationRate().apply(y, y_hat)
    >>> float(rate.eval({y: [0, 1], y_hat: [[0.9, 0.1], [0.8, 0.2]]}))
    0.5

    """
    def __init__(self, top_k=1, **kwargs):
        if int(top_k) != top_k or top_k < 1:
            raise ValueError("MisclassificationRate: top_k must be a "
                             "positive integer, got {!r}".format(top_k))
        self.top_k = int(top_k)
        super().__init__(**kwargs)

    @application(outputs=['error_rate'])
    def apply(self, y, y_hat):
        check_input(self, 'y_hat', y_hat, ndim=2)
        y = tensor.as_tensor_variable(y)
        if numpy.dtype(y.dtype).kind in 'iu' and y.ndim != 1:
            raise ValueError(integer_targets_error.format(
                where='{}.apply'.format(self.path_or_name()),
                y=_describe(y), predictions='y_hat'))
        check_input(self, 'y', y, ndim=1, dtype_kinds='iu')
        y = check_target_shape('{}.apply'.format(self.path_or_name()), y,
                               y_hat, [(0, 0)], indices_shape_error,
                               predictions='y_hat')
        # Scores of the true classes, compared with every score of the row:
        # an example is wrong when top_k or more other classes score at
        # least as high as the true one.
        true_scores = pick_per_row(y_hat, y)
        at_least_as_high = tensor.ge(y_hat, true_scores.dimshuffle(0, 'x'))
        # The true class itself always counts once.
        rank = at_least_as_high.sum(axis=1) - 1
        mistakes = tensor.ge(rank, self.top_k)
        return tensor.cast(mistakes, aesara.config.floatX).mean()
