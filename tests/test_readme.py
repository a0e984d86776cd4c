"""Every command of README.md runs.

Each command of each ```bash block matches one rule of :data:`RULES`, and
each rule has a test here that runs the command or a smoke form of it:

* ``tdn ...``: parsed by the real ``tdn`` parser (fast), then run as
  written after ``tdn demo --quick`` on the checkpoints it trained (slow);
* ``make X``: ``make -n -B X`` shows the recipe doing what the README says;
* ``pip install ...``, ``python3 -m venv``: the Makefile's install recipe
  (which CI runs) pins the same torch and the extras exist;
* ``.venv/bin/python -m pytest -q PATH``: PATH holds tests.

A command that matches no rule fails :func:`test_every_readme_command_is_
covered`. The ```python blocks run too: the config builds its model and
pipeline (fast), the Python API classifies a demo video (slow).
"""
import importlib.metadata
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / 'README.md'

RULES = {
    'venv': re.compile(r'python3 -m venv \.venv'),
    'activate': re.compile(r'\. \.venv/bin/activate'),
    'pip-torch': re.compile(r'pip install (torch==\S+)'),
    'pip-package': re.compile(r'pip install -e "\.\[([a-z,]+)\]"'),
    'make': re.compile(r'make (demo|test|test-fast|docs)'),
    'pytest': re.compile(r'\.venv/bin/python -m pytest -q (tests/\S+)'),
    # run as written, on tiny videos laid out as the README says, by
    # tests/apis/test_compare.py (which holds the README's text verbatim)
    'tdn-compare': re.compile(r'tdn compare .*'),
    'tdn': re.compile(r'tdn (?!compare )\S.*'),
}
# what `make -n -B TARGET` must show
MAKE_RECIPES = {
    'demo': ['pip install -q "torch==', 'tdn demo'],
    'test': ['ruff check', 'lint-imports',
             'pytest -q -n auto --dist loadfile', '-m "not inductor" tests'],
    'test-compile': ['pytest -q -n auto --dist loadfile',
                     '-m inductor tests'],
    'test-fast': ['ruff check', 'pytest -q -n auto --dist loadfile',
                  '-m "not slow" tests'],
    'docs': ['pip install -q -e ".[docs]"', 'mkdocs build --strict'],
}


def blocks(language: str, text: str = None) -> list:
    """The bodies of the ```LANGUAGE blocks of the README."""
    text = README.read_text(encoding='utf-8') if text is None else text
    return re.findall(rf'^```{language}\n(.*?)^```', text, re.M | re.S)


def bash_commands(text: str = None) -> list:
    """The commands of every ```bash block: continuation lines joined,
    comments dropped, ``a && b`` as two commands."""
    commands = []
    for block in blocks('bash', text):
        for line in block.replace('\\\n', ' ').splitlines():
            line = re.sub(r'(^|\s)#.*$', '', line).strip()
            commands += [' '.join(part.split()) for part in line.split('&&')
                         if part.strip()]
    return commands


def commands_of(rule: str) -> list:
    return [c for c in bash_commands() if RULES[rule].fullmatch(c)]


def test_every_readme_command_is_covered():
    commands = bash_commands()
    assert len(commands) >= 8, commands  # the parser found the blocks
    uncovered = [c for c in commands
                 if not any(r.fullmatch(c) for r in RULES.values())]
    assert not uncovered, f'README commands without a test: {uncovered}'
    assert all(commands_of(rule) for rule in RULES), 'a rule matches nothing'


def test_the_command_parser_joins_lines_and_drops_comments():
    text = '```bash\na && b   # note\ntdn x \\\n    --y 1\n```\n'
    assert bash_commands(text) == ['a', 'b', 'tdn x --y 1']


def _make_dry_run(target: str) -> str:
    return subprocess.run(['make', '-n', '-B', target], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize('target', MAKE_RECIPES)
def test_make_targets_do_what_the_readme_says(target):
    documented = {RULES['make'].fullmatch(c)[1] for c in commands_of('make')}
    if target not in documented:
        pytest.skip(f'make {target} is not in the README')
    recipe = _make_dry_run(target)
    for step in MAKE_RECIPES[target]:
        assert step in recipe, (target, step)


def test_make_demo_reuses_an_existing_venv(tmp_path):
    """`make demo VENV=path` runs in a venv that has `tdn` (newer than
    setup.py) as it is, and installs into one that has not."""
    import os
    tdn = tmp_path / 'venv' / 'bin' / 'tdn'
    tdn.parent.mkdir(parents=True)
    tdn.touch()
    newer = (ROOT / 'setup.py').stat().st_mtime + 10
    os.utime(tdn, (newer, newer))

    def dry_run():
        return subprocess.run(
            ['make', '-n', 'demo', f'VENV={tmp_path / "venv"}'], cwd=ROOT,
            capture_output=True, text=True, check=True).stdout

    recipe = dry_run()
    assert f'{tdn} demo' in recipe
    assert '-m venv' not in recipe and 'pip install' not in recipe, recipe
    tdn.unlink()
    recipe = dry_run()
    assert f'-m venv {tmp_path / "venv"}' in recipe
    assert 'pip install -q -e ".[lite,deploy,tests]"' in recipe, recipe


def test_install_commands_are_the_ones_ci_runs():
    """The README's venv, torch and package install are the Makefile's
    install recipe (run by `make test` in CI), and its extras exist."""
    recipe = _make_dry_run('install')
    assert '-m venv .venv' in recipe
    assert (Path(sys.prefix) / 'bin' / 'activate').is_file()
    for command in commands_of('pip-torch'):
        pin = RULES['pip-torch'].fullmatch(command)[1]
        assert f'pip install -q "{pin}"' in recipe, pin
    extras = set(importlib.metadata.metadata('tdn_plugin').get_all(
        'Provides-Extra'))
    for command in commands_of('pip-package'):
        wanted = set(RULES['pip-package'].fullmatch(command)[1].split(','))
        assert wanted <= extras, wanted - extras


def test_pytest_paths_hold_tests():
    for command in commands_of('pytest'):
        path = ROOT / RULES['pytest'].fullmatch(command)[1]
        assert list(path.rglob('test_*.py')), path


@pytest.mark.parametrize('command',
                         commands_of('tdn') + commands_of('tdn-compare'))
def test_tdn_commands_parse(command):
    """Every subcommand and option of the README exists."""
    from tdn_plugin.cli.main import build_parser
    argv = shlex.split(command)[1:]
    try:
        build_parser([argv[0]]).parse_args(argv)
    except SystemExit as error:
        pytest.fail(f'tdn does not accept: {command} (exit {error.code})')


def test_the_config_block_builds_its_model_and_pipeline():
    from mmaction.registry import MODELS, TRANSFORMS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    config, = [b for b in blocks('python') if 'custom_imports' in b]
    cfg = Config.fromstring(config, '.py')
    init_default_scope(cfg.get('default_scope', 'mmaction'))  # as Runner
    model = MODELS.build(cfg.model)  # weights are not loaded here
    assert type(model).__name__ == 'TDNRecognizer'
    assert type(model.backbone).__name__ == 'ResNetTDN'
    for transform in cfg.train_pipeline:
        TRANSFORMS.build(transform)


def test_the_python_api_of_the_readme_exists():
    api, = [b for b in blocks('python') if 'custom_imports' not in b]
    import tdn_plugin.apis
    for name in re.findall(r'^from tdn_plugin\.apis import (\w+)', api,
                           re.M):
        assert hasattr(tdn_plugin.apis, name), name


def _demo_paths(tmp_path: Path) -> dict:
    """Run ``tdn demo --quick`` (TDN only) in ``tmp_path``; the README's
    paths of the full demo -> the paths of this run."""
    from tdn_plugin.cli.main import main
    work_dir = tmp_path / 'work'
    assert main(['demo', '--quick', '--models', 'tdn', '--work-dir',
                 str(work_dir)]) == 0
    settings = json.loads((work_dir / 'results.json').read_text())
    data = tmp_path / settings['settings']['demo']['data']
    val = [line.split()[0] for line in
           (data / 'val.txt').read_text().splitlines()]
    return {
        'work_dirs/demo': str(work_dir),
        'epoch_10.pth': 'epoch_1.pth',
        'data/toy-motion/videos/000600.mp4': str(data / 'videos' / val[0]),
        'data/toy-motion/videos/000601.mp4': str(data / 'videos' / val[1]),
        'data/toy-motion/classes.txt': str(data / 'classes.txt'),
    }


def paths_classes(paths: dict) -> list:
    return Path(paths['data/toy-motion/classes.txt']).read_text().split()


def _substituted(text: str, paths: dict) -> str:
    for readme_path, path in paths.items():
        text = text.replace(readme_path, path)
    return text


@pytest.mark.slow
def test_readme_commands_run_on_the_demos_checkpoints(tmp_path, monkeypatch,
                                                      capsys):
    """The README's `tdn infer` / `tdn export` / Python API (and the deploy
    guide's), as written, on the checkpoint of `tdn demo --quick` instead of
    the full demo's."""
    pytest.importorskip('onnxruntime')
    from tdn_plugin.cli.main import main
    monkeypatch.chdir(tmp_path)
    paths = _demo_paths(tmp_path)
    for command in commands_of('tdn'):
        argv = shlex.split(_substituted(command, paths))[1:]
        assert main(argv) == 0, command
    assert 'top-5' in capsys.readouterr().out.lower()

    api, = [b for b in blocks('python') if 'custom_imports' not in b]
    scope = {}
    exec(compile(_substituted(api, paths), 'README.md', 'exec'), scope)
    top5 = scope['result']['predictions'][0]['top5']
    assert len(top5) == 5 and top5[0][0] in paths_classes(paths)

    # the Python API of the deploy guide, on the graph exported above
    api, = blocks('python', (ROOT / 'docs' / 'deploy.md').read_text())
    scope = {}
    exec(compile(_substituted(api, paths), 'deploy.md', 'exec'), scope)
    assert len(scope['result']['predictions']) == 2
    assert (tmp_path / 'scores.json').is_file()


@pytest.mark.slow
def test_docs_build_in_strict_mode(tmp_path):
    """`make docs` without make: every link and anchor of the site holds."""
    pytest.importorskip('mkdocs')
    subprocess.run([sys.executable, '-m', 'mkdocs', 'build', '--strict',
                    '--site-dir', str(tmp_path / 'site')], cwd=ROOT,
                   check=True, capture_output=True,
                   env={'NO_MKDOCS_2_WARNING': '1', 'PATH': '/usr/bin:/bin'})
    assert (tmp_path / 'site' / 'configs' / 'demo' / 'index.html').is_file()


def test_the_readme_video_is_the_full_demos_first_val_video():
    """Videos are numbered train first: 000600.mp4 opens the val list."""
    from tdn_plugin.apis.demo import FULL
    from tdn_plugin.datasets.toy_motion import CLASSES
    first_val = f'{FULL.videos_per_class * len(CLASSES):06d}.mp4'
    assert f'data/toy-motion/videos/{first_val}' in README.read_text()


GUIDES = sorted([*(ROOT / 'docs').glob('*.md'),
                 *(ROOT / 'configs').glob('*/README.md')])


def test_guides_name_only_existing_commands_and_options():
    """Every `tdn SUB --option` of the guides' ```bash blocks exists (the
    guides show usage forms, so they are checked option by option)."""
    from tdn_plugin.cli.main import COMMANDS, build_parser
    wrong, checked = [], 0
    for guide in GUIDES:
        for command in bash_commands(guide.read_text(encoding='utf-8')):
            words = command.split()
            if words[0] != 'tdn':
                continue
            if words[1] not in COMMANDS:
                wrong.append(f'{guide.name}: {command}')
                continue
            parser = build_parser([words[1]])._subparsers._group_actions[
                0].choices[words[1]]
            options = set(parser._option_string_actions)
            checked += 1
            wrong += [f'{guide.name}: tdn {words[1]} {flag}' for flag in
                      re.findall(r'(?<![\w-])(--[a-z0-9][a-z0-9-]*)', command)
                      if flag not in options]
    assert checked >= 10 and not wrong, (checked, wrong)


def test_readme_links_point_at_files_and_headings():
    """README.md is not part of the docs site (whose links `make docs`
    checks): its relative links and anchors are checked here."""
    text = README.read_text(encoding='utf-8')
    broken = []
    for target in re.findall(r'\]\(([^)\s]+)\)', text):
        if re.match(r'[a-z]+://', target):
            continue
        path, _, anchor = target.partition('#')
        page = ROOT / path if path else README
        if not page.exists():
            broken.append(target)
        elif anchor and page.suffix == '.md' and anchor not in {
                re.sub(r'[^\w\- ]', '', h).strip().lower().replace(' ', '-')
                for h in re.findall(r'^#+ (.+)$', page.read_text(), re.M)}:
            broken.append(target)
    assert not broken, broken
