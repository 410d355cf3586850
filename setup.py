"""Build the leakdump native extension for the Python GDB embeds.

    /usr/bin/python3 setup.py build_ext --inplace

(`make` does the same with the project's warning flags and also builds the
unit tests.)  The C core in ext/ has no Python in it; ext/python/ is the
thin binding layer.
"""
import glob

from setuptools import Extension, setup

CORE = sorted(glob.glob("ext/*.c"))
BINDING = sorted(glob.glob("ext/python/*.c"))

setup(
    name="leakdump",
    version="0.1.0",
    description="Goroutine dumps of live Go processes and core files, in GDB",
    packages=["leakdump"],
    ext_modules=[
        Extension(
            "leakdump._leakdump",
            sources=BINDING + CORE,
            include_dirs=["include"],
            libraries=["dw", "elf"],
            define_macros=[("_GNU_SOURCE", None)],
            extra_compile_args=["-std=gnu11", "-Wall", "-Wextra", "-Werror",
                                "-Wno-unused-parameter", "-Wshadow",
                                "-pthread"],
            extra_link_args=["-pthread"],
        )
    ],
)
