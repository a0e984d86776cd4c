import logging
import warnings

from mmengine.logging import MMLogger, print_log

from tdn_plugin.utils.host_notices import hidden_host_notices

NOTICE = ('"FileClient" will be deprecated in future. Please use io '
          'functions in https://mmengine.readthedocs.io')


class Collect(logging.Handler):

    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_known_host_notices_are_hidden_inside_the_block_only():
    filters_before = list(warnings.filters)
    logger = MMLogger.get_current_instance()
    shown = Collect()
    logger.addHandler(shown)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            with hidden_host_notices():
                print_log(NOTICE, logger='current', level=30)
                print_log('a warning of the user', logger='current',
                          level=30)
                warnings.warn('pkg_resources is deprecated as an API',
                              DeprecationWarning)
                warnings.warn('the user\'s own warning', UserWarning)
        assert [str(w.message) for w in caught] == ['the user\'s own warning']
        assert shown.messages == ['a warning of the user']
        assert warnings.filters == filters_before  # nothing left behind
        assert not logger.filters
        print_log(NOTICE + ' (again)', logger='current', level=30)
        assert shown.messages[-1].startswith('"FileClient"')
    finally:
        logger.removeHandler(shown)
