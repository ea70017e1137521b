"""Training mode, the training graph transformation and population updates.

Compiled functions use Aesara's Python implementations (FAST_COMPILE):
these tests are about the graphs; the LeNet example's smoke test and the
checkpoint test run batch normalization through the C implementations.
"""
import numpy
import pytest

import blocks  # noqa: F401
import aesara
from aesara import tensor

from blocks.algorithms import GradientDescent, Scale
from blocks.bricks import (BatchNormalization, BatchNormalizedMLP, Identity,
                           Linear, Tanh)
from blocks.data.datasets.toy import SwissRoll
from blocks.data.schemes import ShuffledScheme
from blocks.data.streams import DataStream
from blocks.extensions import FinishAfter
from blocks.graph import ComputationGraph
from blocks.graph.bn import (apply_batch_normalization, batch_normalization,
                             get_batch_normalization_updates)
from blocks.initialization import Constant, IsotropicGaussian
from blocks.main_loop import MainLoop


def test_batch_normalization_context_finds_bricks_and_nests():
    mlp = BatchNormalizedMLP([Tanh(), Identity()], [3, 4, 2])
    first, second = mlp.batch_normalizations
    assert not first.training_mode
    with batch_normalization(mlp):
        assert first.training_mode and second.training_mode
        with batch_normalization(first):
            assert first._training_mode == [True, True]
        assert first.training_mode
    assert not first.training_mode and not second.training_mode
    with pytest.raises(RuntimeError):
        with batch_normalization(mlp):
            raise RuntimeError
    assert first._training_mode == []


@pytest.fixture(scope='module')
def mlp_graphs():
    mlp = BatchNormalizedMLP([Tanh(), Identity()], [3, 4, 2],
                             weights_init=IsotropicGaussian(1), seed=1)
    mlp.initialize()
    x = tensor.matrix('x')
    inference = ComputationGraph(mlp.apply(x))
    transformed = apply_batch_normalization(inference)
    with batch_normalization(mlp):
        direct = ComputationGraph(mlp.apply(x))
    return dict(mlp=mlp, x=x, inference=inference, transformed=transformed,
                direct=direct)


def test_transformed_graph_equals_the_graph_built_in_training_mode(
        mlp_graphs):
    transformed = get_batch_normalization_updates(mlp_graphs['transformed'])
    direct = get_batch_normalization_updates(mlp_graphs['direct'])
    mlp = mlp_graphs['mlp']
    populations = []
    for normalization in mlp.batch_normalizations:
        populations += [normalization.population_mean,
                        normalization.population_stdev]
    assert [population for population, _ in transformed] == populations
    assert [population for population, _ in direct] == populations
    assert [estimate.name for _, estimate in transformed][:2] == \
        ['batch_norm_0_minibatch_mean', 'batch_norm_0_minibatch_stdev']
    function = aesara.function(
        [mlp_graphs['x']],
        [mlp_graphs['transformed'].outputs[0],
         mlp_graphs['direct'].outputs[0],
         mlp_graphs['inference'].outputs[0]] +
        [estimate for _, estimate in transformed + direct],
        mode='FAST_COMPILE')
    x = numpy.random.RandomState(0).normal(2, 3, size=(5, 3))
    values = function(x)
    assert numpy.allclose(values[0], values[1], atol=1e-12)
    assert not numpy.allclose(values[0], values[2])
    # The second layer's statistics are those of the normalized first
    # layer, in both graphs.
    estimates = values[3:]
    for from_transformed, from_direct in zip(estimates[:4], estimates[4:]):
        assert numpy.allclose(from_transformed, from_direct, atol=1e-12)
    first, second = (linear.W.get_value()
                     for linear in mlp.linear_transformations)
    unnormalized = numpy.tanh(x @ first) @ second
    assert not numpy.allclose(estimates[2], unnormalized.mean(axis=0))
    assert numpy.allclose(values[1].mean(axis=0), 0, atol=1e-12)


def test_graph_transformation_errors(mlp_graphs):
    with pytest.raises(ValueError, match="apply_batch_normalization: the "
                       "graph already uses minibatch statistics"):
        apply_batch_normalization(mlp_graphs['direct'])
    plain = ComputationGraph(tensor.matrix('x') * 2)
    with pytest.raises(ValueError, match="no output of a "
                       "BatchNormalization brick"):
        apply_batch_normalization(plain)
    with pytest.raises(ValueError, match="get_batch_normalization_updates: "
                       "the graph has no batch normalization in training"):
        get_batch_normalization_updates(mlp_graphs['inference'])


def test_a_brick_applied_twice_has_duplicate_estimates():
    brick = BatchNormalization(input_dim=2, name='bn')
    x, y = tensor.matrix('x'), tensor.matrix('y')
    with batch_normalization(brick):
        graph = ComputationGraph(brick.apply(x) + brick.apply(y))
    with pytest.raises(ValueError, match="population_mean of /bn has "
                       "several minibatch estimates"):
        get_batch_normalization_updates(graph)
    pairs = get_batch_normalization_updates(graph, allow_duplicates=True)
    assert [population.name for population, _ in pairs] == \
        ['population_mean', 'population_stdev'] * 2


def test_population_statistics_approach_the_datasets():
    dataset = SwissRoll(num_examples=400, noise=0.1, seed=5)
    features = dataset.indexables[0]
    normalization = BatchNormalization(input_dim=3, name='bn')
    linear = Linear(3, 1, weights_init=IsotropicGaussian(0.1),
                    biases_init=Constant(0), name='linear')
    normalization.initialize()
    linear.initialize()
    x, position = tensor.matrix('features'), tensor.matrix('position')
    prediction = linear.apply(normalization.apply(x))
    cost = tensor.sqr(prediction[:, 0] - position[:, 0]).mean()
    training = apply_batch_normalization(ComputationGraph(cost))
    algorithm = GradientDescent(
        cost=training.outputs[0], parameters=training.parameters,
        step_rule=Scale(0.1), aesara_func_kwargs={'mode': 'FAST_COMPILE'})
    rate = 0.1
    algorithm.add_updates([
        (population, (1 - rate) * population + rate * estimate)
        for population, estimate
        in get_batch_normalization_updates(training)])
    stream = DataStream(dataset, iteration_scheme=ShuffledScheme(
        400, 50, rng=numpy.random.RandomState(2)))
    main_loop = MainLoop(algorithm, stream,
                         extensions=[FinishAfter(after_n_epochs=4)])
    main_loop.run()
    # One compiled function took the gradient steps and kept the
    # population statistics current.
    assert algorithm._function is not None
    assert not numpy.array_equal(normalization.shift.get_value(), [0, 0, 0])
    assert numpy.allclose(normalization.population_mean.get_value(),
                          features.mean(axis=0),
                          atol=0.1 * features.std(axis=0).min())
    assert numpy.allclose(normalization.population_stdev.get_value(),
                          features.std(axis=0), rtol=0.05)
    assert main_loop.log.current_row['training_finish_requested']
