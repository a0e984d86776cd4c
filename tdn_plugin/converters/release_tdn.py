"""Conversion of the authors' TDN release checkpoints (MCG-NJU/TDN).

This module is the one place that knows the release's names. A release file
is a ``torch.save`` dict (``best.pth.tar``) with a ``state_dict`` saved from
DistributedDataParallel (keys start with ``module.``); a bare state dict is
accepted too. The release's ResNet convs carry biases right before a
BatchNorm; each bias is folded into that BN (``running_mean -= bias``), which
leaves the function unchanged in eval and in train mode. The release's
unused ``conv1_temp`` (and the older ``conv1_temp1``) are dropped; any other
key that cannot be mapped stops the conversion with a list of them.
"""
import re
from typing import Dict, Optional, Tuple

import torch

from tdn_plugin.utils.errors import UserError

# release name in an L-TDM ("mse") -> LongTermTDM's name
_LTDM_NAMES = {
    'conv1': 'reduce',
    'bn1': 'reduce_bn',
    'conv2': 'neighbour_conv',
    'conv3': 'expand',
    'bn3': 'expand_bn',
    'conv3_smallscale2': 'pooled_conv',
    'bn3_smallscale2': 'pooled_bn',
    'conv3_smallscale4': 'full_conv',
    'bn3_smallscale4': 'full_bn',
}
_DROPPED = re.compile(r'base_model\.conv1_temp1?\.(weight|bias)$')
_DEPTHS = {6: 50, 23: 101}  # res4 blocks -> ResNet depth


class ConversionError(UserError, ValueError):
    """A release checkpoint that cannot be converted."""


def load_release_checkpoint(path: str) -> Dict[str, torch.Tensor]:
    """Read a release file with torch's weights-only loading.

    Returns:
        dict: The state dict, ``module.`` prefixes stripped.
    """
    from tdn_plugin.compat import mmengine_checkpoint_globals_allowed
    try:
        # numpy scalars (a saved best_prec1) load as in mmengine's files
        with mmengine_checkpoint_globals_allowed():
            checkpoint = torch.load(path, map_location='cpu',
                                    weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as err:  # pickle.UnpicklingError, RuntimeError...
        raise ConversionError(
            f'cannot read {path} as a checkpoint with torch\'s weights-only '
            f'loading (files that pickle code are refused): {err}') from None
    if not isinstance(checkpoint, dict):
        raise ConversionError(f'{path} holds a {type(checkpoint).__name__}, '
                              'not a checkpoint dict')
    state_dict = checkpoint.get('state_dict', checkpoint)
    return {
        (k[len('module.'):] if k.startswith('module.') else k): v
        for k, v in state_dict.items()
    }


def _block_name(rest: str) -> Tuple[str, str]:
    """A plain-bottleneck key -> (MMAction2 key, kind); kind 'bias' marks a
    conv bias to fold into the returned BN prefix."""
    m = re.fullmatch(r'conv(\d)\.(weight|bias)', rest)
    if m:
        conv = f'conv{m.group(1)}'
        if m.group(2) == 'bias':
            return f'{conv}.bn', 'bias'
        return f'{conv}.conv.weight', 'copy'
    m = re.fullmatch(r'bn(\d)\.(\w+)', rest)
    if m:
        return f'conv{m.group(1)}.bn.{m.group(2)}', 'copy'
    m = re.fullmatch(r'downsample\.0\.(weight|bias)', rest)
    if m:
        if m.group(1) == 'bias':
            return 'downsample.bn', 'bias'
        return 'downsample.conv.weight', 'copy'
    m = re.fullmatch(r'downsample\.1\.(\w+)', rest)
    if m:
        return f'downsample.bn.{m.group(1)}', 'copy'
    raise KeyError(rest)


def _map_key(key: str) -> Tuple[Optional[str], str]:
    """A release key -> (plugin key, kind): kind is 'copy', 'bias' (fold
    into the BN whose prefix is returned) or 'drop'."""
    if _DROPPED.match(key):
        return None, 'drop'
    m = re.fullmatch(r'(?:new_fc|base_model\.classifier)\.(weight|bias)', key)
    if m:
        return f'cls_head.fc_cls.{m.group(1)}', 'copy'
    if key == 'base_model.conv1.weight':
        return 'backbone.conv1.conv.weight', 'copy'
    if key == 'base_model.conv1.bias':
        return 'backbone.conv1.bn', 'bias'
    m = re.fullmatch(r'base_model\.bn1\.(\w+)', key)
    if m:
        return f'backbone.conv1.bn.{m.group(1)}', 'copy'
    if key == 'base_model.conv1_5.0.weight':
        return 'backbone.short_term_tdm.stem.conv.weight', 'copy'
    m = re.fullmatch(r'base_model\.conv1_5\.1\.(\w+)', key)
    if m:
        return f'backbone.short_term_tdm.stem.bn.{m.group(1)}', 'copy'
    m = re.fullmatch(r'base_model\.(resnext_layer1|layer1_bak)\.(\d+)\.(.+)',
                     key)
    if m:
        layer = ('short_term_tdm.res_layer'
                 if m.group(1) == 'resnext_layer1' else 'layer1')
        name, kind = _block_name(m.group(3))
        return f'backbone.{layer}.{m.group(2)}.{name}', kind
    m = re.fullmatch(r'base_model\.layer([234])_bak\.(\d+)\.(.+)', key)
    if m:
        block = f'backbone.layer{m.group(1)}.{m.group(2)}'
        rest = m.group(3)
        mse = re.fullmatch(r'mse\.(\w+)\.(\w+)', rest)
        if mse and mse.group(1) in _LTDM_NAMES:
            return (f'{block}.temporal.long_term_tdm.'
                    f'{_LTDM_NAMES[mse.group(1)]}.{mse.group(2)}', 'copy')
        if rest == 'shift.conv.weight':
            return f'{block}.temporal.temporal_conv.weight', 'copy'
        name, kind = _block_name(rest)
        return f'{block}.block.{name}', kind
    raise KeyError(key)


def release_depth(state_dict: Dict[str, torch.Tensor]) -> int:
    """ResNet depth of a release state dict, from its number of res4
    blocks."""
    blocks = {
        int(m.group(1))
        for k in state_dict
        for m in [re.match(r'base_model\.layer3_bak\.(\d+)\.', k)] if m
    }
    if len(blocks) not in _DEPTHS:
        raise ConversionError(
            f'not a TDN release checkpoint of a known depth: found '
            f'{len(blocks)} res4 (layer3_bak) blocks, expected 6 (R50) or '
            '23 (R101)')
    return _DEPTHS[len(blocks)]


def convert_release_state_dict(
        state_dict: Dict[str, torch.Tensor]) -> Tuple[dict, dict]:
    """Map a release state dict onto the plugin's TDN recognizer.

    Args:
        state_dict (dict): Release keys, ``module.`` already stripped
            (see :func:`load_release_checkpoint`).

    Returns:
        tuple[dict, dict]: The recognizer's state dict (``backbone.*``,
        ``cls_head.*``) and facts about it: ``depth``, ``num_classes``,
        ``dropped`` keys, ``folded`` biases.

    Raises:
        ConversionError: Keys that cannot be mapped (all of them listed), or
            a bias without its BatchNorm.
    """
    depth = release_depth(state_dict)
    converted, biases, dropped, unknown = {}, {}, [], []
    for key, value in state_dict.items():
        try:
            new_key, kind = _map_key(key)
        except KeyError:
            unknown.append(key)
            continue
        if kind == 'drop':
            dropped.append(key)
        elif kind == 'bias':
            biases[new_key] = (key, value)
        else:
            converted[new_key] = value.clone()
    if unknown:
        raise ConversionError(
            f'{len(unknown)} key(s) of the checkpoint cannot be mapped to '
            'the TDN model: ' + ', '.join(sorted(unknown)))
    for bn, (key, bias) in biases.items():
        mean = converted.get(f'{bn}.running_mean')
        if mean is None:
            raise ConversionError(f'{key} has no following BatchNorm '
                                  f'({bn}.running_mean) to fold into')
        # BN(conv(x) + b) == BN'(conv(x)) with running_mean' = mean - b
        converted[f'{bn}.running_mean'] = mean - bias
    if 'cls_head.fc_cls.weight' not in converted:
        raise ConversionError('the checkpoint has no classifier '
                              '(new_fc or base_model.classifier)')
    info = dict(
        depth=depth,
        num_classes=int(converted['cls_head.fc_cls.weight'].shape[0]),
        dropped=sorted(dropped),
        folded=len(biases))
    return converted, info
