"""Tests of brick paths and selectors."""
import pickle
from collections import OrderedDict

import pytest

from blocks.bricks import Brick, Linear, MLP, Tanh
from blocks.select import Path, Selector


@pytest.fixture
def mlp():
    mlp = MLP([Tanh(), Tanh(), Tanh()], [5, 7, 11, 2])
    mlp.allocate()
    return mlp


def test_path_parse_and_str():
    path = Path.parse('/mlp/linear_0.W')
    assert path.nodes == ('mlp', 'linear_0', 'W')
    assert [type(node) for node in path.nodes] == [
        Path.BrickName, Path.BrickName, Path.ParameterName]
    assert str(path) == '/mlp/linear_0.W'
    assert str(Path.parse('/mlp')) == '/mlp'
    assert str(Path.parse('.W')) == '.W'
    assert Path.separator == '/' and Path.parameter_separator == '.'


def test_path_addition_equality_and_hashing():
    joined = Path.parse('/mlp') + Path.parse('/linear_0.W')
    assert joined == Path.parse('/mlp/linear_0.W')
    assert hash(joined) == hash(Path.parse('/mlp/linear_0.W'))
    assert Path.parse('/mlp/W') != Path.parse('/mlp.W')
    assert Path(['mlp', Path.ParameterName('W')]) == Path.parse('/mlp.W')
    assert len({joined, Path.parse('/mlp/linear_0.W')}) == 1
    assert pickle.loads(pickle.dumps(joined)) == joined


@pytest.mark.parametrize('string, message', [
    ('mlp/linear_0', r"Path.parse: 'mlp/linear_0' must start with '/'"),
    ('/mlp//linear_0', r"'/mlp//linear_0' has an empty name after "
                       r"separator 2"),
    ('/mlp.W/linear_0', r"in '/mlp.W/linear_0' the parameter name 'W' is "
                        r"followed by more names"),
])
def test_path_parse_errors(string, message):
    with pytest.raises(ValueError, match=message):
        Path.parse(string)


def test_path_construction_errors():
    with pytest.raises(ValueError, match=r"a parameter name can only be the "
                                         r"last node, got parameter 'W' at "
                                         r"position 0 of 2"):
        Path([Path.ParameterName('W'), 'mlp'])
    with pytest.raises(TypeError, match=r"Path: nodes must be a list or a "
                                        r"tuple of names, got 'mlp'"):
        Path('mlp')
    with pytest.raises(TypeError, match=r"Path.parse: expected a str"):
        Path.parse(3)


def test_select_bricks(mlp):
    selector = Selector([mlp])
    assert selector.select('/mlp').bricks == [mlp]
    layer = mlp.linear_transformations[1]
    assert selector.select('/mlp/linear_1').bricks == [layer]
    assert selector.select(Path.parse('/mlp/linear_1')).bricks == [layer]
    # Children sharing a name are all selected.
    assert selector.select('/mlp/tanh').bricks == mlp.children[1::2]
    assert Selector(mlp).bricks == [mlp]
    assert repr(selector.select('/mlp/linear_1')) == \
        'Selector([/mlp/linear_1])'


def test_select_parameters(mlp):
    layer = mlp.linear_transformations[0]
    assert Selector([mlp]).select('/mlp/linear_0.W') == [layer.W]
    assert Selector([mlp]).select('/mlp/linear_0').select(
        '/linear_0.b') == [layer.b]
    # Only parameters owned by the bricks the path names are selected.
    with pytest.raises(ValueError, match=r"no parameter 'W' in /mlp; its "
                                         r"parameters are none"):
        Selector([mlp]).select('/mlp.W')


def test_select_a_path_that_matches_nothing(mlp):
    selector = Selector([mlp])
    with pytest.raises(ValueError, match=r"no brick 'linear_9' under /mlp; "
                                         r"its children are linear_0, tanh, "
                                         r"linear_1, tanh, linear_2, tanh "
                                         r"\(selecting /mlp/linear_9\)"):
        selector.select('/mlp/linear_9')
    with pytest.raises(ValueError, match=r"no brick 'net' among the selected "
                                         r"bricks; they are mlp"):
        selector.select('/net/linear_0')
    with pytest.raises(ValueError, match=r"no brick 'x' under /mlp/linear_0; "
                                         r"its children are none"):
        selector.select('/mlp/linear_0/x')
    with pytest.raises(ValueError, match=r"no parameter 'V' in "
                                         r"/mlp/linear_0; its parameters are "
                                         r"W, b"):
        selector.select('/mlp/linear_0.V')
    with pytest.raises(ValueError, match=r"the path .W names a parameter but "
                                         r"no brick"):
        selector.select('.W')
    with pytest.raises(TypeError, match=r"path must be a Path or a str"):
        selector.select(['mlp'])


def test_get_parameters(mlp):
    parameters = Selector([mlp]).get_parameters()
    assert isinstance(parameters, OrderedDict)
    assert list(parameters) == [
        '/mlp/linear_0.W', '/mlp/linear_0.b', '/mlp/linear_1.W',
        '/mlp/linear_1.b', '/mlp/linear_2.W', '/mlp/linear_2.b']
    layers = mlp.linear_transformations
    assert list(parameters.values()) == [
        param for layer in layers for param in layer.parameters]
    weights = Selector([mlp]).get_parameters('W')
    assert weights == OrderedDict(
        ('/mlp/linear_{}.W'.format(index), layer.W)
        for index, layer in enumerate(layers))


def test_get_parameters_of_a_sub_selection(mlp):
    parameters = Selector([mlp]).select('/mlp/linear_2').get_parameters()
    assert list(parameters) == ['/mlp/linear_2.W', '/mlp/linear_2.b']
    # The keys select the parameters again.
    for key, param in Selector([mlp]).get_parameters().items():
        assert Selector([mlp]).select(key) == [param]


def test_get_parameters_errors(mlp):
    with pytest.raises(ValueError, match=r"brick /linear is not allocated, so "
                                         r"it has no parameters yet"):
        Selector([Linear(input_dim=2, output_dim=2)]).get_parameters()
    first, second = Linear(name='layer'), Linear(name='layer')
    parent = Brick(name='parent', children=[first, second])
    parent.parameters = []
    for child in (first, second):
        child.input_dim = child.output_dim = 2
        child.allocate()
    with pytest.raises(ValueError, match=r"two different parameters are named "
                                         r"/parent/layer.W"):
        Selector([parent]).get_parameters()
    with pytest.raises(TypeError, match=r"Selector: bricks must be Brick "
                                        r"instances, got 'mlp' \(str\)"):
        Selector(['mlp'])
