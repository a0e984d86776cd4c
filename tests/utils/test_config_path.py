"""Configs by the names users give them."""
import os.path as osp

import pytest

from tdn_plugin.utils.config_path import ConfigNotFoundError, resolve_config

TSM = ('recognition/tsm/'
       'tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_kinetics400-rgb.py')


def test_plugin_scope_and_configs_prefix_find_the_packaged_config(
        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no configs/ here
    name = 'demo/tdn_toy-motion.py'
    found = resolve_config(f'tdn_plugin::{name}')
    assert osp.isfile(found) and found.endswith(name)
    assert resolve_config(f'configs/{name}') == found


def test_mmaction_scope_finds_mmaction2s_own_config():
    found = resolve_config(f'mmaction::{TSM}')
    assert osp.isfile(found)
    assert found.replace(osp.sep, '/').endswith(f'.mim/configs/{TSM}')


@pytest.mark.parametrize('name, says', [
    ('mmaction::recognition/tsm/nope.py', 'not in'),
    ('no_such_package::x.py', "no installed package 'no_such_package'"),
    ('tdn_plugin::tdn/nope.py', 'config file not found'),
])
def test_a_missing_config_names_what_was_asked(name, says):
    with pytest.raises(ConfigNotFoundError, match='config file not found') \
            as error:
        resolve_config(name)
    assert name in str(error.value) and says in str(error.value)


def _package_layout(root, with_setup_py):
    """A package folder with a ``.mim/configs`` copy and, beside it, a
    ``configs/`` (plus ``setup.py`` for a checkout); returns the package
    folder."""
    package = root / 'tdn_plugin'
    for folder in (package / '.mim' / 'configs' / 'tdn',
                   root / 'configs' / 'tdn'):
        folder.mkdir(parents=True)
        (folder / 'x.py').write_text(f'where = {str(folder)!r}\n')
    if with_setup_py:
        (root / 'setup.py').write_text('')
    return package


def test_the_checkouts_configs_win_over_a_stale_packaged_copy(
        tmp_path, monkeypatch):
    """An old wheel build left .mim/configs in the source tree: the
    checkout's configs/ are still the ones read."""
    from tdn_plugin.utils import config_path
    package = _package_layout(tmp_path, with_setup_py=True)
    monkeypatch.setattr(config_path, '_PACKAGE_DIR', str(package))
    monkeypatch.chdir(package)  # configs/tdn/x.py is not under the cwd
    assert config_path.packaged_configs_dir() == str(tmp_path / 'configs')
    found = resolve_config('configs/tdn/x.py')
    assert found == str(tmp_path / 'configs' / 'tdn' / 'x.py')
    assert resolve_config('tdn_plugin::tdn/x.py') == found


def test_an_installed_package_reads_its_own_copy(tmp_path, monkeypatch):
    """In site-packages (no setup.py beside the package) .mim is read."""
    from tdn_plugin.utils import config_path
    package = _package_layout(tmp_path, with_setup_py=False)
    monkeypatch.setattr(config_path, '_PACKAGE_DIR', str(package))
    assert config_path.packaged_configs_dir() == str(
        package / '.mim' / 'configs')
