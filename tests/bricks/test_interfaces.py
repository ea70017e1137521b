"""Tests of the brick interfaces: input checks, Initializable, LinearLike,
Random and Activation."""
import pickle

import numpy
import pytest
import aesara
from aesara import tensor
from aesara.tensor.random.utils import RandomStream

from blocks.bricks import (Activation, Initializable, Linear, LinearLike,
                           MLP, Random, Tanh)
from blocks.bricks.interfaces import check_input
from blocks.bricks.lookup import LookupTable
from blocks.initialization import Constant, IsotropicGaussian

FLOATX = aesara.config.floatX


def test_check_input_number_of_dimensions():
    brick = Tanh(name='act')
    with pytest.raises(ValueError, match=r"/act.apply: argument 'x' must be "
                                         r"a 2-dimensional tensor, got .* "
                                         r"with 3 dimension\(s\)"):
        check_input(brick, 'x', tensor.tensor3(), ndim=2)
    with pytest.raises(ValueError, match=r"/act.apply: argument 'x' must "
                                         r"have at least 1 dimension"):
        check_input(brick, 'x', tensor.scalar(), min_ndim=1)
    check_input(brick, 'x', tensor.matrix(), ndim=2, min_ndim=1)


def test_check_input_dtype():
    with pytest.raises(TypeError, match=r"/tanh.cost: argument 'y' must be "
                                        r"integer or unsigned integer, got "
                                        r".* of dtype float"):
        check_input(Tanh(), 'y', tensor.vector(), dtype_kinds='iu',
                    application_name='cost')
    check_input(Tanh(), 'y', tensor.lvector(), dtype_kinds='iu')


def test_check_input_static_last_dimension():
    static = tensor.TensorType(FLOATX, shape=(None, 3))('x')
    with pytest.raises(ValueError, match=r"the last axis of x has length 3, "
                                         r"expected 5"):
        check_input(Tanh(), 'x', static, last_dim=5)
    # Unknown static lengths and non-variables are not checked.
    check_input(Tanh(), 'x', tensor.matrix(), last_dim=5)
    check_input(Tanh(), 'x', numpy.zeros(2), ndim=3)


def test_activation_must_define_its_function():
    class Unfinished(Activation):
        pass

    with pytest.raises(NotImplementedError):
        Unfinished().apply(tensor.vector())


def test_initializable_rng_is_seeded_and_reproducible():
    first = Linear(input_dim=3, output_dim=2, seed=5,
                   weights_init=IsotropicGaussian(), biases_init=Constant(0))
    second = Linear(input_dim=3, output_dim=2, seed=5,
                    weights_init=IsotropicGaussian(), biases_init=Constant(0))
    first.initialize()
    second.initialize()
    assert first.seed == 5
    numpy.testing.assert_equal(first.W.get_value(), second.W.get_value())
    third = Linear(input_dim=3, output_dim=2, seed=6,
                   weights_init=IsotropicGaussian(), biases_init=Constant(0))
    third.initialize()
    assert not numpy.allclose(first.W.get_value(), third.W.get_value())


def test_initializable_default_seed_and_explicit_rng():
    linear = Linear()
    assert isinstance(linear.seed, int)
    assert isinstance(linear.rng, numpy.random.RandomState)
    assert linear.rng is linear.rng
    rng = numpy.random.RandomState(1)
    assert Linear(rng=rng).rng is rng


def test_changing_the_seed_resets_the_rng():
    linear = Linear(seed=1)
    old_rng = linear.rng
    linear.seed = 2
    assert linear.rng is not old_rng


def test_initialization_config_is_pushed_to_children():
    mlp = MLP([Tanh(), Tanh()], [2, 3, 2], weights_init=Constant(2),
              biases_init=Constant(1), seed=3)
    mlp.push_initialization_config()
    for layer in mlp.linear_transformations:
        assert layer.rng is mlp.rng
        assert isinstance(layer.weights_init, Constant)
        assert isinstance(layer.biases_init, Constant)


def test_biases_on_a_brick_without_biases():
    with pytest.raises(ValueError, match=r"/table: this brick does not "
                                         r"support biases"):
        LookupTable(length=3, dim=2, biases_init=Constant(0), name='table')


def test_linear_like_without_bias():
    linear = Linear(input_dim=2, output_dim=3, use_bias=False,
                    weights_init=Constant(1))
    linear.initialize()
    assert linear.parameters == [linear.W]
    with pytest.raises(AttributeError, match=r"/linear: use_bias is False, "
                                             r"so there is no b"):
        linear.b
    assert issubclass(Linear, LinearLike) and issubclass(Linear, Initializable)


class Noisy(Random):
    """A brick that adds uniform noise."""
    def _allocate(self):
        pass


def test_random_stream_and_seed():
    brick = Noisy(aesara_seed=4)
    assert brick.aesara_seed == 4
    assert isinstance(brick.aesara_rng, RandomStream)
    assert brick.aesara_rng is brick.aesara_rng
    with pytest.raises(AttributeError, match=r"/noisy: cannot change "
                                             r"aesara_seed after"):
        brick.aesara_seed = 5
    assert isinstance(Noisy().aesara_seed, int)
    stream = RandomStream(1)
    other = Noisy()
    other.aesara_rng = stream
    assert other.aesara_rng is stream


def test_rng_mixin_follows_the_seed():
    from blocks.bricks import RNGMixin

    class Drawing(RNGMixin):
        pass

    first, second = Drawing(), Drawing()
    assert first.seed != second.seed
    first.seed = second.seed = 7
    assert first.rng.randint(1000) == second.rng.randint(1000)
    generator = first.rng
    first.seed = 7
    assert first.rng is generator
    first.seed = 8
    assert first.rng is not generator
    assert first.rng.randint(1000) == \
        numpy.random.RandomState(8).randint(1000)
    first.rng = numpy.random.RandomState(1)
    assert first.rng.randint(1000) == \
        numpy.random.RandomState(1).randint(1000)
    assert issubclass(Initializable, RNGMixin)


def test_activation_documentation_documents_only_what_is_undocumented():
    from blocks.bricks import ActivationDocumentation
    from blocks.bricks.base import application
    from blocks.bricks.interfaces import ActivationDocumentation as same
    assert same is ActivationDocumentation
    assert type(Activation) is ActivationDocumentation

    class Cube(Activation):
        @application(inputs=['input_'], outputs=['output'])
        def apply(self, input_):
            return input_ ** 3

    class Square(Activation):
        """Squares."""
        def activation(self, input_):
            return input_ ** 2

    assert Cube.__doc__ == 'Elementwise application of the cube function.'
    assert Cube.apply.__doc__.startswith(
        'Apply the cube function element-wise.')
    assert Square.__doc__ == 'Squares.'
    assert Tanh.__doc__ == 'Elementwise application of the tanh function.'
    x = tensor.vector('x')
    assert Cube(name='cube').apply(x).name == 'cube_apply_output'


def test_the_random_stream_of_a_brick_pickles():
    brick = Noisy(aesara_seed=3)
    first = brick.aesara_rng.normal(size=(2,))
    copy = pickle.loads(pickle.dumps(brick))
    # The copy goes on with the seed sequence where the original stands.
    after_copy = copy.aesara_rng.normal(size=(2,))
    after_original = brick.aesara_rng.normal(size=(2,))
    numpy.testing.assert_array_equal(after_copy.eval(),
                                     after_original.eval())
    assert not numpy.array_equal(after_copy.eval(), first.eval())
    assert len(copy.aesara_rng.updates()) == 2
