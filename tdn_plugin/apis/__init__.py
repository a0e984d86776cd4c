"""High-level workflows: the inferencer (:class:`TDNInferencer`), the demo,
comparisons and benchmarks. Submodules are imported where they are used, so
that ``import tdn_plugin`` stays light."""
__all__ = ['TDNInferencer']


def __getattr__(name: str):
    """``TDNInferencer``, imported when first asked for: a light submodule
    (``apis.demo_models`` for ``tdn demo --help``) imports no torch."""
    if name == 'TDNInferencer':
        from .inference import TDNInferencer
        return TDNInferencer
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
