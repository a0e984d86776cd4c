from .tdn_recognizer import TDNRecognizer

__all__ = ['TDNRecognizer']
