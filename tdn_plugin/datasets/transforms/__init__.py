from .tdn_sample_frames import TDNSampleFrames

__all__ = ['TDNSampleFrames']
