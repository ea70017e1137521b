"""Run the documentation's examples in a scratch directory, with no user
configuration file or environment overrides, so that they behave the same
on every machine and never write into the checkout; live plots are served
on a free port."""
import os
import sys

import pytest

from blocks.config import config


@pytest.fixture(autouse=True)
def _isolated_docs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for variable in list(os.environ):
        if variable.startswith('BLOCKS_'):
            monkeypatch.delenv(variable)
    monkeypatch.setattr(config, 'yaml_settings', {})
    # Live plots on a free port: port 5006 may be taken by a server of
    # yours, or by a test run next to this one.
    monkeypatch.setenv('BLOCKS_PLOT_SERVER_URL', 'http://localhost:0/')
    yield
    # A page whose example failed before stopping its plot server.
    if 'blocks.plot.server' in sys.modules:
        sys.modules['blocks.plot.server'].stop_servers()
