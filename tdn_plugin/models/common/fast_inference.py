"""The one switch for the speed-only inference paths of the temporal modules.

The temporal modules' ``forward`` reads like the paper's equations. A few of
them also have a faster way to compute the *same function* when no gradient
is needed (an in-place gate, BN folded into the conv before it, a fused
upsample-and-blend, a temporal conv written as three in-place multiply-adds).
Those paths sit behind one attribute, ``fast_inference``, which a backbone
sets on all its modules (``ResNetTDN(fast_inference=...)``, or later
``backbone.fast_inference = False``).

A module takes its fast path only when all of these hold:

* ``fast_inference`` is True (the default);
* autograd is off (``torch.no_grad()`` / ``torch.inference_mode()``), so
  training, and eval-mode uses that need gradients (Grad-CAM), always run the
  plain path;
* no ONNX export is running (``torch.onnx.is_in_onnx_export()``): exported
  graphs are always the plain path, which has no in-place updates and no
  trace-time branch on the feature-map size, so they stay valid for other
  batch, view and image sizes.
"""
import torch
import torch.nn as nn


class FastInferenceMixin:
    """Gives a module the ``fast_inference`` switch (see the module
    docstring).

    Attributes:
        fast_inference (bool): Allow the speed-only path. Defaults to True.
    """

    fast_inference: bool = True

    @property
    def use_fast_path(self) -> bool:
        """Whether this call may take the speed-only path."""
        return (self.fast_inference and not torch.is_grad_enabled()
                and not torch.onnx.is_in_onnx_export())


def set_fast_inference(model: nn.Module, enabled: bool) -> int:
    """Set ``fast_inference`` on every module of ``model`` that has the
    switch; returns how many modules it set."""
    count = 0
    for module in model.modules():
        if isinstance(module, FastInferenceMixin):
            module.fast_inference = bool(enabled)
            count += 1
    return count
