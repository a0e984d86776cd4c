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
