"""The MPI side of distributed training: ranks, batch shares, reductions.

Everything here works without MPI too: when :mod:`mpi4py` cannot be
imported, or the script was not started by ``mpirun``, there is one rank
and every operation is the identity.

"""
import logging
import os
import sys
import time
import traceback

import numpy

logger = logging.getLogger(__name__)

_COMMUNICATOR = []

#: Environment variables that MPI launchers (Open MPI's ``mpirun``, PMIx,
#: MPICH's Hydra, MVAPICH, Slurm's ``srun``) give the processes they start.
LAUNCHER_VARIABLES = ('OMPI_COMM_WORLD_SIZE', 'PMIX_RANK', 'PMI_RANK',
                      'PMI_SIZE', 'MV2_COMM_WORLD_SIZE', 'SLURM_PROCID')


def launched_by_mpi():
    """Whether this process was started by an MPI launcher.

    Decided from the environment, without initializing MPI: a script run
    as a plain ``python script.py`` is one rank and never imports
    :mod:`mpi4py`.

    """
    return any(name in os.environ for name in LAUNCHER_VARIABLES)


def launched_size():
    """The number of ranks the launcher started, as far as the environment
    tells (1 when unknown or not launched by MPI)."""
    for name in ('OMPI_COMM_WORLD_SIZE', 'PMI_SIZE', 'MV2_COMM_WORLD_SIZE'):
        try:
            return int(os.environ[name])
        except (KeyError, ValueError):
            continue
    return 1


class SingleProcess:
    """The communicator of a job of one rank, when MPI is not available."""
    rank = 0
    size = 1

    def allgather(self, value):
        return [value]

    def Abort(self, errorcode=1):  # noqa: N802 (mpi4py's name)
        raise SystemExit(errorcode)


def communicator():
    """Return the world communicator, created on the first call.

    Returns ``mpi4py.MPI.COMM_WORLD``, or a :class:`SingleProcess` stand-in
    when :mod:`mpi4py` cannot be imported.

    """
    if not _COMMUNICATOR:
        if not launched_by_mpi():
            logger.debug('not started by an MPI launcher: one rank')
            _COMMUNICATOR.append(SingleProcess())
            return _COMMUNICATOR[0]
        try:
            from mpi4py import MPI
        except ImportError as exc:
            if launched_size() > 1:
                raise ImportError(
                    "blocks.distributed: this process is one of {} started "
                    "by an MPI launcher, but mpi4py cannot be imported ({}); "
                    "install it with pip install 'blocks[mpi]'".format(
                        launched_size(), exc)) from exc
            logger.debug('mpi4py cannot be imported (%s): one rank', exc)
            _COMMUNICATOR.append(SingleProcess())
        else:
            _COMMUNICATOR.append(MPI.COMM_WORLD)
    return _COMMUNICATOR[0]


def abort_on_exception(exception_type, exception, trace):
    """Print an uncaught exception and end the whole MPI job.

    Installed as :data:`sys.excepthook` by :func:`install_excepthook`:
    without it, a rank that fails outside the main loop (building the
    model, say) exits while the others wait for it forever in their next
    collective operation.

    """
    rank, size = rank_and_size()
    sys.stderr.write("blocks.distributed: rank {} of {} failed; stopping "
                     "all ranks.\n".format(rank, size))
    sys.stderr.write(''.join(traceback.format_exception(
        exception_type, exception, trace)))
    sys.stderr.flush()
    communicator().Abort(1)


def install_excepthook():
    """Make an uncaught exception on any rank end the whole MPI job.

    Done on import of :mod:`blocks.distributed` when the environment shows
    several ranks, and by :func:`~blocks.distributed.distribute` when there
    are several ranks.

    """
    if sys.excepthook is not abort_on_exception:
        sys.excepthook = abort_on_exception


def rank_and_size():
    """The rank of this process and the number of ranks."""
    comm = communicator()
    if isinstance(comm, SingleProcess):
        return 0, 1
    return comm.Get_rank(), comm.Get_size()


def share_bounds(length, rank, size):
    """The slice ``[start, stop)`` of `length` examples that `rank` takes.

    The examples are cut into `size` contiguous, near-equal shares, the
    first ``length % size`` shares one example longer than the others.

    >>> [share_bounds(5, rank, 2) for rank in range(2)]
    [(0, 3), (3, 5)]

    """
    base, extra = divmod(length, size)
    start = rank * base + min(rank, extra)
    return start, start + base + (1 if rank < extra else 0)


class Distribution:
    """How a training job is spread over MPI ranks.

    Parameters
    ----------
    batch_axes : dict, optional
        Maps a source name to the axis along which its batches are cut
        into per-rank shares (e.g. 1 for time-major sequences); the axis
        is 0 for sources not given. Sources whose data has no such axis
        (scalars) are given whole to every rank.

    Attributes
    ----------
    allreduce_seconds : float
        The time this process spent in the gradient ``Allreduce``.
    allreduce_calls : int
        The number of gradient ``Allreduce`` calls.

    """
    def __init__(self, batch_axes=None):
        batch_axes = dict(batch_axes or {})
        for source, axis in batch_axes.items():
            if not isinstance(axis, int) or axis < 0:
                raise ValueError("distribute: batch_axes must map source "
                                 "names to non-negative axes, got {!r} for "
                                 "{!r}".format(axis, source))
        self.batch_axes = batch_axes
        self.allreduce_seconds = 0.
        self.allreduce_calls = 0

    @property
    def rank(self):
        return rank_and_size()[0]

    @property
    def size(self):
        return rank_and_size()[1]

    def batch_length(self, batch):
        """The number of examples in a global batch (the same on all
        sources cut into shares)."""
        lengths = {}
        for source, value in batch.items():
            axis = self.batch_axes.get(source, 0)
            shape = numpy.shape(value)
            if len(shape) > axis:
                lengths[source] = shape[axis]
        if len(set(lengths.values())) > 1:
            raise ValueError(
                "distribute: the sources of a batch hold different numbers "
                "of examples along their batch axes ({}), so the batch "
                "cannot be cut into one share per rank; give the batch axis "
                "of each source with distribute(..., batch_axes={{source: "
                "axis}})".format(lengths))
        return next(iter(lengths.values()), 1)

    def local_batch(self, batch):
        """This rank's share of a global batch.

        Returns
        -------
        local : dict
            The batch with every source cut to this rank's share.
        local_length, global_length : int
            The numbers of examples in the share and in the batch.

        """
        rank, size = rank_and_size()
        length = self.batch_length(batch)
        if size == 1:
            return batch, length, length
        start, stop = share_bounds(length, rank, size)
        local = {}
        for source, value in batch.items():
            axis = self.batch_axes.get(source, 0)
            if numpy.ndim(value) > axis:
                index = (slice(None),) * axis + (slice(start, stop),)
                value = numpy.asarray(value)[index]
            local[source] = value
        return local, stop - start, length

    def reduce_gradients(self, flat, local_length, global_length):
        """Average the flattened gradients of all ranks, in place.

        Each rank's gradient is weighted by its number of examples, so that
        with a cost averaged over the examples the result is the gradient
        of the whole batch's cost.

        """
        rank, size = rank_and_size()
        if size == 1:
            return flat
        from mpi4py import MPI
        if local_length != global_length:
            flat *= flat.dtype.type(local_length)
        start = time.perf_counter()
        communicator().Allreduce(MPI.IN_PLACE, flat, op=MPI.SUM)
        self.allreduce_seconds += time.perf_counter() - start
        self.allreduce_calls += 1
        if local_length != global_length:
            flat /= flat.dtype.type(global_length)
        return flat

    def combine_aggregators(self, aggregators):
        """Combine the accumulators of all ranks, in place, exactly.

        Sums (of :class:`~blocks.monitoring.aggregation.Mean` and
        :class:`~blocks.monitoring.aggregation.Total`) are added, extrema
        taken over ranks, concatenations joined in rank order; a value kept
        by :class:`~blocks.monitoring.aggregation.TakeLast` is averaged over
        ranks when ranks differ. Ranks that saw no batch are left out.

        """
        if rank_and_size()[1] == 1 or not aggregators:
            return
        local = [_accumulator_values(aggregator) for aggregator in aggregators]
        gathered = communicator().allgather(local)
        for index, aggregator in enumerate(aggregators):
            _set_combined(aggregator,
                          [values[index] for values in gathered])


def _accumulators(aggregator):
    return [variable for variable, _ in aggregator.initialization_updates]


def _kind(aggregator):
    from blocks.monitoring import aggregation
    scheme = aggregator.aggregation_scheme
    for kind, classes in (('mean', (aggregation.Mean,)),
                          ('sum', (aggregation.Total,)),
                          ('min', (aggregation.Minimum,)),
                          ('max', (aggregation.Maximum,)),
                          ('concatenate', (aggregation.Concatenate,)),
                          ('last', (aggregation.TakeLast,))):
        if isinstance(scheme, classes):
            return kind
    if not aggregator.initialization_updates:
        return 'independent'
    return None


def check_combinable(owner, aggregators):
    """Raise ValueError for aggregators that ranks cannot combine."""
    for aggregator in aggregators:
        if _kind(aggregator) is None:
            raise ValueError(
                "distribute: {} monitors {} with the aggregation scheme {}, "
                "which distributed training cannot combine across ranks; "
                "use mean, total, minimum, maximum, concatenate or "
                "take_last".format(
                    owner, aggregator.aggregation_scheme.variable,
                    type(aggregator.aggregation_scheme).__name__))


def _accumulator_values(aggregator):
    return [variable.get_value() for variable in _accumulators(aggregator)]


def _initialized(kind, values):
    # Mean: (numerator, denominator, initialized); a combining aggregator:
    # (storage, initialized); a Total of static shape or TakeLast: one.
    if kind in ('mean', 'min', 'max', 'concatenate') or \
            (kind == 'sum' and len(values) == 2):
        return bool(values[-1])
    return True


def _set_combined(aggregator, per_rank):
    kind = _kind(aggregator)
    if kind == 'independent':
        return
    variables = _accumulators(aggregator)
    seen = [values for values in per_rank if _initialized(kind, values)]
    if not seen:
        return
    if kind == 'mean':
        combined = [_sum([values[0] for values in seen]),
                    _sum([values[1] for values in seen]),
                    seen[0][2]]
    elif kind == 'sum':
        combined = [_sum([values[0] for values in seen])] + seen[0][1:]
    elif kind in ('min', 'max'):
        operation = numpy.minimum if kind == 'min' else numpy.maximum
        value = seen[0][0]
        for values in seen[1:]:
            value = operation(value, values[0])
        combined = [value, seen[0][1]]
    elif kind == 'concatenate':
        combined = [numpy.concatenate([values[0] for values in seen]),
                    seen[0][1]]
    else:
        values = [values[0] for values in seen]
        if all(numpy.array_equal(values[0], value) for value in values) or \
                not numpy.issubdtype(numpy.asarray(values[0]).dtype,
                                     numpy.floating):
            combined = [values[0]]
        else:
            combined = [numpy.mean(values, axis=0)]
    for variable, value in zip(variables, combined):
        variable.set_value(numpy.asarray(value, dtype=variable.dtype))


def _sum(arrays):
    total = numpy.array(arrays[0], copy=True)
    for array in arrays[1:]:
        total = total + array
    return total
