from collections import OrderedDict

import pytest
from aesara import tensor

from blocks.algorithms import DifferentiableCostMinimizer, TrainingAlgorithm
from blocks.roles import add_role, PARAMETER
from blocks.utils import shared_floatx, shared_floatx_zeros


class Minimizer(DifferentiableCostMinimizer):
    """The smallest concrete cost minimizer."""
    def initialize(self, **kwargs):
        pass

    def process_batch(self, batch):
        pass


def make_cost():
    weights = shared_floatx([1., 2.], name='W')
    add_role(weights, PARAMETER)
    features = tensor.vector('features')
    return (weights * features).sum(), weights


def test_training_algorithm_is_abstract():
    with pytest.raises(TypeError, match="abstract"):
        TrainingAlgorithm()


def test_unknown_keyword_arguments_are_rejected():
    cost, weights = make_cost()
    with pytest.raises(TypeError, match=r"Minimizer: unexpected keyword "
                       r"arguments \['step_rul'\]"):
        Minimizer(cost, [weights], step_rul=None)


def test_parameters_default_to_those_of_the_cost_with_a_warning():
    cost, weights = make_cost()
    with pytest.warns(UserWarning, match=r"Minimizer: parameters were not "
                      r"given, .* \(\['W'\]\)\. Pass `parameters` "
                      r"explicitly"):
        minimizer = Minimizer(cost)
    assert minimizer.parameters == [weights]
    assert minimizer.cost is cost


def test_cost_must_be_a_scalar_variable():
    weights = shared_floatx_zeros((2,), name='W')
    with pytest.raises(ValueError, match="Minimizer: cost must be a scalar "
                       r"\(ndim 0\), got .* with ndim 1"):
        Minimizer(weights * 2, [weights])
    with pytest.raises(TypeError, match="Minimizer: cost must be an Aesara "
                       "variable, got 1.0 of type float"):
        Minimizer(1.0, [weights])


@pytest.mark.parametrize('parameters, error, message', [
    ([], ValueError, "Minimizer: there are no parameters to train"),
    ([tensor.vector('v')], TypeError,
     "Minimizer: parameters must be shared variables; parameter 0 is v of "
     "type TensorVariable"),
    ('W', TypeError, "Minimizer: parameters must be a list of shared "
     "variables, got 'W'"),
])
def test_invalid_parameters_are_rejected(parameters, error, message):
    cost, _ = make_cost()
    with pytest.raises(error, match=message):
        Minimizer(cost, parameters)


def test_repeated_parameters_are_rejected():
    cost, weights = make_cost()
    with pytest.raises(ValueError, match=r"Minimizer: parameters \['W'\] are "
                       "listed more than once"):
        Minimizer(cost, [weights, weights])


def test_add_updates_accepts_lists_and_dicts_and_extends_inputs():
    cost, weights = make_cost()
    minimizer = Minimizer(cost, [weights])
    assert [variable.name for variable in minimizer.inputs] == ['features']
    counter = shared_floatx(0., name='counter')
    total = shared_floatx(0., name='total')
    extra = tensor.scalar('extra')
    minimizer.add_updates([(counter, counter + 1)])
    minimizer.add_updates(OrderedDict([(total, total + extra)]))
    assert [variable for variable, _ in minimizer.updates] == [counter,
                                                               total]
    assert sorted(variable.name for variable in minimizer.inputs) == [
        'extra', 'features']


@pytest.mark.parametrize('updates, message', [
    (42, "Minimizer: updates must be a list of \\(shared variable, new "
     "value\\) pairs or a dict, got 42 of type int"),
    ([('counter', 1)], "Minimizer: update 0 must update a shared variable, "
     "got 'counter' of type str"),
    ([(1, 2, 3)], "Minimizer: update 0 must be a \\(shared variable, new "
     "value\\) pair, got \\(1, 2, 3\\)"),
])
def test_add_updates_rejects_what_is_not_updates(updates, message):
    cost, weights = make_cost()
    minimizer = Minimizer(cost, [weights])
    with pytest.raises(TypeError, match=message):
        minimizer.add_updates(updates)


def test_updates_setter_checks_its_value():
    cost, weights = make_cost()
    minimizer = Minimizer(cost, [weights])
    counter = shared_floatx(0., name='counter')
    minimizer.updates = {counter: counter + 1}
    assert minimizer.updates[0][0] is counter
    with pytest.raises(TypeError, match="updates must be a list"):
        minimizer.updates = counter


@pytest.mark.usefixtures('python_linker')
def test_updates_algorithm_runs_updates_and_resumes_after_pickling():
    import pickle
    import warnings

    import numpy

    from blocks.algorithms import GradientDescent, UpdatesAlgorithm
    total = shared_floatx(0., name='total')
    count = shared_floatx(0., name='count')
    x = tensor.vector('x')
    algorithm = UpdatesAlgorithm(updates=[(total, total + x.sum())],
                                 on_unused_sources='warn')
    algorithm.add_updates({count: count + x.shape[0]})
    assert algorithm.inputs == [x]
    assert algorithm.aesara_func_kwargs == {}
    algorithm.initialize()
    algorithm.process_batch({'x': numpy.array([1., 2.])})
    with pytest.warns(UserWarning, match=r"the batch sources \['y'\] are "
                                         r"not used"):
        algorithm.process_batch({'x': numpy.array([3.]), 'y': 0})
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        algorithm.process_batch({'x': numpy.array([4.]), 'y': 0})
    assert float(total.get_value()) == 10. and count.get_value() == 4
    copy = pickle.loads(pickle.dumps(algorithm))
    assert copy._function is None
    copy.process_batch({'x': numpy.array([5.])})
    copy_total = [variable for variable, _ in copy.updates][0]
    assert float(copy_total.get_value()) == 15.
    with pytest.raises(ValueError, match=r"UpdatesAlgorithm: the batch does "
                                         r"not provide the sources \['x'\]"):
        copy.process_batch({'y': 0})
    cost, weights = make_cost()
    descent = GradientDescent(cost=cost, parameters=[weights],
                              updates=[(total, total + 1)],
                              on_unused_sources='ignore')
    assert isinstance(descent, UpdatesAlgorithm)
    assert descent.updates[0][0] is total
    assert descent.on_unused_sources == 'ignore'


@pytest.mark.parametrize('kwargs, error, message', [
    ({'on_unused_sources': 'loud'}, ValueError,
     r"UpdatesAlgorithm: on_unused_sources must be one of \['raise', "
     r"'warn', 'ignore'\], got 'loud'"),
    ({'aesara_func_kwargs': {'updates': []}}, ValueError,
     r"aesara_func_kwargs must not contain \['updates'\]"),
    ({'aesara_func_kwargs': 'FAST_RUN'}, TypeError,
     r"aesara_func_kwargs must be a dict"),
    ({'updates': 3}, TypeError, r"updates must be a list of"),
])
def test_updates_algorithm_checks_its_arguments(kwargs, error, message):
    from blocks.algorithms import UpdatesAlgorithm
    with pytest.raises(error, match=message):
        UpdatesAlgorithm(**kwargs)


def test_updates_algorithm_refuses_updating_a_variable_twice():
    from blocks.algorithms import UpdatesAlgorithm
    total = shared_floatx(0., name='total')
    algorithm = UpdatesAlgorithm(updates=[(total, total + 1),
                                          (total, total + 2)])
    with pytest.raises(ValueError, match=r"the shared variables \['total'\] "
                                         r"are updated more than once"):
        algorithm.initialize()
