"""`tdn demo`: the demo configs, and `tdn demo --quick` end to end."""
import json
import shlex

import pytest
import torch
from mmengine.config import Config

from tdn_plugin.apis.demo import (
    ABLATION_MODELS,
    ALL_MODELS,
    DEMO_MODELS,
    QUICK,
    TDN_ABLATION,
    demo_config_dir,
)
from tdn_plugin.cli.main import main

CONFIGS = sorted(set(ALL_MODELS.values()) | set(ABLATION_MODELS.values()))
# the keys users had, then the ones compare adds
ENTRY_KEYS = {'top1', 'top5', 'params', 'gmacs', 'cpu_ms_per_clip',
              'mean_class_accuracy', 'gmacs_per_view', 'views',
              'gmacs_per_video', 'frames_per_view', 'latency', 'train_s',
              'test_s', 'data_s', 'compute_s', 'config', 'work_dir',
              'checkpoint', 'kind', 'init', 'protocol', 'recipe', 'probe',
              'unreadable_videos'}
# README.md, "Demo": run as written (the --quick one in full)
README_DEMO_QUICK = 'tdn demo --quick --work-dir work_dirs/demo-quick'
README_DEMO = 'tdn demo'
README_DEMO_ALL = 'tdn demo --all'
THREE_D = ('i3d', 'r2plus1d', 'slowfast', 'x3d')


def _transforms(cfg):
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        yield from cfg[key].dataset.pipeline


@pytest.mark.parametrize('name', CONFIGS)
def test_demo_configs_share_data_and_budget(name):
    cfg = Config.fromfile(str(demo_config_dir() / name))
    assert cfg.custom_imports == dict(imports=['tdn_plugin'],
                                      allow_failed_imports=False)
    assert cfg.train_dataloader.dataset.type == 'VideoDataset'
    assert cfg.train_dataloader.dataset.ann_file == 'data/toy-motion/train.txt'
    assert cfg.val_dataloader.dataset.ann_file == 'data/toy-motion/val.txt'
    assert cfg.test_dataloader.dataset.data_prefix == dict(
        video='data/toy-motion/videos')
    # no flip (it would swap the left/right classes)
    assert not [t for t in _transforms(cfg) if 'Flip' in t['type']]
    # MMAction2's TANet has TA-blocks for Bottleneck blocks only; X3D-S
    # has its own widths and depths
    if not name.startswith('x3d'):
        assert cfg.model.backbone.get('depth', 18) == (
            50 if name.startswith('tanet') else 18)
    assert cfg.model.backbone.get('pretrained') is None
    reference = Config.fromfile(str(demo_config_dir() / DEMO_MODELS['tdn']))
    for key in ('optim_wrapper', 'param_scheduler', 'train_cfg'):
        assert cfg[key] == reference[key], key
    assert cfg.train_dataloader.batch_size == \
        reference.train_dataloader.batch_size
    sizes = {tuple(t['scale']) for t in _transforms(cfg)
             if t['type'] == 'Resize'}
    assert sizes == {(reference.input_size, reference.input_size)}


@pytest.mark.parametrize('name', CONFIGS)
def test_demo_models_build_with_num_classes_override(name):
    """As `tdn train CONFIG --cfg-options model.cls_head.num_classes=7`."""
    from tdn_plugin.cli.utils import load_config
    from tdn_plugin.utils.checks import load_recognizer
    cfg = load_config(str(demo_config_dir() / name),
                      {'model.cls_head.num_classes': 7})
    model = load_recognizer(cfg)
    # the layers that output class scores (TRN's relation MLPs end in them)
    outputs = [m.out_features for m in model.cls_head.modules()
               if isinstance(m, torch.nn.Linear)]
    assert 7 in outputs and 10 not in outputs


def test_ablation_configs_switch_one_part_each():
    def parts(name):
        backbone = Config.fromfile(str(demo_config_dir() / name)).model.backbone
        return tuple(backbone.get(k, True) for k in (
            'with_short_term_tdm', 'with_long_term_tdm',
            'with_temporal_conv'))

    assert parts(ABLATION_MODELS['tdn']) == (True, True, True)
    assert parts(ABLATION_MODELS['no-s-tdm']) == (False, True, True)
    assert parts(ABLATION_MODELS['no-l-tdm']) == (True, False, True)
    assert parts(ABLATION_MODELS['no-temporal-conv']) == (True, True, False)
    assert parts(ABLATION_MODELS['none']) == (False, False, False)
    # `--ablation` runs exactly the TDN rows; GTDNet's are run by name
    tdn_rows = [name for name, config in ABLATION_MODELS.items()
                if Config.fromfile(str(demo_config_dir() / config)
                                   ).model.backbone.type == 'ResNetTDN']
    assert list(TDN_ABLATION) == tdn_rows


def test_all_puts_3d_cnns_beside_tdn_and_the_default_stays_small():
    assert set(THREE_D) <= set(ALL_MODELS)
    assert list(DEMO_MODELS) == ['tdn', 'tsn', 'tsm']
    for name in THREE_D:
        cfg = Config.fromfile(str(demo_config_dir() / ALL_MODELS[name]))
        assert cfg.model.type == 'Recognizer3D'
        assert cfg.model.data_preprocessor.format_shape == 'NCTHW'


def test_demo_config_points_at_data_and_shortens_schedule(tmp_path):
    from tdn_plugin.apis.compare import prepare_config, setup_registries
    setup_registries()
    cfg = prepare_config(demo_config_dir() / DEMO_MODELS['tsm'],
                         tmp_path / 'w', QUICK.settings(tmp_path / 'd'),
                         num_classes=4)
    assert cfg.train_dataloader.dataset.ann_file == str(
        tmp_path / 'd' / 'train.txt')
    assert cfg.test_dataloader.dataset.ann_file == str(
        tmp_path / 'd' / 'val.txt')
    assert cfg.model.cls_head.num_classes == 4
    assert cfg.train_cfg.max_epochs == 1
    assert all(s['end'] <= 1 for s in cfg.param_scheduler)
    assert cfg.val_dataloader is None


def test_demo_unknown_model_is_one_line(tmp_path, capsys):
    from tdn_plugin.cli.main import run
    assert run(['demo', '--quick', '--models', 'nope', '--work-dir',
                str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert 'unknown model(s) nope' in err and len(err.splitlines()) == 1
    assert not tmp_path.joinpath('data').exists()


@pytest.mark.slow
def test_readme_demo_quick_keeps_everything_under_its_work_dir(
        tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    threads = torch.get_num_threads()
    assert main(shlex.split(README_DEMO_QUICK)[1:]) == 0
    assert torch.get_num_threads() == threads  # restored
    out = capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ['work_dirs']
    work_dir = tmp_path / 'work_dirs' / 'demo-quick'
    assert (work_dir / 'data' / 'train.txt').is_file()

    results = json.loads((work_dir / 'results.json').read_text())
    # the temporal probe runs by default
    assert list(results) == ['models', 'failed', 'settings',
                             'temporal_classes']
    assert list(results['models']) == list(DEMO_MODELS)
    assert results['failed'] == {}
    settings = results['settings']
    index = settings['demo']['speed_index']
    assert index['s'] > 0 and 'other_busy_cpus' in index['load']
    # the budget is given only where the machine was not busy
    assert (index['budget_s'] is None) == (index['busy'] is not None)
    assert settings['threads'] >= 1 and settings['seed'] == 0
    assert set(settings['wall_s_per_model']) == set(DEMO_MODELS)
    for name, entry in results['models'].items():
        assert set(entry) - {'families'} == ENTRY_KEYS, name
        assert 0 <= entry['top1'] <= entry['top5'] <= 1, name
        assert entry['params'] > 1e6 and isinstance(entry['params'], int)
        assert entry['gmacs'] > 0 and entry['cpu_ms_per_clip'] > 0
        assert entry['kind'] == '2D' and entry['init'] == 'scratch'
        probe = entry['probe']
        assert probe['ordered'] == entry['top1'], name
        assert probe['motion_gain'] == pytest.approx(
            probe['ordered'] - probe['frozen'], abs=1e-4)
        assert 0 <= probe['reversed'] <= 1, name
        assert entry['checkpoint'].endswith(f'{name}/epoch_1.pth'), name
        assert entry['unreadable_videos'] == {}, name
    # TDN reads 5 frames per segment but runs its ResNet on the centre ones
    assert results['models']['tdn']['gmacs'] > \
        results['models']['tsn']['gmacs']

    assert settings['phase_s']['probe'] > 0
    assert results['temporal_classes']['model'] in DEMO_MODELS
    assert 'temporal probe' in out and 'time_probe.png' in out
    for png in ('accuracy_vs_cost.png', 'gradcam_tdn.png',
                'time_probe.png'):
        data = (work_dir / png).read_bytes()
        assert data[:8] == b'\x89PNG\r\n\x1a\n' and len(data) > 10_000, png
    for number, name in enumerate(DEMO_MODELS, 1):
        assert list((work_dir / name).glob('epoch_1.pth')), name
        assert f'[{number}/{len(DEMO_MODELS)}] {name}' in out
    assert 'results.json' in out and 'accuracy_vs_cost.png' in out
    assert 'demo models: tdn' in out and 'speed index: TSM-R50' in out
    assert (work_dir / 'results.csv').is_file()
    assert (work_dir / 'confusion_tdn.png').is_file()


def test_readme_demo_commands_ask_for_their_models():
    """`tdn demo` and `tdn demo --all` (README; the runs are too long for
    the suite, the --quick one runs above) parse to the default models
    and to every model, 2D and 3D."""
    from tdn_plugin.apis.demo import plan
    from tdn_plugin.cli.main import build_parser
    for command, models in ((README_DEMO, DEMO_MODELS),
                            (README_DEMO_ALL, ALL_MODELS)):
        args = build_parser().parse_args(shlex.split(command)[1:])
        assert list(plan(args.models, args.ablation,
                         args.all_models)) == list(models)


@pytest.mark.slow
def test_demo_reuses_data_and_writes_markdown(tmp_path, capsys):
    """A second --quick run on the same data, TDN beside two 3D CNNs: no
    new data; the markdown table (as for docs/ablation.md)."""
    data = tmp_path / 'data'
    markdown = tmp_path / 'table.md'
    assert main(['demo', '--quick', '--ablation', '--models', 'none',
                 '--data', str(data), '--work-dir', str(tmp_path / 'w'),
                 '--markdown', str(markdown)]) == 0
    stamp = (data / 'train.txt').stat().st_mtime
    # the 3D CNNs of --all beside TDN, on the same data
    assert main(['demo', '--quick', '--models', 'tdn', 'x3d', 'i3d',
                 '--data', str(data), '--work-dir', str(tmp_path / 'w2'),
                 '--seed', '3']) == 0
    assert (data / 'train.txt').stat().st_mtime == stamp
    out = capsys.readouterr().out
    assert out.count('making the toy motion set') == 1
    text = markdown.read_text()
    assert '| none | - | - | - |' in text
    results = json.loads((tmp_path / 'w2' / 'results.json').read_text())
    assert results['settings']['seed'] == 3
    assert [e['kind'] for e in results['models'].values()] == \
        ['2D', '3D', '3D']
    assert results['models']['i3d']['frames_per_view'] == 8
    # the temporal probe of 3D CNNs: one 8-frame clip perturbed
    assert all(set(e['probe']) >= {'reversed', 'shuffled', 'frozen'}
               for e in results['models'].values())


@pytest.mark.parametrize('failed, code', [({}, 0), ({'tdn': 'why'}, 1)])
def test_demo_exits_1_when_a_model_failed(failed, code, tmp_path,
                                          monkeypatch):
    import tdn_plugin.apis.demo as demo
    from tdn_plugin.cli.main import main

    def run_demo(work_dir, quick):  # the options it takes are passed
        return dict(results=[], failed=failed, files={}, total_s=0.0)

    monkeypatch.setattr(demo, 'run_demo', run_demo)
    assert main(['demo', '--work-dir', str(tmp_path)]) == code
