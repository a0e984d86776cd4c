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
    """mmengine's loads (test, resume and load_from all go through
    CheckpointLoader) read the Runner's checkpoints; a plain torch.load of
    the same file is still refused: the allow-list is scoped to them."""
    import pickle

    from mmengine.runner.checkpoint import (
        CheckpointLoader,
        _load_checkpoint,
        load_checkpoint,
    )

    from tdn_plugin.cli.utils import load_config
    from tdn_plugin.utils.checks import load_recognizer
    path = str(trained_run / 'epoch_1.pth')
    ckpt = _load_checkpoint(path, map_location='cpu')
    assert 'message_hub' in ckpt and 'optimizer' in ckpt
    assert 'meta' in CheckpointLoader.load_checkpoint(path, 'cpu')
    model = load_recognizer(load_config(str(trained_run / 'tdn_tiny.py')))
    load_checkpoint(model, path, map_location='cpu', strict=True)
    with pytest.raises(pickle.UnpicklingError, match='HistoryBuffer|numpy'):
        torch.load(path, map_location='cpu')


class _PlainObject:
    """Harmless, but not tensor data: weights-only loading refuses it."""


def test_weights_only_is_not_switched_off(tmp_path):
    """After ``import tdn_plugin``, torch.load still defaults to weights-only
    (an unlisted class is refused), a numpy array is refused as torch alone
    refuses it, and none of mmengine's globals is on the process-wide
    allow-list."""
    import pickle

    import numpy as np
    assert os.environ.get('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD') is None
    path = tmp_path / 'object.pth'
    torch.save({'meta': _PlainObject()}, path)
    with pytest.raises(pickle.UnpicklingError, match='_PlainObject'):
        torch.load(path)
    torch.save({'array': np.zeros(3)}, tmp_path / 'array.pth')
    with pytest.raises(pickle.UnpicklingError, match='numpy'):
        torch.load(tmp_path / 'array.pth')
    allowed = torch.serialization.get_safe_globals()
    assert getattr not in allowed and os.system not in allowed
    assert not [g for g in compat.mmengine_checkpoint_globals()
                if g in allowed]


def test_scoped_allow_list_leaves_the_users_entries(tmp_path):
    import pickle

    import numpy as np
    path = tmp_path / 'array.pth'
    torch.save({'array': np.zeros(3)}, path)
    before = torch.serialization.get_safe_globals()
    torch.serialization.add_safe_globals([np.dtype])
    try:
        with compat.mmengine_checkpoint_globals_allowed():
            assert torch.load(path)['array'].shape == (3, )
        assert np.dtype in torch.serialization.get_safe_globals()
        with pytest.raises(pickle.UnpicklingError, match='numpy'):
            torch.load(path)
    finally:  # the process as it was
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals(before)


@pytest.mark.parametrize('content, reason, original', [
    (b'', 'EOFError', EOFError),
    (b'hello world\n', 'KeyError', KeyError),
    (b'PK\x03\x04 cut', 'PytorchStreamReader failed reading zip archive',
     RuntimeError),
])
def test_a_file_that_is_no_checkpoint_gets_torchs_reason(tmp_path, content,
                                                         reason, original):
    """One line with torch's reason, and still caught as what torch raised
    before the plugin (a user's ``except RuntimeError`` keeps working)."""
    from mmengine.runner.checkpoint import _load_checkpoint
    path = tmp_path / 'notes.pth'
    path.write_bytes(content)
    with pytest.raises(original) as caught:
        _load_checkpoint(str(path), map_location='cpu')
    assert isinstance(caught.value, compat.CheckpointReadError)
    assert type(caught.value).__name__ == 'CheckpointReadError'
    message = str(caught.value)
    assert message.startswith(f"cannot read '{path}' as a torch checkpoint:")
    assert reason in message and 'arbitrary code' not in message


def test_a_plain_pickle_gets_torchs_reason(tmp_path):
    import pickle

    import numpy as np
    from mmengine.runner.checkpoint import _load_checkpoint
    path = tmp_path / 'array.pkl'
    path.write_bytes(pickle.dumps(np.zeros(3)))
    with pytest.raises(compat.CheckpointReadError,
                       match='as a torch checkpoint: Unsupported operand'):
        _load_checkpoint(str(path), map_location='cpu')


def test_import_changes_no_warning_filter_and_no_root_registry():
    """``import tdn_plugin`` (and its full registry set-up) adds no warning
    filter and registers no runner in mmengine's root registry (trap 14):
    BadVideoRunner is in MMAction2's scope."""
    code = ('import warnings, torch, numpy, cv2, decord, mmengine.runner, '
            'mmcv.cnn; before = list(warnings.filters); '
            'import tdn_plugin; '
            'tdn_plugin.register_all_modules(init_default_scope=True); '
            'assert warnings.filters == before, warnings.filters; '
            'from mmengine.registry import RUNNERS; '
            'from mmaction.registry import RUNNERS as MMACTION_RUNNERS; '
            'assert "BadVideoRunner" not in RUNNERS.module_dict; '
            'assert "BadVideoRunner" in MMACTION_RUNNERS.module_dict; '
            'print("ok")')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith('ok')


def test_mmcv_lite_warning_is_hidden_only_inside_the_plugin():
    message = ('Fail to import ``MultiScaleDeformableAttention`` from '
               '``mmcv.ops.multi_scale_deform_attn``')
    code = ('import tdn_plugin, warnings; '
            f'warnings.warn({message!r}); '
            'from tdn_plugin.compat import quiet_mmcv_lite; '
            f'with quiet_mmcv_lite(): warnings.warn({message!r})')
    out = subprocess.run([sys.executable, '-c', code.replace(
        '; with', '\nwith')], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stderr.count(message) == 1  # shown outside, hidden inside


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
            'from mmengine.runner.checkpoint import _load_checkpoint; '
            f'_load_checkpoint({str(trained_run / "epoch_1.pth")!r}); '
            'from mmaction.registry import MODELS; '
            'assert MODELS.get("ResNetTDN") is not None; print("ok")')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith('ok')


def test_version():
    assert tdn_plugin.__version__
