import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

import tdn_plugin
from tdn_plugin import compat


class _Payload:
    """Pickles as a call to os.system: what a hostile checkpoint holds."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


def hostile_checkpoint(path, marker):
    torch.save({'state_dict': {'w': torch.zeros(1)},
                'meta': _Payload(marker)}, path)


def test_missing_drn_module_is_replaced_only_when_absent(tmp_path,
                                                         monkeypatch):
    import mmaction.models  # noqa: F401  imports on the PyPI wheel
    root = compat._mmaction_root()
    placeholder = sys.modules['mmaction.models.localizers.drn']
    if osp.isdir(osp.join(root, 'models', 'localizers', 'drn')):
        assert placeholder.__file__.startswith(root)  # the real one
    else:
        with pytest.raises(ImportError, match='2714'):
            placeholder.DRN()
    # a source install (drn present) gets no placeholder
    (tmp_path / 'models' / 'localizers' / 'drn').mkdir(parents=True)
    monkeypatch.setattr(compat, '_mmaction_root', lambda: str(tmp_path))
    monkeypatch.delitem(sys.modules, 'mmaction.models.localizers.drn')
    compat._missing_drn_placeholder()
    assert 'mmaction.models.localizers.drn' not in sys.modules


def test_mmengine_checkpoint_loads_with_weights_only(trained_run):
    ckpt = torch.load(trained_run / 'epoch_1.pth', map_location='cpu')
    assert 'message_hub' in ckpt and 'optimizer' in ckpt


class _PlainObject:
    """Harmless, but not tensor data: weights-only loading refuses it."""


def test_weights_only_is_not_switched_off(tmp_path):
    """After ``import tdn_plugin``, torch.load still defaults to weights-only
    (an unlisted class is refused) and the real ``getattr`` is not on the
    allow-list (only the stand-in that resolves HistoryBuffer methods)."""
    import pickle
    assert os.environ.get('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD') is None
    path = tmp_path / 'object.pth'
    torch.save({'meta': _PlainObject()}, path)
    with pytest.raises(pickle.UnpicklingError, match='_PlainObject'):
        torch.load(path)
    allowed = torch.serialization.get_safe_globals()
    assert getattr not in allowed and os.system not in allowed
    assert (compat.history_buffer_method, 'builtins.getattr') in allowed


def test_code_in_a_checkpoint_is_refused_and_never_runs(tmp_path):
    from mmengine.runner.checkpoint import _load_checkpoint
    marker = tmp_path / 'pwned'
    path = tmp_path / 'hostile.pth'
    hostile_checkpoint(path, marker)
    with pytest.raises(compat.CheckpointRefusedError,
                       match='system.*not loaded'):
        _load_checkpoint(str(path), map_location='cpu')
    with pytest.raises(Exception):
        torch.load(path)
    assert not marker.exists()


def test_getattr_stand_in_refuses_other_lookups():
    from mmengine.logging.history_buffer import HistoryBuffer
    assert compat.history_buffer_method(HistoryBuffer, 'mean') is \
        HistoryBuffer.mean
    import pickle
    with pytest.raises(pickle.UnpicklingError):
        compat.history_buffer_method(HistoryBuffer, '__init__')
    with pytest.raises(pickle.UnpicklingError):
        compat.history_buffer_method(os, 'system')


def test_hostile_checkpoint_refused_by_tdn_test(tiny_config, tmp_path):
    from tdn_plugin.cli.main import main
    marker = tmp_path / 'pwned'
    path = tmp_path / 'hostile.pth'
    hostile_checkpoint(path, marker)
    with pytest.raises(compat.CheckpointRefusedError):
        main(['test', tiny_config, str(path), '--work-dir', str(tmp_path)])
    with pytest.raises(compat.CheckpointRefusedError):
        main(['train', tiny_config, '--work-dir', str(tmp_path / 'r'),
              '--resume', str(path)])
    assert not marker.exists()


def test_importing_twice_is_harmless(trained_run):
    code = ('import importlib, torch, tdn_plugin; '
            'importlib.reload(tdn_plugin); tdn_plugin.compat.apply(); '
            'import tdn_plugin.compat as c; c._applied = False; c.apply(); '
            f'torch.load({str(trained_run / "epoch_1.pth")!r}); '
            'from mmaction.registry import MODELS; '
            'assert MODELS.get("ResNetTDN") is not None; print("ok")')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith('ok')


def test_version():
    assert tdn_plugin.__version__
