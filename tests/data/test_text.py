"""Tests of the text datasets, and of sorting sequences by length in a
buffer of examples."""
import os
import pickle

import numpy
import pytest

from blocks.config import config
from blocks.data.datasets import OneBillionWord, TextFile
from blocks.data.schemes import ConstantScheme
from blocks.data.streams import DataStream
from blocks.data.transformers import (
    Batch, Mapping, Padding, SortMapping, SourceLength, Unpack)
from tests.data import assert_resumes_exactly, assert_steps_equal

CHARACTERS = {'<S>': 0, '</S>': 1, '<UNK>': 2, 'a': 3, 'b': 4, ' ': 5}


def write(path, text):
    path.write_text(text, encoding='utf-8')
    return str(path)


@pytest.fixture
def files(tmp_path):
    first = write(tmp_path / 'first.txt', 'ab a\nb\n\n  ba b\n')
    second = write(tmp_path / 'second.txt', 'b a b b\nbab\r\n')
    return [first, second]


def epoch(dataset):
    return [data for data, in DataStream(dataset).get_epoch_iterator()]


def test_characters_with_markers_and_unknown_tokens(files):
    dataset = TextFile(files, CHARACTERS, level='character')
    assert dataset.sources == ('features',)
    lines = epoch(dataset)
    assert lines[0] == [0, 3, 4, 5, 3, 1]
    assert lines[2] == [0, 1]  # an empty line
    assert lines[3] == [0, 5, 5, 4, 3, 5, 4, 1]  # indentation is kept
    assert lines[5] == [0, 4, 3, 4, 1]  # the \r\n is dropped
    assert len(lines) == 6  # both files, in order


def test_words_without_markers_and_preprocessing(files):
    words = {'<UNK>': 0, 'a': 1, 'b': 2, 'B': 3}
    dataset = TextFile(files, words, bos_token=None, eos_token=None,
                       preprocess=str.upper)
    lines = epoch(dataset)
    assert lines[0] == [0, 0]  # 'AB' and 'A' are unknown
    assert lines[1] == [3]
    assert lines[4] == [3, 0, 3, 3]


def test_unknown_tokens_without_unk_token(files):
    dataset = TextFile(files, {'a': 0, 'b': 1}, bos_token=None,
                       eos_token=None, unk_token=None, level='character')
    stream = DataStream(dataset).get_epoch_iterator()
    with pytest.raises(ValueError, match=r"TextFile: .*first.txt, line 1: "
                                         r"the token ' ' is not in the "
                                         r"dictionary and there is no "
                                         r"unk_token"):
        list(stream)


def test_bad_arguments(files):
    with pytest.raises(ValueError, match=r"TextFile: eos_token '</S>' is not "
                                         r"in the dictionary"):
        TextFile(files, {'<S>': 0, '<UNK>': 1})
    with pytest.raises(ValueError, match=r"level must be one of \('word', "
                                         r"'character'\), got 'char'"):
        TextFile(files, CHARACTERS, level='char')
    with pytest.raises(TypeError, match=r"files must be a list of paths"):
        TextFile(files[0], CHARACTERS)
    with pytest.raises(ValueError, match=r"get_data takes no request"):
        TextFile(files, CHARACTERS).get_data(None, request=[0])


def length_sorted_stream(files, buffer_size=3, batch_size=2):
    """The sort-in-buffer pattern on a text file."""
    stream = DataStream(TextFile(files, CHARACTERS, level='character'))
    stream = Batch(stream, iteration_scheme=ConstantScheme(buffer_size))
    stream = Mapping(stream, SortMapping(SourceLength(0)))
    stream = Unpack(stream)
    stream = Batch(stream, iteration_scheme=ConstantScheme(batch_size))
    return Padding(stream, mask_dtype='int8')


def test_sort_in_buffer(files):
    batches = list(length_sorted_stream(files).get_epoch_iterator())
    lengths = [mask.sum(axis=1).tolist() for _, mask in batches]
    # The lines have 6, 3, 2, 8, 9 and 5 tokens; each buffer of three is
    # sorted by length, then the examples are batched by two.
    assert lengths == [[2, 3], [6, 5], [8, 9]]
    for features, mask in batches:
        assert features.shape == mask.shape
        assert numpy.all(features[mask == 0] == 0)


def test_streams_resume_mid_epoch(files):
    first = assert_resumes_exactly(
        lambda: DataStream(TextFile(files, CHARACTERS, level='character')),
        steps_before=4)
    assert len(first) == 6
    # The fourth line is the last of the first file: the copy goes on
    # with the second file.
    assert_resumes_exactly(lambda: DataStream(TextFile(
        files, CHARACTERS, level='character')), steps_before=3)
    assert_resumes_exactly(lambda: length_sorted_stream(files),
                           steps_before=2)


def test_sort_mapping_keeps_arrays_and_pickles():
    mapping = SortMapping(SourceLength(1), reverse=True)
    batch = (numpy.array([1, 2, 3]),
             numpy.array([[1], [1, 2, 3], [1, 2]], dtype=object))
    numbers, sequences = pickle.loads(pickle.dumps(mapping))(batch)
    assert numbers.tolist() == [2, 3, 1]
    assert [len(sequence) for sequence in sequences] == [3, 2, 1]
    with pytest.raises(TypeError, match='SortMapping: key must be callable'):
        SortMapping('length')


@pytest.fixture
def data_path(tmp_path, monkeypatch):
    monkeypatch.delitem(config.config['data_path'], 'value', raising=False)
    monkeypatch.setenv('BLOCKS_DATA_PATH', str(tmp_path))
    return tmp_path


def test_one_billion_word_reads_the_corpus_files(data_path):
    words = {'<S>': 0, '</S>': 1, '<UNK>': 2, 'the': 3}
    for which_set, partition, text in (('training', 2, 'the cat\n'),
                                       ('heldout', 0, 'the\n')):
        path = data_path / '1-billion-word' / OneBillionWord.relative_path(
            which_set, partition)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert os.path.basename(OneBillionWord.relative_path('training', 2)) == \
        'news.en-00002-of-00100'
    training = OneBillionWord('training', [2], words)
    assert epoch(training) == [[0, 3, 2, 1]]
    assert epoch(OneBillionWord('heldout', [0], words)) == [[0, 3, 1]]
    assert_steps_equal(
        list(DataStream(pickle.loads(pickle.dumps(training)))
             .get_epoch_iterator()), [([0, 3, 2, 1],)])


def test_one_billion_word_names_missing_files(data_path):
    with pytest.raises(ValueError, match=r"OneBillionWord: cannot find 2 of "
                                         r"the 2 files of the 'training'\s"
                                         r"partitions \[1, 5\].*"
                                         r"news.en-00001-of-00100, "
                                         r".*news.en-00005-of-00100"):
        OneBillionWord('training', [1, 5], {'<S>': 0, '</S>': 1,
                                            '<UNK>': 2})
    with pytest.raises(ValueError, match=r"the 'heldout' partitions are 0 "
                                         r"to 49, got \[50\]"):
        OneBillionWord('heldout', [50], {})
    with pytest.raises(ValueError, match=r"which_set must be 'training' or "
                                         r"'heldout'"):
        OneBillionWord('test', [1], {})


def test_one_billion_word_without_data_path(monkeypatch):
    monkeypatch.delitem(config.config['data_path'], 'value', raising=False)
    monkeypatch.delenv('BLOCKS_DATA_PATH', raising=False)
    monkeypatch.setattr(config, 'yaml_settings', {})
    with pytest.raises(ValueError, match=r"data_path is not set"):
        OneBillionWord('training', [1], {})
