"""Progress bars: shown on a terminal with count, rate and time left; nothing elsewhere."""
import io

from mmseg_inceptionnext.progress import track


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_gets_count_rate_and_time_left():
    stream = Terminal()
    assert list(track(range(3), 'segmenting', stream=stream)) == [0, 1, 2]
    shown = stream.getvalue()
    assert 'segmenting' in shown and '3/3' in shown and '/s' in shown and 'time left' in shown


def test_a_pipe_or_log_gets_nothing():
    stream = io.StringIO()
    assert list(track(iter('abc'), 'calibrating', stream=stream)) == ['a', 'b', 'c']
    assert stream.getvalue() == ''
