import pickle
import warnings

import numpy
import pytest
from aesara import tensor

from blocks.algorithms import (Adam, GradientDescent, Momentum, Scale,
                               TrainingAlgorithm)
from blocks.bricks import MLP, Identity, Linear, Tanh
from blocks.initialization import Constant, IsotropicGaussian
from blocks.utils import shared_floatx

FEATURES = numpy.random.RandomState(1).uniform(-1, 1, size=(8, 3))
TARGETS = FEATURES.dot([[1., -1.], [2., 0.], [0.5, 1.]]) + 0.5
BATCH = {'features': FEATURES, 'targets': TARGETS}


def squared_error(prediction, targets):
    return tensor.square(prediction - targets).sum(axis=1).mean()


def linear_regression(step_rule=None, **kwargs):
    linear = Linear(input_dim=3, output_dim=2,
                    weights_init=IsotropicGaussian(0.5),
                    biases_init=Constant(0.1))
    linear.initialize()
    features = tensor.matrix('features')
    targets = tensor.matrix('targets')
    cost = squared_error(linear.apply(features), targets)
    return GradientDescent(cost=cost, parameters=linear.parameters,
                           step_rule=step_rule, **kwargs)


def scaled_vector_descent(**kwargs):
    """Cost ``sum(w * x)``: each step subtracts ``0.5 * x``."""
    weights = shared_floatx([1., 2.], name='w')
    features = tensor.vector('x')
    algorithm = GradientDescent(cost=(weights * features).sum(),
                                parameters=[weights],
                                step_rule=Scale(0.5), **kwargs)
    return algorithm, weights


def numpy_mlp_gradients(parameters, features, targets):
    """Backpropagation through tanh(x W1 + b1) W2 + b2, squared error."""
    weights_1, biases_1, weights_2, biases_2 = parameters
    hidden = numpy.tanh(features.dot(weights_1) + biases_1)
    output = hidden.dot(weights_2) + biases_2
    output_gradient = 2 * (output - targets) / len(features)
    hidden_gradient = output_gradient.dot(weights_2.T) * (1 - hidden ** 2)
    return [features.T.dot(hidden_gradient), hidden_gradient.sum(axis=0),
            hidden.T.dot(output_gradient), output_gradient.sum(axis=0)]


def test_mlp_regression_cost_decreases_and_norms_match_numpy():
    mlp = MLP([Tanh(), Identity()], [3, 4, 2],
              weights_init=IsotropicGaussian(0.5), biases_init=Constant(0.1))
    mlp.initialize()
    features = tensor.matrix('features')
    targets = tensor.matrix('targets')
    cost = squared_error(mlp.apply(features), targets)
    with pytest.warns(UserWarning, match="parameters were not given"):
        algorithm = GradientDescent(
            cost=cost, step_rule=Momentum(learning_rate=0.05, momentum=0.5))
    assert len(algorithm.parameters) == 4
    assert algorithm.total_gradient_norm.name == 'total_gradient_norm'
    assert algorithm.total_step_norm.name == 'total_step_norm'
    recorded_cost = shared_floatx(0., name='recorded_cost')
    gradient_norm = shared_floatx(0., name='gradient_norm')
    step_norm = shared_floatx(0., name='step_norm')
    algorithm.add_updates([(recorded_cost, cost)])
    algorithm.add_updates({gradient_norm: algorithm.total_gradient_norm,
                           step_norm: algorithm.total_step_norm})
    # The graph lists the parameters topologically; NumPy wants them by
    # layer.
    layers = mlp.linear_transformations
    parameters = [layers[0].W, layers[0].b, layers[1].W, layers[1].b]
    assert set(algorithm.parameters) == set(parameters)
    initial_values = [parameter.get_value() for parameter in parameters]
    algorithm.initialize()

    algorithm.process_batch(BATCH)
    numpy_gradients = numpy_mlp_gradients(initial_values, FEATURES, TARGETS)
    expected_norm = numpy.sqrt(sum((gradient ** 2).sum()
                                   for gradient in numpy_gradients))
    numpy.testing.assert_allclose(gradient_norm.get_value(), expected_norm,
                                  rtol=1e-10)
    numpy.testing.assert_allclose(step_norm.get_value(),
                                  0.05 * expected_norm, rtol=1e-10)
    for parameter, value, gradient in zip(parameters, initial_values,
                                          numpy_gradients):
        numpy.testing.assert_allclose(parameter.get_value(),
                                      value - 0.05 * gradient, rtol=1e-10)

    costs = [recorded_cost.get_value()]
    for _ in range(30):
        algorithm.process_batch(BATCH)
        costs.append(recorded_cost.get_value())
    assert costs[-1] < 0.2 * costs[0]
    assert costs[-1] < costs[-2]


def test_pickled_algorithm_continues_like_the_original():
    algorithm = linear_regression(step_rule=Adam(learning_rate=0.1))
    algorithm.initialize()
    for _ in range(2):
        algorithm.process_batch(BATCH)
    copy = pickle.loads(pickle.dumps(algorithm))
    assert copy._function is None
    assert algorithm._function is not None
    buffers = [variable for variable, _ in algorithm.step_rule_updates]
    copied_buffers = [variable for variable, _ in copy.step_rule_updates]
    assert [variable.name for variable in copied_buffers] == [
        'W_adam_mean', 'W_adam_variance', 'W_adam_time',
        'b_adam_mean', 'b_adam_variance', 'b_adam_time']
    for original, copied in zip(buffers, copied_buffers):
        assert copied is not original
        numpy.testing.assert_array_equal(copied.get_value(),
                                         original.get_value())
    assert copied_buffers[2].get_value() == 2
    for _ in range(3):
        algorithm.process_batch(BATCH)
        copy.process_batch(BATCH)
    for original, copied in zip(algorithm.parameters + buffers,
                                copy.parameters + copied_buffers):
        numpy.testing.assert_array_equal(copied.get_value(),
                                         original.get_value())
    assert copied_buffers[2].get_value() == 5


def test_gradients_given_directly():
    weights = shared_floatx([1., 2.], name='w')
    features = tensor.vector('x')
    algorithm = GradientDescent(gradients={weights: features * weights},
                                step_rule=Scale(0.5),
                                aesara_func_kwargs={'name': 'training'})
    assert algorithm.cost is None
    assert algorithm.parameters == [weights]
    assert [variable.name for variable in algorithm.inputs] == ['x']
    algorithm.process_batch({'x': numpy.array([1., 3.])})
    numpy.testing.assert_allclose(weights.get_value(), [0.5, -1.])
    assert algorithm._function.name == 'training'


def test_gradient_keys_must_match_the_parameters():
    weights = shared_floatx([1.], name='w')
    other = shared_floatx([1.], name='other')
    with pytest.raises(ValueError, match=r"GradientDescent: the keys of "
                       r"gradients must be the parameters; parameters "
                       r"without a gradient: \['other'\], gradients for "
                       r"variables that are not parameters: \[\]"):
        GradientDescent(parameters=[weights, other],
                        gradients={weights: weights * 2})


def test_gradients_exclude_known_grads_and_consider_constant():
    weights = shared_floatx([1.], name='w')
    with pytest.raises(ValueError, match="known_grads and consider_constant "
                       "have no effect when gradients are given"):
        GradientDescent(gradients={weights: weights * 2},
                        consider_constant=[weights])


def test_cost_or_gradients_are_required():
    with pytest.raises(ValueError, match="GradientDescent: cost is required "
                       "unless gradients are given, got neither"):
        GradientDescent(parameters=[shared_floatx([1.], name='w')])


def test_known_grads_replace_the_gradient_of_a_sub_expression():
    weights = shared_floatx([1., 2.], name='w')
    features = tensor.vector('x')
    hidden = weights * features
    # The cost alone would give 2 * w * x ** 2; the known gradient of the
    # hidden units makes it x ** 2.
    algorithm = GradientDescent(cost=tensor.square(hidden).sum(),
                                parameters=[weights], step_rule=Scale(0.5),
                                known_grads={hidden: features})
    algorithm.process_batch({'x': numpy.array([1., 2.])})
    numpy.testing.assert_allclose(weights.get_value(), [0.5, 0.])


def test_consider_constant_stops_backpropagation():
    weights = shared_floatx([1., 2.], name='w')
    features = tensor.vector('x')
    scaled = 3 * weights
    # Without consider_constant the gradient would be 6 * w * x.
    algorithm = GradientDescent(cost=(scaled * weights * features).sum(),
                                parameters=[weights], step_rule=Scale(0.1),
                                consider_constant=[scaled])
    algorithm.process_batch({'x': numpy.array([1., 2.])})
    numpy.testing.assert_allclose(weights.get_value(), [0.7, 0.8])


def test_unused_sources_raise_by_default():
    algorithm, weights = scaled_vector_descent()
    with pytest.raises(ValueError, match=r"GradientDescent: the batch "
                       r"sources \['y'\] are not used by any input "
                       r"variable\. Sources provided: \['x', 'y'\]; inputs "
                       r"of the training graph: \['x'\]\. .*"
                       r"on_unused_sources='warn'"):
        algorithm.process_batch({'x': [1., 1.], 'y': [0.]})
    numpy.testing.assert_array_equal(weights.get_value(), [1., 2.])


def test_unused_sources_warn_once():
    algorithm, weights = scaled_vector_descent(on_unused_sources='warn')
    with pytest.warns(UserWarning, match=r"the batch sources \['y'\] are "
                      r"not used by any input variable"):
        algorithm.process_batch({'x': [1., 1.], 'y': [0.]})
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        algorithm.process_batch({'x': [1., 1.], 'y': [0.]})
    numpy.testing.assert_allclose(weights.get_value(), [0., 1.])


def test_unused_sources_ignored():
    algorithm, weights = scaled_vector_descent(on_unused_sources='ignore')
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        algorithm.process_batch({'x': [1., 1.], 'y': [0.]})
    numpy.testing.assert_allclose(weights.get_value(), [0.5, 1.5])


def test_invalid_on_unused_sources():
    with pytest.raises(ValueError, match=r"GradientDescent: "
                       r"on_unused_sources must be one of \['raise', "
                       r"'warn', 'ignore'\], got 'loud'"):
        scaled_vector_descent(on_unused_sources='loud')


def test_missing_source():
    algorithm, _ = scaled_vector_descent()
    with pytest.raises(ValueError, match=r"GradientDescent: the batch does "
                       r"not provide the sources \['x'\] required by the "
                       r"input variables of the same names\. Sources "
                       r"provided: \['features'\]; inputs of the training "
                       r"graph: \['x'\]"):
        algorithm.process_batch({'features': [1., 1.]})


def test_batch_of_the_wrong_ndim_or_dtype():
    algorithm, _ = scaled_vector_descent()
    with pytest.raises(ValueError, match=r"GradientDescent: the batch "
                       r"source 'x' \(shape \(1, 2\), dtype float64\) does "
                       r"not fit the input variable x \(expected ndim 1, "
                       r"dtype float64, static shape \(None,\)\): it has 2 "
                       r"dimensions"):
        algorithm.process_batch({'x': numpy.ones((1, 2))})
    weights = shared_floatx([1., 2.], name='w')
    indices = tensor.lvector('indices')
    algorithm = GradientDescent(cost=weights[indices].sum(),
                                parameters=[weights])
    with pytest.raises(TypeError, match=r"GradientDescent: the batch source "
                       r"'indices' \(shape \(1,\), dtype float64\) does not "
                       r"fit the input variable indices \(expected ndim 1, "
                       r"dtype int64, .*\): dtype float64 can't be cast "
                       r"safely to int64"):
        algorithm.process_batch({'indices': numpy.array([0.])})


def test_errors_of_the_compiled_function_name_the_batch():
    algorithm = linear_regression()
    with pytest.raises(ValueError, match=r"GradientDescent: the compiled "
                       r"training function failed on the batch 'features' "
                       r"\(shape \(8, 4\), dtype float64\), 'targets' "
                       r"\(shape \(8, 2\), dtype float64\), fed to the "
                       r"inputs features \(ndim 2, dtype float64, static "
                       r"shape \(None, None\)\)") as error:
        algorithm.process_batch({'features': numpy.ones((8, 4)),
                                 'targets': TARGETS})
    assert isinstance(error.value.__cause__, ValueError)


def test_float32_parameters_and_float64_data():
    weights = shared_floatx([1., 2.], name='w', dtype='float32')
    features = tensor.vector('x', dtype='float32')
    algorithm = GradientDescent(cost=tensor.square(weights * features).sum(),
                                parameters=[weights],
                                step_rule=Adam(learning_rate=0.1))
    algorithm.initialize()
    algorithm.process_batch({'x': numpy.array([1., -1.])})
    assert weights.dtype == 'float32'
    numpy.testing.assert_allclose(weights.get_value(), [0.9, 1.9],
                                  rtol=1e-6)


def test_added_updates_cannot_target_parameters():
    algorithm, weights = scaled_vector_descent()
    algorithm.add_updates([(weights, weights * 2)])
    with pytest.raises(ValueError, match=r"GradientDescent: the shared "
                       r"variables \['w'\] are updated more than once"):
        algorithm.initialize()


def test_input_variables_need_unique_names():
    weights = shared_floatx([1., 2.], name='w')
    algorithm = GradientDescent(
        cost=(weights * tensor.vector('x') * tensor.vector('x')).sum(),
        parameters=[weights])
    with pytest.raises(ValueError, match=r"several input variables are "
                       r"named \['x'\]"):
        algorithm.initialize()
    algorithm = GradientDescent(cost=(weights * tensor.vector()).sum(),
                                parameters=[weights])
    with pytest.raises(ValueError, match="have no name, so no batch source "
                       "can feed them"):
        algorithm.process_batch({})


def test_disconnected_parameter():
    weights = shared_floatx([1., 2.], name='w')
    unused = shared_floatx([1.], name='unused')
    with pytest.raises(ValueError, match="GradientDescent: the cost does not "
                       "depend on some of the parameters"):
        GradientDescent(cost=(weights * tensor.vector('x')).sum(),
                        parameters=[weights, unused])


@pytest.mark.parametrize('kwargs, error, message', [
    ({'step_rule': 'adam', 'cost': tensor.scalar('x')}, TypeError,
     "GradientDescent: step_rule must be a StepRule instance, got 'adam' of "
     "type str"),
    ({'aesara_func_kwargs': {'updates': []}}, ValueError,
     r"GradientDescent: aesara_func_kwargs must not contain \['updates'\]"),
    ({'theano_func_kwargs': {}}, TypeError,
     r"GradientDescent: unexpected keyword arguments "
     r"\['theano_func_kwargs'\]"),
])
def test_invalid_arguments(kwargs, error, message):
    weights = shared_floatx([1., 2.], name='w')
    kwargs = dict(kwargs, cost=kwargs.get(
        'cost', (weights * tensor.vector('x')).sum()))
    with pytest.raises(error, match=message):
        GradientDescent(parameters=[weights], **kwargs)


def test_process_batch_requires_a_dict():
    algorithm, _ = scaled_vector_descent()
    assert isinstance(algorithm, TrainingAlgorithm)
    with pytest.raises(TypeError, match=r"GradientDescent.process_batch: "
                       r"batch must be a dict mapping source names to "
                       r"arrays, got \[1.0\] of type list"):
        algorithm.process_batch([1.])
    with pytest.raises(TypeError, match=r"GradientDescent.initialize: "
                       r"unexpected keyword arguments \['verbose'\]"):
        algorithm.initialize(verbose=True)


def test_parameters_never_initialized_are_named_before_training():
    """A forgotten initialize() is an error, not a NaN cost."""
    from blocks.algorithms.base import check_parameters_initialized
    from blocks.data.datasets import IterableDataset
    from blocks.data.streams import DataStream
    from blocks.graph import ComputationGraph
    from blocks.main_loop import MainLoop
    mlp = MLP(activations=[Tanh(), Identity()], dims=[3, 4, 2],
              weights_init=IsotropicGaussian(0.5), biases_init=Constant(0))
    features = tensor.matrix('features')
    targets = tensor.matrix('targets')
    cost = squared_error(mlp.apply(features), targets)
    # Allocated by apply, but never initialized.
    algorithm = GradientDescent(cost=cost,
                                parameters=ComputationGraph(cost).parameters)
    main_loop = MainLoop(algorithm, DataStream(IterableDataset(
        {'features': FEATURES[:, None], 'targets': TARGETS[:, None]})))
    with pytest.raises(ValueError, match=r"GradientDescent: the parameters "
                       r"\['/mlp/linear_0.W', '/mlp/linear_0.b', "
                       r"'/mlp/linear_1.W', '/mlp/linear_1.b'\] hold NaN "
                       r"values before the first training step: they were "
                       r"allocated but never initialized\. Call "
                       r"`initialize\(\)` on the bricks \['/mlp'\]"):
        main_loop.run()
    assert main_loop.status['iterations_done'] == 0
    mlp.initialize()
    # No error once initialized (without compiling the function here).
    check_parameters_initialized('GradientDescent', algorithm.parameters)


def test_nan_parameters_of_no_brick():
    weights = shared_floatx([1., numpy.nan], name='w')
    features = tensor.vector('x')
    algorithm = GradientDescent(cost=(weights * features).sum(),
                                parameters=[weights])
    with pytest.raises(ValueError, match=r"the parameters \['w'\] hold NaN "
                       r"values .* Give them values \(`set_value`\)"):
        algorithm.initialize()


def test_empty_batches_are_refused_naming_the_source():
    algorithm = linear_regression()
    with pytest.raises(ValueError, match=r"GradientDescent: the batch is "
                       r"empty: the source 'features' holds 0 examples "
                       r"\(shape \(0, 3\)\)\. The cost of no examples is NaN"):
        algorithm.process_batch({'features': numpy.zeros((0, 3)),
                                 'targets': numpy.zeros((0, 2))})
    assert algorithm.last_cost is None
