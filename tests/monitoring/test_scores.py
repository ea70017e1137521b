"""Scores and the confusion matrix, aggregated over batches of unequal
sizes, against scikit-learn on all the predictions at once."""
from collections import OrderedDict

import numpy
import pytest
from aesara import tensor
from sklearn import metrics

from blocks.data.datasets import IndexableDataset
from blocks.data.schemes import IterationScheme
from blocks.data.streams import DataStream
from blocks.monitoring.aggregation import Total
from blocks.monitoring.evaluators import DatasetEvaluator
from blocks.monitoring.scores import (ConfusionScore, accuracy,
                                      confusion_matrix, f1_score,
                                      format_confusion_matrix, hamming_loss,
                                      precision, recall, top_k_accuracy)

# The numbers are checked with NumPy implementations; see conftest.py.
pytestmark = pytest.mark.usefixtures('python_linker')
NUM_CLASSES = 4
NUM_LABELS = 3
BATCHES = [list(range(0, 7)), list(range(7, 10)), list(range(10, 21)),
           [21]]


class GivenBatches(IterationScheme):
    """Requests the given lists of indices."""
    requests_examples = False

    def __init__(self, batches):
        self.batches = batches

    def get_request_iterator(self):
        return iter(self.batches)


def classification_data(seed, missing_prediction=None):
    rng = numpy.random.RandomState(seed)
    num_examples = BATCHES[-1][-1] + 1
    targets = rng.randint(NUM_CLASSES, size=(num_examples, 1))
    scores = rng.uniform(size=(num_examples, NUM_CLASSES))
    if missing_prediction is not None:
        scores[:, missing_prediction] = -1.
    label_targets = rng.randint(2, size=(num_examples, NUM_LABELS))
    label_predictions = rng.randint(2, size=(num_examples, NUM_LABELS))
    return OrderedDict([('targets', targets), ('scores', scores),
                        ('label_targets', label_targets),
                        ('label_predictions', label_predictions)])


def stream(data):
    return DataStream(IndexableDataset(data),
                      iteration_scheme=GivenBatches(BATCHES))


AVERAGES = [None, 'macro', 'micro', 'weighted']
SCORES = {'precision': (precision, metrics.precision_score),
          'recall': (recall, metrics.recall_score),
          'f1': (f1_score, metrics.f1_score)}


@pytest.fixture(scope='module')
def evaluator():
    targets = tensor.lmatrix('targets')
    scores = tensor.matrix('scores')
    label_targets = tensor.lmatrix('label_targets')
    label_predictions = tensor.lmatrix('label_predictions')
    variables = [confusion_matrix(targets, scores, NUM_CLASSES),
                 accuracy(targets, scores),
                 top_k_accuracy(targets, scores, 2),
                 hamming_loss(targets, tensor.argmax(scores, axis=1)),
                 hamming_loss(label_targets, label_predictions,
                              name='multilabel_hamming_loss')]
    for name, (function, _) in SCORES.items():
        for average in AVERAGES:
            variables.append(function(targets, scores, NUM_CLASSES,
                                      average=average))
    return DatasetEvaluator(variables)


def expected_values(data):
    targets = data['targets'].ravel()
    scores = data['scores']
    predictions = scores.argmax(axis=1)
    labels = list(range(NUM_CLASSES))
    expected = {
        'confusion_matrix': metrics.confusion_matrix(targets, predictions,
                                                     labels=labels),
        'accuracy': metrics.accuracy_score(targets, predictions),
        'top_2_accuracy': metrics.top_k_accuracy_score(
            targets, scores, k=2, labels=labels),
        'hamming_loss': metrics.hamming_loss(targets, predictions),
        'multilabel_hamming_loss': metrics.hamming_loss(
            data['label_targets'], data['label_predictions'])}
    for name, (_, sklearn_score) in SCORES.items():
        for average in AVERAGES:
            record = name if average is None else name + '_' + average
            expected[record] = sklearn_score(targets, predictions,
                                             labels=labels, average=average,
                                             zero_division=0)
    return expected


@pytest.mark.parametrize('seed, missing_prediction', [(1, None), (2, 3)])
def test_scores_match_scikit_learn(evaluator, seed, missing_prediction):
    data = classification_data(seed, missing_prediction)
    values = evaluator.evaluate(stream(data))
    expected = expected_values(data)
    assert set(values) == set(expected)
    numpy.testing.assert_array_equal(values['confusion_matrix'],
                                     expected['confusion_matrix'])
    assert values['confusion_matrix'].dtype == numpy.int64
    for name, value in expected.items():
        numpy.testing.assert_allclose(values[name], value, rtol=1e-12,
                                      err_msg=name)
    # Averaging per-batch scores would give another value: the
    # aggregation is over the whole stream.
    per_batch = numpy.mean([metrics.f1_score(
        data['targets'].ravel()[batch],
        data['scores'][batch].argmax(axis=1),
        labels=list(range(NUM_CLASSES)), average='macro', zero_division=0)
        for batch in BATCHES])
    assert abs(per_batch - values['f1_macro']) > 1e-3


def test_out_of_range_classes_are_reported(evaluator):
    data = classification_data(1)
    data['targets'][3] = NUM_CLASSES
    evaluator.initialize_aggregators()
    with pytest.raises(ValueError, match=r"a class index is outside "
                                         r"\[0, (4|the number of columns of "
                                         r"the scores)\)"):
        evaluator.process_batch({name: value[:5]
                                 for name, value in data.items()})


def test_score_variables_are_tagged_and_named():
    targets = tensor.lvector('targets')
    predictions = tensor.lvector('predictions')
    variable = recall(targets, predictions, 3, average='weighted')
    assert variable.name == 'recall_weighted'
    scheme = variable.tag.aggregation_scheme
    assert isinstance(scheme, Total)
    assert repr(scheme.readout) == "ConfusionScore('recall', " \
                                   "average='weighted')"
    assert precision(targets, predictions, 3, name='p').name == 'p'


@pytest.mark.parametrize('factory, error, message', [
    (lambda t, p: confusion_matrix(t, p, 0), ValueError,
     "confusion_matrix: num_classes must be a positive integer, got 0"),
    (lambda t, p: precision(t, p, 3, average='samples'), ValueError,
     r"precision: average must be one of \(None, 'macro', 'micro', "
     r"'weighted'\), got 'samples'"),
    (lambda t, p: accuracy(tensor.matrix('t'), p), TypeError,
     "accuracy: targets must be a vector or a column of class indices, got "
     "t with 2 dimension"),
    (lambda t, p: top_k_accuracy(t, p, 2), TypeError,
     "top_k_accuracy: scores must be a matrix of float scores"),
    (lambda t, p: top_k_accuracy(t, tensor.matrix(), 0), ValueError,
     "top_k_accuracy: k must be a positive integer, got 0"),
    (lambda t, p: ConfusionScore('auc'), ValueError,
     "ConfusionScore: score must be one of"),
])
def test_invalid_arguments(factory, error, message):
    with pytest.raises(error, match=message):
        factory(tensor.lvector('targets'), tensor.lvector('predictions'))


def test_format_confusion_matrix():
    table = format_confusion_matrix(numpy.array([[10, 0, 2], [1, 100, 0],
                                                 [0, 3, 7]]))
    assert table.split('\n') == [
        'true \\ predicted    0    1    2',
        '               0   10    0    2',
        '               1    1  100    0',
        '               2    0    3    7']
    with pytest.raises(ValueError, match=r"matrix must be square, got the "
                                         r"shape \(2, 3\)"):
        format_confusion_matrix(numpy.zeros((2, 3)))
    with pytest.raises(ValueError, match="1 class names for a matrix of 2 "
                                         "classes"):
        format_confusion_matrix(numpy.eye(2), ['a'])


def test_confusion_matrix_refuses_indices_out_of_range():
    targets = tensor.lvector('targets')
    predictions = tensor.lvector('predictions')
    evaluator = DatasetEvaluator([confusion_matrix(targets, predictions, 3)])
    evaluator.initialize_aggregators()
    evaluator.process_batch({'targets': numpy.array([0, 2]),
                             'predictions': numpy.array([1, 2])})
    for bad in ({'targets': numpy.array([0, 3]),
                 'predictions': numpy.array([1, 2])},
                {'targets': numpy.array([0, 1]),
                 'predictions': numpy.array([-1, 2])}):
        with pytest.raises(ValueError, match=r"confusion_matrix: a class "
                                             r"index is outside \[0, 3\)"):
            evaluator.process_batch(bad)
    numpy.testing.assert_array_equal(
        evaluator.get_aggregated_values()['confusion_matrix'],
        [[0, 1, 0], [0, 0, 0], [0, 0, 1]])
