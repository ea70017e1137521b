"""Roles of variables in an annotated computation graph.

Each role is an instance of a subclass of :class:`VariableRole`. Roles form
a hierarchy through class inheritance: a variable with the role ``WEIGHT``
also has the role ``PARAMETER``, because ``WeightRole`` derives from
``ParameterRole``.

"""


def add_role(var, role):
    """Add a role to a given variable.

    Parameters
    ----------
    var : :class:`~aesara.graph.basic.Variable`
        The variable to give the new role to.
    role : :class:`VariableRole` instance

    Notes
    -----
    Some roles are subroles of others (e.g. ``WEIGHT`` is a subrole of
    ``PARAMETER``). This function does not add a role if a more specific
    role has already been added, and replaces a less specific one.

    Examples
    --------
    >>> from aesara import tensor
    >>> W = tensor.matrix()
    >>> from blocks.roles import PARAMETER, WEIGHT
    >>> add_role(W, PARAMETER)
    >>> print(*W.tag.roles)
    PARAMETER
    >>> add_role(W, WEIGHT)
    >>> print(*W.tag.roles)
    WEIGHT
    >>> add_role(W, PARAMETER)
    >>> print(*W.tag.roles)
    WEIGHT

    """
    if not isinstance(role, VariableRole):
        raise TypeError("add_role: expected a VariableRole instance (e.g. "
                        "blocks.roles.WEIGHT), got {!r}".format(role))
    roles = getattr(var.tag, 'roles', [])
    roles = [old_role for old_role in roles
             if not isinstance(role, old_role.__class__)]
    if not any(isinstance(old_role, role.__class__) for old_role in roles):
        roles += [role]
    var.tag.roles = roles


def has_roles(var, roles, match_all=False):
    """Test if a variable has given roles, taking subroles into account.

    Parameters
    ----------
    var : :class:`~aesara.graph.basic.Variable`
        The variable being queried.
    roles : iterable of :class:`VariableRole` instances
    match_all : bool, optional
        If True, checks if the variable has all given roles; if False, any
        of them. Defaults to False.

    Returns
    -------
    bool

    Examples
    --------
    >>> from aesara import tensor
    >>> W = tensor.matrix()
    >>> add_role(W, WEIGHT)
    >>> has_roles(W, [PARAMETER])
    True

    """
    var_roles = getattr(var.tag, 'roles', [])
    matches = (any(isinstance(var_role, role.__class__)
                   for var_role in var_roles) for role in roles)
    return all(matches) if match_all else any(matches)


class VariableRole:
    """Base class for all variable roles."""
    def __eq__(self, other):
        return self.__class__ == other.__class__

    def __hash__(self):
        return hash(self.__class__)

    def __repr__(self):
        name = self.__class__.__name__
        if name.endswith('Role'):
            name = name[:-4]
        return ''.join('_' + char if char.isupper() and index else char
                       for index, char in enumerate(name)).upper()

    def __reduce__(self):
        # Roles are singletons in spirit: unpickle to the module constant.
        return (_role_by_class_name, (self.__class__.__name__,))


def _role_by_class_name(name):
    return _ROLE_INSTANCES[name]


class InputRole(VariableRole):
    pass


#: The input of a brick
INPUT = InputRole()


class OutputRole(VariableRole):
    pass


#: The output of a brick
OUTPUT = OutputRole()


class CostRole(VariableRole):
    pass


#: A scalar cost that can be used to train or regularize
COST = CostRole()


class PersistentRole(VariableRole):
    pass


#: Any variable whose value persists between function calls
PERSISTENT = PersistentRole()


class ParameterRole(PersistentRole):
    pass


#: A parameter of the model
PARAMETER = ParameterRole()


class AuxiliaryRole(VariableRole):
    pass


#: Variables added to the graph as annotations
AUXILIARY = AuxiliaryRole()


class WeightRole(ParameterRole):
    pass


#: The weight matrices of linear transformations
WEIGHT = WeightRole()


class BiasRole(ParameterRole):
    pass


#: Biases of linear transformations
BIAS = BiasRole()


class InitialStateRole(ParameterRole):
    pass


#: Initial state of a recurrent network
INITIAL_STATE = InitialStateRole()


class FilterRole(WeightRole):
    pass


#: The filters (kernels) of a convolution operation
FILTER = FilterRole()


class DropoutRole(VariableRole):
    pass


#: Inputs with applied dropout
DROPOUT = DropoutRole()


class CollectedRole(VariableRole):
    pass


#: The replacement of a variable collected into a single shared variable
COLLECTED = CollectedRole()


class CollectorRole(VariableRole):
    pass


#: A collection of parameters combined into a single shared variable
COLLECTOR = CollectorRole()


class AlgorithmStateRole(VariableRole):
    pass


#: Shared variables used by a training algorithm (e.g. momentum)
ALGORITHM_STATE = AlgorithmStateRole()


class AlgorithmHyperparameterRole(AlgorithmStateRole):
    pass


#: Hyperparameters of a training algorithm (e.g. a learning rate)
ALGORITHM_HYPERPARAMETER = AlgorithmHyperparameterRole()


class AlgorithmBufferRole(AlgorithmStateRole):
    pass


#: Buffers of a training algorithm (e.g. running averages of gradients)
ALGORITHM_BUFFER = AlgorithmBufferRole()


class BatchNormPopulationStatisticsRole(PersistentRole):
    pass


#: Population statistics kept by batch normalization
BATCH_NORM_POPULATION_STATISTICS = BatchNormPopulationStatisticsRole()


class BatchNormPopulationMeanRole(BatchNormPopulationStatisticsRole):
    pass


#: The population mean of a batch-normalized variable
BATCH_NORM_POPULATION_MEAN = BatchNormPopulationMeanRole()


class BatchNormPopulationStdevRole(BatchNormPopulationStatisticsRole):
    pass


#: The population standard deviation of a batch-normalized variable
BATCH_NORM_POPULATION_STDEV = BatchNormPopulationStdevRole()


class BatchNormGraphVariableRole(VariableRole):
    pass


#: A variable computed by batch normalization in the graph
BATCH_NORM_GRAPH_VARIABLE = BatchNormGraphVariableRole()


class BatchNormOffsetRole(BiasRole):
    pass


#: The learned offset (beta) of batch normalization
BATCH_NORM_OFFSET = BatchNormOffsetRole()


class BatchNormDivisorRole(BatchNormGraphVariableRole):
    pass


#: The divisor (standard deviation) computed by batch normalization
BATCH_NORM_DIVISOR = BatchNormDivisorRole()


class BatchNormMinibatchEstimateRole(BatchNormGraphVariableRole):
    pass


#: A statistic estimated on the current minibatch
BATCH_NORM_MINIBATCH_ESTIMATE = BatchNormMinibatchEstimateRole()


class BatchNormScaleParameterRole(ParameterRole):
    pass


#: The learned scale (gamma) of batch normalization
BATCH_NORM_SCALE_PARAMETER = BatchNormScaleParameterRole()


class BatchNormShiftParameterRole(BiasRole):
    pass


#: The learned shift of batch normalization
BATCH_NORM_SHIFT_PARAMETER = BatchNormShiftParameterRole()


class BatchNormScaledRole(BatchNormGraphVariableRole):
    pass


#: A normalized and scaled variable
BATCH_NORM_SCALED = BatchNormScaledRole()


_ROLE_INSTANCES = {role.__class__.__name__: role
                   for role in list(globals().values())
                   if isinstance(role, VariableRole)}
