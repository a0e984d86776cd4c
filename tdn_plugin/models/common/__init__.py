from .gtdm import (
                   GlobalAggregation,
                   GlobalDifferenceAttention,
                   GlobalTemporalDifferenceModule,
)
from .long_term_tdm import LongTermTDM
from .short_term_tdm import ShortTermTDM
from .temporal_block import TemporalBlock, TemporalModule
from .temporal_conv_shift import TemporalConvShift

__all__ = [
    'GlobalAggregation', 'GlobalDifferenceAttention',
    'GlobalTemporalDifferenceModule', 'LongTermTDM', 'ShortTermTDM',
    'TemporalBlock', 'TemporalModule', 'TemporalConvShift'
]
