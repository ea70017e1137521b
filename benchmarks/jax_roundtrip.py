"""How much of a JAX training step of the benchmark MLP is the copying of
the parameters between NumPy and JAX (Aesara 2.9.4's JAX linker).

Compiles the training step of the 784-500-500-10 MLP of
:mod:`benchmarks.mlp` (float32, batch 256, SGD) in two ways and times five
alternating chunks of 40 steps of each: (a) as Blocks compiles it, the new
parameters written back through Aesara's updates, which copy them to NumPy;
(b) the same graph returning the new parameters, left as JAX arrays in the
shared variables' containers (past Aesara's filter: an experiment, not
something Blocks does). Also times the two copies alone. About a minute::

    python -m benchmarks.jax_roundtrip

See docs/backends.rst, "Round trips between host and device".
"""
import statistics
import time

import blocks  # noqa: F401
import numpy
import aesara
from aesara import tensor

from blocks.backend import compile_function
from blocks.bricks import MLP, Rectifier, Softmax
from blocks.bricks.cost import CategoricalCrossEntropy
from blocks.initialization import Constant, IsotropicGaussian

STEPS = 40
CHUNKS = 5


class Steps:
    """The training step of the MLP, compiled both ways."""
    def __init__(self):
        aesara.config.floatX = 'float32'
        mlp = MLP([Rectifier(), Rectifier(), Softmax()], [784, 500, 500, 10],
                  weights_init=IsotropicGaussian(0.01),
                  biases_init=Constant(0))
        mlp.initialize()
        x, y = tensor.matrix('x'), tensor.lvector('y')
        cost = CategoricalCrossEntropy().apply(y, mlp.apply(x))
        self.parameters = [parameter
                           for brick in mlp.linear_transformations
                           for parameter in brick.parameters]
        new_values = [
            parameter - numpy.float32(0.01) * gradient for parameter, gradient
            in zip(self.parameters, aesara.grad(cost, self.parameters))]
        rng = numpy.random.RandomState(0)
        self.batch = (rng.normal(size=(256, 784)).astype('float32'),
                      rng.randint(0, 10, size=256))
        self.through_updates = compile_function(
            [x, y], cost, updates=list(zip(self.parameters, new_values)),
            mode='JAX')
        self.returning = aesara.function([x, y], [cost] + new_values,
                                         mode='JAX')
        self.initial = [parameter.get_value()
                        for parameter in self.parameters]

    def reset(self):
        for parameter, value in zip(self.parameters, self.initial):
            parameter.set_value(value)

    def step_a(self):
        """As Blocks runs it."""
        return float(self.through_updates(*self.batch))

    def step_b(self):
        """The new parameters kept as JAX arrays."""
        outputs = self.returning(*self.batch)
        for parameter, value in zip(self.parameters, outputs[1:]):
            parameter.container.storage[0] = value
        return float(outputs[0])


def time_copies(values):
    """Seconds to copy `values` from JAX to NumPy, and back."""
    import jax
    arrays = jax.block_until_ready([jax.device_put(value)
                                    for value in values])
    start = time.perf_counter()
    host = [numpy.asarray(array) for array in arrays]
    middle = time.perf_counter()
    jax.block_until_ready([jax.device_put(value) for value in host])
    return middle - start, time.perf_counter() - middle


def main():
    steps = Steps()
    ways = {'a': steps.step_a, 'b': steps.step_b}
    for step in ways.values():  # compile, warm up
        steps.reset()
        step()
        step()
    milliseconds = {'a': [], 'b': []}
    for chunk in range(CHUNKS):
        for name in ('ab' if chunk % 2 else 'ba'):
            steps.reset()
            start = time.perf_counter()
            for _ in range(STEPS):
                ways[name]()
            milliseconds[name].append(
                (time.perf_counter() - start) / STEPS * 1000)
    to_host, to_device = zip(*[time_copies(steps.initial)
                               for _ in range(20)])
    print('parameters: {} floats ({:.1f} MiB)'.format(
        sum(value.size for value in steps.initial),
        sum(value.nbytes for value in steps.initial) / 2 ** 20))
    for name, what in (('a', 'through Aesara\'s updates (NumPy between '
                              'steps)'),
                       ('b', 'JAX arrays kept in the containers')):
        print('ms per step, {}: median {:.2f} of {}'.format(
            what, statistics.median(milliseconds[name]),
            ', '.join('{:.2f}'.format(value)
                      for value in milliseconds[name])))
    print('ms to copy all parameters JAX -> NumPy: median {:.3f}; '
          'NumPy -> JAX: median {:.3f}'.format(
              statistics.median(to_host) * 1000,
              statistics.median(to_device) * 1000))
    after = {}
    for name, step in ways.items():
        steps.reset()
        for _ in range(3):
            step()
        after[name] = [numpy.asarray(parameter.container.storage[0])
                       for parameter in steps.parameters]
    print('same parameters after 3 steps both ways:',
          all(numpy.array_equal(a, b)
              for a, b in zip(after['a'], after['b'])))
    print('get_value() after (b) returns a',
          type(steps.parameters[0].get_value()).__name__)


if __name__ == '__main__':
    main()
