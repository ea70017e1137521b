"""Cost bricks: scalar objectives comparing targets with predictions."""
from abc import abstractmethod

import aesara
from aesara import tensor
from aesara.tensor.nnet import binary_crossentropy, categorical_crossentropy

from blocks.bricks.base import application, Brick
from blocks.bricks.interfaces import check_input


def _check_same_ndim(brick, y, y_hat):
    if y.ndim != y_hat.ndim:
        raise ValueError(
            "{}.apply: arguments 'y' and 'y_hat' must have the same number "
            "of dimensions, got y with {} and y_hat with {}".format(
                brick.path_or_name(), y.ndim, y_hat.ndim))


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
    over the batch.

    """
    @application(outputs=['cost'])
    def apply(self, y, y_hat):
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
        _check_same_ndim(self, y, y_hat)
        return binary_crossentropy(y_hat, y)


class AbsoluteError(CostMatrix):
    r"""The absolute error, :math:`|y - \hat y|`."""
    @application
    def cost_matrix(self, y, y_hat):
        _check_same_ndim(self, y, y_hat)
        return abs(y - y_hat)


class SquaredError(CostMatrix):
    r"""The squared error, :math:`(y - \hat y)^2`."""
    @application
    def cost_matrix(self, y, y_hat):
        _check_same_ndim(self, y, y_hat)
        return tensor.square(y - y_hat)


class CategoricalCrossEntropy(Cost):
    """The mean cross-entropy between targets and predicted distributions.

    ``y`` is a vector of integer class indices or a matrix of target
    distributions; ``y_hat`` a matrix of predicted probabilities, one row
    per example.

    Examples
    --------
    >>> from aesara import tensor
    >>> y, y_hat = tensor.lvector('y'), tensor.matrix('y_hat')
    >>> cost = CategoricalCrossEntropy().apply(y, y_hat)
    >>> float(cost.eval({y: [0, 1], y_hat: [[0.5, 0.5], [0.25, 0.75]]}))
    ... # doctest: +ELLIPSIS
    0.49...

    """
    @application(outputs=['cost'])
    def apply(self, y, y_hat):
        check_input(self, 'y_hat', y_hat, ndim=2, dtype_kinds='f')
        if y.ndim == 1:
            check_input(self, 'y', y, dtype_kinds='iu')
        elif y.ndim != 2:
            raise ValueError(
                "{}.apply: argument 'y' must be a vector of class indices or "
                "a matrix of distributions, got {} dimensions".format(
                    self.path_or_name(), y.ndim))
        cost = categorical_crossentropy(y_hat, y).mean()
        return cost


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
        check_input(self, 'y', y, ndim=1, dtype_kinds='iu')
        check_input(self, 'y_hat', y_hat, ndim=2)
        # Scores of the true classes, compared with every score of the row:
        # an example is wrong when top_k or more other classes score at
        # least as high as the true one.
        true_scores = y_hat[tensor.arange(y.shape[0]), y]
        at_least_as_high = tensor.ge(y_hat, true_scores.dimshuffle(0, 'x'))
        # The true class itself always counts once.
        rank = at_least_as_high.sum(axis=1) - 1
        mistakes = tensor.ge(rank, self.top_k)
        return tensor.cast(mistakes, aesara.config.floatX).mean()
