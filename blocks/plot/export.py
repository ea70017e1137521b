"""Plots written to files: self-contained HTML pages and PNG images.

A PNG is a screenshot of the HTML page taken by headless Chromium (or
Chrome), so no Selenium or network is needed; the browser is found on the
``PATH`` or named by the ``BLOCKS_CHROMIUM`` environment variable.

"""
import os
import shutil
import subprocess
import tempfile
import uuid

from blocks.plot.figures import standalone_html

#: The browsers looked for on the PATH, in this order.
BROWSERS = ('chromium', 'chromium-browser', 'google-chrome',
            'google-chrome-stable', 'chrome')

# Milliseconds of (virtual) time the browser gives BokehJS to draw.
_RENDER_BUDGET = 10000

no_browser_error = """\
{}: writing a PNG needs headless Chromium or Chrome, and none of {} is on \
the PATH; install one (e.g. `apt-get install chromium`), name it in the \
BLOCKS_CHROMIUM environment variable, or write an HTML file instead."""


def find_browser(owner='blocks-plot'):
    """Return the path of a Chromium or Chrome executable.

    Raises
    ------
    RuntimeError
        If none is found.

    """
    named = os.environ.get('BLOCKS_CHROMIUM')
    if named:
        found = shutil.which(named)
        if found is None:
            raise RuntimeError("{}: BLOCKS_CHROMIUM names {!r}, which is not "
                               "an executable".format(owner, named))
        return found
    for name in BROWSERS:
        found = shutil.which(name)
        if found is not None:
            return found
    raise RuntimeError(no_browser_error.format(owner, ', '.join(BROWSERS)))


def headless_arguments(user_data_dir):
    """The command-line flags of a headless browser that stays offline.

    Parameters
    ----------
    user_data_dir : str
        A fresh directory for the browser's profile.

    Returns
    -------
    list of str

    """
    arguments = ['--headless', '--disable-gpu', '--disable-quic',
                 '--no-first-run', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync',
                 '--hide-scrollbars', '--mute-audio',
                 '--user-data-dir={}'.format(user_data_dir)]
    if hasattr(os, 'geteuid') and os.geteuid() == 0:
        # Chromium refuses to run as root inside its sandbox.
        arguments.append('--no-sandbox')
    return arguments


def _write_atomically(path, write):
    """Write a file through a temporary name in its directory."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(directory, '.{}.{}.tmp'.format(
        os.path.basename(path), uuid.uuid4().hex))
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def write_html(data, path):
    """Write a self-contained HTML page of a plot (no network needed).

    Parameters
    ----------
    data : :class:`~blocks.plot.data.PlotData`
        The plot.
    path : str
        The file to write; replaced atomically.

    """
    html = standalone_html(data)

    def write(target):
        with open(target, 'w', encoding='utf-8') as destination:
            destination.write(html)
    _write_atomically(path, write)


def write_png(data, path, width=800, height=600, browser=None, timeout=120):
    """Write a PNG image of a plot, drawn by headless Chromium.

    Parameters
    ----------
    data : :class:`~blocks.plot.data.PlotData`
        The plot.
    path : str
        The file to write; replaced atomically.
    width, height : int, optional
        The size of the image in pixels, 800 by 600 by default.
    browser : str, optional
        The browser executable; see :func:`find_browser` by default.
    timeout : float, optional
        Seconds to wait for the browser.

    Raises
    ------
    RuntimeError
        If there is no browser, or it fails to write the image.

    """
    for name, value in (('width', width), ('height', height)):
        if isinstance(value, bool) or not isinstance(value, int) or \
                value < 100:
            raise ValueError("write_png: {} must be an integer of at least "
                             "100 pixels, got {!r}".format(name, value))
    browser = browser or find_browser()
    # Leave room for the page's margins, so that nothing is cut off.
    html = standalone_html(data, width=width - 30, height=height - 30,
                           toolbar=False)
    with tempfile.TemporaryDirectory(prefix='blocks-plot-') as scratch:
        page = os.path.join(scratch, 'plot.html')
        with open(page, 'w', encoding='utf-8') as destination:
            destination.write(html)
        image = os.path.join(scratch, 'plot.png')
        command = [browser] + headless_arguments(
            os.path.join(scratch, 'profile')) + [
            '--window-size={},{}'.format(width, height),
            '--virtual-time-budget={}'.format(_RENDER_BUDGET),
            '--screenshot={}'.format(image), 'file://' + page]
        try:
            result = subprocess.run(command, capture_output=True, text=True,
                                    timeout=timeout,
                                    stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError("write_png: {} did not finish within {} "
                               "seconds".format(browser, timeout)) from exc
        if not os.path.exists(image):
            raise RuntimeError("write_png: {} wrote no screenshot (exit "
                               "status {}): {}".format(
                                   browser, result.returncode,
                                   result.stderr.strip()[-2000:]))
        _write_atomically(path, lambda target: shutil.copyfile(image,
                                                               target))
