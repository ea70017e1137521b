import re
import shutil
import subprocess

import pytest
from aesara import tensor

from blocks.bricks import MLP, Softmax, Tanh
from blocks.bricks.cost import CategoricalCrossEntropy
from blocks.graph import ComputationGraph

needs_dot = pytest.mark.skipif(shutil.which('dot') is None,
                               reason="Graphviz's dot is not installed")


@pytest.fixture(scope='module')
def graph():
    mlp = MLP([Tanh(), Softmax()], [4, 3, 2])
    cost = CategoricalCrossEntropy().apply(
        tensor.lvector('targets'), mlp.apply(tensor.matrix('features')))
    cost.name = 'cost'
    return ComputationGraph(cost)


def clusters(dot):
    return re.findall(r'subgraph "cluster_([^"]+)"', dot)


def test_one_cluster_per_brick_with_roles(graph):
    dot = graph.to_dot()
    assert sorted(clusters(dot)) == [
        '/categoricalcrossentropy', '/mlp', '/mlp/linear_0',
        '/mlp/linear_1', '/mlp/softmax', '/mlp/tanh']
    for role in ('WEIGHT', 'BIAS', 'INPUT', 'OUTPUT', 'AUXILIARY'):
        assert '[{}]'.format(role) in dot
    # Collapsed: no operation boxes, edges name the operations instead.
    assert 'shape=box' not in dot
    assert 'label="Dot, Add"' in dot
    # The clusters are nested as the bricks are.
    mlp_start = dot.index('subgraph "cluster_/mlp" {')
    assert mlp_start < dot.index('subgraph "cluster_/mlp/tanh"')


def test_expanded_graph_shows_every_operation(graph):
    collapsed = graph.to_dot()
    expanded = graph.to_dot(collapse=False)
    assert 'shape=box' in expanded and 'label="Dot"' in expanded
    assert expanded.count(' -> ') > collapsed.count(' -> ')
    assert sorted(clusters(expanded)) == sorted(clusters(collapsed))


@needs_dot
@pytest.mark.parametrize('collapse', [True, False])
def test_dot_parses(graph, collapse):
    result = subprocess.run(['dot', '-Tcanon'], input=graph.to_dot(collapse),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ''
    assert len(clusters(result.stdout)) == 6


@needs_dot
def test_draw(graph, tmp_path):
    graph.draw(tmp_path / 'graph.svg')
    svg = (tmp_path / 'graph.svg').read_text()
    assert '<svg' in svg and '/mlp/linear_0 (Linear)' in svg
    graph.draw(str(tmp_path / 'graph.png'))
    assert (tmp_path / 'graph.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        'graph.png', 'graph.svg']


def test_draw_errors(graph, tmp_path, monkeypatch):
    with pytest.raises(ValueError, match=r"must end with \.svg, \.png or "
                       r"\.pdf, got '.*graph\.gif'"):
        graph.draw(tmp_path / 'graph.gif')
    monkeypatch.setenv('PATH', str(tmp_path))
    with pytest.raises(RuntimeError, match="Graphviz's `dot` program is not "
                       "on the PATH"):
        graph.draw(tmp_path / 'graph.svg')
