"""Building the Runner of a loaded config, the one way every command does."""
from mmaction.registry import RUNNERS
from mmengine.config import Config
from mmengine.runner import Runner


def build_runner(cfg: Config, verbose: bool = False, name: str = '') -> Runner:
    """The Runner of ``cfg``: ``runner_type``'s from the registry (as
    MMAction2's tools/train.py does), else mmengine's ``Runner``.

    Args:
        cfg (mmengine.Config): The config.
        verbose (bool): Print the environment and config dump on the
            console. Without it they are left out of the console (the work
            directory keeps the config file). Defaults to False.
        name (str): The experiment name (the Runner adds a timestamp);
            empty keeps the config's. Defaults to ''.

    Returns:
        mmengine.runner.Runner: The runner.
    """
    if name:
        cfg.experiment_name = name

    def build() -> Runner:
        if 'runner_type' in cfg:
            return RUNNERS.build(cfg)
        return Runner.from_cfg(cfg)

    if verbose:
        return build()
    from tdn_plugin.utils.host_notices import hide_in
    level = cfg.get('log_level', 'INFO')
    cfg.log_level = 'WARNING'
    try:
        runner = build()
    finally:
        cfg.log_level = level
    for handler in runner.logger.handlers:
        handler.setLevel(level)
    hide_in(runner.logger)  # e.g. FileClient's deprecation, every worker
    # the work dir's config as the user set it (``tdn test`` on it logs)
    runner.cfg.log_level = level
    runner.dump_config()
    return runner
