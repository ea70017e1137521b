import pytest

from blocks.plot.data import PlotData
from blocks.plot.export import find_browser, write_png


def test_missing_browser_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv('PATH', str(tmp_path))
    monkeypatch.delenv('BLOCKS_CHROMIUM', raising=False)
    with pytest.raises(RuntimeError, match='writing a PNG needs headless '
                       'Chromium or Chrome'):
        find_browser()
    monkeypatch.setenv('BLOCKS_CHROMIUM', 'no-such-browser')
    with pytest.raises(RuntimeError, match="BLOCKS_CHROMIUM names "
                       "'no-such-browser', which is not an executable"):
        find_browser()


def test_png_size_is_checked(tmp_path):
    with pytest.raises(ValueError, match='write_png: width must be an '
                       'integer of at least 100 pixels, got 10'):
        write_png(PlotData('x', [['cost']]), tmp_path / 'x.png', width=10)
