from .fuse import cpu_capability, fuse_for_inference
from .gtdm import (
                   GlobalAggregation,
                   GlobalDifferenceAttention,
                   GlobalTemporalDifferenceModule,
)
from .long_term_tdm import FusedLongTermTDM, LongTermTDM
from .short_term_tdm import (
                             FusedShortTermTDM,
                             ShortTermTDM,
                             release_fusion_weights,
)
from .temporal_block import TemporalBlock, TemporalModule
from .temporal_conv_shift import FusedTemporalConvShift, TemporalConvShift

__all__ = [
    'FusedLongTermTDM', 'FusedShortTermTDM', 'FusedTemporalConvShift',
    'GlobalAggregation', 'GlobalDifferenceAttention',
    'GlobalTemporalDifferenceModule', 'LongTermTDM', 'ShortTermTDM',
    'TemporalBlock', 'TemporalModule', 'TemporalConvShift', 'cpu_capability',
    'fuse_for_inference', 'release_fusion_weights'
]
