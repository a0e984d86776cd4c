from .release_tdn import (
                          ConversionError,
                          convert_release_state_dict,
                          load_release_checkpoint,
)

__all__ = [
    'ConversionError', 'convert_release_state_dict', 'load_release_checkpoint'
]
