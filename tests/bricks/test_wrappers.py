"""Tests of the brick wrappers (WithExtraDims)."""
import numpy
import pytest
import aesara
from aesara import tensor
from numpy.testing import assert_allclose

from blocks.bricks import Brick, application
from blocks.bricks.wrappers import BrickWrapper, WithExtraDims

FLOATX = aesara.config.floatX


class Shifter(Brick):
    """Adds a learned-free offset and returns the row sums too."""
    @application(inputs=['x', 'offset'], outputs=['shifted', 'row_sum'])
    def apply(self, x, offset):
        """Shift a matrix."""
        shifted = x + offset
        return shifted, shifted.sum(axis=1, keepdims=True)

    @application
    def double(self, x):
        return 2 * x


class ExtraDimsShifter(Shifter):
    decorators = [WithExtraDims()]


@pytest.fixture(scope='module')
def shifted():
    x = tensor.tensor3('x')
    offset = tensor.tensor3('offset')
    brick = ExtraDimsShifter()
    outputs = brick.apply(x, offset, extra_ndim=1) + [
        brick.double(x, extra_ndim=1), brick.double(x[0])]
    x_value = numpy.arange(24, dtype=FLOATX).reshape((2, 3, 4))
    offset_value = numpy.ones((2, 3, 4), dtype=FLOATX)
    values = aesara.function([x, offset], outputs)(x_value, offset_value)
    return brick, outputs, x_value, values


def test_extra_dims_values_and_shapes(shifted):
    brick, outputs, x_value, values = shifted
    shifted_value, row_sum, doubled, doubled_2d = values
    assert shifted_value.shape == (2, 3, 4)
    assert_allclose(shifted_value, x_value + 1)
    assert row_sum.shape == (2, 3, 1)
    assert_allclose(row_sum, (x_value + 1).sum(axis=2, keepdims=True))
    assert_allclose(doubled, 2 * x_value)
    assert_allclose(doubled_2d, 2 * x_value[0])
    assert [output.ndim for output in outputs] == [3, 3, 3, 2]


def test_wrapped_applications_keep_their_metadata(shifted):
    brick = shifted[0]
    assert brick.apply.inputs == ['x', 'offset']
    assert brick.apply.outputs == ['shifted', 'row_sum']
    assert 'extra_ndim' in ExtraDimsShifter.apply.__doc__
    assert ExtraDimsShifter.apply.__doc__.startswith('Shift a matrix.')
    assert shifted[1][0].name == 'extradimsshifter_apply_shifted'


def test_extra_ndim_must_be_a_non_negative_integer():
    brick = ExtraDimsShifter(name='shifter')
    with pytest.raises(ValueError, match=r"/shifter.double: extra_ndim must "
                                         r"be a non-negative integer, got "
                                         r"-1"):
        brick.double(tensor.matrix(), extra_ndim=-1)


def test_extra_ndim_needs_enough_dimensions():
    with pytest.raises(ValueError, match=r"/extradimsshifter.apply: "
                                         r"argument 'x' has 2 dimension\(s\), "
                                         r"but extra_ndim=2 needs more"):
        ExtraDimsShifter().apply(tensor.matrix(), tensor.matrix(),
                                 extra_ndim=2)


def test_brick_wrapper_must_implement_wrap():
    class Useless(BrickWrapper):
        pass

    with pytest.raises(NotImplementedError):
        class Wrapped(Shifter):
            decorators = [Useless()]
