from .decord_walk_decode import DecordWalkDecode
from .perturb_frame_indices import PerturbFrameIndices
from .tdn_sample_frames import TDNSampleFrames

__all__ = ['DecordWalkDecode', 'PerturbFrameIndices', 'TDNSampleFrames']
