"""Text datasets: text files read line by line, and the One Billion Word
benchmark."""
import collections.abc
import os

from blocks.config import ConfigurationError, config
from blocks.data.datasets.base import Dataset

LEVELS = ('word', 'character')

MISSING_FILES = """\
OneBillionWord: cannot find {count} of the {total} files of the {which_set!r}
partitions {partitions} in {directories}: {missing}.
The dataset reads the corpus as distributed (the directories
training-monolingual.tokenized.shuffled and
heldout-monolingual.tokenized.shuffled of
1-billion-word-language-modeling-benchmark-r13output) from a directory
named `1-billion-word` in blocks.config.config.data_path (the environment
variable BLOCKS_DATA_PATH or `data_path` in ~/.blocksrc)."""

NO_DATA_PATH = """\
OneBillionWord: blocks.config.config.data_path is not set. Set the
environment variable BLOCKS_DATA_PATH (or `data_path` in ~/.blocksrc) to the
directory that holds the corpus in a `1-billion-word` subdirectory."""


class _LineReader:
    """Reads the lines of several files in order; picklable at any line.

    A pickle stores the file being read and the position in it; unpickling
    opens the file again at that position.

    """
    def __init__(self, files, encoding):
        self.files = list(files)
        self.encoding = encoding
        self.file_index = 0
        self.handle = None
        self.line_number = 0

    def __iter__(self):
        return self

    def __next__(self):
        while self.file_index < len(self.files):
            if self.handle is None:
                self.handle = open(self.files[self.file_index],
                                   encoding=self.encoding)
                self.line_number = 0
            line = self.handle.readline()
            if line:
                self.line_number += 1
                return line
            self.close()
            self.file_index += 1
        raise StopIteration

    @property
    def where(self):
        """The file and line last read, for messages."""
        index = min(self.file_index, len(self.files) - 1)
        return '{}, line {}'.format(self.files[index], self.line_number)

    def close(self):
        if self.handle is not None:
            self.handle.close()
            self.handle = None

    def __getstate__(self):
        state = self.__dict__.copy()
        state['handle'] = None
        state['position'] = (self.handle.tell()
                             if self.handle is not None else None)
        return state

    def __setstate__(self, state):
        position = state.pop('position')
        self.__dict__.update(state)
        if position is not None:
            self.handle = open(self.files[self.file_index],
                               encoding=self.encoding)
            self.handle.seek(position)


class TextFile(Dataset):
    r"""Reads text files line by line, as sequences of token indices.

    Each example is one line: the indices, in `dictionary`, of its words
    (split on whitespace) or of its characters, with the index of
    `bos_token` before them and that of `eos_token` after them. The files
    are read one after the other, in the order given; an epoch reads them
    all once. There is no iteration scheme: wrap the stream in
    :class:`~blocks.data.transformers.Batch` to make batches.

    Parameters
    ----------
    files : list of str
        The paths of the text files.
    dictionary : dict
        Maps tokens (words or characters) to integer indices.
    bos_token : str or None, optional
        The token that begins every sentence, ``'<S>'`` by default; None
        for none.
    eos_token : str or None, optional
        The token that ends every sentence, ``'</S>'`` by default; None for
        none.
    unk_token : str or None, optional
        The token that replaces tokens missing from `dictionary`,
        ``'<UNK>'`` by default; with None a missing token is an error.
    level : {'word', 'character'}, optional
        Whether the tokens are words (the default) or characters. At the
        character level, the line's end of line is dropped and every other
        character (spaces and indentation included) is a token.
    preprocess : callable, optional
        Applied to every line before it is split into tokens (e.g.
        ``str.lower``). Use a picklable one (not a lambda) to keep the
        stream picklable.
    encoding : str, optional
        The encoding of the files, UTF-8 by default.

    Notes
    -----
    The epoch's state is a reader that knows which file it reads and where:
    a stream over this dataset pickles (and resumes) in the middle of an
    epoch.

    Examples
    --------
    >>> import tempfile, os
    >>> from blocks.data.streams import DataStream
    >>> directory = tempfile.mkdtemp()
    >>> path = os.path.join(directory, 'sentences.txt')
    >>> with open(path, 'w') as handle:
    ...     _ = handle.write('the cat\nthe dog sat\n')
    >>> dictionary = {'<S>': 0, '</S>': 1, '<UNK>': 2, 'the': 3, 'cat': 4}
    >>> dataset = TextFile([path], dictionary)
    >>> list(DataStream(dataset).get_epoch_iterator())
    [([0, 3, 4, 1],), ([0, 3, 2, 2, 1],)]

    """
    provides_sources = ('features',)

    def __init__(self, files, dictionary, bos_token='<S>', eos_token='</S>',
                 unk_token='<UNK>', level='word', preprocess=None,
                 encoding=None, **kwargs):
        owner = type(self).__name__
        if isinstance(files, str) or not isinstance(
                files, collections.abc.Iterable):
            raise TypeError("{}: files must be a list of paths, got {!r}"
                            .format(owner, files))
        files = list(files)
        if not files:
            raise ValueError("{}: files must name at least one file"
                             .format(owner))
        if not isinstance(dictionary, collections.abc.Mapping):
            raise TypeError("{}: dictionary must map tokens to indices, got "
                            "{!r}".format(owner, dictionary))
        for argument, token in (('bos_token', bos_token),
                                ('eos_token', eos_token),
                                ('unk_token', unk_token)):
            if token is not None and token not in dictionary:
                raise ValueError("{}: {} {!r} is not in the dictionary"
                                 .format(owner, argument, token))
        if level not in LEVELS:
            raise ValueError("{}: level must be one of {}, got {!r}".format(
                owner, LEVELS, level))
        if preprocess is not None and not callable(preprocess):
            raise TypeError("{}: preprocess must be callable, got {!r}"
                            .format(owner, preprocess))
        super().__init__(**kwargs)
        self.files = files
        self.dictionary = dictionary
        self.bos_token = bos_token
        self.eos_token = eos_token
        self.unk_token = unk_token
        self.level = level
        self.preprocess = preprocess
        self.encoding = encoding if encoding is not None else 'utf-8'

    def open(self):
        return _LineReader(self.files, self.encoding)

    def close(self, state):
        if state is not None:
            state.close()

    def get_data(self, state=None, request=None):
        if request is not None:
            raise ValueError("{}: get_data takes no request (the files are "
                             "read in order), got {!r}; build the DataStream "
                             "without an iteration scheme".format(
                                 type(self).__name__, request))
        if state is None:
            raise ValueError("{}: get_data needs the state returned by "
                             "open(), got None".format(type(self).__name__))
        line = next(state)
        if self.preprocess is not None:
            line = self.preprocess(line)
        if self.level == 'word':
            tokens = line.split()
        else:
            tokens = line.rstrip('\r\n')
        dictionary = self.dictionary
        data = [dictionary[self.bos_token]] if self.bos_token else []
        for token in tokens:
            index = dictionary.get(token)
            if index is None:
                if self.unk_token is None:
                    raise ValueError(
                        "{}: {}: the token {!r} is not in the dictionary "
                        "and there is no unk_token".format(
                            type(self).__name__, state.where, token))
                index = dictionary[self.unk_token]
            data.append(index)
        if self.eos_token:
            data.append(dictionary[self.eos_token])
        return self.filter_sources((data,))


class OneBillionWord(TextFile):
    """The One Billion Word language modelling benchmark.

    Reads the tokenized, shuffled sentences of the corpus as distributed
    (`1-billion-word-language-modeling-benchmark-r13output`), one sentence
    per line, from ``<data_path>/1-billion-word/``:
    ``training-monolingual.tokenized.shuffled/news.en-000NN-of-00100``
    (training partitions 1 to 99) and
    ``heldout-monolingual.tokenized.shuffled/news.en.heldout-000NN-of-00050``
    (held-out partitions 0 to 49). Nothing is downloaded.

    Parameters
    ----------
    which_set : {'training', 'heldout'}
        The part of the corpus.
    which_partitions : list of int
        The partitions (files) to read, in this order.
    dictionary : dict
        Maps words to indices; see :class:`TextFile` for the other
        arguments (the level is words).

    Raises
    ------
    ValueError
        If a partition does not exist, or a file is missing (the message
        lists the missing files and where they were looked for).

    """
    PARTITIONS = {'training': range(1, 100), 'heldout': range(50)}

    def __init__(self, which_set, which_partitions, dictionary, **kwargs):
        if which_set not in self.PARTITIONS:
            raise ValueError("OneBillionWord: which_set must be 'training' "
                             "or 'heldout', got {!r}".format(which_set))
        if isinstance(which_partitions, int) or not isinstance(
                which_partitions, collections.abc.Iterable):
            raise TypeError("OneBillionWord: which_partitions must be a list "
                            "of partition numbers, got {!r}".format(
                                which_partitions))
        which_partitions = list(which_partitions)
        valid = self.PARTITIONS[which_set]
        invalid = [partition for partition in which_partitions
                   if partition not in valid]
        if invalid or not which_partitions:
            raise ValueError("OneBillionWord: the {!r} partitions are {} to "
                             "{}, got {}".format(which_set, valid[0],
                                                 valid[-1], which_partitions))
        self.which_set = which_set
        self.which_partitions = which_partitions
        kwargs.setdefault('level', 'word')
        super().__init__(self._find_files(which_set, which_partitions),
                         dictionary, **kwargs)

    @staticmethod
    def relative_path(which_set, partition):
        """The path of a partition's file within the corpus directory."""
        if which_set == 'training':
            return os.path.join('training-monolingual.tokenized.shuffled',
                                'news.en-{:05d}-of-00100'.format(partition))
        return os.path.join('heldout-monolingual.tokenized.shuffled',
                            'news.en.heldout-{:05d}-of-00050'.format(
                                partition))

    @classmethod
    def _find_files(cls, which_set, which_partitions):
        try:
            data_path = config.data_path
        except ConfigurationError as exc:
            raise ValueError(NO_DATA_PATH) from exc
        directories = [os.path.join(entry, '1-billion-word')
                       for entry in data_path.split(os.pathsep) if entry]
        files, missing = [], []
        for partition in which_partitions:
            relative = cls.relative_path(which_set, partition)
            found = [os.path.join(directory, relative)
                     for directory in directories
                     if os.path.isfile(os.path.join(directory, relative))]
            if found:
                files.append(found[0])
            else:
                missing.append(relative)
        if missing:
            raise ValueError(MISSING_FILES.format(
                count=len(missing), total=len(which_partitions),
                which_set=which_set, partitions=which_partitions,
                directories=directories, missing=', '.join(missing)))
        return files
