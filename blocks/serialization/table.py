"""The exact table of globals that a checkpoint may name, and what it may do
with each.

A pickle names globals by ``(module, qualified name)`` and then calls them
(``REDUCE``), creates instances of them (``NEWOBJ``) and fills instances
with state (``BUILD``). :func:`~blocks.serialization.load` looks every name
up in this table, exactly: no prefix of a module, no attribute walked from
a trusted object, no dotted name unless that very name is listed. Each
entry also says which of these operations it allows:

* :data:`OBJECTS`: classes whose instances a checkpoint may create and
  fill: Blocks' bricks, step rules, extensions, streams, logs, ..., and the
  classes of Aesara graphs (variables, types, ``Op`` s). Aesara ``Op`` s and
  types are never filled with pickled state: they are constructed again
  from their defining parameters (their ``__props__``), so that state such
  as C source code cannot be smuggled in (see
  :mod:`blocks.serialization.unpickling`).
* :data:`CALLABLES`: functions and classes a checkpoint may call, each
  with a check of its arguments where they matter.
* :data:`FILLED`: classes whose instances, made by one of the callables
  (NumPy arrays, dtypes, random generators, iterators), may be filled.
* :data:`REFERENCES`: globals a checkpoint may only refer to, e.g. a
  function stored as an attribute (``tag.values_eq_approx``).
* :data:`METHODS`: methods a checkpoint may refer to through ``getattr``
  (a pickled bound method is ``getattr(instance, name)``). The application
  methods of the bricks in :data:`OBJECTS` are allowed too
  (``getattr(MLP, 'apply')``).

Whatever a user adds (``load(..., allowed=[...])``) is judged by
:class:`Trust`.

The table lists what checkpoints of Blocks' own objects contain; the test
``tests/serialization/test_table.py`` writes a checkpoint holding one of
everything and fails when an object type appears that the table lacks.

"""
import importlib
import importlib.util
import os
import site
import sys
import sysconfig
import types

#: Classes whose instances a checkpoint may create and fill with state.
OBJECTS = {
    # Aesara's graph: variables, apply nodes, types and ops.
    'aesara.graph.basic': ('Apply', 'Constant', 'Variable'),
    'aesara.graph.utils': ('Scratchpad', 'ValidatingScratchpad'),
    'aesara.link.basic': ('Container',),
    'aesara.misc.frozendict': ('frozendict',),
    'aesara.compile.sharedvalue': ('SharedVariable',),
    'aesara.tensor.var': ('TensorVariable', 'TensorConstant',
                          'DenseTensorVariable', 'DenseTensorConstant'),
    'aesara.tensor.type': ('TensorType', 'DenseTensorType'),
    'aesara.tensor.sharedvar': ('TensorSharedVariable',
                                'ScalarSharedVariable'),
    'aesara.tensor.type_other': ('MakeSlice', 'NoneTypeT', 'SliceConstant',
                                 'SliceType'),
    'aesara.tensor.random.type': ('RandomGeneratorType', 'RandomStateType'),
    'aesara.tensor.random.var': ('RandomGeneratorSharedVariable',
                                 'RandomStateSharedVariable'),
    'aesara.scalar.basic': (
        'ScalarType', 'ScalarVariable', 'ScalarConstant',
        'AND', 'Abs', 'Add', 'Angle', 'ArcCos', 'ArcCosh', 'ArcSin',
        'ArcSinh', 'ArcTan', 'ArcTan2', 'ArcTanh', 'Cast', 'Ceil', 'Clip',
        'Complex', 'ComplexFromPolar', 'Conj', 'Cos', 'Cosh', 'Deg2Rad',
        'EQ', 'Exp', 'Exp2', 'Expm1', 'Floor', 'FloorDivide', 'GE', 'GT',
        'Identity', 'Imag', 'InRange', 'Invert', 'IsInf', 'IsNan', 'LE',
        'LT', 'Log', 'Log10', 'Log1p', 'Log2', 'Mean', 'Mod', 'Mul', 'NEQ',
        'Neg', 'OR', 'Pow', 'Rad2Deg', 'Real', 'Reciprocal',
        'RoundHalfAwayFromZero', 'RoundHalfToEven', 'ScalarMaximum',
        'ScalarMinimum', 'Second', 'Sgn', 'Sin', 'Sinh', 'Sqr', 'Sqrt', 'Sub',
        'Switch', 'Tan', 'Tanh', 'TrueDivide', 'Trunc', 'XOR',
        # Output type rules of scalar ops, stored as instances.
        'specific_out', 'transfer_type'),
    'aesara.scalar.math': (
        'BetaInc', 'Erf', 'Erfc', 'Erfcinv', 'Erfcx', 'Erfinv', 'Gamma',
        'GammaInc', 'GammaIncC', 'GammaLn', 'I0', 'I1', 'Iv', 'J0', 'J1', 'Jv',
        'Log1mexp', 'Psi', 'Sigmoid', 'Softplus', 'TriGamma'),
    'aesara.tensor.elemwise': ('CAReduce', 'DimShuffle', 'Elemwise'),
    'aesara.tensor.basic': (
        'ARange', 'Alloc', 'AllocDiag', 'AllocEmpty', 'Choose', 'Default',
        'ExtractDiag', 'Eye', 'Join', 'MakeVector', 'Nonzero',
        'PermuteRowElements', 'ScalarFromTensor', 'Split',
        'TensorFromScalar', 'Tri'),
    'aesara.tensor.math': (
        'All', 'Any', 'Argmax', 'Dot', 'MatMul', 'Max', 'MaxAndArgmax',
        'Mean', 'Min', 'MulWithoutZeros', 'Prod', 'ProdWithoutZeros', 'Sum'),
    'aesara.tensor.shape': ('Reshape', 'Shape', 'Shape_i', 'SpecifyShape',
                            'Unbroadcast'),
    'aesara.tensor.subtensor': (
        'AdvancedIncSubtensor', 'AdvancedIncSubtensor1', 'AdvancedSubtensor',
        'AdvancedSubtensor1', 'IncSubtensor', 'Subtensor'),
    'aesara.tensor.extra_ops': (
        'BroadcastTo', 'CpuContiguous', 'CumOp', 'FillDiagonal',
        'FillDiagonalOffset', 'RavelMultiIndex', 'Repeat', 'SearchsortedOp',
        'Unique', 'UnravelIndex'),
    'aesara.tensor.sort': ('ArgSortOp', 'SortOp', 'TopKOp'),
    'aesara.tensor.special': ('LogSoftmax', 'Softmax', 'SoftmaxGrad'),
    'aesara.tensor.nnet.basic': (
        'CrossentropyCategorical1Hot', 'CrossentropyCategorical1HotGrad',
        'CrossentropySoftmax1HotWithBiasDx',
        'CrossentropySoftmaxArgmax1HotWithBias', 'SoftmaxWithBias'),
    'aesara.tensor.random.basic': (
        'BernoulliRV', 'BetaBinomialRV', 'BetaRV', 'BinomialRV',
        'CategoricalRV', 'CauchyRV', 'ChiSquareRV', 'ChoiceRV',
        'DirichletRV', 'ExponentialRV', 'GammaRV', 'GeometricRV', 'GumbelRV',
        'HalfCauchyRV', 'HalfNormalRV', 'HyperGeometricRV', 'IntegersRV',
        'InvGammaRV', 'LaplaceRV', 'LogNormalRV', 'LogisticRV',
        'MultinomialRV', 'MvNormalRV', 'NegBinomialRV', 'NormalRV',
        'ParetoRV', 'PermutationRV', 'PoissonRV', 'RandIntRV', 'StudentTRV',
        'TriangularRV', 'TruncExponentialRV', 'UniformRV', 'VonMisesRV',
        'WaldRV', 'WeibullRV'),
    'aesara.tensor.nlinalg': ('Det', 'Eig', 'Eigh', 'MatrixInverse',
                              'MatrixPinv', 'QRFull', 'SVD'),
    'aesara.tensor.slinalg': ('Cholesky', 'Solve', 'SolveTriangular'),
    'aesara.tensor.nnet.abstract_conv': (
        'AbstractConv2d', 'AbstractConv2d_gradInputs',
        'AbstractConv2d_gradWeights'),
    'aesara.tensor.signal.pool': ('Pool', 'MaxPoolGrad', 'AveragePoolGrad'),
    'aesara.ifelse': ('IfElse',),
    'aesara.raise_op': ('Assert', 'CheckAndRaise'),
    # Blocks.
    'blocks.algorithms.adaptive': ('AdaDelta', 'AdaGrad', 'Adam',
                                   'BasicRMSProp', 'RMSProp'),
    'blocks.algorithms.clipping': ('StepClipping', 'VariableClipping'),
    'blocks.algorithms.gradient_descent': ('GradientDescent',),
    'blocks.algorithms.base': ('UpdatesAlgorithm',),
    'blocks.algorithms.constraints': ('ClipValues', 'ConstrainL2Norm',
                                      'FreezeValues', 'L1Decay', 'L2Decay',
                                      'MaskValues'),
    'blocks.aesara_expressions': ('PickPerRow', 'PickPerRowGrad'),
    'blocks.algorithms.step_rules': ('CompositeRule', 'Scale',
                                     'BasicMomentum', 'Momentum', 'Restrict',
                                     'RemoveNotFinite'),
    'blocks.bricks.base': ('Parameters', 'Children', 'BoundApplication',
                           'ApplicationCall'),
    'blocks.bricks.cost': ('BinaryCrossEntropy', 'AbsoluteError',
                           'SquaredError', 'CategoricalCrossEntropy',
                           'MisclassificationRate', 'TargetShapeCheck'),
    'blocks.bricks.bn': ('BatchNormalization', 'SpatialBatchNormalization',
                         'BatchNormalizedMLP', 'LayerNormalization'),
    'blocks.bricks.conv.convolutional': (
        'Convolutional', 'ConvolutionalTranspose', 'Flattener', 'InputCheck'),
    'blocks.bricks.conv.pooling': ('Pooling', 'MaxPooling', 'AveragePooling'),
    'blocks.bricks.conv.sequences': ('ConvolutionalActivation',
                                     'ConvolutionalLayer',
                                     'ConvolutionalSequence'),
    'blocks.bricks.interfaces': ('PicklableRandomStream',),
    'blocks.bricks.attention.mechanisms': (
        'AbstractAttention', 'GenericSequenceAttention',
        'SequenceContentAttention', 'ShallowEnergyComputer'),
    'blocks.bricks.attention.recurrent': ('AbstractAttentionRecurrent',
                                          'AttentionRecurrent'),
    'blocks.bricks.sequence_generators.base': (
        'BaseSequenceGenerator', 'SequenceGenerator', 'FakeAttentionRecurrent'),
    'blocks.bricks.sequence_generators.readouts': (
        'AbstractReadout', 'Readout', 'AbstractEmitter', 'TrivialEmitter',
        'SoftmaxEmitter', 'AbstractFeedback', 'TrivialFeedback',
        'LookupFeedback'),
    'blocks.bricks.parallel': ('Parallel', 'Fork', 'Distribute', 'Merge'),
    'blocks.bricks.recurrent.architectures': ('SimpleRecurrent', 'LSTM',
                                              'GatedRecurrent'),
    'blocks.bricks.recurrent.misc': ('Bidirectional', 'RecurrentStack'),
    'blocks.bricks.recurrent.fused': (
        'FusedSimpleRecurrent', 'FusedSimpleRecurrentGrad', 'FusedLSTM',
        'FusedLSTMGrad', 'FusedGatedRecurrent', 'FusedGatedRecurrentGrad'),
    'blocks.bricks.lookup': ('LookupTable',),
    'blocks.bricks.sequences': ('Sequence', 'FeedforwardSequence', 'MLP'),
    'blocks.bricks.simple': ('Linear', 'Bias', 'Maxout', 'LinearMaxout',
                             'Identity', 'Tanh', 'Logistic', 'Softplus',
                             'Rectifier', 'LeakyRectifier', 'Softmax',
                             'NDimensionalSoftmax', 'PReLU'),
    'blocks.data.datasets.base': ('IterableDataset', 'IndexableDataset'),
    'blocks.data.datasets.digits': ('Digits',),
    'blocks.data.datasets.mnist': ('MNIST',),
    'blocks.data.datasets.toy': ('Spiral', 'SwissRoll'),
    'blocks.data.datasets.text': ('TextFile', 'OneBillionWord',
                                  '_LineReader'),
    'blocks.data.transformers.augmentation': (
        'AddGaussianNoise', 'AddSaltAndPepper', 'MultiHot', 'OneHot',
        'RandomCrop', 'RandomFlip'),
    'blocks.data.schemes': ('ConstantScheme', '_IndexBatchIterator',
                            'SequentialScheme', 'ShuffledScheme',
                            '_SortedBatchIterator', 'SequentialExampleScheme',
                            'ShuffledExampleScheme'),
    'blocks.data.streams': ('DataIterator', '_EpochIterator', 'DataStream'),
    'blocks.data.transformers.arrays': ('Flatten', 'Cast', 'ScaleAndShift',
                                        'ForceFloatX'),
    'blocks.data.transformers.base': ('Mapping', 'Filter'),
    'blocks.data.transformers.batches': ('Batch', 'Unpack', 'Padding',
                                         'SortMapping', 'SourceLength'),
    'blocks.data.transformers.sources': ('FilterSources', 'Rename', 'Merge'),
    'blocks.extensions.base': ('CallbackName', 'Predicate'),
    'blocks.extensions.monitoring': ('DataStreamMonitoring',
                                     'TrainingDataMonitoring'),
    'blocks.extensions.predicates': ('OnLogRecord',),
    'blocks.extensions.reporting': ('Printing', 'ProgressBar', 'Timing'),
    'blocks.extensions.saveload': ('Checkpoint', 'Load'),
    'blocks.extensions.stopping': ('FinishAfter',
                                   'FinishIfNoImprovementAfter',
                                   'EarlyStopping', 'FinishIfNotFinite',
                                   'FinishIfThresholdReached'),
    'blocks.extensions.composite': ('CompositeExtension',),
    'blocks.extensions.plot': ('Plot',),
    'blocks.extensions.schedules': (
        'StepSchedule', 'ExponentialSchedule', 'InverseTimeSchedule',
        'LinearSchedule', 'CosineSchedule', 'PiecewiseSchedule', 'Warmup',
        'HyperparameterSchedule', 'ReduceOnPlateau'),
    'blocks.extensions.timestamp': ('Timestamp',),
    'blocks.extensions.training': ('SharedVariableModifier', 'TrackTheBest'),
    'blocks.filter': ('VariableFilter',),
    'blocks.graph': ('ComputationGraph',),
    'blocks.initialization': ('Constant', 'IsotropicGaussian', 'Uniform',
                              'Identity', 'Orthogonal', 'Sparse',
                              'SparseND'),
    'blocks.initialization.recurrent': ('EchoState', 'LstmOptInit',
                                        'RandomWalk'),
    'blocks.initialization.scaled': (
        'DenseSqrtFanIn', 'DenseSqrtFanInOut', 'GlorotNormal',
        'GlorotUniform', 'HeNormal', 'HeUniform', 'LeCunNormal',
        'LeCunUniform', 'VarianceScaling'),
    'blocks.log.log': ('TrainingLog',),
    'blocks.log.sqlite': ('SQLiteLog',),
    'blocks.distributed.communication': ('Distribution',),
    'blocks.distributed.main_loop': ('DistributedMainLoop',),
    'blocks.main_loop': ('MainLoop',),
    'blocks.model': ('Model',),
    'blocks.monitoring.aggregation': ('Aggregator', 'Mean', 'TakeLast',
                                      'Minimum', 'Maximum', 'Concatenate',
                                      '_DataIndependent', 'Total',
                                      'Perplexity'),
    'blocks.monitoring.scores': ('ConfusionScore',),
    'blocks.monitoring.evaluators': ('AggregationBuffer',
                                     'MonitoredQuantityBuffer',
                                     'DatasetEvaluator'),
    'blocks.select': ('Path', 'Selector'),
    'blocks.utils.profile': ('Profile', 'Timer'),
    'picklable_itertools.map_zip': ('imap', 'izip'),
    'picklable_itertools.base': ('BaseItertool',),
    'picklable_itertools.simple': ('repeat', 'cycle', 'chain'),
    'picklable_itertools.range': ('xrange', 'range_iterator'),
    'picklable_itertools.product': ('product',),
    'picklable_itertools.permutations': ('permutations',),
    'uuid': ('UUID',),
    'datetime': ('timedelta',),
}

#: Callables a checkpoint may call. The value names a check of the
#: arguments (see :mod:`blocks.serialization.unpickling`), or None.
CALLABLES = {
    'builtins': {'bytearray': None, 'complex': None, 'frozenset': None,
                 'getattr': 'getattr', 'iter': 'iter', 'range': None,
                 'set': None, 'slice': None},
    'collections': {'OrderedDict': None, 'defaultdict': 'defaultdict'},
    'copyreg': {'_reconstructor': 'reconstructor'},
    'functools': {'partial': 'partial'},
    'numpy': {'dtype': None},
    'numpy.core.multiarray': {'_reconstruct': 'reconstruct',
                              'scalar': None},
    'aesara.graph.basic': {'NominalVariable': 'nominal'},
    'blocks.serialization.unpickling': {'scan_from_inner_graph': 'scan'},
    'numpy.random.bit_generator': {
        '__pyx_unpickle_SeedSequence': 'seed_sequence'},
    'numpy.random._pickle': {'__generator_ctor': 'generator',
                             '__randomstate_ctor': 'generator',
                             '__bit_generator_ctor': None},
    'blocks.bricks.base': {'_none_config_by_name': None},
    'blocks.roles': {'_role_by_class_name': None},
    'datetime': {'datetime': None, 'date': None, 'time': None},
    '_codecs': {'encode': None},
}

#: Classes whose instances, made by one of :data:`CALLABLES`, may be filled.
FILLED = {
    'builtins': ('list_iterator', 'tuple_iterator', 'range_iterator'),
    'functools': ('partial',),
    'numpy': ('ndarray', 'dtype'),
    'numpy.dtypes': (
        'BoolDType', 'Int8DType', 'Int16DType', 'Int32DType', 'Int64DType',
        'UInt8DType', 'UInt16DType', 'UInt32DType', 'UInt64DType',
        'Float16DType', 'Float32DType', 'Float64DType', 'LongDType',
        'ULongDType', 'LongLongDType', 'ULongLongDType', 'Complex64DType',
        'Complex128DType', 'BytesDType', 'StrDType', 'VoidDType',
        'ObjectDType'),
    'numpy.random._generator': ('Generator',),
    'numpy.random.bit_generator': ('SeedSequence',),
    'numpy.random.mtrand': ('RandomState',),
    'numpy.random._mt19937': ('MT19937',),
    'numpy.random._pcg64': ('PCG64', 'PCG64DXSM'),
    'numpy.random._philox': ('Philox',),
    'numpy.random._sfc64': ('SFC64',),
}

#: Globals a checkpoint may only refer to.
REFERENCES = {
    'builtins': ('bool', 'int', 'float', 'complex', 'str', 'bytes', 'tuple',
                 'list', 'dict', 'set', 'frozenset', 'object', 'min', 'max',
                 'len', 'sum', 'abs', 'NotImplemented', 'Ellipsis',
                 'ValueError', 'TypeError', 'AssertionError'),
    'numpy': ('bool_', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16',
              'uint32', 'uint64', 'float16', 'float32', 'float64',
              'complex64', 'complex128', 'ndarray'),
    # Ufuncs that objects hold as functions (e.g. an aggregation's
    # reduction); referring to one runs nothing.
    'numpy.core._multiarray_umath': (
        'add', 'subtract', 'multiply', 'divide', 'true_divide', 'maximum',
        'minimum', 'fmax', 'fmin', 'absolute', 'sqrt', 'square', 'exp',
        'log', 'negative', 'sign', 'logical_and', 'logical_or', 'greater',
        'greater_equal', 'less', 'less_equal', 'equal', 'not_equal'),
    'numpy.random._generator': ('default_rng',),
    'aesara.scalar.basic': ('same_out', 'same_out_nobool', 'same_out_min8',
                            'upcast_out', 'upcast_out_nobool',
                            'upcast_out_min8', 'upcast_out_no_complex',
                            'upgrade_to_float', 'upgrade_to_float64',
                            'upgrade_to_float_no_complex', 'int_out',
                            'float_out', 'complex_out', 'bool_out',
                            'same_out_float_only'),
    'aesara.tensor.type': ('values_eq_approx_remove_inf',
                           'values_eq_approx_remove_nan',
                           'values_eq_approx_remove_inf_nan',
                           'values_eq_approx_always_true'),
    'blocks.extensions.base': ('always_true', 'has_done_epochs'),
    'blocks.bricks.interfaces': ('Activation',),
    'blocks.bricks.cost': ('CostMatrix', 'Cost'),
    'operator': ('add', 'sub', 'mul', 'truediv', 'lt', 'le', 'gt', 'ge',
                 'eq', 'ne'),
}

#: Methods that ``getattr(instance, name)`` may return, by the class of the
#: instance.
METHODS = {
    ('aesara.tensor.type', 'TensorType'): ('filter',),
    ('aesara.tensor.type', 'DenseTensorType'): ('filter',),
    ('aesara.scalar.basic', 'ScalarType'): ('filter',),
    ('aesara.tensor.random.type', 'RandomGeneratorType'): ('filter',),
    ('aesara.tensor.random.type', 'RandomStateType'): ('filter',),
    ('aesara.tensor.type_other', 'SliceType'): ('filter',),
    ('aesara.tensor.type_other', 'NoneTypeT'): ('filter',),
}

#: Top-level packages that can never be trusted as a whole module.
PROTECTED_PACKAGES = frozenset([
    'blocks', 'aesara', 'numpy', 'scipy', 'picklable_itertools', 'pytensor',
    'torch', 'jax', 'jaxlib', 'yaml', 'sklearn', 'pandas', 'bokeh', 'tqdm',
    'setuptools', 'pkg_resources', 'pip', 'pytest', '_pytest', 'cloudpickle',
    'dill', 'joblib', 'mpi4py', 'toolz', 'cons', 'etuples', 'unification',
    'kanren', 'multipledispatch', 'filelock', 'six', 'typing_extensions',
    'IPython', 'ipykernel', 'jupyter_core', 'tornado']) | frozenset(
        sys.stdlib_module_names)


class TrustError(Exception):
    """A global is not in the table, or is not allowed to do that."""


def _is_dunder(part):
    return part.startswith('__') and part.endswith('__')


#: Types that have a name but cannot be reached through their module.
_UNREACHABLE = {
    ('builtins', 'list_iterator'): type(iter([])),
    ('builtins', 'tuple_iterator'): type(iter(())),
    ('builtins', 'range_iterator'): type(iter(range(0))),
}


def resolve(module, qualname):
    """Import ``module`` and walk ``qualname`` in it.

    Only called with names that the table or the user listed, never with a
    name read from a pickle that nobody listed.

    """
    if (module, qualname) in _UNREACHABLE:
        return _UNREACHABLE[(module, qualname)]
    obj = importlib.import_module(module)
    for part in qualname.split('.'):
        obj = getattr(obj, part)
    return obj


def _site_directories():
    paths = set()
    for key in ('purelib', 'platlib', 'stdlib', 'platstdlib'):
        path = sysconfig.get_paths().get(key)
        if path:
            paths.add(os.path.realpath(path))
    try:
        paths.update(os.path.realpath(path)
                     for path in site.getsitepackages())
    except AttributeError:
        pass
    return paths


def check_user_module(module_name, caller='load'):
    """Raise unless ``module_name`` can be trusted as a whole.

    A module the user owns: not part of the standard library, not one of
    the large packages (:data:`PROTECTED_PACKAGES`) and not installed in a
    site-packages directory (where other people's code lives); ``__main__``
    is allowed.

    """
    if not isinstance(module_name, str) or not module_name or \
            any(not part.isidentifier() for part in module_name.split('.')):
        raise ValueError("{}: {!r} is not a module name".format(
            caller, module_name))
    if module_name == '__main__':
        return
    top = module_name.split('.')[0]
    if top in PROTECTED_PACKAGES:
        raise ValueError(
            "{}: refusing to trust the module {!r} as a whole: it belongs to "
            "{!r}, a library or the standard library, whose modules can "
            "touch files, processes and compiled code; name the exact "
            "classes or functions instead (e.g. allowed=['{}.SomeClass'])"
            .format(caller, module_name, top, module_name))
    spec = importlib.util.find_spec(top)
    origin = getattr(spec, 'origin', None) if spec is not None else None
    if origin:
        origin = os.path.realpath(origin)
        for directory in _site_directories():
            if origin.startswith(directory + os.sep):
                raise ValueError(
                    "{}: refusing to trust the module {!r} as a whole: it is "
                    "installed in {} with other people's code; name the "
                    "exact classes or functions instead (e.g. "
                    "allowed=['{}.SomeClass'])".format(
                        caller, module_name, directory, module_name))


class Entry:
    """What the table allows a checkpoint to do with one global."""
    __slots__ = ('obj', 'key', 'new', 'build', 'call', 'check', 'user')

    def __init__(self, obj, key, new=False, build=False, call=False,
                 check=None, user=False):
        self.obj = obj
        self.key = key
        self.new = new
        self.build = build
        self.call = call
        self.check = check
        self.user = user


class Trust:
    """The table plus what one call of :func:`load` adds to it.

    Parameters
    ----------
    allowed : iterable
        Classes or functions (the objects, or their names ``'module.Name'``
        or ``'module:Qualified.Name'``), or modules the user owns (their
        names, see :func:`check_user_module`), that this load trusts besides
        the table.
    caller : str
        Who asks, for messages.

    """
    def __init__(self, allowed=(), caller='load'):
        if isinstance(allowed, (str, type, types.FunctionType)):
            raise TypeError(
                "{}: allowed must be a list of names, classes or functions, "
                "got the single value {!r}; write [{!r}]".format(
                    caller, allowed, allowed))
        self.caller = caller
        self.user_entries = {}
        self.user_modules = set()
        for item in allowed:
            self._add(item)
        self._cache = {}

    def _add(self, item):
        if isinstance(item, (type, types.FunctionType,
                             types.BuiltinFunctionType)):
            module, qualname = item.__module__, item.__qualname__
            if '<locals>' in qualname:
                raise ValueError("{}: cannot trust {!r}: it is defined inside "
                                 "a function and cannot be unpickled by name"
                                 .format(self.caller, item))
            self._add_global(module, qualname)
            return
        if not isinstance(item, str):
            raise TypeError("{}: allowed must hold names, classes or "
                            "functions, got {!r}".format(self.caller, item))
        if ':' in item:
            module, qualname = item.split(':', 1)
            self._add_global(module, qualname)
            return
        try:
            found = importlib.util.find_spec(item)
        except (ImportError, ValueError):
            found = None
        if found is not None:
            check_user_module(item, self.caller)
            self.user_modules.add(item)
            return
        if item == '__main__' or item.startswith('__main__.'):
            if item == '__main__':
                self.user_modules.add(item)
            else:
                self._add_global('__main__', item[len('__main__.'):])
            return
        module, _, qualname = item.rpartition('.')
        if not module:
            raise ValueError("{}: {!r} is neither an importable module nor "
                             "a 'module.Name'".format(self.caller, item))
        self._add_global(module, qualname)

    def _add_global(self, module, qualname):
        if any(_is_dunder(part) for part in qualname.split('.')):
            raise ValueError("{}: refusing to trust {}.{}: names with "
                             "double underscores are never trusted".format(
                                 self.caller, module, qualname))
        self.user_entries[(module, qualname)] = None

    # Looking up ---------------------------------------------------------

    def lookup(self, module, qualname):
        """The :class:`Entry` of a global, or raise :class:`TrustError`."""
        key = (module, qualname)
        if key in self._cache:
            return self._cache[key]
        entry = self._table_entry(module, qualname)
        if entry is None:
            entry = self._user_entry(module, qualname)
        if entry is None:
            raise TrustError("{}.{} is not in the table of trusted globals"
                             .format(module, qualname))
        self._cache[key] = entry
        return entry

    def _table_entry(self, module, qualname):
        key = (module, qualname)
        new = build = call = False
        check = None
        found = False
        if qualname in OBJECTS.get(module, ()):
            new = build = found = True
        if qualname in CALLABLES.get(module, {}):
            call = found = True
            check = CALLABLES[module][qualname]
        if qualname in FILLED.get(module, ()):
            build = found = True
        if qualname in REFERENCES.get(module, ()):
            found = True
        if not found:
            return None
        obj = resolve(module, qualname)
        return Entry(obj, key, new=new, build=build, call=call, check=check)

    def _user_entry(self, module, qualname):
        key = (module, qualname)
        listed = key in self.user_entries
        in_module = any(module == owned or module.startswith(owned + '.')
                        for owned in self.user_modules)
        if not (listed or in_module):
            return None
        if any(_is_dunder(part) for part in qualname.split('.')):
            return None
        obj = resolve(module, qualname)
        if not listed:
            # Trusting a module trusts what it defines, not what it
            # imports from elsewhere.
            if not isinstance(obj, (type, types.FunctionType)) or \
                    getattr(obj, '__module__', None) != module or \
                    getattr(obj, '__qualname__', None) != qualname:
                return None
        if isinstance(obj, types.ModuleType):
            return None
        if isinstance(obj, type):
            return Entry(obj, key, new=True, build=True, call=True,
                         user=True)
        if callable(obj):
            return Entry(obj, key, call=True, user=True)
        return Entry(obj, key, user=True)

    def entry_of_class(self, cls):
        """The entry of the class of an object, if the table has one."""
        try:
            entry = self.lookup(cls.__module__, cls.__qualname__)
        except (TrustError, ImportError, AttributeError):
            return None
        return entry if entry.obj is cls else None

    def allows_method(self, owner, name):
        """Whether ``getattr(owner, name)`` is allowed."""
        if not isinstance(name, str) or name.startswith('_'):
            return False
        cls = owner if isinstance(owner, type) else type(owner)
        entry = self.entry_of_class(cls)
        if entry is None:
            return False
        if name in METHODS.get(entry.key, ()):
            return not isinstance(owner, type)
        for klass in cls.__mro__:
            if name in vars(klass):
                attribute = vars(klass)[name]
                break
        else:
            return False
        from blocks.bricks.base import Application
        if isinstance(attribute, Application):
            return isinstance(owner, type)
        if entry.user:
            # The user's own classes: their public methods.
            return isinstance(attribute, types.FunctionType)
        return False

