"""Fan-scaled initializations: fans of dense and convolutional shapes, and
the statistics of large samples."""
import math
import pickle

import numpy
import pytest

from blocks.initialization import (DenseSqrtFanIn, DenseSqrtFanInOut,
                                   GlorotNormal, GlorotUniform, HeNormal,
                                   HeUniform, KaimingNormal, KaimingUniform,
                                   LeCunNormal, LeCunUniform, VarianceScaling,
                                   XavierNormal, XavierUniform, fans)
from blocks.utils import shared_floatx_zeros

DENSE = (300, 200)
CONV = (64, 16, 5, 5)


@pytest.mark.parametrize('shape, expected', [
    ((784, 100), (784, 100)),
    ((32, 3, 5, 5), (75, 800)),
    ((8, 4, 3), (12, 24)),
    ((2, 3, 4, 5, 6), (360, 240)),
])
def test_fans_of_dense_and_convolutional_shapes(shape, expected):
    assert fans(shape) == expected


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match=r"GlorotUniform: the fan-in and "
                       r"fan-out of a weight array need at least 2 "
                       r"dimensions, got the shape \(10,\) \(a bias\?"):
        GlorotUniform().generate(numpy.random.RandomState(1), (10,))


def expected_std(scheme, shape):
    """The standard deviation each scheme promises, from its formula."""
    fan_in, fan_out = fans(shape)
    return {
        'glorot_uniform': math.sqrt(2. / (fan_in + fan_out)),
        'glorot_normal': math.sqrt(2. / (fan_in + fan_out)),
        'he_uniform': math.sqrt(2. / fan_in),
        'he_normal': math.sqrt(2. / fan_in),
        'lecun_uniform': math.sqrt(1. / fan_in),
        'lecun_normal': math.sqrt(1. / fan_in),
        'glorot_gain_4': 4 * math.sqrt(2. / (fan_in + fan_out)),
        'fan_out_normal': math.sqrt(3. / fan_out),
        # Uniform on +-c / sqrt(m) has the standard deviation c / sqrt(3 m).
        'sqrt_fan_in_tanh': math.sqrt(3.) / math.sqrt(3 * fan_in),
        'sqrt_fan_in_out_rel': math.sqrt(12.) / math.sqrt(
            3 * (fan_in + fan_out)),
        'sqrt_fan_in_out_linear': 1. / math.sqrt(3 * (fan_in + fan_out)),
    }[scheme]


SCHEMES = {
    'glorot_uniform': GlorotUniform(), 'glorot_normal': GlorotNormal(),
    'he_uniform': HeUniform(), 'he_normal': HeNormal(),
    'lecun_uniform': LeCunUniform(), 'lecun_normal': LeCunNormal(),
    'glorot_gain_4': GlorotUniform(gain=4.),
    'fan_out_normal': VarianceScaling(3., 'fan_out', 'normal'),
    'sqrt_fan_in_tanh': DenseSqrtFanIn('tanh'),
    'sqrt_fan_in_out_rel': DenseSqrtFanInOut(),
    'sqrt_fan_in_out_linear': DenseSqrtFanInOut('linear'),
}


@pytest.mark.parametrize('shape', [DENSE, CONV])
@pytest.mark.parametrize('name', sorted(SCHEMES))
def test_sample_statistics_follow_the_formula(name, shape):
    scheme = pickle.loads(pickle.dumps(SCHEMES[name]))
    sample = scheme.generate(numpy.random.RandomState(3), shape)
    assert sample.shape == shape
    std = expected_std(name, shape)
    # With 25600 draws or more, the sample std is within 1.5 % and the
    # mean within 4 standard errors with near certainty.
    assert abs(sample.std() / std - 1) < 0.015
    assert abs(sample.mean()) < 4 * std / math.sqrt(sample.size)
    if scheme.distribution == 'uniform':
        limit = math.sqrt(3.) * std
        assert abs(sample).max() <= limit
        assert abs(sample).max() > 0.99 * limit
    else:
        # The fourth moment tells a normal (3) from a uniform (1.8).
        kurtosis = ((sample / sample.std()) ** 4).mean()
        assert abs(kurtosis - 3) < 0.1
    again = SCHEMES[name].generate(numpy.random.RandomState(3), shape)
    numpy.testing.assert_array_equal(sample, again)


def test_aliases_and_defaults():
    assert XavierUniform is GlorotUniform and XavierNormal is GlorotNormal
    assert KaimingUniform is HeUniform and KaimingNormal is HeNormal
    assert HeNormal().scale == pytest.approx(2.)
    assert repr(HeNormal(gain=1.)) == 'HeNormal(gain=1.0)'
    assert repr(DenseSqrtFanIn('rel')) == "DenseSqrtFanIn(scale='rel')"
    # Brainstorm's default for rectifiers is He's uniform scheme.
    assert DenseSqrtFanIn().std(DENSE) == pytest.approx(HeUniform().std(DENSE))
    assert DenseSqrtFanInOut('tanh').std(DENSE) == pytest.approx(
        GlorotUniform().std(DENSE))
    assert DenseSqrtFanIn(2.).bound == 2.


def test_initialize_a_shared_variable():
    weights = shared_floatx_zeros(CONV, name='filters')
    HeUniform().initialize(weights, numpy.random.RandomState(1))
    value = weights.get_value()
    assert abs(value).max() <= math.sqrt(6. / (16 * 25))
    assert value.std() > 0


@pytest.mark.parametrize('factory, error, message', [
    (lambda: VarianceScaling(mode='fan'), ValueError,
     r"VarianceScaling: mode must be one of \('fan_in', 'fan_out', "
     r"'fan_avg'\), got 'fan'"),
    (lambda: VarianceScaling(distribution='cauchy'), ValueError,
     "distribution must be one of"),
    (lambda: GlorotUniform(gain=-1), ValueError,
     "GlorotUniform: gain must be at least 0, got -1"),
    (lambda: DenseSqrtFanIn('relu'), ValueError,
     r"DenseSqrtFanIn: scale must be a number or one of \['linear', 'rel', "
     r"'sigmoid', 'tanh'\], got 'relu'"),
    (lambda: HeNormal().generate(numpy.random.RandomState(1), (0, 3)),
     ValueError, r"HeNormal: the shape \(0, 3\) has a fan_in of 0"),
])
def test_invalid_arguments(factory, error, message):
    with pytest.raises(error, match=message):
        factory()
