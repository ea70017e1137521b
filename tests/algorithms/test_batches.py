import numpy
import pytest
from aesara import tensor

from blocks.algorithms.batches import (convert_source, describe_batch,
                                       match_sources)


def test_match_sources_orders_values_like_inputs():
    features = tensor.matrix('features')
    targets = tensor.lvector('targets')
    batch = {'targets': [1], 'features': [[1.]], 'weights': [0.]}
    values, unused = match_sources('GradientDescent', [features, targets],
                                   batch, 'ignore')
    assert values == [[[1.]], [1]]
    assert unused == ['weights']


def test_missing_sources_are_listed_with_the_provided_ones():
    features = tensor.matrix('features')
    targets = tensor.lvector('targets')
    with pytest.raises(ValueError, match=r"GradientDescent: the batch does "
                       r"not provide the sources \['targets'\] required by "
                       r"the input variables of the same names\. Sources "
                       r"provided: \['features'\]; inputs of the training "
                       r"graph: \['features', 'targets'\]"):
        match_sources('GradientDescent', [features, targets],
                      {'features': [[1.]]}, 'raise')


@pytest.mark.parametrize('value, variable, dtype', [
    (numpy.ones((2, 3)), tensor.matrix('x', dtype='float32'), 'float32'),
    (numpy.ones(3, dtype='int64'), tensor.vector('x'), 'float64'),
    (numpy.ones(3, dtype='uint8'), tensor.vector('x', dtype='float32'),
     'float32'),
    (numpy.ones(3, dtype='int32'), tensor.lvector('x'), 'int64'),
    (numpy.array([1, 2 ** 20]), tensor.ivector('x'), 'int32'),
    ([[1., 2.]], tensor.matrix('x'), 'float64'),
])
def test_data_is_cast_where_no_information_is_lost(value, variable, dtype):
    array = convert_source('GradientDescent', 'x', value, variable)
    assert array.dtype == dtype
    numpy.testing.assert_array_equal(array, value)


def test_wrong_ndim_is_reported_with_source_and_variable():
    with pytest.raises(ValueError, match=r"GradientDescent: the batch "
                       r"source 'x' \(shape \(2, 3\), dtype float64\) does "
                       r"not fit the input variable x \(expected ndim 1, "
                       r"dtype float64, static shape \(None,\)\): it has 2 "
                       r"dimensions\."):
        convert_source('GradientDescent', 'x', numpy.ones((2, 3)),
                       tensor.vector('x'))


@pytest.mark.parametrize('value', [
    numpy.array([0.5, 1.]),
    numpy.array([1, 2 ** 40]),
])
def test_unsafe_casts_to_integers_are_type_errors(value):
    with pytest.raises(TypeError, match=r"the batch source 'labels' \(shape "
                       r"\(2,\), dtype (float|int)64\) does not fit the "
                       r"input variable labels \(expected ndim 1, dtype "
                       r"int32, static shape \(None,\)\): dtype "
                       r"(float|int)64 can't be cast safely to int32"):
        convert_source('GradientDescent', 'labels', value,
                       tensor.ivector('labels'))


def test_static_shape_mismatch_names_the_axes():
    variable = tensor.tensor(dtype='float64', shape=(None, 3), name='x')
    with pytest.raises(ValueError, match=r"static shape \(None, 3\)\): its "
                       r"length along axes \[1\] differs"):
        convert_source('GradientDescent', 'x', numpy.ones((2, 4)), variable)


def test_describe_batch():
    assert describe_batch({'x': numpy.zeros((2, 3), dtype='float32'),
                           'y': [1, 2]}) == (
        "'x' (shape (2, 3), dtype float32), 'y' (shape (2,), dtype int64)")
