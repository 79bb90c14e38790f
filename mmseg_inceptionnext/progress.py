"""Progress of long work on the terminal: count, rate and time left (rich, which mmengine
already installs). Nothing is shown when the stream is not a terminal (logs, pipes, CI), so
printed results and JSON stay as they are."""
from __future__ import annotations

import sys
from typing import Iterable, Iterator, Optional, TextIO, TypeVar

T = TypeVar('T')


def track(items: Iterable[T], description: str, *, total: Optional[int] = None,
          stream: Optional[TextIO] = None) -> Iterator[T]:
    """Yield ``items``, with a progress bar on ``stream`` (default: standard error) if it is a
    terminal.

    Args:
        items: What to go through.
        description: What is being done, e.g. ``'segmenting'``.
        total: Number of items (default: ``len(items)`` where it has one).
        stream: Where the bar goes.
    """
    stream = sys.stderr if stream is None else stream
    if not getattr(stream, 'isatty', lambda: False)():
        yield from items
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task):
            return Text(f'{task.speed:.2f}/s' if task.speed else '-/s')

    total = total if total is not None else (len(items) if hasattr(items, '__len__') else None)
    console = Console(file=stream, force_terminal=True)
    with Progress(TextColumn('{task.description}'), BarColumn(), MofNCompleteColumn(),
                  RateColumn(), TextColumn('time left'), TimeRemainingColumn(),
                  console=console) as progress:
        task = progress.add_task(description, total=total)
        for item in items:
            yield item
            progress.advance(task)
