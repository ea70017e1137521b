"""Bokeh figures of the channels of a :class:`~blocks.plot.data.PlotData`.

One figure per channel group, one line per channel, the iterations on the
horizontal axis. :class:`LiveSession` keeps the figures of one browser
session up to date; :func:`static_layout` and :func:`standalone_html`
draw the points there are now, for a file.

"""
from bokeh.embed import file_html
from bokeh.layouts import column
from bokeh.models import ColumnDataSource, HoverTool
from bokeh.palettes import Category10_10
from bokeh.plotting import figure
from bokeh.resources import INLINE

#: Milliseconds between two updates of the figures in a browser session.
UPDATE_PERIOD = 500

_TOOLS = 'pan,wheel_zoom,box_zoom,reset,save'


def make_figure(group, width=None, height=300, toolbar=True):
    """Make the figure of a channel group.

    Parameters
    ----------
    group : list of str
        The channels drawn in the figure, one line each.
    width : int, optional
        The width in pixels; by default the figure stretches to the
        width of the page.
    height : int, optional
        The height in pixels, 300 by default.
    toolbar : bool, optional
        Show Bokeh's tools (pan, zoom, ...) beside the figure.

    Returns
    -------
    figure : :class:`bokeh.models.Plot`
        Titled with the channel names; its ``name`` is the title.
    sources : dict
        Maps each channel to the :class:`~bokeh.models.ColumnDataSource`
        of its line, with the columns ``x`` (iterations) and ``y``
        (values); the source is named after the channel.

    """
    title = ', '.join(group)
    sizing = {'width': width} if width else {'sizing_mode': 'stretch_width'}
    plot = figure(title=title, name=title, height=height, tools=_TOOLS,
                  x_axis_label='iterations',
                  toolbar_location='right' if toolbar else None, **sizing)
    plot.add_tools(HoverTool(tooltips=[('channel', '$name'),
                                       ('iteration', '@x'),
                                       ('value', '@y')]))
    sources = {}
    for index, name in enumerate(group):
        source = ColumnDataSource(data={'x': [], 'y': []}, name=name)
        color = Category10_10[index % len(Category10_10)]
        plot.line('x', 'y', source=source, name=name, legend_label=name,
                  color=color, line_width=2)
        plot.scatter('x', 'y', source=source, name=name, color=color,
                     size=3)
        sources[name] = source
    plot.legend.location = 'top_right'
    plot.legend.click_policy = 'hide'
    return plot, sources


class LiveSession:
    """The figures of a plot in one browser session, kept up to date.

    Made by the Bokeh server for each page it serves. It fills the
    document with the points there are, then every
    :data:`UPDATE_PERIOD` milliseconds streams the new points to the
    browser and adds the figures of channels met since.

    Parameters
    ----------
    data : :class:`~blocks.plot.data.PlotData`
        The points.
    document : :class:`bokeh.document.Document`
        The session's document.
    period : int, optional
        Milliseconds between updates; None for no updates (a document
        that is pushed to a server by its owner, see
        :class:`~blocks.plot.server.PushedPlot`).

    """
    def __init__(self, data, document, period=UPDATE_PERIOD):
        self.data = data
        self.document = document
        self.counts = {}
        self.sources = {}
        self.layout = column(sizing_mode='stretch_width',
                             name='blocks-plot')
        self.update()
        document.title = data.title
        document.add_root(self.layout)
        if period:
            document.add_periodic_callback(self.update, period)

    def update(self):
        """Add the new figures and stream the new points."""
        # Sent to the browser as one message once done: the figures change
        # together.
        self.document.hold('combine')
        try:
            groups = self.data.groups
            for group in groups[len(self.layout.children):]:
                plot, sources = make_figure(group)
                self.layout.children.append(plot)
                self.sources.update(sources)
            for name, (times, values) in self.data.points_since(
                    self.counts).items():
                source = self.sources.get(name)
                if source is None:
                    continue
                source.stream({'x': times, 'y': values})
                self.counts[name] = self.counts.get(name, 0) + len(times)
        finally:
            self.document.unhold()


def static_layout(data, width=None, height=None, toolbar=True):
    """Draw the points there are now, for a file.

    Parameters
    ----------
    data : :class:`~blocks.plot.data.PlotData`
        The points.
    width, height : int, optional
        The size in pixels of the whole layout; by default the figures
        stretch to the width of the page and are 300 pixels high.
    toolbar : bool, optional
        Show Bokeh's tools beside the figures.

    Returns
    -------
    :class:`bokeh.models.Column`

    """
    groups = data.groups
    figure_height = (max(height // max(len(groups), 1), 100)
                     if height else 300)
    plots = []
    sources = {}
    for group in groups:
        plot, group_sources = make_figure(group, width=width,
                                          height=figure_height,
                                          toolbar=toolbar)
        plots.append(plot)
        sources.update(group_sources)
    for name, (times, values) in data.points_since({}).items():
        if name in sources:
            sources[name].data = {'x': times, 'y': values}
    if width:
        return column(*plots, name='blocks-plot')
    return column(*plots, sizing_mode='stretch_width', name='blocks-plot')


def standalone_html(data, width=None, height=None, toolbar=True):
    """Return a self-contained HTML page of the plot: no network needed.

    BokehJS is included in the page, so it is large (about 1 MB) but
    opens anywhere. See :func:`static_layout` for the arguments.

    """
    return file_html(static_layout(data, width, height, toolbar),
                     resources=INLINE,
                     title=data.title)
