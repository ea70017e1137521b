"""Tests of the routing bricks: Parallel, Fork, Distribute and Merge."""
import pickle

import aesara
import numpy
import pytest
from aesara import tensor

from blocks.bricks import Linear
from blocks.bricks.parallel import Distribute, Fork, Merge, Parallel
from blocks.initialization import Constant

FLOATX = aesara.config.floatX


def test_dimensions_are_pushed_to_the_copies():
    parallel = Parallel(['x', 'y'], [2, 3], [4, 5], Linear(use_bias=False),
                        child_prefix='to')
    parallel.push_allocation_config()
    assert [child.name for child in parallel.children] == ['to_x', 'to_y']
    assert [(child.input_dim, child.output_dim)
            for child in parallel.children] == [(2, 4), (3, 5)]
    assert parallel.apply.inputs == parallel.apply.outputs == ['x', 'y']
    # The prototype is copied, never used itself.
    assert all(child is not parallel.prototype
               for child in parallel.children)

    fork = Fork(['gates', 'inputs'], input_dim=3, output_dims=[4, 2])
    fork.push_allocation_config()
    assert [(child.input_dim, child.output_dim)
            for child in fork.children] == [(3, 4), (3, 2)]
    assert fork.get_dim('input_') == 3 and fork.get_dim('gates') == 4
    assert fork.apply.outputs == ['gates', 'inputs']

    merge = Merge(['a', 'b'], [3, 4], output_dim=2)
    merge.push_allocation_config()
    assert [(child.input_dim, child.output_dim)
            for child in merge.children] == [(3, 2), (4, 2)]
    assert merge.get_dim('b') == 4 and merge.get_dim('output') == 2

    distribute = Distribute(['x', 'y'], 'z', target_dims=[2, 3],
                            source_dim=5)
    distribute.push_allocation_config()
    assert [(child.input_dim, child.output_dim)
            for child in distribute.children] == [(5, 2), (5, 3)]
    assert distribute.apply.inputs == ['x', 'y', 'z']
    assert distribute.get_dim('z') == 5 and distribute.get_dim('y') == 3


def test_dimensions_set_after_construction():
    fork = Fork(['a', 'b'], name='fork')
    with pytest.raises(ValueError, match=r"allocation config not set: "
                                         r"input_dim, output_dims \(brick "
                                         r"/fork"):
        fork.allocate()
    fork.input_dim = 2
    fork.output_dims = [1, 3]
    fork.allocate()
    assert [child.parameters[0].get_value().shape
            for child in fork.children] == [(2, 1), (2, 3)]


def test_values_and_names():
    x, y = tensor.matrix('x'), tensor.matrix('y')
    merge = Merge(['x', 'y'], [2, 2], 3, prototype=Linear(),
                  weights_init=Constant(1), biases_init=Constant(0.5))
    merge.initialize()
    output = merge.apply(x, y=y)
    assert output.name == 'merge_apply_output'
    fork = Fork(['p', 'q'], input_dim=2, output_dims=[1, 2],
                prototype=Linear(use_bias=False), weights_init=Constant(3))
    fork.initialize()
    p, q = fork.apply(x)
    assert (p.name, q.name) == ('fork_apply_p', 'fork_apply_q')
    function = aesara.function([x, y], [output, p, q])
    merged, p_value, q_value = function(
        numpy.ones((1, 2), FLOATX), 2 * numpy.ones((1, 2), FLOATX))
    # (1 + 1) + 0.5 + (2 + 2) + 0.5 in each of the 3 outputs.
    numpy.testing.assert_allclose(merged, [[7., 7., 7.]])
    numpy.testing.assert_allclose(p_value, [[6.]])
    numpy.testing.assert_allclose(q_value, [[6., 6.]])


def test_bad_arguments():
    with pytest.raises(TypeError, match=r"/parallel: prototype must be a "
                                        r"Feedforward brick"):
        Parallel(['x'], [1], [1], prototype=object())
    with pytest.raises(TypeError, match=r"input_names must be a list of "
                                        r"names, got the string 'xy'"):
        Parallel('xy', [1], [1], Linear())
    with pytest.raises(ValueError, match=r"input_names has duplicates"):
        Parallel(['x', 'x'], [1, 1], [1, 1], Linear())
    parallel = Parallel(['x', 'y'], [1], [1, 2], Linear(), name='p')
    with pytest.raises(ValueError, match=r"/p: input_dims must have one "
                                         r"dimension per name \(2 names: "
                                         r"\['x', 'y'\]\), got \[1\]"):
        parallel.allocate()
    with pytest.raises(ValueError, match="source_name 'x' is also a target"):
        Distribute(['x', 'y'], 'x', [1, 1], 1)
    merge = Merge(['a', 'b'], [1, 1], 1, name='merge')
    with pytest.raises(TypeError, match=r"/merge.apply: missing inputs "
                                        r"\['b'\]"):
        merge.apply(tensor.matrix())
    with pytest.raises(TypeError, match=r"/merge.apply: unexpected input "
                                        r"'c'"):
        merge.apply(a=tensor.matrix(), b=tensor.matrix(),
                    c=tensor.matrix())


def test_routing_bricks_pickle():
    fork = Fork(['a', 'b'], input_dim=2, output_dims=[1, 2],
                prototype=Linear(), weights_init=Constant(1),
                biases_init=Constant(0))
    fork.apply(tensor.matrix())
    copy = pickle.loads(pickle.dumps(fork))
    assert copy.apply.outputs == ['a', 'b']
    assert [child.name for child in copy.children] == ['transform_a',
                                                     'transform_b']
    merge = pickle.loads(pickle.dumps(Merge(['a'], [1], 1,
                                            prototype=Linear())))
    assert merge.apply.inputs == ['a']
