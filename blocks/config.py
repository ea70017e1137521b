"""Module-wide configuration of Blocks.

Values come from three places, in increasing order of precedence:

1. the defaults declared in this module;
2. a YAML file, ``~/.blocksrc`` or the file named by ``$BLOCKS_CONFIG``;
3. environment variables (``BLOCKS_PROFILE``, ``BLOCKS_SQLITEDB``, ...).

Values are read as attributes of :data:`config`:

>>> from blocks.config import config
>>> print(config.default_seed)
1

A setting without a value and without a default raises
:class:`ConfigurationError` when it is read. A malformed file, an unknown
key or a value of the wrong type raises it when the configuration is loaded,
naming the file, the key and the value.

"""
import logging
import os

import yaml

logger = logging.getLogger(__name__)

NOT_SET = object()


class ConfigurationError(Exception):
    """Error raised when a configuration value is requested but not set."""


def _parse_bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ('1', 'true', 'yes', 'on'):
            return True
        if lowered in ('0', 'false', 'no', 'off', ''):
            return False
    if isinstance(value, int):
        return bool(value)
    raise ValueError("expected a boolean (true/false/1/0)")


def _parse_int(value):
    if isinstance(value, bool):
        raise ValueError("expected an integer, not a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return int(value.strip())
    raise ValueError("expected an integer")


def _parse_str(value):
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise ValueError("expected a string")


def _parse_log_backend(value):
    value = _parse_str(value)
    if value not in ('python', 'sqlite'):
        raise ValueError("expected 'python' or 'sqlite'")
    return value


def _parse_recurrent_implementation(value):
    value = _parse_str(value)
    if value not in ('auto', 'fused', 'scan'):
        raise ValueError("expected 'auto', 'fused' or 'scan'")
    return value


def _parse_mode(value):
    if value is None:
        return None
    value = _parse_str(value).strip()
    if not value or value.lower() == 'default':
        return None
    return value


_PARSERS = {bool: _parse_bool, int: _parse_int, str: _parse_str}


class Configuration:
    """The set of configuration settings and where their values came from.

    Settings are declared with :meth:`add_config`; :meth:`load_yaml` reads
    the configuration file. Reading an attribute resolves, in order, the
    environment variable, the file and the default.

    """
    def __init__(self):
        self.config = {}
        self.yaml_settings = {}
        self.yaml_path = None

    def load_yaml(self):
        """Read the YAML configuration file, if there is one."""
        if 'BLOCKS_CONFIG' in os.environ:
            yaml_file = os.path.expanduser(os.environ['BLOCKS_CONFIG'])
            if not os.path.isfile(yaml_file):
                raise ConfigurationError(
                    "BLOCKS_CONFIG names {!r}, which is not a file"
                    .format(yaml_file))
        else:
            yaml_file = os.path.expanduser('~/.blocksrc')
            if not os.path.isfile(yaml_file):
                self.yaml_settings = {}
                self.yaml_path = None
                return
        try:
            with open(yaml_file) as handle:
                settings = yaml.safe_load(handle)
        except yaml.YAMLError as exc:
            raise ConfigurationError(
                "configuration file {!r} is not valid YAML: {}"
                .format(yaml_file, exc)) from exc
        if settings is None:
            settings = {}
        if not isinstance(settings, dict):
            raise ConfigurationError(
                "configuration file {!r} must hold a mapping of keys to "
                "values, got {}".format(yaml_file, type(settings).__name__))
        for key, value in settings.items():
            if key not in self.config:
                raise ConfigurationError(
                    "configuration file {!r} sets unknown key {!r}; known "
                    "keys: {}".format(yaml_file, key,
                                      ', '.join(sorted(self.config))))
            self.yaml_settings[key] = self._convert(
                key, value, "configuration file {!r}".format(yaml_file))
        self.yaml_path = yaml_file

    def _convert(self, key, value, source):
        parser = self.config[key]['type']
        try:
            return parser(value)
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(
                "{} gives key {!r} the value {!r}: {}".format(
                    source, key, value, exc)) from exc

    def __getattr__(self, key):
        # Dunder lookups (doctest's __wrapped__, copy's __deepcopy__, ...)
        # must fail with AttributeError, as hasattr() expects.
        if key in ('config', 'yaml_settings', 'yaml_path') or \
                key.startswith('__'):
            raise AttributeError(key)
        if key not in self.config:
            raise ConfigurationError("unknown configuration key: {}"
                                     .format(key))
        setting = self.config[key]
        if 'value' in setting:
            return setting['value']
        env_var = setting['env_var']
        if env_var is not None and env_var in os.environ:
            return self._convert(
                key, os.environ[env_var],
                "environment variable {}".format(env_var))
        if key in self.yaml_settings:
            return self.yaml_settings[key]
        if setting['default'] is not NOT_SET:
            return setting['default']
        raise ConfigurationError("configuration value not set: {}"
                                 .format(key))

    def __setattr__(self, key, value):
        if key not in ('config', 'yaml_settings', 'yaml_path') and \
                key in self.config:
            self.config[key]['value'] = self._convert(
                key, value, "an assignment in code")
        else:
            super().__setattr__(key, value)

    def add_config(self, key, type_, default=NOT_SET, env_var=None):
        """Declare a configuration setting.

        Parameters
        ----------
        key : str
            The name of the setting.
        type_ : callable
            ``bool``, ``int`` or ``str`` (converted with a strict parser), or
            a callable that converts a raw value or raises ``ValueError``.
        default : object, optional
            The default value. If not given, reading the setting when it has
            no value raises :class:`ConfigurationError`.
        env_var : str, optional
            The environment variable that overrides the file and default.

        """
        self.config[key] = {'type': _PARSERS.get(type_, type_),
                            'default': default, 'env_var': env_var}


config = Configuration()

# Keys and defaults; `.blocksrc.example` documents each.
config.add_config('default_seed', type_=int, default=1,
                  env_var='BLOCKS_DEFAULT_SEED')
config.add_config('recursion_limit', type_=int, default=10000,
                  env_var='BLOCKS_RECURSION_LIMIT')
config.add_config('profile', type_=bool, default=False,
                  env_var='BLOCKS_PROFILE')
config.add_config('log_backend', type_=_parse_log_backend, default='python',
                  env_var='BLOCKS_LOG_BACKEND')
config.add_config('sqlite_database', type_=str,
                  default=os.path.expanduser('~/blocks_log.sqlite'),
                  env_var='BLOCKS_SQLITEDB')
config.add_config('max_blob_size', type_=int, default=4096,
                  env_var='BLOCKS_MAX_BLOB_SIZE')
config.add_config('temp_dir', type_=str, default=None,
                  env_var='BLOCKS_TEMPDIR')
config.add_config('recurrent_implementation',
                  type_=_parse_recurrent_implementation, default='auto',
                  env_var='BLOCKS_RECURRENT_IMPLEMENTATION')
config.add_config('data_path', type_=str, env_var='BLOCKS_DATA_PATH')
config.add_config('checkpoint_key', type_=str,
                  default=os.path.join(
                      os.environ.get('XDG_CONFIG_HOME') or
                      os.path.expanduser('~/.config'),
                      'blocks', 'checkpoint.key'),
                  env_var='BLOCKS_CHECKPOINT_KEY')
config.add_config('max_member_size', type_=int, default=2 ** 30,
                  env_var='BLOCKS_MAX_MEMBER_SIZE')
config.add_config('plot_server_url', type_=str,
                  default='http://localhost:5006/',
                  env_var='BLOCKS_PLOT_SERVER_URL')
# The Aesara mode of every function Blocks compiles; None: Aesara's default.
config.add_config('mode', type_=_parse_mode, default=None,
                  env_var='BLOCKS_MODE')
config.load_yaml()
