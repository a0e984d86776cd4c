"""Pictures of what a trained recognizer does (Grad-CAM, annotated videos).

Submodules are imported where they are used (matplotlib is heavy)."""
