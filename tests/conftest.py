"""Fixtures shared by the test modules: one headless browser for all."""
import os

import pytest


@pytest.fixture(scope='session')
def browser():
    """A headless Chromium (see :mod:`tests.browser`), started once.

    Skipped when no Chromium or Chrome is installed, except in CI (the
    ``CI`` environment variable is set), where ``.ci/run`` installs it.

    """
    from blocks.plot.export import find_browser
    from tests.browser import HeadlessBrowser
    try:
        executable = find_browser()
    except RuntimeError as exc:
        if os.environ.get('CI'):
            raise
        pytest.skip('no headless browser: {}'.format(exc))
    headless = HeadlessBrowser(executable)
    yield headless
    headless.close()
