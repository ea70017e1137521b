"""Tests of the utility helpers and containers."""
import sys
from collections import OrderedDict

import numpy
import pytest
import aesara
from aesara import tensor
from numpy.testing import assert_equal

from blocks.bricks import MLP, Tanh
from blocks.utils import (change_recursion_limit, check_aesara_variable,
                          dict_subset, dict_union, extract_args,
                          find_bricks, is_graph_input, is_shared_variable,
                          pack, put_hook, repr_attrs, reraise_as,
                          shared_floatx, shared_floatx_nans,
                          shared_floatx_zeros, shared_floatx_zeros_matching,
                          shared_like, unpack)
from blocks.utils.containers import AnnotatingList

FLOATX = aesara.config.floatX


def test_pack_and_unpack():
    assert pack((1, 2)) == [1, 2]
    assert pack([1]) == [1]
    assert pack(3) == [3]
    assert unpack([1]) == 1
    assert unpack((1, 2)) == [1, 2]
    assert unpack(3) == 3
    assert unpack([4], singleton=True) == 4
    with pytest.raises(ValueError, match=r"expected a singleton, got "
                                         r"\[1, 2\]"):
        unpack([1, 2], singleton=True)


def test_shared_variable_constructors():
    zeros = shared_floatx_zeros((2, 3), name='zeros')
    assert zeros.name == 'zeros' and zeros.dtype == FLOATX
    assert_equal(zeros.get_value(), numpy.zeros((2, 3)))
    assert numpy.isnan(shared_floatx_nans((2,)).get_value()).all()
    assert shared_floatx([1, 2], dtype='int32').dtype == 'int32'
    matching = shared_floatx_zeros_matching(shared_floatx(numpy.ones((2, 2))))
    assert_equal(matching.get_value(), numpy.zeros((2, 2)))
    like = shared_like(tensor.lmatrix('indices'))
    assert like.name == 'shared_indices'
    assert like.dtype == 'int64' and like.ndim == 2


def test_shared_floatx_copies_unless_borrowed():
    value = numpy.zeros(2, dtype=FLOATX)
    shared_floatx(value).get_value(borrow=True)[0] = 1
    assert value[0] == 0


def test_check_aesara_variable():
    check_aesara_variable(None, 2, 'float')
    check_aesara_variable(tensor.matrix(), 2, 'float')
    check_aesara_variable([[1, 2]], 2, 'int')
    with pytest.raises(ValueError, match=r"Wrong number of dimensions:"
                                         r"\s+expected 2, got 1"):
        check_aesara_variable(tensor.vector(), 2, 'float')
    with pytest.raises(ValueError, match=r"Wrong dtype prefix:\s+expected "
                                         r"starting with int, got float"):
        check_aesara_variable(tensor.vector(), 1, 'int')


def test_graph_input_and_shared_variable_predicates():
    x = tensor.vector('x')
    shared = shared_floatx(numpy.zeros(2))
    rng = aesara.shared(numpy.random.RandomState(1))
    assert is_graph_input(x)
    assert not is_graph_input(x + 1)
    assert not is_graph_input(shared)
    assert not is_graph_input(tensor.constant(1.))
    assert is_shared_variable(shared)
    assert not is_shared_variable(x)
    assert not is_shared_variable(rng)


def test_dict_subset():
    dictionary = {'a': 1, 'b': 2, 'c': 3}
    subset = dict_subset(dictionary, ['c', 'a'])
    assert isinstance(subset, OrderedDict) and list(subset.items()) == [
        ('c', 3), ('a', 1)]
    with pytest.raises(KeyError, match='d'):
        dict_subset(dictionary, ['d'])
    assert dict_subset(dictionary, ['d', 'b'], must_have=False) == {'b': 2}
    assert dict_subset(dictionary, ['a'], pop=True) == {'a': 1}
    assert dictionary == {'b': 2, 'c': 3}


def test_dict_union():
    union = dict_union(OrderedDict([('b', 1)]), {'a': 2}, c=3)
    assert isinstance(union, OrderedDict)
    assert list(union.items()) == [('b', 1), ('a', 2), ('c', 3)]
    assert type(dict_union({'a': 1})) is dict
    with pytest.raises(ValueError, match=r"The dictionaries share the keys: "
                                         r"\['a'\]"):
        dict_union({'a': 1}, {'a': 2})


def test_repr_attrs():
    class Thing:
        size = 3

    assert repr_attrs(Thing(), 'size').endswith(': size=3>')
    assert 'object at 0x' in repr_attrs(Thing())
    # Missing attributes fall back to the plain representation.
    assert repr_attrs(Thing(), 'missing').endswith('>')
    assert 'missing' not in repr_attrs(Thing(), 'missing')


def test_reraise_as_keeps_the_original_exception():
    with pytest.raises(ValueError) as error:
        try:
            {}['key']
        except KeyError:
            reraise_as(ValueError('lookup failed'))
    assert str(error.value).startswith('lookup failed')
    assert 'Original exception:\n\tKeyError' in str(error.value)
    assert isinstance(error.value.__cause__, KeyError)
    with pytest.raises(KeyError, match='context'):
        try:
            {}['key']
        except KeyError:
            reraise_as('context')


def test_change_recursion_limit():
    old_limit = sys.getrecursionlimit()
    with change_recursion_limit(old_limit + 100):
        assert sys.getrecursionlimit() == old_limit + 100
    assert sys.getrecursionlimit() == old_limit
    with change_recursion_limit(10):
        # Never lowered.
        assert sys.getrecursionlimit() == old_limit


def test_extract_args():
    assert extract_args(['a', 'b', 'c'], 1, c=3, b=2) == OrderedDict(
        [('a', 1), ('b', 2), ('c', 3)])
    with pytest.raises(KeyError, match=r"unexpected keyword argument 'd'"):
        extract_args(['a'], d=1)
    with pytest.raises(TypeError, match=r"argument 'a' given both "
                                        r"positionally and by keyword"):
        extract_args(['a'], 1, a=1)
    with pytest.raises(TypeError, match=r"got 2 positional arguments, "
                                        r"expected at most 1"):
        extract_args(['a'], 1, 2)
    with pytest.raises(ValueError, match=r"no value given for: \['b'\]"):
        extract_args(['a', 'b'], 1)


def test_put_hook_calls_the_hook_with_the_value():
    seen = []
    x = tensor.vector('x')
    hooked = put_hook(x * 2, seen.append)
    function = aesara.function([x], hooked)
    assert_equal(function([1., 2.]), [2., 4.])
    assert len(seen) == 1
    assert_equal(seen[0], [2., 4.])


def test_find_bricks():
    mlp = MLP([Tanh(), Tanh()], [2, 3, 4])
    assert find_bricks([mlp], lambda brick: isinstance(brick, Tanh)) == \
        mlp.children[1::2]
    everything = find_bricks([mlp, mlp.children[0]], lambda brick: True)
    assert everything == [mlp] + list(mlp.children)


def test_annotating_list():
    events = []

    class Recording(AnnotatingList):
        def _setitem(self, key, value):
            events.append(('set', key, value))

        def _delitem(self, key):
            events.append(('del', key))

    items = Recording([1, 2])
    items.append(3)
    items[0] = 4
    del items[1]
    items.insert(0, 5)
    assert list(items) == [5, 4, 3]
    assert items == [5, 4, 3] and items != [1]
    assert len(items) == 3 and repr(items) == '[5, 4, 3]'
    assert [event[0] for event in events] == ['set'] * 4 + ['del', 'set']


def test_helpers_live_in_the_modules_of_later_blocks():
    import blocks.utils.aesara_utils
    import blocks.utils.utils
    general_names = ['pack', 'unpack', 'dict_subset', 'dict_union',
                     'repr_attrs', 'reraise_as', 'extract_args',
                     'change_recursion_limit', 'print_sum', 'print_shape',
                     'ipdb_breakpoint', 'find_bricks']
    aesara_names = ['shared_floatx', 'shared_floatx_zeros',
                    'shared_floatx_zeros_matching', 'shared_floatx_nans',
                    'shared_like', 'check_aesara_variable', 'is_graph_input',
                    'is_shared_variable', 'put_hook']
    for module, names in [(blocks.utils.utils, general_names),
                          (blocks.utils.aesara_utils, aesara_names)]:
        for name in names:
            function = getattr(module, name)
            assert function.__module__ == module.__name__
            assert getattr(blocks.utils, name) is function
    assert sorted(blocks.utils.__all__) == sorted(general_names +
                                                  aesara_names)
