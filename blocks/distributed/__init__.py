"""Data-parallel training over MPI.

Change one line of a training script::

    main_loop = distribute(MainLoop(algorithm, data_stream, ...))

and start it with ``mpirun -np N python script.py``: each of the N ranks
trains on its share of every batch and the ranks average their gradients
before each step. See :doc:`/distributed` for how to launch it and what
scales.

"""
from blocks.distributed.communication import (Distribution,
                                              install_excepthook,
                                              launched_size, rank_and_size,
                                              share_bounds)
from blocks.distributed.main_loop import DistributedMainLoop

__all__ = ['distribute', 'DistributedMainLoop', 'Distribution',
           'rank_and_size', 'share_bounds']

if launched_size() > 1:
    # An exception on one rank before or after training ends the job
    # instead of leaving the other ranks waiting.
    install_excepthook()


def distribute(main_loop, batch_axes=None):
    """Make a main loop train data-parallel over the ranks of an MPI job.

    Parameters
    ----------
    main_loop : :class:`~blocks.main_loop.MainLoop`
        The main loop, built the same way on every rank. Its algorithm
        must be a :class:`~blocks.algorithms.GradientDescent` and its log
        the default in-memory :class:`~blocks.log.TrainingLog`.
    batch_axes : dict, optional
        Maps a source name to the axis of its batches along which they are
        cut into per-rank shares; 0 for the sources not given.

    Returns
    -------
    :class:`DistributedMainLoop`
        The main loop to run instead (it takes over `main_loop`'s state).

    Notes
    -----
    - Every rank reads every batch of the training stream and trains on
      its contiguous share: rank r of N the r-th of N near-equal slices.
    - Each step computes the gradients on every rank, averages them (each
      weighted by its share's number of examples, so a cost that is a mean
      over the examples gets the gradient of the whole batch) with one
      ``Allreduce`` over one buffer, then applies the step rule, so that
      all ranks keep identical parameters and step rule states.
    - :class:`~blocks.extensions.monitoring.TrainingDataMonitoring` and
      :class:`~blocks.extensions.monitoring.DataStreamMonitoring` combine
      the accumulators of all ranks; the latter evaluates each rank's
      share of every batch. Quantities that are not Aesara variables
      (:class:`~blocks.monitoring.aggregation.MonitoredQuantity`) are not
      supported.
    - Only rank 0 prints, plots and writes checkpoints; the checkpoint
      holds the random generator states of all ranks.
    - The ranks agree after every batch on whether to stop (a finish
      request or a signal on any rank), and an error on one rank ends the
      whole job, in training or outside it (importing this module under an
      MPI launcher installs a :data:`sys.excepthook` that calls
      ``MPI_Abort``).

    With one rank (or without :mod:`mpi4py`) training is the same as
    without this function.

    Raises
    ------
    TypeError
        If the algorithm is not a gradient descent or the log is not kept
        in memory.
    ValueError
        If a monitoring extension monitors something the ranks cannot
        combine.

    """
    from blocks.algorithms import GradientDescent
    from blocks.extensions.monitoring import (DataStreamMonitoring,
                                              TrainingDataMonitoring)
    from blocks.log import TrainingLog
    from blocks.main_loop import MainLoop
    from blocks.distributed.communication import check_combinable
    if not isinstance(main_loop, MainLoop):
        raise TypeError("distribute: expected a MainLoop, got {!r}".format(
            main_loop))
    if not isinstance(main_loop.algorithm, GradientDescent):
        raise TypeError("distribute: the algorithm must be a GradientDescent, "
                        "whose gradients the ranks average; got {}".format(
                            type(main_loop.algorithm).__name__))
    if type(main_loop.log) is not TrainingLog:
        raise TypeError("distribute: the log must be the in-memory "
                        "TrainingLog (log_backend='python'), which every "
                        "rank keeps; got {}".format(
                            type(main_loop.log).__name__))
    if rank_and_size()[1] > 1:
        install_excepthook()
    distribution = Distribution(batch_axes)
    for extension in main_loop.extensions:
        if isinstance(extension, TrainingDataMonitoring):
            buffers = [extension._variables]
            quantities = extension._non_variables.quantities
        elif isinstance(extension, DataStreamMonitoring):
            buffers = [extension._evaluator.aesara_buffer]
            quantities = extension._evaluator.monitored_quantities
            extension._evaluator.distribution = distribution
        else:
            continue
        if quantities:
            raise ValueError(
                "distribute: the extension {!r} monitors quantities that are "
                "not Aesara variables ({}); their values cannot be combined "
                "across ranks".format(extension.name, [
                    quantity.name for quantity in quantities]))
        for buffer in buffers:
            check_combinable('the extension {!r}'.format(extension.name),
                             buffer.aggregators)
            buffer.distribution = distribution
    main_loop.algorithm.distribution = distribution
    main_loop.algorithm._function = None
    distributed = DistributedMainLoop.__new__(DistributedMainLoop)
    distributed.__dict__.update(main_loop.__dict__)
    for extension in distributed.extensions:
        extension.main_loop = distributed
    return distributed
