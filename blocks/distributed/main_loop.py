"""The main loop of one rank of a distributed training job."""
import logging
import signal
import sys
import traceback
import zlib

import numpy
from aesara.compile.sharedvalue import SharedVariable
from aesara.graph.basic import graph_inputs

from blocks.distributed.communication import communicator, rank_and_size
from blocks.main_loop import MainLoop

logger = logging.getLogger(__name__)

different_model_message = """\
distribute: rank {rank} built a different model than rank 0: {difference}. \
Every rank must build the same bricks with the same initialization (the \
same seeds), so that all ranks start from identical parameters."""


def _rank0_only_types():
    from blocks.extensions import Printing, ProgressBar
    from blocks.extensions.plot import Plot
    from blocks.extensions.saveload import Checkpoint
    return (Printing, ProgressBar, Plot, Checkpoint)


class DistributedMainLoop(MainLoop):
    """A main loop that trains data-parallel with the other MPI ranks.

    Built by :func:`~blocks.distributed.distribute`, which documents what
    it does; with one rank it trains exactly like :class:`MainLoop`.

    """
    def __getstate__(self):
        state = super().__getstate__()
        for key in ('_all_extensions', '_pending_signals', '_pending_signal',
                    '_rngs'):
            state.pop(key, None)
        return state

    def run(self):
        """Start or resume training on this rank.

        An exception on any rank is printed with the rank's number and ends
        the whole job (``MPI_Abort``) when there are several ranks.

        """
        rank, size = rank_and_size()
        if size == 1:
            return super().run()
        blocks_logger = logging.getLogger('blocks')
        level = blocks_logger.level
        self._all_extensions = self.extensions
        self._pending_signals = 0
        self._pending_signal = 0
        try:
            if rank > 0:
                # Only rank 0 prints, plots and writes checkpoints.
                quiet = _rank0_only_types()
                self.extensions = [extension for extension in self.extensions
                                   if not isinstance(extension, quiet)]
                blocks_logger.setLevel(logging.WARNING)
            self._check_same_model()
            self._prepare_random_streams()
            return super().run()
        except BaseException:
            message = traceback.format_exc()
            sys.stderr.write(
                "blocks.distributed: rank {} of {} failed; stopping all "
                "ranks.\n{}".format(rank, size, message))
            sys.stderr.flush()
            communicator().Abort(1)
            raise
        finally:
            self.extensions = self._all_extensions
            del self._all_extensions
            blocks_logger.setLevel(level)

    # Model check -----------------------------------------------------------

    def _parameter_names(self):
        names = {}
        if self._model is not None:
            try:
                names = {parameter: name for name, parameter
                         in self._model.get_parameter_dict().items()}
            except Exception:
                names = {}
        return [names.get(parameter, parameter.name)
                for parameter in getattr(self.algorithm, 'parameters', [])]

    def _check_same_model(self):
        parameters = getattr(self.algorithm, 'parameters', [])
        description = [
            (name, tuple(parameter.get_value(borrow=True).shape),
             zlib.crc32(numpy.ascontiguousarray(
                 parameter.get_value(borrow=True)).tobytes()))
            for name, parameter in zip(self._parameter_names(), parameters)]
        gathered = communicator().allgather(description)
        reference = gathered[0]
        for rank, other in enumerate(gathered[1:], start=1):
            difference = _first_difference(reference, other, rank)
            if difference:
                raise ValueError(different_model_message.format(
                    rank=rank, difference=difference))

    # Random streams --------------------------------------------------------

    def _random_variables(self):
        outputs = []
        graph_outputs = getattr(self.algorithm, '_graph_outputs', None)
        if graph_outputs is not None:
            outputs = graph_outputs()
        return [variable for variable in graph_inputs(outputs)
                if isinstance(variable, SharedVariable) and isinstance(
                    variable.get_value(borrow=True),
                    (numpy.random.Generator, numpy.random.RandomState))]

    def _prepare_random_streams(self):
        """Give each rank its own random numbers (dropout masks, noise).

        At the start every rank draws from generators seeded with the
        generator's state and the rank; resumed training restores each
        rank's generators from the checkpoint, where rank 0 keeps the
        states of all ranks.

        """
        rank, size = rank_and_size()
        self._rngs = self._random_variables()
        states = getattr(self, '_rank_random_states', None)
        if self.status['training_started'] and states is not None:
            if len(states) != size:
                raise ValueError(
                    "distribute: the checkpoint was written by {} ranks and "
                    "is resumed by {}; the random generators of each rank "
                    "can only be restored by as many ranks".format(
                        len(states), size))
            for variable, value in zip(self._rngs, states[rank]):
                variable.set_value(value, borrow=True)
            return
        for variable in self._rngs:
            generator = variable.get_value()
            if isinstance(generator, numpy.random.Generator):
                entropy = int(generator.integers(2 ** 62))
                new = numpy.random.default_rng([entropy, rank])
            else:
                entropy = int(generator.randint(2 ** 31))
                new = numpy.random.RandomState(
                    (entropy + 7919 * rank) % 2 ** 32)
            variable.set_value(new, borrow=True)
        self._gather_random_states()

    def _gather_random_states(self):
        if self._rngs:
            self._rank_random_states = communicator().allgather(
                [variable.get_value() for variable in self._rngs])

    # Stopping together -----------------------------------------------------

    def _run_extensions(self, method_name, *args):
        if method_name == 'after_batch' and rank_and_size()[1] > 1:
            # A checkpoint written in after_batch holds every rank's state.
            self._gather_random_states()
        super()._run_extensions(method_name, *args)

    def _handle_signal(self, signal_number, frame):
        if rank_and_size()[1] == 1:
            return super()._handle_signal(signal_number, frame)
        # Noted only: the ranks agree at the next batch boundary on
        # whether any of them received a signal.
        self._pending_signals = getattr(self, '_pending_signals', 0) + 1
        self._pending_signal = signal_number
        if self._pending_signals > 1:
            self._restore_signal_handlers()
            raise KeyboardInterrupt(
                "MainLoop: training aborted by a second {}".format(
                    signal.Signals(signal_number).name))
        logger.warning('Received %s: all ranks stop after the current '
                       'batch', signal.Signals(signal_number).name)

    def _check_finish_training(self, level):
        if rank_and_size()[1] > 1:
            self._agree_on_stopping()
        super()._check_finish_training(level)

    def _agree_on_stopping(self):
        from mpi4py import MPI
        flags = numpy.array(
            [getattr(self, '_pending_signal', 0) if
             getattr(self, '_pending_signals', 0) else 0,
             int(bool(self.log.current_row.get(
                 'training_finish_requested', False)))], dtype='int64')
        communicator().Allreduce(MPI.IN_PLACE, flags, op=MPI.MAX)
        if flags[0] and not self._signals_received:
            self._signals_received = 1
            self._signal_name = signal.Signals(int(flags[0])).name
        if flags[1]:
            self.log.current_row['training_finish_requested'] = True


def _first_difference(reference, other, rank):
    """Describe the first difference of two ranks' parameters, or None."""
    if len(reference) != len(other):
        return "{} parameters on rank 0 ({}), {} on rank {} ({})".format(
            len(reference), [name for name, _, _ in reference][:10],
            len(other), rank, [name for name, _, _ in other][:10])
    for index, ((name, shape, checksum), (other_name, other_shape,
                                          other_checksum)) in enumerate(
            zip(reference, other)):
        if name != other_name:
            return "parameter {} is {} on rank 0 but {} on rank {}".format(
                index, name, other_name, rank)
        if shape != other_shape:
            return "parameter {} has shape {} on rank 0 but {} on rank " \
                "{}".format(name, shape, other_shape, rank)
        if checksum != other_checksum:
            return ("parameter {} has different initial values (checksum "
                    "{:08x} on rank 0, {:08x} on rank {})".format(
                        name, checksum, other_checksum, rank))
    return None
