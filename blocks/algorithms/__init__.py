"""Training algorithms: gradient descent and the step rules it applies.

A :class:`TrainingAlgorithm` is initialized once (compiling its Aesara
function) and then processes one batch of data at a time.
:class:`GradientDescent` computes the gradients of a cost, turns them into
steps with a :class:`StepRule`, and subtracts the steps from the
parameters.

The modules hold the families:

- :mod:`~blocks.algorithms.base`: :class:`TrainingAlgorithm`,
  :class:`UpdatesAlgorithm`, :class:`DifferentiableCostMinimizer`;
- :mod:`~blocks.algorithms.gradient_descent`: :class:`GradientDescent`;
- :mod:`~blocks.algorithms.step_rules`: :class:`StepRule`,
  :class:`CompositeRule`, :class:`Scale`, :class:`BasicMomentum`,
  :class:`Momentum`, :class:`Restrict`, :class:`RemoveNotFinite`;
- :mod:`~blocks.algorithms.adaptive`: :class:`AdaDelta`,
  :class:`AdaGrad`, :class:`Adam`, :class:`BasicRMSProp`,
  :class:`RMSProp`;
- :mod:`~blocks.algorithms.clipping`: :class:`StepClipping`,
  :class:`VariableClipping`;
- :mod:`~blocks.algorithms.constraints`: value constraints and weight
  decay (:class:`ClipValues`, :class:`ConstrainL2Norm`,
  :class:`FreezeValues`, :class:`MaskValues`, :class:`L1Decay`,
  :class:`L2Decay`);
- :mod:`~blocks.algorithms.batches`: matching batches of data to input
  variables.

"""
from blocks.algorithms.base import (TrainingAlgorithm, UpdatesAlgorithm,
                                    DifferentiableCostMinimizer)
from blocks.algorithms.step_rules import (StepRule, CompositeRule, Scale,
                                          BasicMomentum, Momentum, Restrict,
                                          RemoveNotFinite)
from blocks.algorithms.adaptive import (AdaDelta, AdaGrad, Adam,
                                        BasicRMSProp, RMSProp)
from blocks.algorithms.clipping import StepClipping, VariableClipping
from blocks.algorithms.constraints import (
    ClipValues, ConstrainL2Norm, FreezeValues, L1Decay, L2Decay, MaskValues,
    MaxNorm, ValueConstraint)
from blocks.algorithms.gradient_descent import GradientDescent

__all__ = ['TrainingAlgorithm', 'UpdatesAlgorithm',
           'DifferentiableCostMinimizer',
           'GradientDescent', 'StepRule', 'CompositeRule', 'Scale',
           'BasicMomentum', 'Momentum', 'Restrict', 'RemoveNotFinite',
           'AdaDelta', 'AdaGrad', 'Adam', 'BasicRMSProp', 'RMSProp',
           'StepClipping', 'VariableClipping', 'ValueConstraint',
           'ClipValues', 'ConstrainL2Norm', 'MaxNorm', 'FreezeValues',
           'MaskValues', 'L1Decay', 'L2Decay']
