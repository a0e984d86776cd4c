"""tdn_plugin: TDN and GTDNet for MMAction2 1.x."""
import os.path as osp
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

here = osp.dirname(osp.abspath(__file__))
version = {}
with open(osp.join(here, 'tdn_plugin', 'version.py')) as f:
    exec(f.read(), version)

with open(osp.join(here, 'README.md'), encoding='utf-8') as f:
    long_description = f.read()


class BuildPyWithConfigs(build_py):
    """``build_py`` that also puts ``configs/`` and ``model-index.yml`` in
    the *build* copy of the package (``tdn_plugin/.mim``), as OpenMMLab
    packages ship them, so that a wheel carries them (``tdn CMD
    configs/tdn/X.py`` from any folder, ``tdn_plugin::tdn/X.py``, ``mim
    search tdn_plugin``).

    Rules: the source tree is never written (an old copy there would shadow
    later edits of ``configs/``); the copy is made afresh on every build, so
    a config deleted from ``configs/`` leaves the next wheel too; an
    editable install copies nothing and reads ``configs/`` of the checkout.
    """

    def run(self) -> None:
        super().run()
        if getattr(self, 'editable_mode', False):
            return
        mim = osp.join(self.build_lib, 'tdn_plugin', '.mim')
        shutil.rmtree(mim, ignore_errors=True)
        shutil.copytree(osp.join(here, 'configs'), osp.join(mim, 'configs'),
                        ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        shutil.copy(osp.join(here, 'model-index.yml'), mim)


setup(
    name='tdn_plugin',
    version=version['__version__'],
    description='Temporal Difference Networks (TDN) and GTDNet for MMAction2',
    long_description=long_description,
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.10',
    packages=find_packages(include=['tdn_plugin', 'tdn_plugin.*']),
    cmdclass={'build_py': BuildPyWithConfigs},
    install_requires=[
        # torch first, CPU build on CPU machines (see README / Makefile)
        'torch>=1.13',
        'mmaction2>=1.2.0,<1.3',
        'mmengine>=0.10.7,<1',
        # the video decoder (`import decord`): decord 0.6.0 where it has
        # wheels; its maintained fork decord2 (same module; the two must not
        # both be installed) on ARM (Linux aarch64, macOS arm64), where
        # decord has none. decord2 3.4.0 is not the default elsewhere yet:
        # it fails on some small frame widths (32, 96 px mp4v) that decord
        # reads, which the tests and `tdn demo --quick` use (README).
        'decord>=0.6.0; platform_machine != "aarch64" and '
        'platform_machine != "arm64"',
        'decord2>=3.4; platform_machine == "aarch64" or '
        'platform_machine == "arm64"',
        'numpy',
        'opencv-python',
        'importlib_metadata',  # imported by the mmaction2 1.2.0 wheel
        'setuptools<82',  # mmengine 0.10.7 needs pkg_resources
        'tqdm',
        'matplotlib',
    ],
    extras_require={
        # mmaction2 needs 2.0.0rc4 <= mmcv < 2.2.0: the pure-Python
        # mmcv-lite is enough for 2D recognizers; a full mmcv works too
        'lite': ['mmcv-lite==2.1.0'],
        'full': ['mmcv>=2.0.0rc4,<2.2.0'],
        # pytest-xdist: `make test` runs the tests on every core
        'tests': ['pytest>=7', 'pytest-xdist>=3', 'ruff',
                  'import-linter>=2'],
        # tdn export / tdn infer --backend / tdn benchmark --backends
        # (the versions the tests ran with)
        'deploy': ['onnx>=1.23', 'onnxruntime>=1.32', 'openvino>=2026.4'],
        # make docs: the site of README's guides (mkdocs.yml), strict
        'docs': ['mkdocs==1.6.1', 'mkdocs-material>=9.5,<10'],
    },
    py_modules=['tdn_plugin_cli'],
    entry_points={'console_scripts': ['tdn=tdn_plugin_cli:main']},
    classifiers=[
        'Programming Language :: Python :: 3',
        'Programming Language :: Python :: 3.10',
        'Programming Language :: Python :: 3.11',
        'Programming Language :: Python :: 3.12',
        'Programming Language :: Python :: 3.13',
        'License :: OSI Approved :: Apache Software License',
    ],
)
