"""Pages that `tdn demo --markdown` generates never overwrite hand-written
text (docs/ablation.md is written by hand, docs/ablation_table.md is
generated)."""
from pathlib import Path

import pytest

from tdn_plugin.apis.demo import (
    GENERATED_MARK,
    DemoError,
    check_generated_page,
    run_demo,
)

DOCS = Path(__file__).resolve().parents[2] / 'docs'


def test_a_hand_written_page_is_refused_before_any_work(tmp_path):
    page = tmp_path / 'ablation.md'
    page.write_text('# Reading the table\n\nwritten by hand\n')
    with pytest.raises(DemoError, match='not generated'):
        run_demo(work_dir=tmp_path / 'work', models=['none'], quick=True,
                 ablation=True, markdown=page)
    assert not (tmp_path / 'work').exists()
    assert page.read_text().endswith('written by hand\n')


def test_a_new_or_generated_page_may_be_written(tmp_path):
    check_generated_page(tmp_path / 'new.md')
    page = tmp_path / 'table.md'
    page.write_text(GENERATED_MARK + '\n\n# old table\n')
    check_generated_page(page)


def test_the_docs_keep_generated_and_hand_written_pages_apart():
    assert (DOCS / 'ablation_table.md').read_text().startswith(
        GENERATED_MARK)
    assert not (DOCS / 'ablation.md').read_text().startswith(GENERATED_MARK)
    assert 'ablation_table.md' in (DOCS / 'ablation.md').read_text()
