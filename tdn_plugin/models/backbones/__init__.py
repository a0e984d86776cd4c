from .resnet_tdn import ResNetTDN
from .temporal_resnet import TemporalResNet

__all__ = ['ResNetTDN', 'TemporalResNet']
