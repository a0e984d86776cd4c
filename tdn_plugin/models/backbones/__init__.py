from .resnet_gtd import ResNetGTD
from .resnet_tdn import ResNetTDN
from .temporal_resnet import TemporalResNet

__all__ = ['ResNetGTD', 'ResNetTDN', 'TemporalResNet']
