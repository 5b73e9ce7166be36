"""lit configuration for tessel's FileCheck regression tests.

lit does not see the tools of an inactive virtual environment, so the directory of
the Python running lit (where pip put `tessel-opt` and `filecheck`) leads PATH.
"""

import os
import sys

import lit.formats

config.name = "tessel"  # noqa: F821 - lit injects `config`
config.test_format = lit.formats.ShTest(execute_external=False)  # noqa: F821
config.suffixes = [".mlir"]  # noqa: F821
config.test_source_root = os.path.dirname(__file__)  # noqa: F821
config.excludes = ["Inputs"]  # noqa: F821

bin_dir = os.path.dirname(sys.executable)
for tool in ("tessel-opt", "filecheck"):
    if not os.path.exists(os.path.join(bin_dir, tool)):
        lit_config.fatal(f"'{tool}' is not installed beside {sys.executable}; run pip install -e '.[test]'")  # noqa: F821
config.environment["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")  # noqa: F821
config.environment["PYTHONUNBUFFERED"] = "1"  # noqa: F821
