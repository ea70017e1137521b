r"""Classification scores and confusion matrices to monitor.

Each function returns an Aesara variable, named and tagged with an
aggregation scheme, to give to
:class:`~blocks.extensions.monitoring.DataStreamMonitoring` or
:class:`~blocks.extensions.monitoring.TrainingDataMonitoring`. The values
over several batches are exact: accuracies and Hamming losses are ratios
of summed counts (:func:`~blocks.monitoring.aggregation.mean`), and
precision, recall and F1 scores are computed from the confusion matrix
summed over the batches (:class:`~blocks.monitoring.aggregation.Total`),
never averaged batch by batch.

`targets` are class indices: an integer vector, or a column of shape
``(batch, 1)`` as the MNIST dataset gives them. `predictions` are class
indices too, or a matrix of scores (e.g. probabilities), one row per
example, whose argmax is the predicted class. The confusion matrix has the
true classes as rows and the predicted ones as columns, as in
scikit-learn.

>>> from aesara import tensor
>>> targets = tensor.lmatrix('targets')
>>> probabilities = tensor.matrix('probabilities')
>>> monitored = [accuracy(targets, probabilities),
...              f1_score(targets, probabilities, 3, average='macro'),
...              confusion_matrix(targets, probabilities, 3)]
>>> [variable.name for variable in monitored]
['accuracy', 'f1_macro', 'confusion_matrix']

The confusion matrix is recorded in the log as an array; print it with
:func:`format_confusion_matrix`.

"""
import numbers

import numpy
import aesara
from aesara import tensor
from aesara.raise_op import CheckAndRaise

from blocks.monitoring.aggregation import mean, total

__all__ = ['confusion_matrix', 'accuracy', 'top_k_accuracy', 'precision',
           'recall', 'f1_score', 'hamming_loss', 'format_confusion_matrix']

AVERAGES = (None, 'macro', 'micro', 'weighted')


def _check_num_classes(owner, num_classes):
    if isinstance(num_classes, bool) or \
            not isinstance(num_classes, numbers.Integral) or num_classes < 1:
        raise ValueError("{}: num_classes must be a positive integer, got "
                         "{!r}".format(owner, num_classes))
    return int(num_classes)


def _labels(owner, argument, variable, scores_allowed):
    """Class indices as an integer vector, from a vector, a column or a
    matrix of scores."""
    variable = tensor.as_tensor_variable(variable)
    kind = numpy.dtype(variable.dtype).kind
    if variable.ndim == 1 and kind in 'iu':
        return variable
    if variable.ndim == 2 and kind in 'iu':
        static_shape = getattr(variable.type, 'shape', (None, None))
        if static_shape[1] not in (None, 1):
            raise ValueError("{}: {} must be a vector or a column of class "
                             "indices, got a matrix with {} columns".format(
                                 owner, argument, static_shape[1]))
        return variable.flatten()
    if variable.ndim == 2 and kind == 'f' and scores_allowed:
        return tensor.argmax(variable, axis=1)
    expected = ("a vector or a column of class indices, or a matrix of "
                "scores" if scores_allowed else
                "a vector or a column of class indices")
    raise TypeError("{}: {} must be {}, got {} with {} dimension(s) and "
                    "dtype {}".format(owner, argument, expected, variable,
                                      variable.ndim, variable.dtype))


def _checked(owner, labels, num_classes, description=None):
    """The labels, failing with a ValueError when one is out of range."""
    in_range = tensor.all(tensor.ge(labels, 0) &
                          tensor.lt(labels, num_classes))
    check = CheckAndRaise(ValueError, "{}: a class index is outside [0, {})"
                          .format(owner, description or num_classes))
    return check(labels, in_range)


def _batch_size(labels):
    return tensor.cast(labels.shape[0], aesara.config.floatX)


def confusion_counts(targets, predictions, num_classes,
                     owner='confusion_matrix'):
    """The confusion matrix of a batch, as integer counts.

    Returns
    -------
    :class:`~aesara.tensor.TensorVariable`
        An ``int64`` matrix of shape ``(num_classes, num_classes)`` whose
        entry ``(i, j)`` counts the examples of class ``i`` predicted as
        class ``j``. Evaluating it raises ``ValueError`` if a class index
        is outside ``[0, num_classes)``.

    """
    num_classes = _check_num_classes(owner, num_classes)
    true_labels = _checked(owner, _labels(owner, 'targets', targets,
                                          scores_allowed=False),
                           num_classes)
    predicted_labels = _checked(owner, _labels(owner, 'predictions',
                                               predictions,
                                               scores_allowed=True),
                                num_classes)
    classes = tensor.arange(num_classes)
    true_one_hot = tensor.eq(true_labels.dimshuffle(0, 'x'),
                             classes.dimshuffle('x', 0))
    predicted_one_hot = tensor.eq(predicted_labels.dimshuffle(0, 'x'),
                                  classes.dimshuffle('x', 0))
    counts = tensor.specify_shape(
        tensor.dot(tensor.cast(true_one_hot, 'int64').T,
                   tensor.cast(predicted_one_hot, 'int64')),
        (num_classes, num_classes))
    return counts


def confusion_matrix(targets, predictions, num_classes,
                     name='confusion_matrix'):
    """The confusion matrix, summed over all the batches monitored.

    pydnn's confusion matrix and brainstorm's ``MonitorScores`` with a
    confusion matrix.

    Parameters
    ----------
    targets : :class:`~aesara.tensor.TensorVariable`
        The true class indices.
    predictions : :class:`~aesara.tensor.TensorVariable`
        Predicted class indices, or scores whose argmax is predicted.
    num_classes : int
        The number of classes.
    name : str, optional
        The record name; 'confusion_matrix' by default.

    Returns
    -------
    :class:`~aesara.tensor.TensorVariable`
        An ``int64`` matrix, true classes as rows, predicted classes as
        columns.

    Examples
    --------
    >>> import numpy
    >>> from aesara import tensor
    >>> from blocks.data.datasets import IndexableDataset
    >>> from blocks.data.schemes import SequentialScheme
    >>> from blocks.data.streams import DataStream
    >>> from blocks.monitoring.evaluators import DatasetEvaluator
    >>> y, guess = tensor.lvector('y'), tensor.lvector('guess')
    >>> stream = DataStream(
    ...     IndexableDataset({'y': numpy.array([0, 1, 1, 2, 2]),
    ...                       'guess': numpy.array([0, 1, 2, 2, 0])}),
    ...     iteration_scheme=SequentialScheme(5, batch_size=2))
    >>> evaluator = DatasetEvaluator([confusion_matrix(y, guess, 3)])
    >>> print(format_confusion_matrix(
    ...     evaluator.evaluate(stream)['confusion_matrix']))
    true \\ predicted  0  1  2
                    0  1  0  0
                    1  0  1  1
                    2  1  0  1

    """
    return total(confusion_counts(targets, predictions, num_classes,
                                  'confusion_matrix'), name=name)


def accuracy(targets, predictions, name='accuracy'):
    """The fraction of examples whose class is predicted.

    Parameters
    ----------
    targets, predictions : :class:`~aesara.tensor.TensorVariable`
        See :func:`confusion_matrix`.
    name : str, optional
        'accuracy' by default.

    """
    true_labels = _labels('accuracy', 'targets', targets, False)
    predicted_labels = _labels('accuracy', 'predictions', predictions, True)
    correct = tensor.cast(tensor.eq(true_labels, predicted_labels),
                          aesara.config.floatX).sum()
    variable = mean(correct, _batch_size(true_labels))
    variable.name = name
    return variable


def top_k_accuracy(targets, scores, k, name=None):
    """The fraction of examples whose class is among the `k` best scored.

    Ties are counted against the prediction: a class that ties with
    others for the `k`-th place does not count as among the best, like
    :class:`~blocks.bricks.cost.MisclassificationRate`.

    Parameters
    ----------
    targets : :class:`~aesara.tensor.TensorVariable`
        The true class indices.
    scores : :class:`~aesara.tensor.TensorVariable`
        A matrix of scores, one row per example.
    k : int
        The number of best-scored classes that count.
    name : str, optional
        ``top_<k>_accuracy`` by default.

    """
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError("top_k_accuracy: k must be a positive integer, got "
                         "{!r}".format(k))
    true_labels = _labels('top_k_accuracy', 'targets', targets, False)
    scores = tensor.as_tensor_variable(scores)
    if scores.ndim != 2 or numpy.dtype(scores.dtype).kind != 'f':
        raise TypeError("top_k_accuracy: scores must be a matrix of float "
                        "scores, got {} with {} dimension(s) and dtype {}"
                        .format(scores, scores.ndim, scores.dtype))
    true_labels = _checked('top_k_accuracy', true_labels, scores.shape[1],
                           'the number of columns of the scores')
    true_scores = scores[tensor.arange(true_labels.shape[0]), true_labels]
    # The rank of the true class: how many other classes score at least as
    # high.
    rank = tensor.ge(scores, true_scores.dimshuffle(0, 'x')).sum(axis=1) - 1
    correct = tensor.cast(tensor.lt(rank, k), aesara.config.floatX).sum()
    variable = mean(correct, _batch_size(true_labels))
    variable.name = name or 'top_{}_accuracy'.format(k)
    return variable


def _divide(numerator, denominator):
    """numerator / denominator, 0 where the denominator is 0."""
    numerator = tensor.cast(numerator, aesara.config.floatX)
    denominator = tensor.cast(denominator, aesara.config.floatX)
    return tensor.switch(tensor.gt(denominator, 0),
                         numerator / tensor.maximum(denominator, 1), 0)


class ConfusionScore:
    """Reads a score out of a confusion matrix, per class or averaged.

    An instance is the `readout` of the
    :class:`~blocks.monitoring.aggregation.Total` of confusion matrices
    made by :func:`precision`, :func:`recall` and :func:`f1_score`.

    Parameters
    ----------
    score : {'precision', 'recall', 'f1'}
    average : {None, 'macro', 'micro', 'weighted'}
        None gives a score per class; 'macro' their mean; 'micro' the score
        of the counts summed over classes; 'weighted' the mean weighted by
        the number of examples of each class. Scores with a zero
        denominator count as 0, like scikit-learn with
        ``zero_division=0``.

    """
    SCORES = ('precision', 'recall', 'f1')

    def __init__(self, score, average=None):
        if score not in self.SCORES:
            raise ValueError("ConfusionScore: score must be one of {}, got "
                             "{!r}".format(self.SCORES, score))
        if average not in AVERAGES:
            raise ValueError("ConfusionScore: average must be one of {}, got "
                             "{!r}".format(AVERAGES, average))
        self.score = score
        self.average = average

    def _score(self, true_positives, predicted, actual):
        if self.score == 'precision':
            return _divide(true_positives, predicted)
        if self.score == 'recall':
            return _divide(true_positives, actual)
        return _divide(2 * true_positives, predicted + actual)

    def __call__(self, matrix):
        true_positives = tensor.diagonal(matrix)
        predicted = matrix.sum(axis=0)
        actual = matrix.sum(axis=1)
        if self.average == 'micro':
            return self._score(true_positives.sum(), predicted.sum(),
                               actual.sum())
        scores = self._score(true_positives, predicted, actual)
        if self.average is None:
            return scores
        if self.average == 'macro':
            return scores.mean()
        return _divide((scores * actual).sum(), actual.sum())

    def __repr__(self):
        return 'ConfusionScore({!r}, average={!r})'.format(self.score,
                                                           self.average)


def _confusion_score(score, owner, targets, predictions, num_classes,
                     average, name):
    if average not in AVERAGES:
        raise ValueError("{}: average must be one of {}, got {!r}".format(
            owner, AVERAGES, average))
    counts = confusion_counts(targets, predictions, num_classes, owner)
    if name is None:
        name = score if average is None else '{}_{}'.format(score, average)
    return total(counts, ConfusionScore(score, average), name=name)


def precision(targets, predictions, num_classes, average=None, name=None):
    """Precision: the fraction of the predictions of a class that are right.

    Parameters
    ----------
    targets, predictions, num_classes
        See :func:`confusion_matrix`.
    average : {None, 'macro', 'micro', 'weighted'}, optional
        None (the default) for a vector of scores, one per class; see
        :class:`ConfusionScore`.
    name : str, optional
        'precision', or 'precision_<average>', by default.

    """
    return _confusion_score('precision', 'precision', targets, predictions,
                            num_classes, average, name)


def recall(targets, predictions, num_classes, average=None, name=None):
    """Recall: the fraction of the examples of a class that are found.

    Parameters are those of :func:`precision`; the default name is
    'recall' or 'recall_<average>'.

    """
    return _confusion_score('recall', 'recall', targets, predictions,
                            num_classes, average, name)


def f1_score(targets, predictions, num_classes, average=None, name=None):
    """The F1 score: the harmonic mean of precision and recall.

    Parameters are those of :func:`precision`; the default name is 'f1' or
    'f1_<average>'.

    """
    return _confusion_score('f1', 'f1_score', targets, predictions,
                            num_classes, average, name)


def hamming_loss(targets, predictions, name='hamming_loss'):
    """The fraction of labels that are wrong.

    For class indices, the fraction of misclassified examples; for
    multi-label targets and predictions (matrices of 0 and 1 of the same
    shape, one row per example), the fraction of wrong entries.

    Parameters
    ----------
    targets, predictions : :class:`~aesara.tensor.TensorVariable`
        Class indices (see :func:`confusion_matrix`, without scores), or
        binary indicator matrices.
    name : str, optional
        'hamming_loss' by default.

    """
    targets = tensor.as_tensor_variable(targets)
    predictions = tensor.as_tensor_variable(predictions)
    one_column = getattr(targets.type, 'shape', (None, None))[-1:] == (1,)
    if targets.ndim == 2 and predictions.ndim == 2 and not one_column:
        wrong = tensor.cast(tensor.neq(targets, predictions),
                            aesara.config.floatX).sum()
        size = tensor.cast(targets.shape[0] * targets.shape[1],
                           aesara.config.floatX)
    else:
        true_labels = _labels('hamming_loss', 'targets', targets, False)
        predicted_labels = _labels('hamming_loss', 'predictions',
                                   predictions, False)
        wrong = tensor.cast(tensor.neq(true_labels, predicted_labels),
                            aesara.config.floatX).sum()
        size = _batch_size(true_labels)
    variable = mean(wrong, size)
    variable.name = name
    return variable


def format_confusion_matrix(matrix, class_names=None):
    """Format a confusion matrix as a table, true classes as rows.

    Parameters
    ----------
    matrix : array
        A square matrix of counts, as recorded by :func:`confusion_matrix`.
    class_names : list of str, optional
        The names of the classes; their indices by default.

    Returns
    -------
    str

    Examples
    --------
    >>> print(format_confusion_matrix([[5, 1], [0, 12]], ['cat', 'dog']))
    true \\ predicted  cat  dog
                  cat    5    1
                  dog    0   12

    """
    matrix = numpy.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError("format_confusion_matrix: matrix must be square, "
                         "got the shape {}".format(matrix.shape))
    if class_names is None:
        class_names = [str(index) for index in range(matrix.shape[0])]
    class_names = [str(class_name) for class_name in class_names]
    if len(class_names) != matrix.shape[0]:
        raise ValueError("format_confusion_matrix: {} class names for a "
                         "matrix of {} classes".format(len(class_names),
                                                       matrix.shape[0]))
    corner = 'true \\ predicted'
    width = max(len(name) for name in class_names + [
        str(value) for value in matrix.ravel()])
    header = corner + ''.join('  ' + name.rjust(width)
                              for name in class_names)
    rows = [name.rjust(len(corner)) + ''.join(
        '  ' + str(value).rjust(width) for value in row)
        for name, row in zip(class_names, matrix)]
    return '\n'.join([header] + rows)
