"""Run the documentation's examples in a scratch directory, with no user
configuration file or environment overrides, so that they behave the same
on every machine and never write into the checkout."""
import os

import pytest

from blocks.config import config


@pytest.fixture(autouse=True)
def _isolated_docs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for variable in list(os.environ):
        if variable.startswith('BLOCKS_'):
            monkeypatch.delenv(variable)
    monkeypatch.setattr(config, 'yaml_settings', {})
