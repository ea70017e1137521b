"""Tests of variable roles and their hierarchy."""
import pickle

import pytest
from aesara import tensor

from blocks import roles
from blocks.roles import (AUXILIARY, BATCH_NORM_OFFSET,
                          BATCH_NORM_POPULATION_MEAN, BIAS, COST, FILTER,
                          INPUT, OUTPUT, PARAMETER, PERSISTENT, WEIGHT,
                          VariableRole, add_role, has_roles)


def test_parameter_finds_weights_and_biases():
    W, b, f, offset, x = (tensor.matrix(), tensor.vector(), tensor.tensor4(),
                          tensor.vector(), tensor.matrix())
    for var, role in [(W, WEIGHT), (b, BIAS), (f, FILTER),
                      (offset, BATCH_NORM_OFFSET), (x, INPUT)]:
        add_role(var, role)
    assert [has_roles(var, [PARAMETER]) for var in [W, b, f, offset, x]] == [
        True, True, True, True, False]
    assert has_roles(f, [WEIGHT]) and has_roles(W, [PERSISTENT])
    assert has_roles(offset, [BIAS])
    assert not has_roles(W, [BIAS]) and not has_roles(W, [FILTER])


def test_add_role_keeps_the_most_specific_role():
    W = tensor.matrix()
    add_role(W, PARAMETER)
    assert W.tag.roles == [PARAMETER]
    add_role(W, WEIGHT)
    assert W.tag.roles == [WEIGHT]
    add_role(W, PARAMETER)
    assert W.tag.roles == [WEIGHT]
    add_role(W, AUXILIARY)
    assert W.tag.roles == [WEIGHT, AUXILIARY]
    add_role(W, AUXILIARY)
    assert W.tag.roles == [WEIGHT, AUXILIARY]


def test_has_roles_any_or_all():
    var = tensor.vector()
    add_role(var, OUTPUT)
    add_role(var, COST)
    assert has_roles(var, [INPUT, COST])
    assert not has_roles(var, [INPUT, COST], match_all=True)
    assert has_roles(var, [OUTPUT, COST], match_all=True)
    assert not has_roles(tensor.vector(), [INPUT])


def test_add_role_rejects_non_roles():
    with pytest.raises(TypeError, match=r"add_role: expected a VariableRole "
                                        r"instance \(e.g. blocks.roles.WEIGHT"
                                        r"\), got 'weight'"):
        add_role(tensor.vector(), 'weight')


def test_role_names_equality_and_hashing():
    assert repr(WEIGHT) == 'WEIGHT'
    assert str(BATCH_NORM_POPULATION_MEAN) == 'BATCH_NORM_POPULATION_MEAN'
    assert roles.WeightRole() == WEIGHT and WEIGHT != BIAS
    assert len({WEIGHT, roles.WeightRole(), BIAS}) == 2
    assert isinstance(roles.ALGORITHM_BUFFER, VariableRole)


def test_roles_unpickle_to_the_module_constants():
    for role in [WEIGHT, BIAS, AUXILIARY, roles.COLLECTOR]:
        assert pickle.loads(pickle.dumps(role)) is role
    var = tensor.vector()
    add_role(var, WEIGHT)
    assert pickle.loads(pickle.dumps(var)).tag.roles[0] is WEIGHT
