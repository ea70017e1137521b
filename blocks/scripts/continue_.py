"""``blocks-continue``: resume training from a checkpoint.

Usage::

    blocks-continue CHECKPOINT.zip [--allow MODULE]...

The main loop saved in the checkpoint (by
:class:`~blocks.extensions.saveload.Checkpoint`) is loaded and its training
continues exactly where it stopped, writing to the same checkpoint path.
Only the globals of the allow-list of :func:`blocks.serialization.load` are
unpickled; ``--allow MODULE`` trusts one more module (e.g. the one defining
your own extensions or data stream functions). Modules in the current
directory can be imported, as with ``python -m``.

"""
import argparse
import logging
import os
import sys

from blocks.serialization import (
    CheckpointError, UnsafeGlobalError, continue_training)

logger = logging.getLogger(__name__)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog='blocks-continue',
        description='Resume training from a Blocks checkpoint.')
    parser.add_argument('checkpoint', help='the checkpoint (a .zip file '
                        'written by the Checkpoint extension)')
    parser.add_argument('--allow', action='append', default=[],
                        metavar='MODULE',
                        help='trust the globals of this module (and its '
                        'sub-modules) when unpickling; may be repeated')
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
        0 when training finished, 1 when the checkpoint cannot be loaded
        (the reason is printed on standard error).

    """
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    # Like ``python -m``, let the modules next to the user import; at the
    # end of the path, so that they cannot shadow installed packages.
    if os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())
    try:
        continue_training(args.checkpoint, allowed_modules=args.allow)
    except (CheckpointError, UnsafeGlobalError, OSError) as exc:
        print('blocks-continue: {}'.format(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
