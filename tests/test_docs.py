"""The documentation: an API page for every module, built without
warnings."""
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import blocks

DOCS = Path(__file__).parents[1] / 'docs'


def public_modules():
    names = ['blocks'] + [module.name for module in pkgutil.walk_packages(
        blocks.__path__, 'blocks.')]
    return sorted(name for name in names
                  if not any(part.startswith('_')
                             for part in name.split('.')[1:]))


def documented_modules():
    documented = {}
    for page in (DOCS / 'api').glob('*.rst'):
        for name in re.findall(r'^\.\. automodule:: (\S+)$',
                               page.read_text(), re.MULTILINE):
            documented[name] = page.name
    return documented


def test_every_public_module_has_an_api_entry():
    documented = documented_modules()
    missing = [name for name in public_modules() if name not in documented]
    assert not missing, (
        "modules without an `.. automodule::` entry in docs/api/: {}; add "
        "each to the page of its package".format(', '.join(missing)))
    assert not set(documented) - set(public_modules())


def test_sphinx_builds_without_warnings(tmp_path):
    result = subprocess.run(
        [sys.executable, '-m', 'sphinx', '-W', '--keep-going', '-q', '-b',
         'html', '-d', str(tmp_path / 'doctrees'), str(DOCS),
         str(tmp_path / 'html')], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ''
    page = (tmp_path / 'html' / 'api' / 'plot.html').read_text()
    assert 'id="blocks.plot.data.PlotData"' in page
    # Cross-references resolve to the pages of the documented classes.
    assert 'href="extensions.html#blocks.extensions.plot.Plot"' in page
