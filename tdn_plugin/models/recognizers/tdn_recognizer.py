"""TDN recognizer: MMAction2's Recognizer2D for multi-frame segments."""
import torch
from mmaction.models.recognizers import Recognizer2D
from mmaction.registry import MODELS
from mmaction.utils import SampleList


@MODELS.register_module()
class TDNRecognizer(Recognizer2D):
    """Recognizer for backbones that read F consecutive frames per segment
    (``ResNetTDN``), built on MMAction2's ``Recognizer2D``.

    `TDN: Temporal Difference Networks for Efficient Action Recognition
    <https://arxiv.org/abs/2012.10071>`_. A view is ``T * F`` frames, the
    backbone's ``frames_per_view`` (``ResNetTDN``, ``ResNetGTD``); a sample
    may hold several views (clips x crops), which the head's
    ``average_clips`` combines. Before any work the recognizer checks that the
    pipeline's frames fit the backbone, and ``test_cfg.max_testing_views``
    counts whole views, never splitting one. Other backbones read one frame
    per segment (``num_segments`` frames per view, else 1).
    """

    @property
    def frames_per_view(self) -> int:
        """The backbone's frames per view (see the class docstring)."""
        backbone = self.backbone
        if hasattr(backbone, 'frames_per_view'):
            return backbone.frames_per_view
        return getattr(backbone, 'num_segments', 1)

    def check_frames(self, inputs: torch.Tensor) -> int:
        """Number of views in ``inputs`` (N, views * T * F, 3, H, W)."""
        need = self.frames_per_view
        if inputs.dim() != 5 or inputs.shape[1] % need:
            got = inputs.shape[1] if inputs.dim() == 5 else tuple(inputs.shape)
            backbone = self.backbone
            raise ValueError(
                f'pipeline gives {got} frames per sample, '
                f'{type(backbone).__name__}(num_segments='
                f'{getattr(backbone, "num_segments", 1)}, frames_per_segment='
                f'{getattr(backbone, "frames_per_segment", 1)}) needs {need} '
                'per view (a multiple of it for several views): use '
                'TDNSampleFrames with the same num_segments and '
                'frames_per_segment, and FormatShape("NCHW")')
        return inputs.shape[1] // need

    def extract_feat(self,
                     inputs: torch.Tensor,
                     stage: str = 'neck',
                     data_samples: SampleList = None,
                     test_mode: bool = False) -> tuple:
        self.check_frames(inputs)
        max_views = (self.test_cfg or {}).get('max_testing_views')
        if not (test_mode and max_views):
            return super().extract_feat(inputs, stage, data_samples,
                                        test_mode)
        if self.with_neck:
            raise ValueError('TDNRecognizer: max_testing_views with a neck is '
                             'not supported')
        # (N, views * T * F, ...): the backbone sees max_views views at a time
        n, frames = inputs.shape[:2]
        feats = []
        for chunk in inputs.split(max_views * self.frames_per_view, dim=1):
            feat = self.backbone(chunk.reshape((-1, ) + chunk.shape[2:]))
            feats.append(feat.view((n, -1) + feat.shape[1:]))
        x = torch.cat(feats, 1).flatten(0, 1)  # (N * views * T, C, h, w)
        kwargs = dict(num_segs=frames, fcn_test=False, loss_aux=dict())
        if stage == 'head' and self.with_cls_head:
            return self.cls_head(x, **kwargs), kwargs
        return x, kwargs

    def predict(self, inputs: torch.Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        """Predictions as MMAction2's; with ``test_cfg.keep_view_scores``
        each sample also carries ``view_scores``, its views' raw logits
        (views, num_classes), for ensembles by the release's rule."""
        feats, predict_kwargs = self.extract_feat(inputs, test_mode=True)
        if not (self.test_cfg or {}).get('keep_view_scores'):
            return self.cls_head.predict(feats, data_samples,
                                         **predict_kwargs)
        scores = self.cls_head(feats, **predict_kwargs)  # (N * views, K)
        views = scores.detach().view(len(data_samples), -1, scores.shape[-1])
        predictions = self.cls_head.predict_by_feat(scores, data_samples)
        for sample, view_scores in zip(predictions, views):
            sample.set_field(view_scores, 'view_scores')
        return predictions
