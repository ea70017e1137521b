"""Data streams: iterate over a dataset, one epoch at a time.

A :class:`DataStream` combines a dataset with an iteration scheme. Each
call to :meth:`~AbstractDataStream.get_epoch_iterator` returns a
:class:`DataIterator` over one epoch; it yields tuples with one entry per
source (or dictionaries, with ``as_dict=True``).

Streams, and the epoch iterators they return, pickle in the middle of an
epoch: pickle them *together* (for instance as one tuple) and the unpickled
iterator carries on where the original was, and later epochs come out the
same as they would have.

>>> from collections import OrderedDict
>>> import numpy
>>> from blocks.data.datasets import IndexableDataset
>>> from blocks.data.schemes import SequentialScheme
>>> dataset = IndexableDataset(OrderedDict([
...     ('features', numpy.arange(10).reshape(5, 2)),
...     ('targets', numpy.array([0, 1, 0, 1, 1]))]))
>>> stream = DataStream(dataset,
...                     iteration_scheme=SequentialScheme(5, batch_size=2))
>>> stream.sources
('features', 'targets')
>>> for features, targets in stream.get_epoch_iterator():
...     print(features.shape, targets)
(2, 2) [0 1]
(2, 2) [0 1]
(1, 2) [1]

"""


class DataIterator:
    """An iterator over one epoch of a data stream.

    Parameters
    ----------
    data_stream : AbstractDataStream
        The stream whose :meth:`~AbstractDataStream.get_data` is called.
    request_iterator : iterator, optional
        The requests to pass to ``get_data``, one per step. If None,
        ``get_data`` is called without a request until it raises
        ``StopIteration``.
    as_dict : bool, optional
        If True, yield dictionaries mapping source names to data instead
        of tuples. False by default.

    """
    def __init__(self, data_stream, request_iterator=None, as_dict=False):
        self.data_stream = data_stream
        self.request_iterator = request_iterator
        self.as_dict = as_dict

    def __iter__(self):
        return self

    def __next__(self):
        if self.request_iterator is not None:
            data = self.data_stream.get_data(next(self.request_iterator))
        else:
            data = self.data_stream.get_data()
        if self.as_dict:
            return dict(zip(self.data_stream.sources, data))
        return data


class _EpochIterator:
    """Return a new epoch iterator of a stream on each step, forever."""
    def __init__(self, data_stream, as_dict):
        self.data_stream = data_stream
        self.as_dict = as_dict

    def __iter__(self):
        return self

    def __next__(self):
        return self.data_stream.get_epoch_iterator(as_dict=self.as_dict)


class AbstractDataStream:
    """The interface shared by data streams and transformers.

    Parameters
    ----------
    iteration_scheme : IterationScheme, optional
        The scheme whose requests are passed to :meth:`get_data`. Streams
        that need no requests (for example over an
        :class:`~blocks.data.datasets.IterableDataset`, or most
        transformers) leave it None.
    axis_labels : dict, optional
        Maps source names to tuples naming the axes of their data (e.g.
        ``('batch', 'feature')``).

    Attributes
    ----------
    sources : tuple of str
        The names of the data the stream provides, in the order of the
        tuples it yields.
    produces_examples : bool
        True if each step yields a single example, False if it yields a
        batch.

    Notes
    -----
    A transformer's :attr:`iteration_scheme` is its own (None for most of
    them, a batch-size scheme for :class:`~blocks.data.transformers.Batch`),
    not that of the stream it wraps. Code that wants the size of an epoch
    (``num_batches``, ``num_examples``, ``batch_size``) of, say,
    ``Flatten(DataStream(dataset, iteration_scheme=...))`` must follow the
    ``data_stream`` attributes down to the first stream with a scheme.

    """
    def __init__(self, iteration_scheme=None,
                 axis_labels: dict | None = None):
        self.iteration_scheme = iteration_scheme
        self.axis_labels = axis_labels

    @property
    def produces_examples(self):
        if hasattr(self, '_produces_examples'):
            return self._produces_examples
        if self.iteration_scheme is not None:
            return self.iteration_scheme.requests_examples
        return True

    @produces_examples.setter
    def produces_examples(self, value):
        self._produces_examples = value

    @property
    def sources(self):
        raise NotImplementedError(
            "{} must define sources".format(type(self).__name__))

    def get_data(self, request=None):
        """Return the data for one request (one step of an epoch).

        Raises
        ------
        StopIteration
            When the epoch has no more data.

        """
        raise NotImplementedError(
            "{} must implement get_data".format(type(self).__name__))

    def reset(self):
        """Return to the start of the data."""
        raise NotImplementedError(
            "{} must implement reset".format(type(self).__name__))

    def next_epoch(self):
        """Prepare the stream for a new epoch."""
        raise NotImplementedError(
            "{} must implement next_epoch".format(type(self).__name__))

    def close(self):
        """Release the resources (e.g. open files) the stream holds."""
        raise NotImplementedError(
            "{} must implement close".format(type(self).__name__))

    def get_epoch_iterator(self, as_dict: bool = False) -> DataIterator:
        """Return an iterator over one epoch of data.

        Parameters
        ----------
        as_dict : bool, optional
            If True, the iterator yields dictionaries mapping source names
            to data instead of tuples.

        Returns
        -------
        DataIterator
            A picklable iterator over the epoch.

        """
        if self.iteration_scheme is not None:
            request_iterator = self.iteration_scheme.get_request_iterator()
        else:
            request_iterator = None
        return DataIterator(self, request_iterator, as_dict=as_dict)

    def iterate_epochs(self, as_dict: bool = False):
        """Return an endless iterator of epoch iterators.

        Parameters
        ----------
        as_dict : bool, optional
            Passed to :meth:`get_epoch_iterator`.

        """
        return _EpochIterator(self, as_dict)


class DataStream(AbstractDataStream):
    """A stream of data read from a dataset.

    Parameters
    ----------
    dataset : Dataset
        The dataset to read from.
    iteration_scheme : IterationScheme, optional
        The scheme that makes the requests. Indexable datasets need one;
        iterable datasets accept none.
    axis_labels : dict, optional
        Axis labels of the sources; by default those of the dataset.
    produces_examples : bool, optional
        Whether each step yields one example. By default inferred from the
        scheme (its ``requests_examples``); a stream without a scheme is
        taken to produce examples.

    """
    def __init__(self, dataset, iteration_scheme=None,
                 axis_labels: dict | None = None,
                 produces_examples: bool | None = None):
        if iteration_scheme is not None and not hasattr(
                iteration_scheme, 'get_request_iterator'):
            raise TypeError("DataStream: iteration_scheme must be an "
                            "IterationScheme, got {!r}"
                            .format(iteration_scheme))
        if axis_labels is None and getattr(dataset, 'axis_labels', None):
            axis_labels = {source: labels for source, labels
                           in dataset.axis_labels.items()
                           if source in dataset.sources}
        super().__init__(iteration_scheme=iteration_scheme,
                         axis_labels=axis_labels)
        if produces_examples is not None:
            self.produces_examples = produces_examples
        self.dataset = dataset
        self.data_state = self.dataset.open()
        self._fresh_state = True

    @classmethod
    def default_stream(cls, dataset, **kwargs):
        """Build a stream and wrap it in the dataset's default transformers.

        Parameters
        ----------
        dataset : Dataset
            The dataset to read from.
        \\*\\*kwargs
            Passed to the stream's constructor (e.g. `iteration_scheme`).

        Returns
        -------
        AbstractDataStream
            The stream, wrapped in the transformers listed by the dataset's
            ``default_transformers`` (for MNIST, scaling the pixels to
            [0, 1] and casting them to ``floatX``).

        """
        return dataset.apply_default_transformers(cls(dataset, **kwargs))

    @property
    def sources(self):
        return self.dataset.sources

    def close(self):
        self.data_state = self.dataset.close(self.data_state)

    def reset(self):
        self.data_state = self.dataset.reset(self.data_state)
        self._fresh_state = True

    def next_epoch(self):
        self.data_state = self.dataset.next_epoch(self.data_state)

    def get_data(self, request=None):
        return self.dataset.get_data(self.data_state, request)

    def get_epoch_iterator(self, as_dict: bool = False) -> DataIterator:
        # The state opened by the constructor (or `reset`) serves the first
        # epoch; every later epoch asks the dataset for a fresh one.
        if self._fresh_state:
            self._fresh_state = False
        else:
            self.next_epoch()
        return super().get_epoch_iterator(as_dict=as_dict)
