"""Tables of rows of text: on the terminal (rich, which mmengine installs)
and in markdown. The one home of tables; the caller formats the cells."""
from typing import Optional, Sequence


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]],
                title: Optional[str] = None) -> None:
    """Print a table on stdout with rich, as wide as its cells need (a log
    file keeps whole rows).

    Args:
        header (Sequence[str]): Column names.
        rows (Sequence[Sequence[str]]): Cells; the first column is
            left-aligned, the others right-aligned.
        title (str, optional): A line above the table. Defaults to None.
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table
    table = Table(title=title, title_justify='left', box=box.SIMPLE_HEAD,
                  header_style='bold')
    for index, name in enumerate(header):
        table.add_column(name, justify='left' if index == 0 else 'right',
                         no_wrap=True)
    for row in rows:
        table.add_row(*row)
    widths = [max(len(str(c)) for c in column)
              for column in zip(header, *rows)]
    width = max(sum(widths) + 3 * len(widths) + 4,
                len(title or '') + 2)
    Console(width=width, highlight=False).print(table)


def markdown_table(header: Sequence[str],
                   rows: Sequence[Sequence[str]]) -> str:
    """A markdown table; the first column left-aligned, the others right.

    Args:
        header (Sequence[str]): Column names.
        rows (Sequence[Sequence[str]]): Cells.

    Returns:
        str: The table, without a final newline.
    """
    rule = ['---'] + ['---:'] * (len(header) - 1)
    return '\n'.join('| ' + ' | '.join(map(str, row)) + ' |'
                     for row in [header, rule, *rows])
