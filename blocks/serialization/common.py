"""Names shared by the serialization modules: archive layout, errors
and messages."""
import pickle

#: The pickle protocol used by :func:`dump`.
DEFAULT_PROTOCOL = pickle.DEFAULT_PROTOCOL
#: The archive member holding the pickled object.
PICKLE_MEMBER = '_pkl'
#: The suffix of archive members holding arrays.
ARRAY_SUFFIX = '.npy'
#: The name given to shared variables without a name.
UNNAMED = 'unnamed'
#: The folder of the archive holding the signature of each pickle member
#: (``_signature/_pkl`` signs ``_pkl`` and the arrays it refers to).
SIGNATURE_PREFIX = '_signature/'
#: The folder of the archive holding the values of shared variables that
#: are not parameters (step rule state, hyperparameters, ...).
STATE_PREFIX = '_state/'
#: What separates the bricks of a path in the names of archive members:
#: ``mlp/linear_0.W.npy`` holds ``/mlp/linear_0.W``. (Later Blocks used
#: ``|``; its name is kept for code written for it.)
BRICK_DELIMITER = '/'


class CheckpointError(ValueError):
    """A checkpoint cannot be read, or does not fit what it is loaded into.

    The message names the file, the archive member and, where there is
    one, the parameter concerned.

    """


class UntrustedCheckpointError(CheckpointError):
    """A checkpoint is not signed by this user's key, or was modified.

    The message says how to trust it anyway (``trusted=True``,
    ``blocks-continue --trust``) and how to read only its parameters,
    which needs no trust.

    """


class UnsafeGlobalError(pickle.UnpicklingError):
    """A pickle names a global, or asks for an operation, that the table of
    trusted globals does not allow."""


# The errors are part of the public API of blocks.serialization.
CheckpointError.__module__ = UnsafeGlobalError.__module__ = \
    UntrustedCheckpointError.__module__ = 'blocks.serialization'


refusal_explanation = """\
: it is not in the table of trusted globals. If you trust this file and \
{name}, pass allowed=[{name!r}] to load() or continue_training() \
(--allow {name} to blocks-continue)"""

library_refusal_explanation = """\
: it is not in the table of trusted globals, and Blocks never writes it \
into a checkpoint ({top!r} is a library or part of the standard library, \
of which the table lists only what checkpoints need): this file may have \
been crafted to run code. Do not load it unless you know why it names \
{name}; if you do and trust it, pass allowed=[{name!r}] to load() or \
continue_training() (--allow {name} to blocks-continue)"""

blocks_refusal_explanation = """\
: it is not in the table of trusted globals. If this checkpoint was \
written by Blocks, the table misses a class it writes, which is a bug of \
Blocks (please report it); if you trust this file, pass allowed=[{name!r}] \
to load() or continue_training() (--allow {name} to blocks-continue)"""

main_refusal_explanation = """\
: it was defined in the script that started training (__main__), which \
cannot be imported from another process. Move it into a module on the \
Python path and import it from there in your script; if you are loading \
from the very script that defined it and trust this file, pass \
allowed=['__main__'] to load()"""

main_warning = """\
pickling {name}, which is defined in __main__: it can only be unpickled by \
the script that defines it. load() and blocks-continue refuse __main__ \
globals unless told otherwise; move it into an importable module."""
