"""A main loop that holds one of everything Blocks can checkpoint.

Used by the tests of the unpickling table: every brick, step rule,
extension, data stream, dataset, scheme, transformer, initialization
scheme, aggregation scheme and the Aesara objects their graphs hold are
pickled into one checkpoint, which must load through the exact table.

"""
import os
from collections import OrderedDict

import blocks  # noqa: F401  (configures Aesara before it is imported)
import numpy
from aesara import tensor

from blocks.algorithms import (
    AdaDelta, AdaGrad, Adam, BasicMomentum, BasicRMSProp, CompositeRule,
    GradientDescent, Momentum, RemoveNotFinite, Restrict, RMSProp, Scale,
    StepClipping, VariableClipping)
from blocks.bricks import (
    Bias, FeedforwardSequence, Identity, LeakyRectifier, Linear,
    LinearMaxout, Logistic, Maxout, MLP, NDimensionalSoftmax, Rectifier,
    Softmax, Softplus, Tanh)
from blocks.bricks.cost import (
    AbsoluteError, BinaryCrossEntropy, CategoricalCrossEntropy,
    MisclassificationRate, SquaredError)
from blocks.bricks.lookup import LookupTable
from blocks.data.datasets import IndexableDataset, IterableDataset
from blocks.data.schemes import (
    ConstantScheme, SequentialExampleScheme, SequentialScheme,
    ShuffledExampleScheme, ShuffledScheme)
from blocks.data.streams import DataStream
from blocks.data.transformers import (
    Batch, Cast, Filter, FilterSources, Flatten, ForceFloatX, Mapping,
    Merge, Padding, Rename, ScaleAndShift, Unpack)
from blocks.extensions import (
    FinishAfter, Printing, ProgressBar, Timing)
from blocks.extensions.monitoring import (
    DataStreamMonitoring, TrainingDataMonitoring)
from blocks.extensions.predicates import OnLogRecord
from blocks.extensions.saveload import Checkpoint, Load
from blocks.extensions.stopping import FinishIfNoImprovementAfter
from blocks.extensions.training import SharedVariableModifier, TrackTheBest
from blocks.filter import VariableFilter
from blocks.graph import ComputationGraph, apply_dropout, apply_noise
from blocks.initialization import (
    Constant, Identity as IdentityInit, IsotropicGaussian, Orthogonal,
    Sparse, SparseND, Uniform)
from blocks.main_loop import MainLoop
from blocks.model import Model
from blocks.monitoring.aggregation import (
    concatenate, maximum, mean, minimum, take_last)
from blocks.roles import WEIGHT


def _first_token(data):
    """A mapping for the stream: keep the data as it is."""
    return data


def _keep_all(data):
    """A predicate for the stream: keep every example."""
    return True


def _halve(iterations, value):
    """A learning-rate schedule for SharedVariableModifier."""
    return numpy.asarray(value * 0.5 ** (iterations // 1000),
                         dtype=value.dtype)


def _renamed(*variables):
    for index, variable in enumerate(variables):
        variable.name = 'aggregated_{}'.format(index)
    return list(variables)


def build_main_loop(directory, log=None):
    """A main loop using every picklable family of Blocks objects."""
    rng = numpy.random.RandomState(0)
    features = rng.normal(size=(12, 4)).astype('float32')
    targets = rng.randint(0, 3, size=(12,)).astype('int64')
    tokens = rng.randint(0, 5, size=(12, 2)).astype('int64')
    dataset = IndexableDataset(OrderedDict([
        ('features', features), ('targets', targets), ('tokens', tokens)]))
    stream = DataStream(dataset, iteration_scheme=ShuffledScheme(12, 4))
    stream = Flatten(stream, which_sources=('features',))
    stream = Mapping(stream, _first_token)
    stream = Filter(stream, _keep_all)
    stream = ScaleAndShift(stream, 1., 0., which_sources=('features',))
    stream = Cast(stream, 'float32', which_sources=('features',))
    stream = ForceFloatX(stream)

    x = tensor.matrix('features')
    y = tensor.lvector('targets')
    ids = tensor.lmatrix('tokens')
    lookup = LookupTable(5, 3, weights_init=Uniform(width=0.1))
    embedded = lookup.apply(ids).sum(axis=1)
    activations = [Tanh(), Logistic(), Rectifier(), LeakyRectifier(),
                   Softplus(), Identity(), Softmax()]
    mlp = MLP(activations, [7] + [6] * (len(activations) - 1) + [3],
              weights_init=IsotropicGaussian(0.1), biases_init=Constant(0))
    maxout = LinearMaxout(input_dim=4, output_dim=4, num_pieces=2,
                          weights_init=Orthogonal(), biases_init=Constant(0))
    bias = Bias(dim=4, biases_init=Constant(0.1))
    sequence = FeedforwardSequence([maxout.apply, bias.apply])
    for brick in (lookup, mlp, sequence):
        brick.initialize()
    square = Linear(4, 4, weights_init=IdentityInit(), use_bias=False,
                    name='square')
    sparse = Linear(4, 4, weights_init=Sparse(2, IsotropicGaussian(0.1)),
                    use_bias=False, name='sparse')
    sparse_nd = Linear(4, 4, weights_init=SparseND(axis=0, num_init=2,
                                                      weights_init=Constant(1.)),
                       use_bias=False, name='sparse_nd')
    for brick in (square, sparse, sparse_nd):
        brick.initialize()
    hidden = sequence.apply(square.apply(x)) + sparse.apply(x) + \
        sparse_nd.apply(x) + Maxout(num_pieces=2).apply(
            tensor.concatenate([x, x], axis=1))
    probs = mlp.apply(tensor.concatenate([hidden[:, :4], embedded], axis=1))
    cost = CategoricalCrossEntropy().apply(y, probs)
    ndim_softmax = NDimensionalSoftmax()
    cost += ndim_softmax.categorical_cross_entropy(
        y, probs, extra_ndim=0).mean()
    one_hot = tensor.eq(y[:, None], tensor.arange(3)[None, :]).astype(
        'float32')
    cost += BinaryCrossEntropy().apply(one_hot, probs)
    cost += SquaredError().apply(one_hot, probs)
    cost += AbsoluteError().apply(one_hot, probs)
    cost.name = 'cost'
    error_rate = MisclassificationRate().apply(y, probs)
    error_rate.name = 'error_rate'

    graph = ComputationGraph(cost)
    weights = VariableFilter(roles=[WEIGHT])(graph.variables)
    graph = apply_dropout(graph, weights[:1], 0.5, seed=3)
    graph = apply_noise(graph, weights[1:2], 0.01, seed=4)
    cost = graph.outputs[0]

    scale = Scale(0.01)
    learning_rate = scale.learning_rate
    parameters = graph.parameters
    step_rule = CompositeRule([
        StepClipping(10.), VariableClipping(5., axis=0),
        Restrict(Momentum(0.01, 0.9), parameters[:1]),
        Restrict(BasicMomentum(0.5), parameters[1:2]),
        Restrict(Adam(), parameters[2:3]),
        Restrict(AdaDelta(), parameters[3:4]),
        Restrict(AdaGrad(), parameters[4:5]),
        Restrict(RMSProp(), parameters[5:6]),
        Restrict(BasicRMSProp(), parameters[6:7]),
        scale, RemoveNotFinite()])
    algorithm = GradientDescent(cost=cost, parameters=parameters,
                                step_rule=step_rule)

    valid = DataStream(dataset, iteration_scheme=SequentialScheme(12, 6))
    valid = Flatten(valid, which_sources=('features',))
    other_streams = [
        DataStream(IterableDataset([1, 2, 3]),
                   iteration_scheme=ConstantScheme(2)),
        Padding(Batch(DataStream(IterableDataset([[1], [2, 3]])),
                      ConstantScheme(2))),
        Unpack(Batch(DataStream(IterableDataset([1, 2])),
                     ConstantScheme(2))),
        Rename(FilterSources(DataStream(dataset, iteration_scheme=(
            SequentialExampleScheme(12))), ('features',)),
            {'features': 'inputs'}),
        Merge([DataStream(IterableDataset([1, 2])),
               DataStream(IterableDataset([3, 4]))], ('a', 'b')),
        DataStream(dataset, iteration_scheme=ShuffledExampleScheme(12)),
    ]
    path = os.path.join(directory, 'kitchen_sink.zip')
    extensions = [
        FinishAfter(after_n_epochs=2),
        Timing(),
        TrainingDataMonitoring([cost] + _renamed(
            mean(cost, 2.), take_last(cost), minimum(cost), maximum(cost)),
                               prefix='train', after_epoch=True),
        DataStreamMonitoring([error_rate] + _renamed(
            concatenate(probs.max(axis=1))), valid,
                             prefix='valid'),
        TrackTheBest('valid_error_rate'),
        FinishIfNoImprovementAfter('valid_error_rate_best_so_far',
                                   epochs=5),
        SharedVariableModifier(learning_rate, _halve),
        Printing(after_epoch=True).add_condition(
            ['after_batch'], OnLogRecord('valid_error_rate')),
        ProgressBar(),
        Checkpoint(path, after_epoch=True),
        Load(os.path.join(directory, 'missing.zip')),
    ]
    main_loop = MainLoop(algorithm, stream, model=Model(cost), log=log,
                         extensions=extensions)
    main_loop.other_streams = other_streams
    return main_loop
