"""An independent re-creation of the TDN model of the authors' release.

The authors' release (MCG-NJU/TDN, ``ops/models.py`` + ``ops/tdn_net.py``
+ ``ops/base_module.py``) is the reference behaviour that released
checkpoints were trained with.  This module re-creates it from
``shared/spec/tdn-official.md`` (sections 1-6), with the release's own
module names, so that

* ``['module.' + k for k in ReleaseTDN(...).state_dict()]`` is exactly the
  checkpoint layout of spec section 6 (``release_state_dict_keys``);
* a release checkpoint (or the random stand-in built by
  ``random_release_checkpoint``) loads into it with ``strict=True``;
* its forward computes what the release computes, so a converter test can
  compare the plugin's model against it, in eval AND train mode.

It is test code: written plainly, the way the release writes it (plain
``nn.Conv2d`` / ``nn.BatchNorm2d``, views, splits and pads), not optimised,
and it never imports the plugin.

Deliberate choices (each is what the release computes; see the docstrings):

* Global average pooling before the classifier: ``TDN_Net`` builds an
  ``AvgPool2d(7)`` but the release's ``TSN._prepare_base_model`` replaces it
  with ``AdaptiveAvgPool2d(1)`` (identical at 224x224, and needed at the
  small test sizes).
* ``base_model.fc`` is an ``nn.Dropout`` (TSN swaps the ResNet's linear for
  it); the classifier is ``new_fc`` outside ``base_model``.
* ReLUs are not in-place (the release uses ``inplace=True``); the numbers
  are the same, and hooks in tests see unmodified tensors.

Checked once (outside the repo) against a verbatim transcription of the
release's ``base_module.py`` / ``tdn_net.py`` / TSN wrapper: the release
model loads ``random_release_checkpoint`` with ``strict=True`` (R50 and
R101), and outputs and post-train-step BN running statistics were
bit-identical in eval and train mode (R50 T=8/16, R101 T=8, 100x68 input).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

#: blocks per stage (res2..res5), spec section 2
STAGE_BLOCKS = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3)}
#: L-TDM channel reduction, spec section 4
REDUCTION = 16
#: frames per segment, spec section 1
FRAMES_PER_SEGMENT = 5
#: expected number of checkpoint entries, spec section 6 (conv1_temp
#: included, no conv1_temp1)
RELEASE_KEY_COUNTS = {50: 789, 101: 1588}

#: std of random conv weights = CONV_GAIN / sqrt(fan_in).  With 1.0 the
#: eval-mode activations of R101 grow ~1.15x per res4 block (std ~50 at
#: layer4, L-TDM gates half saturated); 0.8 keeps R50 and R101, eval and
#: train, at std O(1) with unsaturated gates.
CONV_GAIN = 0.8

_BN_ENTRIES = ('weight', 'bias', 'running_mean', 'running_var',
               'num_batches_tracked')


def fusion_weights(num_segments):
    """S-TDM fusion constants (a, b) of spec section 3.

    The release (``tdn_net``) uses a = b = 0.5 when built with 8 segments
    and a = 0.75, b = 0.25 otherwise.
    """
    return (0.5, 0.5) if num_segments == 8 else (0.75, 0.25)


# ---------------------------------------------------------------------------
# L-TDM (spec section 4): the release's ``mSEModule``
# ---------------------------------------------------------------------------
class ReleaseMSE(nn.Module):
    """Long-term TDM, registered as ``mse`` in every res3-res5 bottleneck.

    Spec section 4, at bottleneck width ``c`` with ``c // 16`` reduced
    channels.  Parameters in registration (= checkpoint) order: conv1, bn1,
    conv2 (depthwise 3x3), conv3, bn3, conv3_smallscale2, bn3_smallscale2,
    conv3_smallscale4, bn3_smallscale4; no conv has a bias.

    Forward, literally as the release computes it:

    1. ``b = bn1(conv1(x))`` (no ReLU); ``cb = conv2(b)``.
    2. On the (N, T, c/r, h, w) view: forward difference
       ``d_f[t] = cb[t+1] - b[t]`` (zero at t = T-1) and backward difference
       ``d_b[t] = cb[t-1] - b[t]`` (zero at t = 0), built with ``split`` and
       ``F.pad`` like the release.
    3. For each direction: ``s2 = interpolate(bn3_smallscale2(
       conv3_smallscale2(avgpool2x2(d))), size=d.size()[2:])`` (nearest, back
       to the full size: at odd sizes such as 7x7 the pooled map is 3x3, so
       this is not a plain x2), ``s3 = bn3_smallscale4(conv3_smallscale4(d))``
       and ``a = bn3(conv3(1/3*d + 1/3*s2 + 1/3*s3))``.  Each BN is called
       once for the forward direction and then once for the backward one
       (in train mode: two separate batch statistics and two running-stat
       updates, forward first), grouped per BN as in the release:
       bn3_smallscale2 f, b; bn3_smallscale4 f, b; bn3 f, b.
    4. ``y = 0.5*(sigmoid(a_f) - 0.5) + 0.5*(sigmoid(a_b) - 0.5)`` (dense per
       channel and pixel); ``out = x + x*y``.

    ``backward_s3_bug=True`` reproduces the very first public version of
    ``base_module.py`` (Dec 2020, fixed later), where the backward s3 branch
    was computed from the forward branch's *output*:
    ``s3_b = bn3_smallscale4(conv3_smallscale4(s3_f))``.  It is off by
    default: the spec (and the current release) computes
    ``s3_b = bn3_smallscale4(conv3_smallscale4(d_b))``.
    """

    def __init__(self, channel, n_segment=8, backward_s3_bug=False):
        super().__init__()
        self.channel = channel
        self.reduction = REDUCTION
        self.n_segment = n_segment
        self.backward_s3_bug = backward_s3_bug
        red = channel // self.reduction
        self.conv1 = nn.Conv2d(channel, red, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(red)
        self.conv2 = nn.Conv2d(red, red, kernel_size=3, padding=1,
                               groups=red, bias=False)
        self.avg_pool_forward2 = nn.AvgPool2d(kernel_size=2, stride=2)
        self.avg_pool_backward2 = nn.AvgPool2d(kernel_size=2, stride=2)
        self.sigmoid_forward = nn.Sigmoid()
        self.sigmoid_backward = nn.Sigmoid()
        # F.pad on (n, t, c, h, w): the last pair pads the time axis
        self.pad1_forward = (0, 0, 0, 0, 0, 0, 0, 1)   # zero at t = T-1
        self.pad1_backward = (0, 0, 0, 0, 0, 0, 1, 0)  # zero at t = 0
        self.conv3 = nn.Conv2d(red, channel, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(channel)
        self.conv3_smallscale2 = nn.Conv2d(red, red, kernel_size=3,
                                           padding=1, bias=False)
        self.bn3_smallscale2 = nn.BatchNorm2d(red)
        self.conv3_smallscale4 = nn.Conv2d(red, red, kernel_size=3,
                                           padding=1, bias=False)
        self.bn3_smallscale4 = nn.BatchNorm2d(red)

    def forward(self, x):
        t = self.n_segment
        bottleneck = self.bn1(self.conv1(x))  # nt, c/r, h, w
        reshape_bottleneck = bottleneck.view(
            (-1, t) + bottleneck.size()[1:])  # n, t, c/r, h, w
        t_fea_forward, _ = reshape_bottleneck.split([t - 1, 1], dim=1)
        _, t_fea_backward = reshape_bottleneck.split([1, t - 1], dim=1)

        conv_bottleneck = self.conv2(bottleneck)  # nt, c/r, h, w
        reshape_conv = conv_bottleneck.view(
            (-1, t) + conv_bottleneck.size()[1:])
        _, tplusone_fea_forward = reshape_conv.split([1, t - 1], dim=1)
        tplusone_fea_backward, _ = reshape_conv.split([t - 1, 1], dim=1)

        # d_f[t] = cb[t+1] - b[t]  (t = 0..T-2), d_b[t] = cb[t-1] - b[t]
        # (t = 1..T-1)
        diff_forward = tplusone_fea_forward - t_fea_forward
        diff_backward = tplusone_fea_backward - t_fea_backward
        d_f = F.pad(diff_forward, self.pad1_forward, mode='constant',
                    value=0)
        d_f = d_f.view((-1,) + d_f.size()[2:])  # nt, c/r, h, w
        d_b = F.pad(diff_backward, self.pad1_backward, mode='constant',
                    value=0)
        d_b = d_b.view((-1,) + d_b.size()[2:])

        # s2: pooled scale; s3 ("smallscale4"): full-resolution scale
        s2_f = self.avg_pool_forward2(d_f)
        s2_b = self.avg_pool_backward2(d_b)
        s2_f = self.bn3_smallscale2(self.conv3_smallscale2(s2_f))
        s2_b = self.bn3_smallscale2(self.conv3_smallscale2(s2_b))

        s3_f = self.bn3_smallscale4(self.conv3_smallscale4(d_f))
        s3_b_in = s3_f if self.backward_s3_bug else d_b
        s3_b = self.bn3_smallscale4(self.conv3_smallscale4(s3_b_in))

        s2_f = F.interpolate(s2_f, size=d_f.size()[2:])
        s2_b = F.interpolate(s2_b, size=d_b.size()[2:])

        a_f = self.bn3(self.conv3(
            1.0 / 3.0 * d_f + 1.0 / 3.0 * s2_f + 1.0 / 3.0 * s3_f))
        a_b = self.bn3(self.conv3(
            1.0 / 3.0 * d_b + 1.0 / 3.0 * s2_b + 1.0 / 3.0 * s3_b))

        y_forward = self.sigmoid_forward(a_f) - 0.5
        y_backward = self.sigmoid_backward(a_b) - 0.5
        y = 0.5 * y_forward + 0.5 * y_backward
        return x + x * y


# ---------------------------------------------------------------------------
# temporal 1-D conv (spec section 5): the release's ``ShiftModule``
# ---------------------------------------------------------------------------
def shift_init_(weight):
    """Temporal-shift initialisation of a (c, 1, 3) depthwise kernel.

    Spec section 5, fold = c // 8: channels [0, fold) take the next frame
    (kernel [0, 0, 1]: Conv1d is a cross-correlation, so out[t] = x[t+1]),
    [fold, 2*fold) the previous frame ([1, 0, 0]), the rest identity
    ([0, 1, 0]).
    """
    c = weight.shape[0]
    fold = c // 8
    with torch.no_grad():
        weight.zero_()
        weight[:fold, 0, 2] = 1
        weight[fold:2 * fold, 0, 0] = 1
        if 2 * fold < c:
            weight[2 * fold:, 0, 1] = 1
    return weight


class ReleaseShift(nn.Module):
    """Learned depthwise temporal conv, registered as ``shift``.

    ``conv`` = ``nn.Conv1d(c, c, 3, padding=1, groups=c, bias=False)``,
    applied as (N*T, c, h, w) -> (N*h*w, c, T) -> conv -> back (zero
    padding at the temporal borders), initialised by ``shift_init_``.
    """

    def __init__(self, input_channels, n_segment=8, n_div=8):
        super().__init__()
        self.input_channels = input_channels
        self.n_segment = n_segment
        self.fold_div = n_div
        self.fold = input_channels // n_div
        self.conv = nn.Conv1d(input_channels, input_channels,
                              kernel_size=3, padding=1,
                              groups=input_channels, bias=False)
        shift_init_(self.conv.weight.data)

    def forward(self, x):
        nt, c, h, w = x.size()
        n_batch = nt // self.n_segment
        x = x.view(n_batch, self.n_segment, c, h, w)
        x = x.permute(0, 3, 4, 2, 1)  # n, h, w, c, t
        x = x.contiguous().view(n_batch * h * w, c, self.n_segment)
        x = self.conv(x)
        x = x.view(n_batch, h, w, c, self.n_segment)
        x = x.permute(0, 4, 3, 1, 2)  # n, t, c, h, w
        return x.contiguous().view(nt, c, h, w)


# ---------------------------------------------------------------------------
# ResNet pieces (spec section 2): the release's fbresnet blocks
# ---------------------------------------------------------------------------
class ReleaseBottleneck(nn.Module):
    """Plain bottleneck of res2 (``layer1_bak``, ``resnext_layer1``).

    Every conv has a bias (the release's ResNet is Cadene's "fbresnet");
    the stride sits on the 3x3 conv2.  Registration order conv1, bn1,
    conv2, bn2, conv3, bn3, downsample (block 0 only:
    ``downsample.0`` = 1x1 conv with bias and stride, ``downsample.1`` = BN).
    """

    expansion = 4

    def __init__(self, num_segments, inplanes, planes, stride=1,
                 downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=True)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=stride,
                               padding=1, bias=True)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, kernel_size=1, bias=True)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU()
        self.downsample = downsample
        self.stride = stride

    def temporal(self, out):
        """Hook for the TDM blocks: identity in a plain bottleneck."""
        return out

    def forward(self, x):
        residual = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.temporal(out)
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            residual = self.downsample(x)
        out = out + residual
        return self.relu(out)


class ReleaseBottleneckTDM(ReleaseBottleneck):
    """res3-res5 bottleneck (the release's ``BottleneckShift``).

    conv1 -> bn1 -> ReLU -> ``mse`` (L-TDM) -> ``shift`` (temporal conv) ->
    conv2 (stride) -> bn2 -> ReLU -> conv3 -> bn3 -> + residual -> ReLU.
    ``mse`` and ``shift`` are registered between bn1 and conv2, so their
    checkpoint entries sit there too (spec section 6).
    """

    def __init__(self, num_segments, inplanes, planes, stride=1,
                 downsample=None, backward_s3_bug=False):
        nn.Module.__init__(self)
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=True)
        self.bn1 = nn.BatchNorm2d(planes)
        self.num_segments = num_segments
        self.mse = ReleaseMSE(planes, n_segment=num_segments,
                              backward_s3_bug=backward_s3_bug)
        self.shift = ReleaseShift(planes, n_segment=num_segments, n_div=8)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=stride,
                               padding=1, bias=True)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, kernel_size=1, bias=True)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU()
        self.downsample = downsample
        self.stride = stride

    def temporal(self, out):
        out = self.mse(out)
        return self.shift(out)


def _make_layer(block, inplanes, planes, blocks, stride, num_segments,
                **kwargs):
    """fbresnet ``_make_layer``: block 0 has the downsample and stride."""
    downsample = None
    if stride != 1 or inplanes != planes * 4:
        downsample = nn.Sequential(
            nn.Conv2d(inplanes, planes * 4, kernel_size=1, stride=stride,
                      bias=True),
            nn.BatchNorm2d(planes * 4),
        )
    layers = [block(num_segments, inplanes, planes, stride, downsample,
                    **kwargs)]
    for _ in range(1, blocks):
        layers.append(block(num_segments, planes * 4, planes, **kwargs))
    return nn.Sequential(*layers)


def _fbresnet_init_(module):
    """fbresnet's init: conv weights N(0, sqrt(2/(k*k*out))), BN 1/0."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
            m.weight.data.normal_(0, math.sqrt(2. / n))
        elif isinstance(m, nn.BatchNorm2d):
            m.weight.data.fill_(1)
            m.bias.data.zero_()


# ---------------------------------------------------------------------------
# TDN_Net (spec sections 2-3): the release's ``base_model``
# ---------------------------------------------------------------------------
class ReleaseTDNNet(nn.Module):
    """The release's ``TDN_Net`` (``base_model``): stems, S-TDM, res2-res5.

    Input (N*T, 15, H, W): frames f0..f4 of one segment, 3 channels each.

    * S-TDM (spec section 3): ``D = cat([f1-f0, f2-f1, f3-f2, f4-f3])``
      (12 channels, consecutive differences in that order) -> ``avg_diff``
      (AvgPool 2x2/2) -> ``conv1_5`` (Conv 12->64 7x7/2 pad 3 no bias, BN,
      ReLU) -> ``maxpool_diff`` (3x3/2 pad 1) = ``m1``; ``resnext_layer1``
      (its own res2 copy) on ``m1`` = ``m2``.
    * Appearance path on f2 only: conv1 (bias) -> bn1 -> ReLU -> maxpool
      3x3/2 pad 1; fusion 1 ``x = a*x + b*interpolate(m1, x.size()[2:])``;
      ``layer1_bak``; fusion 2 ``x = a*x + b*interpolate(m2, ...)``;
      ``layer2_bak`` .. ``layer4_bak`` (TDM bottlenecks).  ``interpolate``
      is F.interpolate's default (nearest) to the main path's size.
    * Head of the base model: ``avgpool`` (global, see the module docstring)
      -> flatten -> ``fc`` = Dropout (TSN's replacement of the linear).

    ``conv1_temp`` (3->64 7x7/2 with bias) is registered but never used in
    forward; at construction ``conv1_5[0].weight`` is set to its kernel
    averaged over the input channels and replicated to 12 channels, like
    the release's ImageNet inflation (spec section 3).
    """

    def __init__(self, num_segments=8, depth=50, dropout=0.5,
                 backward_s3_bug=False):
        super().__init__()
        if depth not in STAGE_BLOCKS:
            raise ValueError(f'depth must be 50 or 101, got {depth}')
        blocks = STAGE_BLOCKS[depth]
        self.num_segments = num_segments
        self.apha, self.belta = fusion_weights(num_segments)

        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3,
                               bias=True)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU()
        self.conv1_temp = nn.Conv2d(3, 64, kernel_size=7, stride=2,
                                    padding=3, bias=True)
        self.conv1_5 = nn.Sequential(
            nn.Conv2d(12, 64, kernel_size=7, stride=2, padding=3,
                      bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU())
        self.maxpool_diff = nn.MaxPool2d(kernel_size=3, stride=2, padding=1,
                                         dilation=1, ceil_mode=False)
        self.resnext_layer1 = _make_layer(
            ReleaseBottleneck, 64, 64, blocks[0], 1, num_segments)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1,
                                    dilation=1, ceil_mode=False)
        self.layer1_bak = _make_layer(
            ReleaseBottleneck, 64, 64, blocks[0], 1, num_segments)
        tdm = dict(backward_s3_bug=backward_s3_bug)
        self.layer2_bak = _make_layer(ReleaseBottleneckTDM, 256, 128,
                                      blocks[1], 2, num_segments, **tdm)
        self.layer3_bak = _make_layer(ReleaseBottleneckTDM, 512, 256,
                                      blocks[2], 2, num_segments, **tdm)
        self.layer4_bak = _make_layer(ReleaseBottleneckTDM, 1024, 512,
                                      blocks[3], 2, num_segments, **tdm)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.avg_diff = nn.AvgPool2d(kernel_size=2, stride=2)
        self.fc = nn.Dropout(p=dropout)

        # fbresnet init (the ResNet parts), then the release's inflation of
        # conv1_5 from conv1_temp; the temporal convs keep the shift pattern
        # (they are Conv1d, untouched by the fbresnet loop)
        _fbresnet_init_(self)
        k = self.conv1_temp.weight.data
        self.conv1_5[0].weight.data = k.mean(dim=1, keepdim=True).expand(
            k.shape[:1] + (12,) + k.shape[2:]).contiguous()

    def features(self, x):
        """(N*T, 15, H, W) -> output of layer4_bak (N*T, 2048, h, w)."""
        x1, x2, x3, x4, x5 = (x[:, 0:3], x[:, 3:6], x[:, 6:9], x[:, 9:12],
                              x[:, 12:15])
        diff = torch.cat([x2 - x1, x3 - x2, x4 - x3, x5 - x4], 1)
        x_c5 = self.conv1_5(self.avg_diff(
            diff.view(-1, 12, x2.size()[2], x2.size()[3])))
        x_diff = self.maxpool_diff(1.0 / 1.0 * x_c5)
        temp_out_diff1 = x_diff
        x_diff = self.resnext_layer1(x_diff)

        x = self.relu(self.bn1(self.conv1(x3)))
        x = self.maxpool(x)
        # fusion 1 (after the appearance stem's maxpool)
        temp_out_diff1 = F.interpolate(temp_out_diff1, size=x.size()[2:])
        x = self.apha * x + self.belta * temp_out_diff1
        # fusion 2 (after res2)
        x = self.layer1_bak(x)
        x_diff = F.interpolate(x_diff, size=x.size()[2:])
        x = self.apha * x + self.belta * x_diff

        x = self.layer2_bak(x)
        x = self.layer3_bak(x)
        return self.layer4_bak(x)

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = x.view(x.size(0), -1)
        return self.fc(x)


# ---------------------------------------------------------------------------
# TSN wrapper (spec section 2, head): the release's ``TSN``
# ---------------------------------------------------------------------------
class ReleaseTDN(nn.Module):
    """The release's whole model (``TSN`` around ``TDN_Net``).

    Args:
        num_classes: classifier outputs K.
        num_segments: T (8 or 16; sets the fusion constants, spec 3).
        depth: 50 or 101.
        dropout: p of the dropout before ``new_fc`` (0.5 in the release's
            training; 0 keeps the layout but makes train mode deterministic).
        backward_s3_bug: see ``ReleaseMSE`` (off = spec / current release).

    Forward takes ``(B, T*15, H, W)`` (channel index ``(t*5 + k)*3 + c``)
    or ``(B*T, 15, H, W)``; both are viewed as ``(-1, 15, H, W)`` like the
    release.  Per segment: base model (-> pooled, dropped-out 2048-d
    feature) -> ``new_fc``; the LOGITS are then averaged over the T
    segments -> (B, K).

    ``state_dict()`` keys, prefixed with ``'module.'``, are the release
    checkpoint's keys (``release_state_dict_keys``).
    """

    def __init__(self, num_classes, num_segments=8, depth=50, dropout=0.5,
                 backward_s3_bug=False):
        super().__init__()
        self.num_classes = num_classes
        self.num_segments = num_segments
        self.depth = depth
        self.dropout = dropout
        self.base_model = ReleaseTDNNet(num_segments, depth, dropout,
                                        backward_s3_bug=backward_s3_bug)
        self.new_fc = nn.Linear(512 * 4, num_classes)
        nn.init.normal_(self.new_fc.weight, 0, 0.001)
        nn.init.constant_(self.new_fc.bias, 0)

    def _as_segments(self, x):
        sample_len = 3 * FRAMES_PER_SEGMENT
        return x.reshape((-1, sample_len) + x.size()[-2:])

    def backbone_features(self, x):
        """Output of ``layer4_bak`` before pooling: (B*T, 2048, h, w)."""
        return self.base_model.features(self._as_segments(x))

    def forward(self, x):
        base_out = self.base_model(self._as_segments(x))
        base_out = self.new_fc(base_out)
        base_out = base_out.view(
            (-1, self.num_segments) + base_out.size()[1:])
        return base_out.mean(dim=1)


# ---------------------------------------------------------------------------
# checkpoint layout (spec section 6)
# ---------------------------------------------------------------------------
def _conv_keys(prefix, bias=True):
    return [f'{prefix}.weight'] + ([f'{prefix}.bias'] if bias else [])


def _bn_keys(prefix):
    return [f'{prefix}.{name}' for name in _BN_ENTRIES]


def _plain_block_keys(prefix, downsample):
    keys = []
    for i in (1, 2, 3):
        keys += _conv_keys(f'{prefix}.conv{i}') + _bn_keys(f'{prefix}.bn{i}')
    if downsample:
        keys += (_conv_keys(f'{prefix}.downsample.0')
                 + _bn_keys(f'{prefix}.downsample.1'))
    return keys


def _tdm_block_keys(prefix, downsample):
    mse = f'{prefix}.mse'
    extra = (_conv_keys(f'{mse}.conv1', bias=False) + _bn_keys(f'{mse}.bn1')
             + _conv_keys(f'{mse}.conv2', bias=False)
             + _conv_keys(f'{mse}.conv3', bias=False) + _bn_keys(f'{mse}.bn3')
             + _conv_keys(f'{mse}.conv3_smallscale2', bias=False)
             + _bn_keys(f'{mse}.bn3_smallscale2')
             + _conv_keys(f'{mse}.conv3_smallscale4', bias=False)
             + _bn_keys(f'{mse}.bn3_smallscale4')
             + [f'{prefix}.shift.conv.weight'])
    keys = (_conv_keys(f'{prefix}.conv1') + _bn_keys(f'{prefix}.bn1') + extra)
    for i in (2, 3):
        keys += _conv_keys(f'{prefix}.conv{i}') + _bn_keys(f'{prefix}.bn{i}')
    if downsample:
        keys += (_conv_keys(f'{prefix}.downsample.0')
                 + _bn_keys(f'{prefix}.downsample.1'))
    return keys


def release_state_dict_keys(depth, legacy=False):
    """The release checkpoint's ``state_dict`` keys, from spec section 6.

    Written out from the spec's description, not from ``ReleaseTDN``: every
    key starts with ``module.``; order = the release's registration order
    (stem conv1, bn1, conv1_temp, conv1_5, resnext_layer1, layer1_bak ..
    layer4_bak, new_fc; inside a TDM bottleneck the mse/shift entries sit
    between bn1 and conv2, downsample last).  ``legacy=True`` gives the
    pre-2021-03 layout: ``conv1_temp1`` right after ``conv1_temp`` and the
    classifier spelled ``base_model.classifier``.
    """
    blocks = STAGE_BLOCKS[depth]
    bm = 'base_model'
    keys = _conv_keys(f'{bm}.conv1') + _bn_keys(f'{bm}.bn1')
    keys += _conv_keys(f'{bm}.conv1_temp')
    if legacy:
        keys += _conv_keys(f'{bm}.conv1_temp1')
    keys += (_conv_keys(f'{bm}.conv1_5.0', bias=False)
             + _bn_keys(f'{bm}.conv1_5.1'))
    for layer in ('resnext_layer1', 'layer1_bak'):
        for i in range(blocks[0]):
            keys += _plain_block_keys(f'{bm}.{layer}.{i}', i == 0)
    for stage in (1, 2, 3):
        for i in range(blocks[stage]):
            keys += _tdm_block_keys(f'{bm}.layer{stage + 1}_bak.{i}', i == 0)
    fc = f'{bm}.classifier' if legacy else 'new_fc'
    keys += _conv_keys(fc)
    return ['module.' + k for k in keys]


def release_to_model_state_dict(state_dict):
    """Release ``state_dict`` -> keys of ``ReleaseTDN.state_dict()``.

    Strips ``module.``, drops the legacy ``base_model.conv1_temp1.*`` and
    renames the legacy ``base_model.classifier.*`` to ``new_fc.*``.
    """
    out = {}
    for key, value in state_dict.items():
        if key.startswith('module.'):
            key = key[len('module.'):]
        if key.startswith('base_model.conv1_temp1.'):
            continue
        if key.startswith('base_model.classifier.'):
            key = 'new_fc.' + key[len('base_model.classifier.'):]
        out[key] = value
    return out


def load_release_checkpoint(model, checkpoint, strict=True):
    """Load a release checkpoint (either spelling) into a ``ReleaseTDN``.

    ``checkpoint`` is the saved dict (with ``'state_dict'``) or a bare
    state dict.  Returns ``model``.
    """
    sd = checkpoint.get('state_dict', checkpoint)
    model.load_state_dict(release_to_model_state_dict(sd), strict=strict)
    return model


def _random_entry(module, name, ref, gen):
    """A random value for one parameter / buffer (see the generator)."""
    shape = ref.shape
    if name == 'num_batches_tracked':
        return torch.randint(100, 100000, (), generator=gen,
                             dtype=ref.dtype)
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        if name in ('weight', 'running_var'):
            return torch.rand(shape, generator=gen) + 0.5  # U(0.5, 1.5)
        if name == 'bias':
            return 0.2 * torch.randn(shape, generator=gen)
        if name == 'running_mean':
            return 0.2 * torch.randn(shape, generator=gen)
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Linear)):
        if name == 'weight':
            fan_in = ref[0].numel()
            gain = 1.0 if isinstance(module, nn.Linear) else CONV_GAIN
            return gain * torch.randn(shape, generator=gen) / math.sqrt(
                fan_in)
        if name == 'bias':
            # nonzero by construction: |bias| in [0.05, 0.25]
            mag = 0.05 + 0.2 * torch.rand(shape, generator=gen)
            sign = torch.randint(0, 2, shape, generator=gen) * 2 - 1
            return mag * sign
    raise KeyError(f'no random rule for {type(module).__name__}.{name}')


def randomize_(module, seed=0):
    """Fill every parameter and buffer of ``module`` in place with random
    values, by the rules of ``random_release_checkpoint``; returns it."""
    modules = dict(module.named_modules())
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for key, ref in module.state_dict(keep_vars=True).items():
            mod_name, _, name = key.rpartition('.')
            ref.copy_(_random_entry(modules[mod_name], name, ref, gen))
    return module


def random_release_checkpoint(depth, num_classes, num_segments=8, seed=0,
                              legacy=False):
    """A stand-in for a release checkpoint with random values everywhere.

    Layout = ``release_state_dict_keys(depth, legacy)``; saved-file shape
    ``{'epoch', 'arch', 'best_prec1', 'state_dict'}``.  Values (seeded):

    * conv weights ``N(0, (0.8^2)/fan_in)``, linear ``N(0, 1/fan_in)``:
      activations and logits stay O(1) through R50 and R101, in eval and
      train mode, and the L-TDM gates are not saturated (``CONV_GAIN``);
      the temporal convs are fully random too (not the shift pattern);
    * conv / linear biases nonzero, ``|b|`` in [0.05, 0.25], random sign
      (a converter that forgets to fold them shows in eval mode);
    * BN weight and running_var ``U(0.5, 1.5)``, bias and running_mean
      ``N(0, 0.2^2)``, num_batches_tracked a random int64.

    ``legacy=True``: the pre-2021-03 variant, with
    ``base_model.conv1_temp1.*`` (in that release the same module object as
    conv1_temp registered twice, hence equal values) and the classifier
    as ``base_model.classifier.*``.  ``num_segments`` only matters for the
    model the shapes are read from (the layout does not depend on it).
    """
    model = ReleaseTDN(num_classes, num_segments=num_segments, depth=depth,
                       dropout=0.5)
    modules = dict(model.named_modules())
    gen = torch.Generator().manual_seed(seed)
    sd = {}
    for key, ref in model.state_dict().items():
        mod_name, _, name = key.rpartition('.')
        value = _random_entry(modules[mod_name], name, ref, gen)
        if key.startswith('new_fc.') and legacy:
            key = 'base_model.classifier.' + key[len('new_fc.'):]
        sd['module.' + key] = value.to(ref.dtype)
        if legacy and key == 'base_model.conv1_temp.bias':
            for tail in ('weight', 'bias'):
                sd['module.base_model.conv1_temp1.' + tail] = sd[
                    'module.base_model.conv1_temp.' + tail].clone()
    return {
        'epoch': 60,
        'arch': f'resnet{depth}',
        'best_prec1': 52.3,
        'state_dict': sd,
    }
