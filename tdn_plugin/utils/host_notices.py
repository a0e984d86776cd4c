"""Notices of the host libraries that a user of the plugin cannot act on,
hidden inside the plugin's own commands only.

mmengine logs a deprecation notice for ``FileClient`` and
``HardDiskBackend`` each time MMAction2's ``DecordInit`` opens its file
client (every ``tdn infer``, every data loader worker), and its
``mmaction::`` config paths import ``pkg_resources``, which warns that it
is deprecated. Nothing a user of ``tdn`` does makes them go away, so
:func:`hidden_host_notices` hides them while a command runs; ``--verbose``
shows them. Nothing changes for the process: ``import tdn_plugin`` adds no
filter, and leaving the block takes the filters away again.
"""
import contextlib
import logging
import warnings
from typing import Iterator

# the start of each notice hidden (mmengine's log records, Python warnings)
KNOWN_NOTICES = ('"FileClient" will be deprecated',
                 '"HardDiskBackend" is the alias of "LocalBackend"')
KNOWN_WARNINGS = ('pkg_resources is deprecated', )


class HostNoticeFilter(logging.Filter):
    """Drops the log records of :data:`KNOWN_NOTICES`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        return not any(message.startswith(n) for n in KNOWN_NOTICES)


HOST_NOTICES = HostNoticeFilter()


def hide_in(logger: logging.Logger) -> None:
    """Hide :data:`KNOWN_NOTICES` in a logger the plugin made (a Runner's,
    built by a command without ``--verbose``)."""
    logger.addFilter(HOST_NOTICES)


@contextlib.contextmanager
def hidden_host_notices() -> Iterator[None]:
    """Inside the block: :data:`KNOWN_NOTICES` of mmengine's loggers and
    the Python warnings of :data:`KNOWN_WARNINGS` are not shown."""
    from mmengine.logging import MMLogger
    MMLogger.get_current_instance()  # the 'mmengine' one, made if absent
    loggers = list(MMLogger._instance_dict.values())
    with warnings.catch_warnings():
        for message in KNOWN_WARNINGS:
            warnings.filterwarnings('ignore', message=message)
        warnings.filterwarnings('ignore', category=DeprecationWarning,
                                module='pkg_resources')
        for logger in loggers:
            logger.addFilter(HOST_NOTICES)
        try:
            yield
        finally:
            for logger in loggers:
                logger.removeFilter(HOST_NOTICES)
