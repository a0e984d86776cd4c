from .decord_walk_decode import DecordWalkDecode
from .tdn_sample_frames import TDNSampleFrames

__all__ = ['DecordWalkDecode', 'TDNSampleFrames']
