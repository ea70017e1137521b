"""The table of trusted globals covers what Blocks checkpoints hold.

A checkpoint holding one of everything (``kitchen_sink``) must load through
the exact table and resume identically; every concrete class of the
families that end up in checkpoints must be in the table; the common Aesara
Ops must be rebuilt equal to themselves. When a new brick, step rule,
extension, stream or Op appears, these tests fail until the table lists it.
"""
import importlib
import inspect
import pickle
import pkgutil

import pytest
from aesara import tensor
from aesara.graph.op import Op
from aesara.graph.basic import io_toposort

import blocks
from blocks.algorithms import StepRule, TrainingAlgorithm
from blocks.bricks.base import Brick
from blocks.data.datasets import Dataset
from blocks.data.schemes import IterationScheme
from blocks.data.streams import AbstractDataStream
from blocks.extensions import TrainingExtension
from blocks.extensions.schedules import Schedule
from blocks.initialization import NdarrayInitialization
from blocks.log.log import TrainingLogBase
from blocks.monitoring.aggregation import (
    AggregationScheme, Aggregator, MonitoredQuantity)
from blocks.serialization import dump, load, load_parameters
from blocks.serialization.table import OBJECTS, Trust
from blocks.serialization.unpickling import restricted_loads
from tests.serialization import kitchen_sink

FAMILIES = (Brick, StepRule, TrainingAlgorithm, TrainingExtension, Dataset,
            IterationScheme, AbstractDataStream, NdarrayInitialization,
            AggregationScheme, Aggregator, MonitoredQuantity,
            TrainingLogBase, Op, Schedule)

#: Base classes that users subclass; they are never pickled as such.
BASES = {
    'blocks.bricks.base.Brick', 'blocks.bricks.interfaces.Activation',
    'blocks.bricks.interfaces.Feedforward',
    'blocks.bricks.interfaces.Initializable',
    'blocks.bricks.interfaces.LinearLike', 'blocks.bricks.interfaces.Random',
    'blocks.algorithms.step_rules.StepRule',
    'blocks.extensions.base.TrainingExtension',
    'blocks.extensions.base.SimpleExtension',
    'blocks.extensions.monitoring.MonitoringExtension',
    'blocks.data.datasets.base.Dataset',
    'blocks.data.datasets.base.LazyIndexableDataset',
    'blocks.data.schemes.IterationScheme',
    'blocks.data.schemes.BatchSizeScheme', 'blocks.data.schemes.BatchScheme',
    'blocks.data.schemes.IndexScheme',
    'blocks.data.streams.AbstractDataStream',
    'blocks.data.transformers.base.Transformer',
    'blocks.data.transformers.base.AgnosticTransformer',
    'blocks.data.transformers.base.SourcewiseTransformer',
    'blocks.data.transformers.base.AgnosticSourcewiseTransformer',
    'blocks.monitoring.aggregation.AggregationScheme',
    'blocks.monitoring.aggregation._Extremum',
    'blocks.monitoring.aggregation.MonitoredQuantity',
    'blocks.algorithms.base.DifferentiableCostMinimizer',
    'blocks.algorithms.constraints.ValueConstraint',
    'blocks.bricks.conv.sequences._ConvolutionalComposite',
    'blocks.bricks.recurrent.fused._FusedOp',
    'blocks.bricks.recurrent.fused._FusedLoopOp',
    'blocks.bricks.recurrent.fused._FusedGradOp',
    'blocks.data.transformers.augmentation._Encoding',
    'blocks.data.transformers.augmentation._RandomSourcewise',
    'blocks.initialization.scaled._BrainstormScaling',
    'blocks.initialization.scaled._GainScaling',
    'blocks.utils.testing.MockAlgorithm',
    'blocks.extensions.schedules.Schedule',
    'blocks.bricks.recurrent.base.BaseRecurrent',
    'blocks.bricks.recurrent.architectures._Transition',
}


def _subclasses(cls):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


def test_every_concrete_class_of_blocks_is_in_the_table():
    for module in pkgutil.walk_packages(blocks.__path__, 'blocks.'):
        if not module.name.startswith('blocks.scripts'):
            importlib.import_module(module.name)
    missing = []
    for family in FAMILIES:
        for cls in [family] + list(_subclasses(family)):
            name = '{}.{}'.format(cls.__module__, cls.__qualname__)
            if not cls.__module__.startswith('blocks.') or \
                    inspect.isabstract(cls) or name in BASES:
                continue
            if cls.__qualname__ not in OBJECTS.get(cls.__module__, ()):
                missing.append(name)
    assert not missing, (
        'classes that can be pickled into checkpoints but are not in '
        'blocks/serialization/table.py: {}'.format(sorted(set(missing))))


def test_every_entry_of_the_table_exists():
    trust = Trust()
    for module, names in OBJECTS.items():
        for name in names:
            assert trust.lookup(module, name).new, (module, name)


@pytest.fixture(scope='module')
def resumed_twice(tmp_path_factory):
    """The kitchen sink trained for an epoch, checkpointed, and both the
    original and the loaded copy trained for one more epoch."""
    directory = str(tmp_path_factory.mktemp('kitchen_sink'))
    main_loop = kitchen_sink.build_main_loop(directory)
    main_loop.find_extension('FinishAfter').set_conditions(
        after_n_epochs=1)
    main_loop.run()
    path = directory + '/checkpoint.zip'
    dump(main_loop, path)
    loaded = load(path, allowed=['tests.serialization.kitchen_sink'])
    for loop in (main_loop, loaded):
        loop.find_extension('FinishAfter').set_conditions(after_n_epochs=2)
        loop.log.current_row['training_finish_requested'] = False
        loop.run()
    return main_loop, loaded, path


def test_kitchen_sink_loads_through_the_table_and_resumes_identically(
        resumed_twice):
    original, loaded, path = resumed_twice
    assert loaded.status['epochs_done'] == 2
    assert loaded.status['iterations_done'] == \
        original.status['iterations_done'] == 6
    original_values = original.model.get_parameter_values()
    loaded_values = loaded.model.get_parameter_values()
    assert sorted(original_values) == sorted(loaded_values)
    for name, value in original_values.items():
        assert loaded_values[name].tobytes() == value.tobytes(), name
    assert sorted(load_parameters(path)) == sorted(original_values)


def test_kitchen_sink_graph_ops_are_rebuilt_equal(resumed_twice):
    original, loaded, _ = resumed_twice
    nodes = io_toposort([], [original.algorithm.cost])
    loaded_nodes = io_toposort([], [loaded.algorithm.cost])
    assert len(nodes) == len(loaded_nodes) > 100
    for node, loaded_node in zip(nodes, loaded_nodes):
        assert node.op == loaded_node.op
        assert type(node.op) is type(loaded_node.op)


def test_common_aesara_ops_survive_the_table():
    x = tensor.matrix('x')
    v = tensor.vector('v')
    i = tensor.lvector('i')
    outputs = [
        tensor.exp(x), tensor.log1p(abs(x)), tensor.sqrt(x ** 2 + 1),
        tensor.tanh(x), tensor.sigmoid(x), tensor.math.softplus(x),
        tensor.maximum(x, 0), tensor.minimum(x, 1), tensor.clip(x, -1, 1),
        tensor.switch(x > 0, x, -x), tensor.sgn(x), tensor.floor(x),
        tensor.ceil(x), tensor.round(x), tensor.erf(x), x // 2, x % 3,
        x.sum(axis=0), x.mean(axis=1), x.max(axis=0), x.min(axis=1),
        x.argmax(axis=1), x.prod(axis=0), x.var(axis=0), x.std(),
        tensor.dot(x, x.T), x.T, x.reshape((-1,)), x.flatten(),
        x.dimshuffle(1, 'x', 0), tensor.concatenate([x, x], axis=1),
        tensor.stack([v, v]), x[1:, ::2], x[i], x[i, i],
        tensor.set_subtensor(x[0], v), tensor.inc_subtensor(x[:, 0], v),
        tensor.arange(v.shape[0]), tensor.zeros_like(x), tensor.ones((2, 3)),
        tensor.alloc(0., x.shape[0], 3), tensor.eye(3), tensor.any(x > 0),
        tensor.all(x > 0), tensor.eq(x, 0), tensor.neq(x, 0),
        tensor.or_(x > 0, x < 1), tensor.and_(x > 0, x < 1),
        tensor.isnan(x), tensor.isinf(x), x.astype('float32'),
        tensor.special.softmax(x, axis=-1),
        tensor.special.log_softmax(x, axis=-1), tensor.sort(v),
        tensor.argsort(v), tensor.cumsum(v), tensor.repeat(v, 2),
        tensor.outer(v, v), tensor.nlinalg.matrix_inverse(x),
        x.shape[0], tensor.specify_shape(v, (3,)),
        tensor.extra_ops.squeeze(x.dimshuffle('x', 0, 1)),
    ]
    nodes = io_toposort([], outputs)
    ops = [node.op for node in nodes]
    loaded = restricted_loads(pickle.dumps(ops))
    assert len(loaded) == len(ops)
    for op, loaded_op in zip(ops, loaded):
        assert type(loaded_op) is type(op) and loaded_op == op, op
    loaded_outputs = restricted_loads(pickle.dumps(outputs))
    assert [output.type for output in loaded_outputs] == \
        [output.type for output in outputs]
