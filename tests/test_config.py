"""Tests of the configuration: defaults, YAML file, environment."""
import pytest

from blocks.config import Configuration, ConfigurationError, config


def make_configuration():
    configuration = Configuration()
    configuration.add_config('default_seed', type_=int, default=1,
                             env_var='BLOCKS_DEFAULT_SEED')
    configuration.add_config('profile', type_=bool, default=False,
                             env_var='BLOCKS_PROFILE')
    configuration.add_config('data_path', type_=str,
                             env_var='BLOCKS_DATA_PATH')
    return configuration


@pytest.fixture
def clean_environment(monkeypatch, tmp_path):
    for variable in ['BLOCKS_CONFIG', 'BLOCKS_DEFAULT_SEED',
                     'BLOCKS_PROFILE', 'BLOCKS_DATA_PATH']:
        monkeypatch.delenv(variable, raising=False)
    # No ~/.blocksrc is read.
    monkeypatch.setenv('HOME', str(tmp_path))
    return monkeypatch


def write_config(tmp_path, monkeypatch, text):
    path = tmp_path / 'blocksrc.yaml'
    path.write_text(text)
    monkeypatch.setenv('BLOCKS_CONFIG', str(path))
    return path


def test_defaults(clean_environment):
    configuration = make_configuration()
    configuration.load_yaml()
    assert configuration.default_seed == 1
    assert configuration.profile is False
    assert configuration.yaml_path is None


def test_missing_value_without_default(clean_environment):
    configuration = make_configuration()
    configuration.load_yaml()
    with pytest.raises(ConfigurationError,
                       match='configuration value not set: data_path'):
        configuration.data_path


def test_unknown_key():
    with pytest.raises(ConfigurationError,
                       match='unknown configuration key: colour'):
        make_configuration().colour


def test_yaml_file(clean_environment, tmp_path):
    path = write_config(tmp_path, clean_environment,
                        'default_seed: 5\ndata_path: /data\nprofile: yes\n')
    configuration = make_configuration()
    configuration.load_yaml()
    assert configuration.yaml_path == str(path)
    assert configuration.default_seed == 5
    assert configuration.data_path == '/data'
    assert configuration.profile is True


def test_environment_overrides_file(clean_environment, tmp_path):
    write_config(tmp_path, clean_environment, 'default_seed: 5\n')
    clean_environment.setenv('BLOCKS_DEFAULT_SEED', '7')
    clean_environment.setenv('BLOCKS_PROFILE', 'false')
    configuration = make_configuration()
    configuration.load_yaml()
    assert configuration.default_seed == 7
    assert configuration.profile is False


def test_assignment_overrides_everything(clean_environment):
    clean_environment.setenv('BLOCKS_DEFAULT_SEED', '7')
    configuration = make_configuration()
    configuration.default_seed = '9'
    assert configuration.default_seed == 9
    with pytest.raises(ConfigurationError, match=r"an assignment in code "
                                                 r"gives key 'default_seed' "
                                                 r"the value 'x'"):
        configuration.default_seed = 'x'


def test_malformed_yaml(clean_environment, tmp_path):
    path = write_config(tmp_path, clean_environment,
                        'default_seed: [1, 2\n')
    with pytest.raises(ConfigurationError,
                       match=r"configuration file '{}' is not valid "
                             r"YAML".format(path)):
        make_configuration().load_yaml()


def test_yaml_that_is_not_a_mapping(clean_environment, tmp_path):
    write_config(tmp_path, clean_environment, '- 1\n- 2\n')
    with pytest.raises(ConfigurationError, match=r"must hold a mapping of "
                                                 r"keys to values, got list"):
        make_configuration().load_yaml()


def test_wrong_type_in_yaml(clean_environment, tmp_path):
    path = write_config(tmp_path, clean_environment,
                        'default_seed: not a number\n')
    with pytest.raises(ConfigurationError,
                       match=r"configuration file '{}' gives key "
                             r"'default_seed' the value 'not a number': "
                             r"invalid literal".format(path)):
        make_configuration().load_yaml()


def test_unknown_key_in_yaml(clean_environment, tmp_path):
    write_config(tmp_path, clean_environment, 'colour: blue\n')
    with pytest.raises(ConfigurationError, match=r"sets unknown key "
                                                 r"'colour'; known keys: "
                                                 r"data_path, default_seed, "
                                                 r"profile"):
        make_configuration().load_yaml()


def test_wrong_type_in_environment(clean_environment):
    clean_environment.setenv('BLOCKS_PROFILE', 'maybe')
    with pytest.raises(ConfigurationError,
                       match=r"environment variable BLOCKS_PROFILE gives key "
                             r"'profile' the value 'maybe': expected a "
                             r"boolean"):
        make_configuration().profile


def test_config_file_that_does_not_exist(clean_environment, tmp_path):
    clean_environment.setenv('BLOCKS_CONFIG', str(tmp_path / 'missing'))
    with pytest.raises(ConfigurationError, match=r"BLOCKS_CONFIG names "
                                                 r".*missing', which is not "
                                                 r"a file"):
        make_configuration().load_yaml()


def test_blocksrc_in_home_is_read(clean_environment, tmp_path):
    (tmp_path / '.blocksrc').write_text('default_seed: 3\n')
    configuration = make_configuration()
    configuration.load_yaml()
    assert configuration.default_seed == 3


def test_library_configuration_keys():
    for key in ['default_seed', 'recursion_limit', 'profile', 'log_backend',
                'sqlite_database', 'max_blob_size', 'temp_dir', 'data_path']:
        assert key in config.config
    assert config.config['log_backend']['type']('sqlite') == 'sqlite'
    with pytest.raises(ValueError, match="expected 'python' or 'sqlite'"):
        config.config['log_backend']['type']('mongo')
    # Dunder lookups fail the usual way, so tools like doctest and copy work.
    assert not hasattr(config, '__wrapped__')
