import pickle

import numpy
import pytest
import aesara
from numpy.testing import assert_allclose, assert_equal

from blocks.initialization import (Constant, Identity, IsotropicGaussian,
                                   NdarrayInitialization, Orthogonal, Sparse,
                                   SparseND, Uniform)
from blocks.utils import shared_floatx_nans

FLOATX = aesara.config.floatX

SCHEMES = [
    Constant(1.5),
    IsotropicGaussian(0.5, mean=1),
    Uniform(mean=-1, width=4),
    Uniform(std=2),
    Identity(3),
    Orthogonal(2),
    Sparse(2, IsotropicGaussian()),
    Sparse(0.5, Uniform(width=1), sparse_init=Constant(-1)),
    SparseND(1, 2, IsotropicGaussian()),
]


def rng(seed=1):
    return numpy.random.RandomState(seed)


@pytest.mark.parametrize('scheme', SCHEMES, ids=repr)
def test_shape_dtype_and_determinism(scheme):
    first = scheme.generate(rng(), (4, 5))
    second = scheme.generate(rng(), (4, 5))
    assert first.shape == (4, 5)
    assert first.dtype == FLOATX
    assert_equal(first, second)


@pytest.mark.parametrize('scheme', SCHEMES, ids=repr)
def test_pickling(scheme):
    unpickled = pickle.loads(pickle.dumps(scheme))
    assert type(unpickled) is type(scheme)
    assert repr(unpickled) == repr(scheme)
    assert_equal(unpickled.generate(rng(), (4, 5)),
                 scheme.generate(rng(), (4, 5)))


def test_random_schemes_depend_on_seed():
    for scheme in [IsotropicGaussian(), Uniform(width=1), Orthogonal(),
                   Sparse(2, Constant(1))]:
        assert not numpy.array_equal(scheme.generate(rng(1), (4, 5)),
                                     scheme.generate(rng(2), (4, 5)))


def test_repr_shows_configuration():
    assert repr(Constant([1, 2])) == 'Constant(constant=[1, 2])'
    assert repr(IsotropicGaussian(0.1, 2)) == \
        'IsotropicGaussian(std=0.1, mean=2)'
    assert repr(Uniform(std=0.5)) == 'Uniform(mean=0.0, std=0.5)'
    assert repr(Uniform(1, width=3)) == 'Uniform(mean=1, width=3)'
    assert repr(Identity(2)) == 'Identity(mult=2)'
    assert repr(Orthogonal(0.5)) == 'Orthogonal(scale=0.5)'
    assert repr(Sparse(3, Constant(1))) == (
        'Sparse(num_init=3, weights_init=Constant(constant=1), '
        'sparse_init=Constant(constant=0.0))')
    assert repr(SparseND((0, 2), 0.5, Identity())).startswith(
        'SparseND(axis=(0, 2), num_init=0.5, weights_init=Identity(mult=1)')


def test_initialize_sets_value_of_variable_shape():
    variable = shared_floatx_nans((2, 3))
    IsotropicGaussian(2).initialize(variable, rng())
    assert_equal(variable.get_value(),
                 IsotropicGaussian(2).generate(rng(), (2, 3)))


def test_initialize_with_explicit_shape():
    variable = shared_floatx_nans((2, 3))
    Constant(4).initialize(variable, rng(), shape=(1, 2))
    assert_equal(variable.get_value(), [[4, 4]])


def test_initialize_casts_to_variable_dtype():
    variable = aesara.shared(numpy.zeros((2, 2), dtype='int32'))
    Constant(2.7).initialize(variable, rng())
    value = variable.get_value()
    assert value.dtype == 'int32'
    assert_equal(value, [[2, 2], [2, 2]])


def test_initialize_rejects_wrong_number_of_dimensions():
    variable = shared_floatx_nans((2, 3), name='W')
    with pytest.raises(ValueError, match=r"Constant: the shape \(6,\) "
                       r"requested for W has 1 dimensions, expected 2"):
        Constant(0).initialize(variable, rng(), shape=(6,))


def test_initialize_rejects_non_shared_variable():
    with pytest.raises(TypeError, match="Constant: var must be a shared "
                       "variable, got array"):
        Constant(0).initialize(numpy.zeros(2), rng())


class WrongShape(NdarrayInitialization):
    def generate(self, rng, shape):
        return numpy.zeros((1,), dtype=FLOATX)


def test_initialize_rejects_generated_shape_mismatch():
    variable = shared_floatx_nans((3,), name='b')
    with pytest.raises(ValueError, match=r"WrongShape: generated an array "
                       r"of shape \(1,\) for b, expected the requested "
                       r"shape \(3,\)"):
        WrongShape().initialize(variable, rng())


def test_base_class_is_abstract():
    with pytest.raises(TypeError):
        NdarrayInitialization()


@pytest.mark.parametrize('shape', [3, [2, 'a'], (2, 1.0)])
def test_shape_must_be_integers(shape):
    with pytest.raises(TypeError, match="Constant: shape must be a tuple of "
                       "integers, got "):
        Constant(0).generate(rng(), shape)


def test_shape_must_be_non_negative():
    with pytest.raises(ValueError, match=r"Constant: shape must be a tuple of "
                       r"non-negative integers, got \(2, -1\)"):
        Constant(0).generate(rng(), (2, -1))


def test_numpy_integer_shapes_are_accepted():
    assert IsotropicGaussian().generate(
        rng(), numpy.array([2, 3])).shape == (2, 3)


def test_constant_broadcasts():
    assert_equal(Constant(3).generate(rng(), (2, 2)), numpy.full((2, 2), 3))
    assert_equal(Constant([[1], [2]]).generate(rng(), (2, 3)),
                 [[1, 1, 1], [2, 2, 2]])
    assert_equal(Constant(5).generate(rng(), ()), 5)
    generated = Constant([1, 2]).generate(rng(), (2,))
    generated[0] = 7  # the result is a writable array of its own
    assert_equal(Constant([1, 2]).generate(rng(), (2,)), [1, 2])


def test_constant_errors():
    with pytest.raises(ValueError, match=r"Constant: a constant of shape "
                       r"\(3, 1\) cannot be broadcast to the requested "
                       r"shape \(3,\)"):
        Constant([[1], [2], [3]]).generate(rng(), (3,))
    with pytest.raises(TypeError, match="Constant: constant must be "
                       "numerical, got 'a'"):
        Constant('a')
    with pytest.raises(ValueError, match="Constant: constant must be a "
                       "scalar or a rectangular array"):
        Constant([[1, 2], [3]])


def test_isotropic_gaussian_statistics():
    sample = IsotropicGaussian(2, mean=3).generate(rng(), (200, 100))
    assert abs(sample.mean() - 3) < 0.05
    assert abs(sample.std() - 2) < 0.05
    assert_allclose(sample, rng().normal(3, 2, size=(200, 100)))


def test_isotropic_gaussian_errors():
    with pytest.raises(ValueError, match="IsotropicGaussian: std must be at "
                       "least 0, got -1"):
        IsotropicGaussian(-1)
    with pytest.raises(TypeError, match="IsotropicGaussian: mean must be a "
                       "real number, got '0'"):
        IsotropicGaussian(1, '0')


def test_uniform_with_width():
    sample = Uniform(mean=1, width=4).generate(rng(), (200, 100))
    assert sample.min() >= -1 and sample.max() <= 3
    assert abs(sample.mean() - 1) < 0.05
    assert_allclose(sample, rng().uniform(-1, 3, size=(200, 100)))


def test_uniform_with_std():
    scheme = Uniform(mean=-2, std=0.5)
    assert_allclose(scheme.width, 0.5 * numpy.sqrt(12))
    sample = scheme.generate(rng(), (200, 100))
    assert abs(sample.std() - 0.5) < 0.01
    assert abs(sample.mean() + 2) < 0.01


@pytest.mark.parametrize('kwargs', [{}, {'width': 1, 'std': 1}])
def test_uniform_needs_exactly_one_of_width_and_std(kwargs):
    with pytest.raises(ValueError, match="Uniform: exactly one of width and "
                       "std must be given"):
        Uniform(**kwargs)


def test_uniform_rejects_negative_width():
    with pytest.raises(ValueError, match="Uniform: width must be at least 0, "
                       "got -1"):
        Uniform(width=-1)


@pytest.mark.parametrize('shape', [(3, 3), (2, 4), (4, 2)])
def test_identity(shape):
    assert_equal(Identity(2).generate(rng(), shape), 2 * numpy.eye(*shape))


@pytest.mark.parametrize('shape', [(3,), (2, 2, 2)])
def test_identity_needs_2d(shape):
    with pytest.raises(ValueError, match=r"Identity: only works for 2D "
                       r"arrays, got the shape \({}\) \({} dimensions\), "
                       r"expected \(rows, columns\)".format(
                           ', '.join(map(str, shape)) +
                           (',' if len(shape) == 1 else ''), len(shape))):
        Identity().generate(rng(), shape)


@pytest.mark.parametrize('shape', [(4, 4), (3, 5), (5, 3), (1, 1)])
def test_orthogonal(shape):
    matrix = Orthogonal(scale=2).generate(rng(), shape) / 2
    rows, columns = shape
    if rows <= columns:
        assert_allclose(matrix.dot(matrix.T), numpy.eye(rows), atol=1e-6)
    if columns <= rows:
        assert_allclose(matrix.T.dot(matrix), numpy.eye(columns), atol=1e-6)


def test_orthogonal_sign_correction_makes_it_uniform():
    # Without the sign correction the diagonal of Q is biased; uniformly
    # distributed orthogonal matrices have diagonal entries of mean 0.
    diagonals = [numpy.diag(Orthogonal().generate(rng(seed), (3, 3)))
                 for seed in range(200)]
    assert abs(numpy.mean(diagonals)) < 0.1


def test_orthogonal_needs_2d():
    with pytest.raises(ValueError, match=r"Orthogonal: only works for 2D "
                       r"arrays, got the shape \(2, 2, 2\)"):
        Orthogonal().generate(rng(), (2, 2, 2))


def test_sparse_row_wise():
    weights = Sparse(3, Constant(2), sparse_init=Constant(-1)).generate(
        rng(), (6, 8))
    assert_equal((weights == 2).sum(axis=1), [3] * 6)
    assert_equal((weights == -1).sum(axis=1), [5] * 6)


def test_sparse_positions_vary_between_rows():
    weights = Sparse(2, Constant(1)).generate(rng(), (10, 8))
    assert len({tuple(row) for row in weights}) > 1


def test_sparse_with_fraction():
    weights = Sparse(0.29, Constant(1)).generate(rng(), (2, 100))
    assert_equal((weights != 0).sum(axis=1), [29, 29])
    weights = Sparse(0.5, IsotropicGaussian()).generate(rng(), (3, 5))
    assert_equal((weights != 0).sum(axis=1), [2, 2, 2])


def test_sparse_draws_values_from_weights_init():
    weights = Sparse(1, Uniform(mean=10, width=1)).generate(rng(), (50, 4))
    nonzero = weights[weights != 0]
    assert nonzero.shape == (50,)
    assert nonzero.min() >= 9.5 and nonzero.max() <= 10.5
    assert len(numpy.unique(nonzero)) == 50


def test_sparse_errors():
    with pytest.raises(ValueError, match=r"Sparse: cannot initialize "
                       r"num_init=5 weights per row of the shape \(3, 4\), "
                       r"whose rows have 4 weights"):
        Sparse(5, Constant(1)).generate(rng(), (3, 4))
    with pytest.raises(ValueError, match=r"Sparse: only works for 2D arrays"):
        Sparse(1, Constant(1)).generate(rng(), (3, 4, 2))
    with pytest.raises(ValueError, match="Sparse: num_init must be a "
                       "positive number of weights, got 0"):
        Sparse(0, Constant(1))
    with pytest.raises(ValueError, match=r"Sparse: num_init must be a "
                       r"fraction in \(0, 1\] when it is a float, got 1.5"):
        Sparse(1.5, Constant(1))
    with pytest.raises(TypeError, match="Sparse: num_init must be an int or "
                       "a float, got True"):
        Sparse(True, Constant(1))
    with pytest.raises(TypeError, match="Sparse: weights_init must be an "
                       "NdarrayInitialization instance, got 1"):
        Sparse(1, 1)


def test_sparse_nd_along_leading_axes():
    filters = SparseND((0, 1), 3, Constant(1)).generate(rng(), (2, 4, 3, 3))
    assert filters.shape == (2, 4, 3, 3)
    assert filters.dtype == FLOATX
    assert_equal((filters != 0).sum(axis=(2, 3)), numpy.full((2, 4), 3))


def test_sparse_nd_along_inner_axis():
    tensor_value = SparseND(1, 0.5, Constant(1)).generate(rng(), (2, 3, 4))
    assert_equal((tensor_value != 0).sum(axis=(0, 2)), [4, 4, 4])
    negative = SparseND(-2, 0.5, Constant(1)).generate(rng(), (2, 3, 4))
    assert_equal(negative, tensor_value)


def test_sparse_nd_on_a_matrix_matches_sparse():
    assert_equal(SparseND(0, 2, IsotropicGaussian()).generate(rng(), (3, 5)),
                 Sparse(2, IsotropicGaussian()).generate(rng(), (3, 5)))


def test_sparse_nd_uses_broadcast_sparse_init():
    background = numpy.arange(4.)
    result = SparseND(0, 1, Constant(-1), Constant(background)).generate(
        rng(), (3, 2, 4))
    untouched = result != -1
    assert untouched.sum() == 3 * (2 * 4 - 1)
    assert_equal(result[untouched],
                 numpy.broadcast_to(background, (3, 2, 4))[untouched])


def test_sparse_nd_errors():
    with pytest.raises(ValueError, match=r"SparseND: axis=3 does not fit the "
                       r"requested shape \(2, 2\) with 2 dimensions"):
        SparseND(3, 1, Constant(1)).generate(rng(), (2, 2))
    with pytest.raises(ValueError, match=r"SparseND: axis=\(0, -2\) names the "
                       r"same axis of the shape \(2, 2\) twice"):
        SparseND((0, -2), 1, Constant(1)).generate(rng(), (2, 2))
    with pytest.raises(ValueError, match=r"SparseND: axis must not repeat an "
                       r"axis, got \(1, 1\)"):
        SparseND((1, 1), 1, Constant(1))
    with pytest.raises(TypeError, match="SparseND: axis must be an int or a "
                       "non-empty sequence of ints, got 'a'"):
        SparseND('a', 1, Constant(1))
    with pytest.raises(ValueError, match=r"SparseND: cannot initialize "
                       r"num_init=4 weights per row of the shape \(2, 3\)"):
        SparseND(0, 4, Constant(1)).generate(rng(), (2, 3))
