from .fast_inference import FastInferenceMixin, set_fast_inference
from .gtdm import (
                   GlobalAggregation,
                   GlobalDifferenceAttention,
                   GlobalTemporalDifferenceModule,
)
from .long_term_tdm import LongTermTDM
from .short_term_tdm import ShortTermTDM, release_fusion_weights
from .temporal_block import TemporalBlock, TemporalModule
from .temporal_conv_shift import TemporalConvShift

__all__ = [
    'FastInferenceMixin', 'GlobalAggregation', 'GlobalDifferenceAttention',
    'GlobalTemporalDifferenceModule', 'LongTermTDM', 'ShortTermTDM',
    'TemporalBlock', 'TemporalModule', 'TemporalConvShift',
    'release_fusion_weights', 'set_fast_inference'
]
