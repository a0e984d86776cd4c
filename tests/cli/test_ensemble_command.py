import os
import pickle

import pytest
import torch

from tdn_plugin.cli.main import main
from tdn_plugin.utils.safe_pickle import load_results


def write_dump(path, view_scores):
    results = [dict(view_scores=v, pred_score=v.softmax(-1).mean(0),
                    gt_label=torch.tensor([0])) for v in view_scores]
    with open(path, 'wb') as f:
        pickle.dump(results, f)


def test_ensemble_end_to_end(tmp_path, capsys):
    ann = tmp_path / 'test.txt'
    ann.write_text('a.mp4 0\nb.mp4 1\nc.mp4 2\n')
    # model 1 gets video 0 and 1 right, model 2 video 2 confidently
    m1 = [torch.tensor([[5., 0., 0.]]), torch.tensor([[0., 5., 0.]]),
          torch.tensor([[1., 0., 0.]])]
    m2 = [torch.tensor([[0., 1., 0.]]), torch.tensor([[0., 1., 0.]]),
          torch.tensor([[0., 0., 9.]])]
    write_dump(tmp_path / 'm1.pkl', m1)
    write_dump(tmp_path / 'm2.pkl', m2)
    assert main(['ensemble', str(tmp_path / 'm1.pkl'),
                 str(tmp_path / 'm2.pkl'), '--ann', str(ann)]) == 0
    assert 'top-1 100.00' in capsys.readouterr().out
    assert main(['ensemble', str(tmp_path / 'm1.pkl'), '--ann',
                 str(ann)]) == 0
    assert 'top-1 66.67' in capsys.readouterr().out
    (tmp_path / 'short.txt').write_text('a.mp4 0\n')
    with pytest.raises(ValueError, match='has 3 results'):
        main(['ensemble', str(tmp_path / 'm1.pkl'), '--ann',
              str(tmp_path / 'short.txt')])


def test_results_with_code_are_refused(tmp_path):
    marker = tmp_path / 'pwned'

    class Payload:
        def __reduce__(self):
            return os.system, (f'touch {marker}', )

    with open(tmp_path / 'evil.pkl', 'wb') as f:
        pickle.dump([{'view_scores': Payload()}], f)
    with pytest.raises(pickle.UnpicklingError, match='data only'):
        load_results(tmp_path / 'evil.pkl')
    assert not marker.exists()


@pytest.mark.slow
def test_dump_of_tdn_test_is_ensembled(tiny_config, trained_run, tmp_path,
                                       tiny_videos, capsys):
    dump = tmp_path / 'tiny.pkl'
    assert main(['test', tiny_config, str(trained_run / 'epoch_2.pth'),
                 '--work-dir', str(tmp_path), '--dump', str(dump)]) == 0
    capsys.readouterr()
    assert main(['ensemble', str(dump), str(dump), '--ann',
                 str(tiny_videos / 'list.txt')]) == 0
    assert '2 model(s), 8 videos' in capsys.readouterr().out
