"""tdn_plugin: TDN and GTDNet for MMAction2 1.x."""
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

here = osp.dirname(osp.abspath(__file__))
version = {}
with open(osp.join(here, 'tdn_plugin', 'version.py')) as f:
    exec(f.read(), version)

with open(osp.join(here, 'README.md'), encoding='utf-8') as f:
    long_description = f.read()


def add_mim_extension() -> None:
    """Put configs/ and model-index.yml inside the package (tdn_plugin/.mim)
    when a wheel or sdist is built, as OpenMMLab packages do, so that a
    non-editable install carries them (`tdn CMD configs/tdn/X.py`,
    `tdn_plugin::tdn/X.py`, `mim search tdn_plugin`); an editable install
    reads them from the checkout."""
    if not any(c in sys.argv for c in ('bdist_wheel', 'sdist', 'build')):
        return
    mim = osp.join(here, 'tdn_plugin', '.mim')
    target = osp.join(mim, 'configs')
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(osp.join(here, 'configs'), target,
                    ignore=shutil.ignore_patterns('__pycache__'))
    shutil.copy(osp.join(here, 'model-index.yml'), mim)


add_mim_extension()

setup(
    name='tdn_plugin',
    version=version['__version__'],
    description='Temporal Difference Networks (TDN) and GTDNet for MMAction2',
    long_description=long_description,
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.10',
    packages=find_packages(include=['tdn_plugin', 'tdn_plugin.*']),
    include_package_data=True,
    package_data={
        'tdn_plugin': ['.mim/configs/**/*', '.mim/model-index.yml']
    },
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
        'tests': ['pytest>=7', 'ruff'],
        # tdn export / tdn infer --backend / tdn benchmark --backends
        # (the versions the tests ran with)
        'deploy': ['onnx>=1.23', 'onnxruntime>=1.32', 'openvino>=2026.4'],
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
