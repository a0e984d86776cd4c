"""Grad-CAM pictures of a trained recognizer, with MMAction2's ``GradCAM``:
which pixels of each segment's frame drove the prediction."""
import copy
import warnings
from pathlib import Path
from typing import Sequence, Union

import torch


def target_layer(model: torch.nn.Module, input_size: int) -> str:
    """GradCAM's name of the deepest residual stage whose maps are still at
    least 4x4 for ``input_size`` inputs (the last stage of a ResNet on 64 px
    frames is 2x2, too coarse to show where the model looks)."""
    backbone = model.backbone
    stages = list(getattr(backbone, 'res_layers', []))
    if not stages:
        return 'backbone/layer4'
    strides = list(getattr(backbone, 'strides', [1, 2, 2, 2]))
    chosen, stride = stages[0], 4  # the stem: conv /2, maxpool /2
    for name, stage_stride in zip(stages, strides):
        stride *= stage_stride
        if input_size / stride < 4:
            break
        chosen = name
    return f'backbone/{chosen}'


def gradcam_picture(model: torch.nn.Module,
                    cfg,
                    path: Union[str, Path],
                    classes: Sequence[str],
                    index: int = 0,
                    title: str = '') -> dict:
    """Grad-CAM of one test video with MMAction2's ``GradCAM``.

    ``GradCAM`` works for TDN as it is: TDNRecognizer is a Recognizer2D; the
    last stage's maps are (T, C, h, w), one per segment, and GradCAM
    stretches them over the T x F input frames with a trilinear resize,
    under which frame ``F t + F // 2`` (segment t's centre frame, the one
    the appearance path sees) gets exactly segment t's map. The picture shows
    those centre frames (all frames for TSN/TSM), above with their heat
    maps. It runs on a copy of the model (GradCAM leaves hooks behind).

    Args:
        model (torch.nn.Module): A trained recognizer.
        cfg (Config): Its config (the test pipeline reads the video).
        path (str | Path): The PNG to write.
        classes (Sequence[str]): Class names.
        index (int): The video of the test list. Defaults to 0.
        title (str): Prefix of the figure's title. Defaults to ''.

    Returns:
        dict: ``label``, ``pred`` (class indices), ``layer``.
    """
    from mmaction.registry import DATASETS
    from mmaction.utils import GradCAM
    from mmengine.dataset import pseudo_collate

    model = copy.deepcopy(model)
    dataset = DATASETS.build(copy.deepcopy(cfg.test_dataloader.dataset))
    data = pseudo_collate([dataset[index]])
    layer = target_layer(model, data['inputs'][0].shape[-1])
    with warnings.catch_warnings():
        # GradCAM uses the deprecated register_backward_hook
        warnings.simplefilter('ignore')
        cam = GradCAM(model, layer, colormap='jet')
        blended, preds = cam(data, use_labels=False, alpha=0.45)
    label = int(data['data_samples'][0].gt_label.item())
    pred = int(preds[0].argmax())

    def name(i):
        return classes[i] if i < len(classes) else str(i)

    verdict = 'right' if pred == label else 'wrong'
    _save_figure(
        data['inputs'][0], blended[0],
        getattr(model.backbone, 'frames_per_segment', 1), path,
        f'{title}Grad-CAM ({layer.replace("/", ".")}), val video {index}\n'
        f'true "{name(label)}", predicted "{name(pred)}" ({verdict})')
    return dict(label=label, pred=pred, layer=layer)


def _save_figure(frames: torch.Tensor, blended: torch.Tensor,
                 per_segment: int, path: Union[str, Path],
                 title: str) -> None:
    """Each segment's centre frame (every frame for one frame per
    segment) above its heat map, as a PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    show = list(range(per_segment // 2, frames.shape[0], per_segment))
    columns = len(show)
    fig, axes = plt.subplots(2, columns, figsize=(1.5 * columns + 0.4, 3.6),
                             squeeze=False)
    for column, frame_index in enumerate(show):
        raw = frames[frame_index].permute(1, 2, 0).numpy()
        axes[0, column].imshow(raw, interpolation='bilinear')
        axes[1, column].imshow(blended[frame_index].numpy(),
                               interpolation='bilinear')
        axes[0, column].set_title(f'segment {column + 1}' if per_segment > 1
                                  else f'frame {column + 1}', fontsize=8)
        for row in range(2):
            axes[row, column].axis('off')
    from .charts import fit_titles
    fit_titles(fig, [fig.suptitle(title, fontsize=10)],
               lambda figure: figure.tight_layout(h_pad=0.6))
    fig.savefig(str(path), dpi=110)
    plt.close(fig)
