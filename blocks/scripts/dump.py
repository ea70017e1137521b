"""``blocks-dump``: extract the parameters of a checkpoint to an ``.npz``.

Usage::

    blocks-dump CHECKPOINT.zip [OUTPUT.npz] [--force] [--all]

Reads the parameter values of the checkpoint (named by brick path, e.g.
``mlp/linear_0.W``; with ``--all`` also the other arrays, such as step
rule state, under ``_state/``) and writes them to a NumPy ``.npz`` file,
``CHECKPOINT_parameters.npz`` by default. Nothing is unpickled, so this
works on checkpoints you do not trust and when the code that wrote them is
gone. Reads are bounded: one array is in memory at a time, an array's
header must agree with its size, and a member larger than the
``max_member_size`` setting (1 GiB by default, ``BLOCKS_MAX_MEMBER_SIZE``)
is refused. An existing OUTPUT is only replaced with ``--force``.

"""
import argparse
import os
import sys
import zipfile

import numpy

from blocks.serialization import CheckpointError, iter_parameters, secure_dump


def default_output(checkpoint):
    """The default output path: ``model.zip`` -> ``model_parameters.npz``.

    Examples
    --------
    >>> default_output('runs/model.zip')
    'runs/model_parameters.npz'

    """
    return os.path.splitext(checkpoint)[0] + '_parameters.npz'


def _write_npz(parameters, file_handler):
    """Write ``(name, array)`` pairs to an ``.npz``, one array at a time."""
    with zipfile.ZipFile(file_handler, 'w', zipfile.ZIP_STORED,
                         allowZip64=True) as archive:
        for name, value in parameters:
            with archive.open(name.lstrip('/') + '.npy', 'w',
                              force_zip64=True) as member:
                numpy.lib.format.write_array(member, value,
                                             allow_pickle=False)


def main(argv=None):
    """Run ``blocks-dump``; return the exit status.

    Parameters
    ----------
    argv : list of str, optional
        The arguments, ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        0 on success, 1 if the checkpoint cannot be read or the output
        exists (the reason is printed on standard error).

    """
    parser = argparse.ArgumentParser(
        prog='blocks-dump',
        description='Write the parameters of a Blocks checkpoint to an .npz '
        'file, without unpickling anything.')
    parser.add_argument('checkpoint', help='the checkpoint (.zip)')
    parser.add_argument('output', nargs='?', help='the .npz file to write '
                        '(default: CHECKPOINT_parameters.npz)')
    parser.add_argument('--force', action='store_true',
                        help='replace OUTPUT if it exists')
    parser.add_argument('--all', action='store_true',
                        help='also write the arrays that are not '
                        'parameters (step rule state, under _state/)')
    args = parser.parse_args(argv)
    output = args.output or default_output(args.checkpoint)
    if os.path.exists(output) and not args.force:
        print('blocks-dump: {} exists; pass --force to replace it'.format(
            output), file=sys.stderr)
        return 1
    try:
        secure_dump(iter_parameters(args.checkpoint, include_state=args.all),
                    output, dump_function=_write_npz)
        with zipfile.ZipFile(output) as written:
            count = len(written.namelist())
    except (CheckpointError, ValueError, OSError) as exc:
        print('blocks-dump: {}'.format(exc), file=sys.stderr)
        return 1
    print('blocks-dump: wrote {} arrays from {} to {}'.format(
        count, args.checkpoint, output))
    return 0


if __name__ == '__main__':
    sys.exit(main())
