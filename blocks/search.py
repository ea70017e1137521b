"""Beam search over the outputs of a sequence generator.

:class:`BeamSearch` takes the graph of a generator's
:meth:`~blocks.bricks.sequence_generators.BaseSequenceGenerator.generate`
call, finds the generator and the contexts given to it, and compiles a few
functions computing one step of the generation: the initial states, the
negative log-probabilities of the next outputs, and the next states once
the outputs are chosen. The search itself runs in NumPy: at every step each
hypothesis is extended by every output, and the ``beam_size`` cheapest
extensions are kept.

"""
import numbers
from collections import OrderedDict
from functools import partial

import numpy
import aesara
from aesara import tensor
from aesara.graph.basic import clone_replace

from blocks.backend import compile_function
from blocks.bricks.sequence_generators import BaseSequenceGenerator
from blocks.filter import VariableFilter, get_application_call, get_brick
from blocks.graph import ComputationGraph
from blocks.roles import OUTPUT

not_generated_error = """

BeamSearch needs the outputs of a sequence generator's generate call, e.g.

    samples = generator.generate(n_steps=10, batch_size=1, attended=...,
                                 attended_mask=..., as_dict=True)['outputs']
    search = BeamSearch(beam_size=5, samples=samples)"""


class BeamSearch:
    """Approximate search for the most probable output sequences.

    Parameters
    ----------
    beam_size : int
        The number of hypotheses kept at every step, for every input.
    samples : :class:`~aesara.tensor.TensorVariable`
        The ``outputs`` of a generator's ``generate`` call (with its
        default initial states). The contexts given to that call, and the
        inputs of the graph they are computed from (e.g. the source
        sentence of a translation model), are those of the search.
    context_batch_axes : dict, optional
        The batch axis of each context, by name. By default, axis 1 for
        contexts of two or more dimensions (time-major sequences such as
        the attended and its mask) and axis 0 for vectors.
    mode : str or :class:`~aesara.compile.mode.Mode`, optional
        The mode the search's functions are compiled with; the ``mode``
        setting by default (see :func:`blocks.backend.resolve_mode`).

    Attributes
    ----------
    generator : BaseSequenceGenerator
        The generator whose outputs are searched.
    inputs : list of :class:`~aesara.tensor.TensorVariable`
        The inputs whose values :meth:`search` needs.

    Notes
    -----
    The generator's emitter must have a ``probs`` application (as
    :class:`~blocks.bricks.sequence_generators.SoftmaxEmitter` has). The
    cost of a sequence is the sum of the negative log-probabilities of its
    outputs, the end of sequence included.

    """
    def __init__(self, beam_size, samples, context_batch_axes=None,
                 mode=None):
        if not isinstance(beam_size, numbers.Integral) or beam_size < 1:
            raise ValueError("BeamSearch: beam_size must be a positive int, "
                             "got {!r}".format(beam_size))
        generator = get_brick(samples)
        call = get_application_call(samples)
        if not (isinstance(generator, BaseSequenceGenerator) and
                call is not None and
                call.application.application is
                type(generator).generate and
                getattr(samples.tag, 'name', None) == 'outputs'):
            raise ValueError("BeamSearch: samples must be the 'outputs' of "
                             "a sequence generator's generate call, got {}"
                             .format(samples) + not_generated_error)
        if not hasattr(generator.readout.emitter, 'probs'):
            raise TypeError("BeamSearch: the emitter {} of {} has no probs "
                            "application (use a SoftmaxEmitter)".format(
                                generator.readout.emitter.path_or_name(),
                                generator.path_or_name()))
        self.beam_size = int(beam_size)
        self.generator = generator
        self.where = "BeamSearch({})".format(generator.path_or_name())
        initial_call = None
        for variable in ComputationGraph(samples).variables:
            candidate = get_application_call(variable)
            if (candidate is not None and
                    candidate.application.brick is generator and
                    'contexts' in candidate.metadata):
                initial_call = candidate
                break
        if initial_call is None:
            raise ValueError("{}: the generate call got its initial states "
                             "from the caller; the search starts from the "
                             "generator's own initial states".format(
                                 self.where) + not_generated_error)
        self.contexts = OrderedDict(initial_call.metadata['contexts'])
        self.context_batch_axes = OrderedDict(
            (name, (1 if context.ndim >= 2 else 0))
            for name, context in self.contexts.items())
        unknown = sorted(set(context_batch_axes or {}) - set(self.contexts))
        if unknown:
            raise ValueError("{}: context_batch_axes names {}, which are not"
                             " contexts (the contexts are {})".format(
                                 self.where, unknown, list(self.contexts)))
        self.context_batch_axes.update(context_batch_axes or {})
        self.inputs = (ComputationGraph(list(self.contexts.values())).inputs
                       if self.contexts else [])
        self.state_names = list(generator.generate.states)
        self.num_outputs = generator.readout.readout_dim
        self.mode = mode
        self.compiled = False

    def compile(self):
        """Compile the functions of the search (done by the first search).

        They are compiled with the search's `mode`, or the ``mode``
        setting of :mod:`blocks.config` (see ``docs/backends.rst``).

        """
        generator = self.generator
        function = partial(compile_function, mode=self.mode)
        self._contexts_function = function(
            self.inputs, list(self.contexts.values()),
            on_unused_input='ignore') if self.contexts else None
        contexts = OrderedDict(
            (name, tensor.TensorType(value.dtype, shape=(None,) * value.ndim)(
                name)) for name, value in self.contexts.items())
        batch_size = tensor.lscalar('batch_size')
        initial = generator.initial_states(batch_size, as_dict=True,
                                           **contexts)
        self._initial_function = function(
            [batch_size] + list(contexts.values()),
            [initial[name] for name in self.state_names],
            on_unused_input='ignore')
        states = OrderedDict(
            (name, tensor.TensorType(initial[name].dtype,
                                     shape=(None,) * initial[name].ndim)(
                                         name))
            for name in self.state_names)
        step = generator.generate(iterate=False, as_dict=True,
                                  **OrderedDict(list(states.items()) +
                                                list(contexts.items())))
        graph = ComputationGraph(list(step.values()))
        emitted, = VariableFilter(applications=[generator.readout.emit],
                                  roles=[OUTPUT])(graph)
        probabilities = VariableFilter(
            applications=[generator.readout.emitter.probs],
            roles=[OUTPUT])(graph)[0]
        step_inputs = list(contexts.values()) + list(states.values())
        self._costs_function = function(
            step_inputs, -tensor.log(probabilities),
            on_unused_input='ignore')
        chosen = tensor.lvector('chosen')
        next_states = clone_replace(
            [chosen if name == 'outputs' else step[name]
             for name in self.state_names], {emitted: chosen})
        self._next_states_function = function(
            step_inputs + [chosen], next_states, on_unused_input='ignore')
        self.compiled = True

    def _input_values(self, input_values):
        by_name = {}
        for key, value in input_values.items():
            by_name[key if isinstance(key, str) else key.name] = value
        values = []
        for variable in self.inputs:
            if variable in input_values:
                values.append(input_values[variable])
            elif variable.name in by_name:
                values.append(by_name[variable.name])
            else:
                raise ValueError("{}: input_values has no value for the "
                                 "input {!r}; the inputs are {}".format(
                                     self.where, variable.name,
                                     [input_.name for input_ in self.inputs]))
        return values

    def _check_arguments(self, eol_symbol, max_length, length_normalization):
        if not isinstance(eol_symbol, numbers.Integral) or \
                not 0 <= eol_symbol < self.num_outputs:
            raise ValueError("{}: eol_symbol is {!r}, outside the vocabulary "
                             "of {} outputs (0 .. {})".format(
                                 self.where, eol_symbol, self.num_outputs,
                                 self.num_outputs - 1))
        if not isinstance(max_length, numbers.Integral) or max_length < 1:
            raise ValueError("{}: max_length must be a positive int, got "
                             "{!r}".format(self.where, max_length))
        if length_normalization < 0:
            raise ValueError("{}: length_normalization must be >= 0, got "
                             "{!r}".format(self.where, length_normalization))

    def search(self, input_values, eol_symbol, max_length,
               ignore_first_eol=False, as_arrays=False,
               length_normalization=0., beam_size=None):
        """Search for the best output sequences of one input.

        Parameters
        ----------
        input_values : dict
            The values of :attr:`inputs` (keys are the variables or their
            names), with a batch of one example.
        eol_symbol : int
            The end-of-sequence symbol; a hypothesis ends with it.
        max_length : int
            The largest number of outputs of a hypothesis.
        ignore_first_eol : bool
            Whether to forbid the end of sequence as the first output.
        as_arrays : bool
            Whether to return arrays rather than lists.
        length_normalization : float
            The costs are divided by ``length ** length_normalization``
            before the hypotheses are ranked and returned (0, the default,
            ranks by the total cost; 1 by the cost per output).
        beam_size : int, optional
            The beam size of this search; the one given to the constructor
            by default. A beam of 1 is greedy decoding. The compiled
            functions do not depend on it.

        Returns
        -------
        outputs : list of lists of int
            The hypotheses (with the end of sequence when they have one),
            best first; with ``as_arrays``, an array ``(max length,
            hypotheses)`` followed by its mask.
        costs : :class:`numpy.ndarray`
            Their (normalised) costs, in the same order.

        """
        results = self.search_batch(input_values, eol_symbol, max_length,
                                    ignore_first_eol, as_arrays,
                                    length_normalization, beam_size)
        if len(results) != 1:
            raise ValueError("{}: search takes one input (a batch of one), "
                             "got a batch of {}; use search_batch for "
                             "several".format(self.where, len(results)))
        return results[0]

    def search_batch(self, input_values, eol_symbol, max_length,
                     ignore_first_eol=False, as_arrays=False,
                     length_normalization=0., beam_size=None):
        """Search for the best output sequences of several inputs at once.

        Takes the arguments of :meth:`search`, with a batch of any size in
        `input_values`; every input gets its own beam. Returns a list with
        what :meth:`search` returns for every input.

        """
        self._check_arguments(eol_symbol, max_length, length_normalization)
        if beam_size is None:
            beam_size = self.beam_size
        if not isinstance(beam_size, numbers.Integral) or beam_size < 1:
            raise ValueError("{}: beam_size must be a positive int, got {!r}"
                             .format(self.where, beam_size))
        if not self.compiled:
            self.compile()
        contexts = (self._contexts_function(
            *self._input_values(input_values)) if self.contexts else [])
        sizes = {name: numpy.shape(value)[axis] for (name, axis), value in
                 zip(self.context_batch_axes.items(), contexts)}
        if len(set(sizes.values())) > 1:
            raise ValueError("{}: the contexts disagree on the batch size "
                             "(along context_batch_axes {}): {}".format(
                                 self.where, dict(self.context_batch_axes),
                                 sizes))
        num_inputs = next(iter(sizes.values())) if sizes else 1
        beam = int(beam_size)
        contexts = [numpy.repeat(value, beam, axis=axis) for value, axis in
                    zip(contexts, self.context_batch_axes.values())]
        states = self._initial_function(num_inputs * beam, *contexts)
        costs = numpy.full((num_inputs, beam), numpy.inf)
        costs[:, 0] = 0  # the other hypotheses would repeat the first
        finished = numpy.zeros((num_inputs, beam), dtype=bool)
        history = numpy.zeros((0, num_inputs, beam), dtype='int64')
        rows = numpy.arange(num_inputs)[:, None]
        for step in range(max_length):
            step_costs = numpy.array(
                self._costs_function(*(contexts + states)),
                dtype='float64').reshape(num_inputs, beam, -1)
            if ignore_first_eol and step == 0:
                step_costs[:, :, eol_symbol] = numpy.inf
            # A finished hypothesis goes on with end of sequence, for free.
            step_costs[finished] = numpy.inf
            step_costs[finished, eol_symbol] = 0
            candidates = (costs[:, :, None] + step_costs).reshape(
                num_inputs, -1)
            best = numpy.argsort(candidates, axis=1, kind='stable')[:, :beam]
            origins, symbols = numpy.divmod(best, self.num_outputs)
            costs = numpy.take_along_axis(candidates, best, axis=1)
            history = numpy.concatenate(
                [history[:, rows, origins], symbols[None]], axis=0)
            finished = finished[rows, origins] | (symbols == eol_symbol)
            indices = (rows * beam + origins).ravel()
            states = self._next_states_function(
                *(contexts + [state[indices] for state in states] +
                  [symbols.ravel()]))
            if finished.all():
                break
        return [self._results(history[:, index], costs[index], eol_symbol,
                              as_arrays, length_normalization)
                for index in range(num_inputs)]

    @staticmethod
    def _results(history, costs, eol_symbol, as_arrays,
                 length_normalization):
        alive = numpy.isfinite(costs)
        history, costs = history[:, alive], costs[alive]
        is_eol = history == eol_symbol
        ended = is_eol.any(axis=0)
        lengths = numpy.where(ended, is_eol.argmax(axis=0) + 1,
                              history.shape[0])
        if length_normalization:
            costs = costs / lengths ** float(length_normalization)
        order = numpy.argsort(costs, kind='stable')
        history, costs, lengths = (history[:, order], costs[order],
                                   lengths[order])
        if as_arrays:
            length = lengths.max() if len(lengths) else 0
            mask = (numpy.arange(length)[:, None] < lengths[None, :])
            return (history[:length] * mask, mask.astype(
                aesara.config.floatX), costs)
        return ([list(map(int, history[:length, index]))
                 for index, length in enumerate(lengths)], costs)
