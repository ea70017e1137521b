"""Extensions that save training to checkpoints and load it back.

:class:`Checkpoint` writes the main loop (and the parameter values, as npy
members readable without unpickling) to a ZIP archive, atomically;
``blocks-continue`` or :func:`~blocks.serialization.continue_training`
resumes training from it exactly where it stopped. :class:`Load` puts the
parameter values of a checkpoint into a new main loop's model.

"""
import logging
import os

from blocks.extensions.base import SimpleExtension, TrainingExtension
from blocks.serialization import (
    ARRAY_SUFFIX, CheckpointError, check_writable_directory, dump, load,
    load_parameters, secure_dump)

logger = logging.getLogger(__name__)

#: The log record made by :class:`Checkpoint`: a tuple of paths.
SAVED_TO = "saved_to"
#: The log record made by :class:`Load`: the path loaded.
LOADED_FROM = "loaded_from"

no_parameters_error = """\
Checkpoint: save_main_loop is False, so only parameters are saved, but \
none were given and the main loop has no model to take them from; pass \
`parameters` or give the MainLoop a model."""

no_model_error = """\
Load: the main loop has no model, so the loaded values cannot be matched \
to parameters; pass `model=Model(cost)` to the MainLoop."""


def _check_path(owner, path):
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError("{}: path must be a string or path, got {!r}"
                        .format(owner, path))
    return os.fspath(path)


class Checkpoint(SimpleExtension):
    """Saves the main loop, or the parameters, to a ZIP checkpoint.

    The whole main loop is pickled: the model, the algorithm with its step
    rule state (e.g. the moments of Adam), the data stream and the position
    in the current epoch, the random generators and the log. Training
    resumes from it exactly where it stopped, see
    :func:`~blocks.serialization.continue_training` and ``blocks-continue``.
    The values of the parameters are also stored as npy members named by
    brick path, which :func:`numpy.load`,
    :func:`~blocks.serialization.load_parameters` and ``blocks-dump`` read
    without unpickling anything.

    The file is written by :func:`~blocks.serialization.secure_dump`: to a
    temporary file that is renamed into place, so that an error or a kill
    while saving leaves the previous checkpoint intact.

    Makes a ``saved_to`` (:data:`SAVED_TO`) record in the log: the tuple
    of paths saved to at this iteration, each once, with None for a save
    that failed (whose error propagates and stops training).

    Parameters
    ----------
    path : str
        The destination. Its directory must exist and be writable; this is
        checked here, so that a typo is found before training starts.
    parameters : list of shared variables, optional
        The variables whose values are stored as npy members even when no
        pickle refers to them. By default the parameters of the main
        loop's model, if it has one.
    save_separately : list of str, optional
        Attributes of the main loop (e.g. ``['log']``) to save also in
        their own checkpoint files, named by adding an underscore and the
        attribute name before the extension (``model_log.zip``); load them
        with :func:`~blocks.serialization.load`.
    save_main_loop : bool, optional
        Pickle the main loop (True by default). If False only the
        parameter values are saved.
    use_cpickle : bool, optional
        Use the C pickler (faster; no warning about objects defined in
        ``__main__``). See :func:`~blocks.serialization.dump`.
    \\*\\*kwargs
        Triggers (see :class:`~blocks.extensions.SimpleExtension`) and
        `name`. ``after_training=True`` unless given: training that ends,
        including on SIGINT or SIGTERM, is saved.

    Notes
    -----
    A call of :meth:`do` with an argument from the user (see
    :meth:`~blocks.extensions.SimpleExtension.add_condition`) saves to that
    path instead.

    The checkpoint captures the state of training at the moment it is
    written, halfway through the callbacks of the current stage: the
    extensions placed after it have not run yet for this batch or epoch,
    and will not run for it when training resumes. Place it after the
    extensions that change training (learning rate schedules and the
    like).

    Objects pickled by reference (functions, classes) must be importable
    when the checkpoint is loaded: those defined in the training script
    itself (``__main__``) are not.

    Examples
    --------
    >>> import os, tempfile
    >>> checkpoint = Checkpoint(os.path.join(tempfile.mkdtemp(),
    ...                                      'model.zip'), every_n_epochs=1)
    >>> Checkpoint('/no/such/directory/model.zip')
    Traceback (most recent call last):
    ...
    ValueError: Checkpoint: cannot write '/no/such/directory/model.zip': \
directory '/no/such/directory' does not exist

    """
    def __init__(self, path, parameters=None, save_separately=None,
                 save_main_loop=True, use_cpickle=False, **kwargs):
        kwargs.setdefault('after_training', True)
        super().__init__(**kwargs)
        self.path = _check_path('Checkpoint', path)
        check_writable_directory(self.path, 'Checkpoint')
        if parameters is not None:
            parameters = list(parameters)
        self.parameters = parameters
        if save_separately is None:
            save_separately = []
        if isinstance(save_separately, str) or not all(
                isinstance(name, str) for name in save_separately):
            raise TypeError("Checkpoint: save_separately must be a list of "
                            "attribute names, got {!r}".format(
                                save_separately))
        self.save_separately = list(save_separately)
        self.save_main_loop = bool(save_main_loop)
        self.use_cpickle = use_cpickle
        #: The path being written while the main loop is pickled (None
        #: otherwise): a checkpoint knows which extension wrote it, so that
        #: resumption keeps writing to the file it was loaded from.
        self.writing_to = None

    def save_separately_filenames(self, path):
        """Compute paths for separately saved attributes.

        Parameters
        ----------
        path : str
            Path to which the main checkpoint file is being saved.

        Returns
        -------
        dict
            Maps attribute names to paths.

        Examples
        --------
        >>> import tempfile
        >>> checkpoint = Checkpoint(tempfile.mkdtemp() + '/model.zip',
        ...                         save_separately=['log'])
        >>> checkpoint.save_separately_filenames('dir/model.zip')
        {'log': 'dir/model_log.zip'}

        """
        root, extension = os.path.splitext(path)
        return {attribute: '{}_{}{}'.format(root, attribute, extension)
                for attribute in self.save_separately}

    def _parameters_to_save(self):
        if self.parameters is not None:
            return self.parameters
        try:
            model = self.main_loop.model
        except AttributeError:
            return None
        return list(model.get_parameter_dict().values())

    def do(self, callback_name, *args):
        """Save the main loop (or the parameters) to the disk.

        If ``args`` hold an argument from the user, it is the path to save
        to instead of the one given at construction.

        """
        _, from_user = self.parse_args(callback_name, args)
        path = self.path
        if from_user:
            path = _check_path('Checkpoint', from_user[0])
        saved = []
        try:
            parameters = self._parameters_to_save()
            if not self.save_main_loop and parameters is None:
                raise ValueError(no_parameters_error)
            object_ = self.main_loop if self.save_main_loop else None
            self.writing_to = path
            try:
                secure_dump(object_, path, dump_function=dump,
                            parameters=parameters,
                            use_cpickle=self.use_cpickle)
            finally:
                self.writing_to = None
            saved.append(path)
            for attribute, separate_path in self.save_separately_filenames(
                    path).items():
                secure_dump(getattr(self.main_loop, attribute),
                            separate_path, dump_function=dump,
                            use_cpickle=self.use_cpickle)
                saved.append(separate_path)
            logger.info("Checkpoint saved to %s", ', '.join(saved))
        except Exception as exc:
            saved.append(None)
            exc.add_note("Checkpoint {!r}: saving to {!r} failed; a file "
                         "saved earlier at that path is left as it was"
                         .format(self.name, path))
            raise
        finally:
            # Saved again at the same iteration (e.g. after the last epoch
            # and after training): each path is listed once.
            saved_to = tuple(self.main_loop.log.current_row.get(SAVED_TO, ()))
            for saved_path in saved:
                if saved_path is None or saved_path not in saved_to:
                    saved_to += (saved_path,)
            self.main_loop.log.current_row[SAVED_TO] = saved_to


class Load(TrainingExtension):
    """Loads the parameters of a checkpoint into the main loop's model.

    Before training, the parameter values are read from the npy members of
    the checkpoint (without unpickling) and matched to the parameters of
    the main loop's model by brick path
    (:meth:`~blocks.model.Model.get_parameter_dict`, e.g.
    ``/mlp/linear_0.W`` is read from the member ``mlp/linear_0.W.npy``).

    Makes a ``loaded_from`` (:data:`LOADED_FROM`) record in the log with
    the path.

    Parameters
    ----------
    path : str
        The checkpoint. If there is no file there, a warning is logged and
        training starts from scratch.
    load_iteration_state : bool, optional
        Also load the data stream and the position in the epoch (this
        unpickles the main loop). The position is used only when the log
        is loaded too, as the log says whether an epoch is in progress.
        False by default.
    load_log : bool, optional
        Also load the log and continue logging from there (this unpickles
        the main loop). False by default.
    allowed_modules : list, optional
        Passed to :func:`~blocks.serialization.load` when unpickling.
    trusted : bool, optional
        Unpickle the checkpoint even if it is not signed with your key
        (see :func:`~blocks.serialization.load`). Reading the parameters
        alone needs no trust. False by default.
    \\*\\*kwargs
        Passed to :class:`~blocks.extensions.TrainingExtension` (`name`).

    Raises
    ------
    ~blocks.serialization.CheckpointError
        Before training, if the checkpoint is unreadable, lacks the value
        of a parameter, or holds one of the wrong shape; no parameter is
        changed then.

    Notes
    -----
    Every parameter of the model must have a value in the checkpoint;
    values of other shared variables (step rule state, ...) are ignored.
    The step rule state and the random generators are not restored: for an
    exact continuation, resume the whole main loop with ``blocks-continue``
    instead.

    """
    def __init__(self, path, load_iteration_state=False, load_log=False,
                 allowed_modules=(), trusted=False, **kwargs):
        super().__init__(**kwargs)
        self.path = _check_path('Load', path)
        self.load_iteration_state = load_iteration_state
        self.load_log = load_log
        self.allowed_modules = tuple(allowed_modules)
        self.trusted = bool(trusted)

    def load_to(self, main_loop):
        """Load the checkpoint's parameter values (and state) into a loop."""
        try:
            model = main_loop.model
        except AttributeError as exc:
            raise ValueError(no_model_error) from exc
        values = load_parameters(self.path)
        parameter_dict = model.get_parameter_dict()
        problems = []
        for name, parameter in parameter_dict.items():
            member = name.lstrip('/') + ARRAY_SUFFIX
            if name not in values:
                problems.append("no member {!r} for parameter {}".format(
                    member, name))
                continue
            expected = parameter.get_value(borrow=True).shape
            if values[name].shape != expected:
                problems.append(
                    "member {!r} has shape {}, but parameter {} has shape {}"
                    .format(member, values[name].shape, name, expected))
        if problems:
            raise CheckpointError("Load: checkpoint {!r} does not fit the "
                                  "model: {}".format(self.path,
                                                     '; '.join(problems)))
        model.set_parameter_values(
            {name: values[name] for name in parameter_dict})
        if self.load_iteration_state or self.load_log:
            loaded = load(self.path, allowed_modules=self.allowed_modules,
                          trusted=self.trusted)
            if self.load_log:
                main_loop.log = loaded.log
            if self.load_iteration_state:
                main_loop.iteration_state = loaded.iteration_state

    def before_training(self):
        if not os.path.exists(self.path):
            logger.warning("Load: no checkpoint at %s, training starts from "
                           "scratch", self.path)
            return
        logger.info("Load: loading the model from %s", self.path)
        self.load_to(self.main_loop)
        self.main_loop.log.current_row[LOADED_FROM] = self.path
