"""High-level workflows built on mmengine's Runner (the demo).

Submodules are imported where they are used, so that ``import tdn_plugin``
stays light.
"""
