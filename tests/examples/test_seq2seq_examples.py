"""Smoke tests of examples/markov_chain.py and examples/reverse_words.py."""
import numpy

from tests.examples.test_examples import load_example


def test_markov_chain_sampling_and_entropy_rate():
    markov_chain = load_example('markov_chain')
    data = markov_chain.sample_chain(2000, 20, numpy.random.RandomState(0))
    assert data.shape == (2000, 20) and set(numpy.unique(data)) == {0, 1, 2}
    counts = numpy.zeros((3, 3))
    numpy.add.at(counts, (data[:, :-1].ravel(), data[:, 1:].ravel()), 1)
    empirical = counts / counts.sum(axis=1, keepdims=True)
    assert abs(empirical - markov_chain.TRANSITIONS).max() < 0.02
    uniform = numpy.full((3, 3), 1 / 3.)
    assert numpy.isclose(markov_chain.entropy_rate(uniform), numpy.log(3))
    stationary = markov_chain.stationary_distribution(
        markov_chain.TRANSITIONS)
    assert numpy.allclose(stationary.dot(markov_chain.TRANSITIONS),
                          stationary)


def test_markov_chain_example_trains_a_tiny_model(capsys):
    markov_chain = load_example('markov_chain')
    learned, cost = markov_chain.main(['--epochs', '2', '--num-sequences',
                                       '80', '--length', '12', '--dim', '4'])
    output = capsys.readouterr().out
    assert 'Learned transition matrix:' in output
    assert 'entropy rate of the chain: 0.9607 nats' in output
    assert learned.shape == (3, 3)
    assert ((learned > 0) & (learned < 1)).all()
    # Better than a uniform guess over the four symbols already.
    assert cost < numpy.log(4)


def test_reverse_words_data():
    reverse_words = load_example('reverse_words')
    words = reverse_words.help_topics_words()
    assert len(words) > 2000
    assert words == reverse_words.help_topics_words()
    assert all(2 <= len(word) <= 10 and word.isalpha() and word.islower()
               for word in words)
    encoded = reverse_words.encode('word')
    assert encoded[-1] == reverse_words.EOS
    assert reverse_words.decode(encoded) == 'word'


def test_reverse_words_example_trains_and_searches(capsys):
    reverse_words = load_example('reverse_words')
    shares, main_loop = reverse_words.main([
        '--batches', '4', '--max-words', '120', '--held-out', '8',
        '--dim', '6', '--batch-size', '16', '--monitor-every', '2',
        '--beam-size', '3'])
    output = capsys.readouterr().out
    assert main_loop.status['iterations_done'] == 4
    curve = [line for line in output.split('\n')
             if line.startswith('Learning curve')]
    assert len(curve) == 1
    points = curve[0].split(': ')[1].split(', ')
    assert [point.split()[0] for point in points] == ['2', '4']
    assert 'Reversed exactly: ' in output
    assert 'of 8 held-out words greedily' in output
    assert 'with a beam of 3' in output
    assert set(shares) == {'greedy', 'beam'}
    assert all(0 <= share <= 1 for share in shares.values())
