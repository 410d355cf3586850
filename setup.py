"""Build the leakdump native extension for the Python GDB embeds.

    /usr/bin/python3 setup.py build_ext --inplace

(`make` does the same and also builds the unit tests.)  `pip install .`
installs the package, the extension and the `leakdump` command
(leakdump.cli) for the Python it runs under.  The C core is every
.c file under ext/<layer>/ except ext/python/, the thin binding layer; the
warning and code-generation flags are read from the Makefile so that both
builds use one list.  pprof's profile.proto is compiled by protoc-c into
build/gen, as `make` does; that generated file is compiled on its own,
with the warnings not made errors, and linked in as an object.
"""
import glob
import os
import re
import subprocess
import sysconfig

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def rel(paths):
    return sorted(os.path.relpath(p, HERE) for p in paths)


CORE = rel(p for p in glob.glob(os.path.join(HERE, "ext", "*", "*.c"))
           if os.sep + "python" + os.sep not in p)
BINDING = rel(glob.glob(os.path.join(HERE, "ext", "python", "*.c")))


def makefile_flags(name):
    with open(os.path.join(HERE, "Makefile")) as f:
        m = re.search(r"^%s := (.*)$" % name, f.read(), re.M)
    return m.group(1).split()


def generated_object():
    gen = os.path.join(HERE, "build", "gen")
    os.makedirs(gen, exist_ok=True)
    subprocess.check_call(["protoc-c", "--proto_path=proto", "--c_out=" + gen,
                           "proto/profile.proto"], cwd=HERE)
    obj = os.path.join(gen, "profile.pb-c.o")
    cc = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()
    flags = [f for f in makefile_flags("WARN") if f != "-Werror"]
    subprocess.check_call(cc + ["-std=gnu11", "-fPIC", "-O2", "-g", "-I" + gen]
                          + flags + makefile_flags("CODEGEN")
                          + ["-c", "-o", obj, os.path.join(gen, "profile.pb-c.c")])
    return gen, obj


GEN, GEN_OBJ = generated_object()

setup(
    name="leakdump",
    version="0.1.0",
    description="Goroutine dumps of live Go processes and core files, in GDB",
    packages=["leakdump"],
    # `leakdump core EXE CORE ...` / `leakdump pid PID ...`: no debugger.
    entry_points={"console_scripts": ["leakdump = leakdump.cli:main"]},
    ext_modules=[
        Extension(
            "leakdump._leakdump",
            sources=BINDING + CORE,
            include_dirs=["include", "ext", GEN],
            libraries=["dw", "elf", "protobuf-c", "z"],
            extra_objects=[GEN_OBJ],
            define_macros=[("_GNU_SOURCE", None)],
            extra_compile_args=(["-std=gnu11", "-pthread"] + makefile_flags("WARN")
                                + makefile_flags("CODEGEN")),
            extra_link_args=["-pthread"],
        )
    ],
)
