"""Tests of the brick machinery: life-cycle, applications, lazy
configuration, annotations and paths."""
import numpy
import pytest
from aesara import tensor

from blocks.bricks import Linear, Logistic, MLP, Tanh
from blocks.bricks.base import (application, Application, ApplicationCall,
                                BoundApplication, Brick, lazy,
                                NoneAllocation, NoneInitialization)
from blocks.filter import (get_application_call, get_brick,
                           VariableFilter)
from blocks.graph import ComputationGraph
from blocks.initialization import Constant, IsotropicGaussian
from blocks.roles import AUXILIARY, COST, INPUT, OUTPUT, has_roles
from blocks.utils import shared_floatx_nans


class TestBrick(Brick):
    """A brick with a parameter, an auxiliary variable and two
    applications."""
    __test__ = False

    @lazy(allocation=['dim'])
    def __init__(self, dim, **kwargs):
        super().__init__(**kwargs)
        self.dim = dim

    def _allocate(self):
        W = shared_floatx_nans((self.dim, self.dim), name='W')
        self.parameters.append(W)
        self.add_auxiliary_variable(W.mean(), name='mean_W')

    @application(inputs=['x'], outputs=['y'])
    def apply(self, x, application_call):
        application_call.add_auxiliary_variable(x - 1, name='x_minus_1')
        application_call.add_auxiliary_variable(x.mean(), roles=[COST],
                                                name='mean_x')
        return x + 1

    @application(outputs=['first', 'second'])
    def split(self, x):
        return x + 1, x + 2


class Parent(Brick):
    """Applies its child; or, with ``foreign``, a brick it does not own."""
    def __init__(self, child, foreign=None, **kwargs):
        super().__init__(children=[child], **kwargs)
        self.child = child
        self.foreign = foreign

    @application
    def apply(self, x):
        if self.foreign is not None:
            return self.foreign.apply(x)
        return self.child.apply(x)


def sigmoid_mlp(**kwargs):
    return MLP(activations=[Logistic(name='sigmoid_0'),
                            Logistic(name='sigmoid_1')], dims=[4, 3, 2],
               **kwargs)


# Life-cycle

def test_parameters_do_not_exist_before_allocation():
    linear = Linear(input_dim=3, output_dim=2)
    assert not linear.allocated
    with pytest.raises(AttributeError,
                       match="'Linear' object has no attribute 'parameters'"):
        linear.parameters


def test_allocate_creates_nan_parameters():
    linear = Linear(input_dim=3, output_dim=2)
    linear.allocate()
    assert linear.allocated and not linear.initialized
    W, b = linear.parameters
    assert W.get_value().shape == (3, 2)
    assert b.get_value().shape == (2,)
    assert numpy.isnan(W.get_value()).all()
    assert numpy.isnan(b.get_value()).all()


def test_apply_allocates_and_initialize_sets_values():
    linear = Linear(input_dim=3, output_dim=2, weights_init=Constant(2),
                    biases_init=Constant(0.5))
    linear.apply(tensor.matrix())
    assert linear.allocated
    linear.initialize()
    assert linear.initialized
    numpy.testing.assert_equal(linear.W.get_value(), numpy.full((3, 2), 2.))
    numpy.testing.assert_equal(linear.b.get_value(), [0.5, 0.5])


def test_initialize_allocates_if_needed():
    linear = Linear(input_dim=2, output_dim=2, weights_init=Constant(1),
                    biases_init=Constant(0))
    linear.initialize()
    assert linear.allocated
    numpy.testing.assert_equal(linear.W.get_value(), numpy.ones((2, 2)))


def test_reallocation_creates_fresh_parameters():
    linear = Linear(input_dim=2, output_dim=2)
    linear.allocate()
    old_W = linear.W
    linear.allocate()
    assert linear.W is not old_W
    assert len(linear.parameters) == 2


def test_children_names():
    mlp = sigmoid_mlp()
    assert [child.name for child in mlp.children] == [
        'linear_0', 'sigmoid_0', 'linear_1', 'sigmoid_1']
    assert all(child.parents == [mlp] for child in mlp.children)


def test_push_allocation_config_configures_children():
    mlp = sigmoid_mlp()
    assert mlp.children[0].input_dim is NoneAllocation
    mlp.push_allocation_config()
    assert mlp.allocation_config_pushed
    assert (mlp.children[0].input_dim, mlp.children[0].output_dim) == (4, 3)
    assert (mlp.children[2].input_dim, mlp.children[2].output_dim) == (3, 2)


def test_push_initialization_config_then_override_a_child():
    mlp = sigmoid_mlp(weights_init=IsotropicGaussian(),
                      biases_init=Constant(0.01))
    mlp.push_initialization_config()
    mlp.children[0].weights_init = Constant(0.01)
    mlp.initialize()
    numpy.testing.assert_equal(mlp.children[0].parameters[0].get_value(),
                               numpy.full((4, 3), 0.01))
    second_W = mlp.children[2].parameters[0].get_value()
    assert second_W.shape == (3, 2)
    assert not numpy.allclose(second_W, 0.01)
    numpy.testing.assert_equal(mlp.children[2].parameters[1].get_value(),
                               [0.01, 0.01])


def test_initialize_pushes_parent_config_by_default():
    mlp = sigmoid_mlp(weights_init=Constant(3), biases_init=Constant(1))
    mlp.children[0].weights_init = Constant(0.01)
    mlp.initialize()
    # Without an explicit push the parent's configuration wins.
    numpy.testing.assert_equal(mlp.children[0].parameters[0].get_value(),
                               numpy.full((4, 3), 3.))


# Lazy configuration

def test_lazy_arguments_default_to_placeholders():
    linear = Linear(output_dim=10)
    assert linear.input_dim is NoneAllocation
    assert str(linear.input_dim) == 'NoneAllocation'
    assert not linear.input_dim
    assert linear.output_dim == 10


def test_missing_allocation_config_is_an_error():
    linear = Linear(output_dim=10, name='lonely')
    with pytest.raises(ValueError,
                       match=r"allocation config not set: input_dim "
                             r"\(brick /lonely: set lonely.input_dim"):
        linear.apply(tensor.matrix())
    linear.input_dim = 5
    assert linear.apply(tensor.matrix()).name == 'lonely_apply_output'


def test_missing_allocation_config_names_the_path():
    layer = Linear(output_dim=2, name='inner')
    parent = Parent(layer, name='outer')
    with pytest.raises(ValueError, match='brick /outer/inner'):
        parent.allocate()


def test_lazy_decorator_positional_and_keyword_arguments():
    class Configured(Brick):
        @lazy(allocation=['a'], initialization=['b'])
        def __init__(self, a, b, c='c', **kwargs):
            super().__init__(**kwargs)
            self.a, self.b, self.c = a, b, c

    brick = Configured('a')
    assert (brick.a, brick.b, brick.c) == ('a', NoneInitialization, 'c')
    brick = Configured(b='b', name='named')
    assert (brick.a, brick.b, brick.name) == (NoneAllocation, 'b', 'named')


def test_lazy_decorator_rejects_unknown_arguments():
    with pytest.raises(ValueError, match=r"lazy: \['missing'\] are not "
                                         r"arguments of"):
        lazy(allocation=['missing'])(Brick.__init__)


def test_missing_initialization_config_is_an_error():
    class Scaled(Brick):
        @lazy(initialization=['scale'])
        def __init__(self, scale, **kwargs):
            super().__init__(**kwargs)
            self.scale = scale

    with pytest.raises(ValueError, match=r"initialization config not set: "
                                         r"scale \(brick /scaled"):
        Scaled().initialize()


def test_initialize_without_weights_init():
    linear = Linear(input_dim=2, output_dim=2, biases_init=Constant(0))
    with pytest.raises(ValueError,
                       match=r"initialization config not set: weights_init "
                             r"\(brick /linear"):
        linear.initialize()


# Applications

def test_application_names_tags_and_copies_variables():
    brick = TestBrick(2)
    x = tensor.vector('x')
    y = brick.apply(x)
    assert y.name == 'testbrick_apply_y'
    assert y.tag.name == 'y'
    assert has_roles(y, [OUTPUT])
    assert get_brick(y) is brick
    call = get_application_call(y)
    assert isinstance(call, ApplicationCall)
    assert call.application.application is TestBrick.apply
    # The input was copied and tagged; the user's variable is untouched.
    copied_input, = VariableFilter(roles=[INPUT])(ComputationGraph(y))
    assert copied_input is not x
    assert copied_input.name == 'testbrick_apply_x'
    assert has_roles(copied_input, [INPUT])
    assert not hasattr(x.tag, 'roles')
    assert x.name == 'x'


def test_application_attributes():
    brick = TestBrick(2)
    assert isinstance(TestBrick.apply, Application)
    assert isinstance(brick.apply, BoundApplication)
    assert brick.apply is brick.apply
    assert TestBrick.apply.inputs == ['x']
    assert brick.apply.outputs == ['y']
    assert brick.apply.name == 'apply'
    assert brick.split.inputs == ['x']
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        brick.apply.nothing


def test_application_with_several_outputs():
    first, second = TestBrick(2).split(tensor.vector())
    assert (first.name, second.name) == ('testbrick_split_first',
                                         'testbrick_split_second')


def test_application_declaring_wrong_number_of_outputs():
    class Liar(Brick):
        @application(outputs=['a', 'b'])
        def apply(self, x):
            return x

    with pytest.raises(ValueError, match=r"/liar.apply declares the outputs "
                                         r"\['a', 'b'\] but returned 1"):
        Liar().apply(tensor.vector())


def test_application_with_wrong_arguments():
    with pytest.raises(TypeError, match=r"/testbrick.apply: .*; the "
                                        r"signature is apply\(self, x\)"):
        TestBrick(2).apply(tensor.vector(), tensor.vector())


def test_declared_inputs_must_be_arguments():
    with pytest.raises(ValueError, match=r"declared inputs \['y'\] are not "
                                         r"arguments of the function"):
        class Wrong(Brick):
            @application(inputs=['y'])
            def apply(self, x):
                return x


def test_application_decorator_misuse():
    with pytest.raises(TypeError, match='use either @application or'):
        application(lambda self: None, lambda self: None)


def test_application_property_and_delegate():
    class Foo(Brick):
        @application(outputs=['baz'])
        def apply(self, x):
            return x + 1

        @apply.property('inputs')
        def apply_inputs(self):
            return ['foo', 'bar']

    class Bar(Brick):
        def __init__(self, foo, **kwargs):
            super().__init__(**kwargs)
            self.foo = foo

        @application(outputs=['foo'])
        def apply(self, x):
            return x + 1

        @apply.delegate
        def apply_delegate(self):
            return self.foo.apply

    foo = Foo()
    bar = Bar(foo)
    assert foo.apply.inputs == ['foo', 'bar']
    assert bar.apply.outputs == ['foo']
    assert bar.apply.inputs == ['foo', 'bar']
    with pytest.raises(TypeError, match='expected the property'):
        Foo.apply.property(3)


def test_auxiliary_variables_of_bricks_and_application_calls():
    x = tensor.vector('x')
    brick = TestBrick(2)
    y = brick.apply(x)
    cg = ComputationGraph([y])
    auxiliary = VariableFilter(roles=[AUXILIARY])(cg.variables)
    assert sorted(var.name for var in auxiliary) == [
        'mean_W', 'mean_x', 'x_minus_1']
    assert [var.name for var in VariableFilter(roles=[COST])(cg)] == [
        'mean_x']
    assert all(get_brick(var) is brick for var in auxiliary)


def test_applying_a_brick_that_is_not_a_child():
    parent = Parent(Tanh(name='own'), foreign=Tanh(name='stranger'),
                    name='parent')
    with pytest.raises(ValueError,
                       match=r"brick /stranger is not a child of /parent"):
        parent.apply(tensor.vector())
    # The failed call leaves nothing on the call stack.
    assert Application.call_stack == []


def test_applying_a_child():
    parent = Parent(Tanh(name='own'))
    assert parent.apply(tensor.vector()).name == 'parent_apply_output'


# Children, names and paths

def test_children_must_be_bricks():
    with pytest.raises(TypeError,
                       match=r"/parent: children must be bricks, got 3"):
        Brick(name='parent', children=[3])


def test_removing_and_replacing_children_updates_parents():
    child, other = Tanh(), Tanh()
    parent = Brick(children=[child])
    assert child.parents == [parent]
    del parent.children[0]
    assert child.parents == []
    parent.children = [child]
    parent.children = [other]
    assert child.parents == [] and other.parents == [parent]


def test_brick_name_must_be_a_string():
    with pytest.raises(TypeError, match=r"Tanh: name must be a str, got 3"):
        Tanh(name=3)


def test_paths_and_hierarchical_names():
    mlp = sigmoid_mlp()
    mlp.allocate()
    layer = mlp.children[2]
    assert layer.get_unique_path() == [mlp, layer]
    assert layer.get_path() == '/mlp/linear_1'
    assert layer.path_or_name() == '/mlp/linear_1'
    assert layer.get_hierarchical_name(layer.W) == '/mlp/linear_1.W'
    assert layer.get_hierarchical_name(layer.W, delimiter='-') == \
        '-mlp-linear_1.W'


def test_path_of_a_brick_with_two_parents_is_ambiguous():
    shared = Tanh(name='shared')
    Brick(name='first', children=[shared])
    Brick(name='second', children=[shared])
    with pytest.raises(ValueError, match=r"brick 'shared' has several "
                                         r"parents \(first, second\)"):
        shared.get_unique_path()
    assert shared.path_or_name() == '/shared'


def test_get_dim_without_information():
    with pytest.raises(ValueError, match=r"/tanh: no dimension information "
                                         r"for 'input_'"):
        Tanh().get_dim('input_')
    linear = Linear(input_dim=3, output_dim=2)
    assert linear.get_dims(['input_', 'output']) == [3, 2]


def test_repr_shows_name():
    assert 'name=linear' in repr(Linear())


def test_lazy_none_is_the_class_of_the_placeholders():
    import pickle
    from blocks.bricks.base import LazyNone
    assert isinstance(NoneAllocation, LazyNone)
    assert isinstance(NoneInitialization, LazyNone)
    assert not LazyNone('Unset') and repr(LazyNone('Unset')) == 'Unset'
    assert pickle.loads(pickle.dumps(NoneAllocation)) is NoneAllocation


def test_copy_and_tag_names_annotates_and_gives_the_role():
    from blocks.bricks.base import copy_and_tag
    brick = TestBrick(3, name='test')
    x = tensor.vector('x')
    x.tag.roles = [COST]
    call = ApplicationCall(brick.apply)
    copy = copy_and_tag(x, brick, call, INPUT, 'apply', 'x')
    assert copy is not x and copy.name == 'test_apply_x'
    assert copy.tag.name == 'x'
    assert copy.tag.annotations == [brick, call]
    assert has_roles(copy, [INPUT])
    # The original's tag is left alone.
    assert x.tag.roles == [COST]
    assert not getattr(x.tag, 'annotations', [])
    applied = brick.apply(x)
    [tagged_input] = VariableFilter(roles=[INPUT])(
        ComputationGraph(applied).variables)
    assert tagged_input.name == copy.name


# Call options and injected arguments

class TwoOutputs(Brick):
    """Undeclared outputs; asks for its application and its call."""
    @application
    def apply(self, x, application, application_call):
        application_call.metadata['seen'] = application
        return x + 1, x - 1

    @application(outputs=['only'])
    def single(self, x):
        return x * 2


def test_undeclared_outputs_get_distinct_names():
    brick = TwoOutputs(name='two')
    plus, minus = brick.apply(tensor.vector('x'))
    assert [plus.name, minus.name] == ['two_apply_output_0',
                                      'two_apply_output_1']
    assert [plus.tag.name, minus.tag.name] == ['output_0', 'output_1']


def test_application_argument_is_injected_and_not_an_input():
    brick = TwoOutputs()
    assert brick.apply.inputs == ['x']
    plus, _ = brick.apply(tensor.vector('x'))
    call = get_application_call(plus)
    assert call.metadata['seen'] is brick.apply
    assert isinstance(call.metadata['seen'], BoundApplication)
    with pytest.raises(TypeError, match='apply'):
        brick.apply(tensor.vector(), application=None)


def test_as_dict_and_as_list():
    brick = TwoOutputs()
    x = tensor.vector('x')
    outputs = brick.apply(x, as_dict=True)
    assert list(outputs) == ['output_0', 'output_1']
    assert outputs['output_1'].tag.name == 'output_1'
    single = brick.single(x, as_list=True)
    assert isinstance(single, list) and len(single) == 1
    assert single[0].tag.name == 'only'
    assert list(brick.single(x, as_dict=True)) == ['only']
    with pytest.raises(ValueError, match=r"/twooutputs.single: as_dict and "
                                         r"as_list are exclusive"):
        brick.single(x, as_dict=True, as_list=True)


def test_call_id_selects_the_variables_of_one_call():
    brick = TwoOutputs()
    x = tensor.vector('x')
    first = brick.single(x, call_id='first')
    second = brick.single(first, call_id='second')
    cg = ComputationGraph(second)
    assert get_application_call(first).metadata['call_id'] == 'first'
    selected = VariableFilter(call_id='first')(cg)
    assert {var.name for var in selected} == {'twooutputs_single_x',
                                              'twooutputs_single_only'}
    assert all(get_application_call(var).metadata['call_id'] == 'first'
               for var in selected)
    assert VariableFilter(call_id='second', roles=[OUTPUT])(cg) == [second]
