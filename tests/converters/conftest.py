"""Make ``release_reference`` importable from the tests in this folder.

tests/ has no ``__init__.py`` files, so the helper module is put on
``sys.path`` explicitly (robust under any pytest import mode).
"""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
