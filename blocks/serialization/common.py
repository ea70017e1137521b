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
#: The folder of the archive holding the values of shared variables that
#: are not parameters (step rule state, hyperparameters, ...).
STATE_PREFIX = '_state/'


class CheckpointError(ValueError):
    """A checkpoint cannot be read, or does not fit what it is loaded into.

    The message names the file, the archive member and, where there is
    one, the parameter concerned.

    """


class UnsafeGlobalError(pickle.UnpicklingError):
    """A pickle refers to a global that :func:`load` does not trust."""


# Both errors are part of the public API of blocks.serialization.
CheckpointError.__module__ = UnsafeGlobalError.__module__ = \
    'blocks.serialization'


refusal_explanation = """\
; if you trust this file, pass allowed_modules=[{module!r}] to load() \
or continue_training() (--allow {module} to blocks-continue)"""

main_refusal_explanation = """\
: it was defined in the script that started training (__main__), which \
cannot be imported from another process. Move it into a module on the \
Python path and import it from there in your script; if you are loading \
from the very script that defined it and trust this file, pass \
allowed_modules=['__main__'] to load()"""

denied_explanation = """\
: it can touch files, processes or compiled code, so it is refused even \
though its module is trusted; if you trust this file, pass \
allowed_modules=[{name!r}] to load() (--allow {name} to blocks-continue)"""

main_warning = """\
pickling {name}, which is defined in __main__: it can only be unpickled by \
the script that defines it. load() and blocks-continue refuse __main__ \
globals unless told otherwise; move it into an importable module."""
