"""``blocks-continue``: resume training from a checkpoint.

Usage::

    blocks-continue CHECKPOINT.zip [--to OTHER.zip] [--trust]
                    [--allow NAME]... [--new-log]

The main loop saved in the checkpoint (by
:class:`~blocks.extensions.saveload.Checkpoint`) is loaded and its training
continues exactly where it stopped. The checkpoint keeps being written to
CHECKPOINT.zip (made absolute: the directory it is run from does not
matter), or to OTHER.zip with ``--to``; that the destination can be written
is checked before training.

Only checkpoints signed with your key are unpickled (see
:mod:`blocks.serialization.signing`); ``--trust`` loads one written by
someone else, still through the table of trusted globals. ``--allow NAME``
trusts one more class or function (``mymodule.MyExtension``) or a module of
your own (``mymodule``). Modules in the current directory can be imported,
as with ``python -m``.

Exit status: 0 when training finished, 1 when the checkpoint cannot be
loaded or written (the reason is printed on standard error), 130 or 143
when training was stopped by SIGINT or SIGTERM (resume it again the same
way).

"""
import argparse
import logging
import os
import sys

from blocks.serialization import (
    CheckpointError, SIGNAL_EXIT_STATUS, UnsafeGlobalError,
    continue_training)

logger = logging.getLogger(__name__)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog='blocks-continue',
        description='Resume training from a Blocks checkpoint.')
    parser.add_argument('checkpoint', help='the checkpoint (a .zip file '
                        'written by the Checkpoint extension)')
    parser.add_argument('--to', metavar='PATH',
                        help='write the checkpoints of the resumed training '
                        'to PATH instead of CHECKPOINT')
    parser.add_argument('--trust', action='store_true',
                        help='load the checkpoint even if it is not signed '
                        'with your key (it was written by someone else)')
    parser.add_argument('--allow', action='append', default=[],
                        metavar='NAME',
                        help='trust this class or function (module.Name) or '
                        'this module of your own when unpickling; may be '
                        'repeated')
    parser.add_argument('--new-log', action='store_true',
                        help='if the SQLite database of the log is missing, '
                        'start a new one from the checkpoint\'s status')
    return parser.parse_args(argv)


def main(argv=None):
    """Run ``blocks-continue``; return the exit status.

    Parameters
    ----------
    argv : list of str, optional
        The arguments, ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        0 when training finished, 1 when the checkpoint cannot be loaded or
        written, 128 + the signal's number when a signal stopped training.

    """
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    # Like ``python -m``, let the modules next to the user import; at the
    # end of the path, so that they cannot shadow installed packages.
    if os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())
    try:
        main_loop = continue_training(
            args.checkpoint, allowed=args.allow, trusted=args.trust,
            to=args.to, new_log=args.new_log)
    except (CheckpointError, UnsafeGlobalError, OSError, ValueError) as exc:
        print('blocks-continue: {}'.format(exc), file=sys.stderr)
        return 1
    if main_loop.interrupted:
        destination = args.to or args.checkpoint
        print('blocks-continue: training was stopped by {} at iteration {}; '
              'continue it with: blocks-continue {}'.format(
                  main_loop.interrupted, main_loop.status['iterations_done'],
                  destination), file=sys.stderr)
        return SIGNAL_EXIT_STATUS.get(main_loop.interrupted, 1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
