"""Drawing results on videos."""
from .annotated_video import write_annotated_video

__all__ = ['write_annotated_video']
