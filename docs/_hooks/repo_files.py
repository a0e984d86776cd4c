"""MkDocs hook: the repository files that the guides link to from outside
``docs/`` (``CHANGELOG.md``, ``configs/**``) become part of the site.

A guide links to them as GitHub shows them, e.g. ``../configs/demo/README.md``
from ``docs/get_started.md``. MkDocs resolves that link to the source path
``../configs/demo/README.md``, so each such file is added under exactly that
path and written to the site under its repository path (``configs/demo/``).
Strict mode then checks these links like any other; a link to a file that
does not exist still fails the build. Files outside ``docs/`` link to the
guides as ``docs/X`` or ``../../docs/X``; MkDocs resolves those to
``../docs/X``, which is looked up as ``X``.
"""
from pathlib import Path

from mkdocs.structure.files import File, Files, InclusionLevel

# repository paths (globs) that the site carries
REPO_FILES = ('CHANGELOG.md', 'configs/**/*.md', 'configs/**/*.py',
              'configs/**/*.yml')
DOCS_PREFIX = '../docs/'


class RepoFiles(Files):
    """:class:`Files` that also finds ``../docs/X`` (a link into ``docs/``
    from a file outside it) as ``X``."""

    def get_file_from_path(self, path: str):
        if path.startswith(DOCS_PREFIX):
            path = path[len(DOCS_PREFIX):]
        return super().get_file_from_path(path)


def _site_path(relative: str) -> str:
    """Where a repository file lands in the site: ``X/README.md`` and
    ``CHANGELOG.md`` as pages, the rest as they are."""
    path = Path(relative)
    if path.name == 'README.md':
        return (path.parent / 'index.html').as_posix()
    if path.suffix == '.md':
        return (path.with_suffix('') / 'index.html').as_posix()
    return path.as_posix()


def on_files(files: Files, config) -> Files:
    """Add the repository files; find ``../docs/X`` as ``X``."""
    docs = Path(config['docs_dir'])
    root = docs.parent
    for pattern in REPO_FILES:
        for path in sorted(root.glob(pattern)):
            relative = path.relative_to(root).as_posix()
            files.append(File(f'../{relative}', str(docs),
                              config['site_dir'], config['use_directory_urls'],
                              dest_uri=_site_path(relative),
                              inclusion=InclusionLevel.INCLUDED))
    return RepoFiles(list(files))
