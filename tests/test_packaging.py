"""A wheel carries configs/ and model-index.yml, and building it writes
nothing into the package's source folder (an old copy there would shadow
later edits of configs/ in an editable install)."""
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ('setup.py', 'MANIFEST.in', 'README.md', 'model-index.yml',
           'tdn_plugin_cli.py', 'configs', 'tdn_plugin')


@pytest.mark.slow
def test_wheel_carries_configs_and_leaves_the_source_tree_alone(tmp_path):
    source = tmp_path / 'src'
    source.mkdir()
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, source / name)
    shutil.rmtree(source / 'tdn_plugin' / '.mim', ignore_errors=True)
    subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps',
         '--no-build-isolation', '--no-index', '-w', str(tmp_path / 'dist'),
         str(source)], check=True, capture_output=True)

    wheel, = (tmp_path / 'dist').glob('tdn_plugin-*.whl')
    names = set(zipfile.ZipFile(wheel).namelist())
    configs = sorted(p.relative_to(ROOT).as_posix()
                     for p in (ROOT / 'configs').rglob('*.py'))
    assert configs and all(f'tdn_plugin/.mim/{c}' in names for c in configs)
    assert 'tdn_plugin/.mim/model-index.yml' in names
    assert 'tdn_plugin/.mim/configs/tdn/metafile.yml' in names
    assert not (source / 'tdn_plugin' / '.mim').exists()
