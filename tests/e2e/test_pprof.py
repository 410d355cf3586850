"""leak-dump --format pprof against the runtime's own goroutine profile.

Every fixture also writes OUTDIR/oracle.pb.gz, pprof.Lookup("goroutine")
.WriteTo(w, 0), right after oracle.txt.  The profiles are read here with a
small profile.proto decoder (the C side encodes with libprotobuf-c; this is
an independent reader) and with `go tool pprof` itself:

  * the same stacks (every line of every location, runtime frames too)
    with the same counts as the runtime's, labels aside; the only
    difference is the goroutine that wrote the oracle: running inside
    runtime/pprof in the oracle, back in protocol.Serve's select when
    leak-dump looks;
  * the same location addresses, lines (inlined calls as several lines of
    one location), functions (name, system name, file, start line) and
    executable mapping (range, build id) as the runtime's;
  * labels: the state of each goroutine (from oracle.txt), the kind of
    object waited on, --prove's verdict, the goroutines' own pprof labels
    with --pprof-labels (the runtime labels its samples with them too);
  * `go tool pprof -base` of two exports of one process is empty, and of
    two processes of one binary shows exactly the runtime's difference.
"""

import collections
import gzip
import subprocess

import pytest

import godump
import harness


# ---------------------------------------------------------------------------
# a profile.proto reader

def _varint(b, i):
    shift = v = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        if c < 0x80:
            return v, i
        shift += 7


def _fields(b):
    i = 0
    while i < len(b):
        key, i = _varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(b, i)
        elif wt == 2:
            n, i = _varint(b, i)
            v, i = b[i:i + n], i + n
        elif wt == 1:
            v, i = int.from_bytes(b[i:i + 8], "little"), i + 8
        elif wt == 5:
            v, i = int.from_bytes(b[i:i + 4], "little"), i + 4
        else:
            raise AssertionError("wire type %d" % wt)
        yield num, wt, v


def _ints(wt, v):
    """A repeated integer field's value(s), packed or not."""
    if wt == 0:
        return [v]
    out, i = [], 0
    while i < len(v):
        x, i = _varint(v, i)
        out.append(x)
    return out


def _msg(b, repeated=()):
    out = {}
    for num, wt, v in _fields(b):
        if num in repeated:
            out.setdefault(num, []).extend(_ints(wt, v) if repeated[num] == "int"
                                           else [v])
        else:
            out[num] = v
    return out


Profile = collections.namedtuple(
    "Profile", "strings sample_type period_type period time_nanos samples "
               "locations functions mappings comments")
Sample = collections.namedtuple("Sample", "locs value labels")
Location = collections.namedtuple("Location", "address mapping lines")
Function = collections.namedtuple("Function", "name system_name file start_line")
Mapping = collections.namedtuple("Mapping", "id start limit offset file build_id")


def decode(path):
    p = _msg(gzip.decompress(path.read_bytes()),
             {1: "msg", 2: "msg", 3: "msg", 4: "msg", 5: "msg", 6: "msg",
              13: "int"})
    strs = [s.decode("utf-8", "replace") for s in p.get(6, [])]
    assert strs and strs[0] == "", "string_table[0] must be empty"

    def vt(b):
        m = _msg(b)
        return strs[m.get(1, 0)], strs[m.get(2, 0)]

    samples = []
    for b in p.get(2, []):
        m = _msg(b, {1: "int", 2: "int", 3: "msg"})
        labels = collections.defaultdict(list)
        for lb in m.get(3, []):
            lm = _msg(lb)
            labels[strs[lm.get(1, 0)]].append(strs[lm.get(2, 0)])
        samples.append(Sample(tuple(m.get(1, [])), m.get(2, []), dict(labels)))
    locations = {}
    for b in p.get(4, []):
        m = _msg(b, {4: "msg"})
        lines = tuple((_msg(lb).get(1, 0), _msg(lb).get(2, 0)) for lb in m.get(4, []))
        locations[m[1]] = Location(m.get(3, 0), m.get(2, 0), lines)
    functions = {}
    for b in p.get(5, []):
        m = _msg(b)
        functions[m[1]] = Function(strs[m.get(2, 0)], strs[m.get(3, 0)],
                                   strs[m.get(4, 0)], m.get(5, 0))
    mappings = []
    for b in p.get(3, []):
        m = _msg(b)
        mappings.append(Mapping(m.get(1, 0), m.get(2, 0), m.get(3, 0), m.get(4, 0),
                                strs[m.get(5, 0)], strs[m.get(6, 0)]))
    return Profile(strs, [vt(b) for b in p.get(1, [])], vt(p[11]) if 11 in p else None,
                   p.get(12, 0), p.get(9, 0), samples, locations, functions,
                   mappings, [strs[i] for i in p.get(13, [])])


def frames(prof, sample, depth=None):
    """Every line of every location, innermost first: (function, line).
    With depth, cut as the runtime cuts its profile's stacks: at depth
    frames, the last location kept whole (its inlined callers restored)."""
    out = []
    for lid in sample.locs:
        if depth is not None and len(out) >= depth:
            break
        for fid, line in prof.locations[lid].lines:
            out.append((prof.functions[fid].name, line))
    return tuple(out)


def stacks(prof, depth=None):
    """Goroutines per stack, labels ignored."""
    c = collections.Counter()
    for s in prof.samples:
        c[frames(prof, s, depth)] += s.value[0]
    return c


def runtime_depth(version):
    """The runtime's goroutine profile keeps this many frames of a stack
    (a StackRecord's 32 up to Go 1.22, debug.profstackdepth's default
    from 1.23); leak-dump keeps them all."""
    return 32 if int(version.split(".")[1]) <= 22 else 128


def _has(stack, function):
    return any(f == function for f, _ in stack)


def _without_writer(ours, theirs):
    """Take the oracle's writer out of both: in the oracle it is inside
    runtime/pprof.writeGoroutine; in ours, back in protocol.Serve's loop."""
    ours, theirs = collections.Counter(ours), collections.Counter(theirs)
    w = [s for s in theirs if _has(s, "runtime/pprof.writeGoroutine")]
    assert len(w) == 1 and theirs[w[0]] == 1, w
    del theirs[w[0]]
    w = [s for s in ours if _has(s, "leakdump.test/protocol.Serve")]
    assert len(w) == 1 and ours[w[0]] == 1, w
    del ours[w[0]]
    return ours, theirs


# ---------------------------------------------------------------------------
# running it


def go_tool():
    """The newest Go at hand: its pprof reads every release's profiles."""
    for v in reversed(harness.read_go_versions()):
        if harness.go_binary(v).exists():
            return str(harness.go_binary(v))
    return str(harness.go_binary(harness.go_versions()[-1]))


def export(target, out, extra=""):
    if out.exists():
        out.unlink()
    r = harness.run_gdb(target, ["leak-dump --format pprof --output %s %s" % (out, extra)])
    assert "Traceback" not in r.output, r.describe()
    assert not r.error_lines(), r.describe()
    assert out.exists(), r.describe()
    return decode(out)


def pprof(*args):
    r = subprocess.run([go_tool(), "tool", "pprof", "-symbolize=none", *map(str, args)],
                       capture_output=True, text=True, timeout=120,
                       env=dict(harness._go_env(), HOME="/tmp"))
    assert r.returncode == 0, r.stderr
    return r.stdout


def go_build_id(exe):
    r = subprocess.run([go_tool(), "tool", "buildid", str(exe)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def check_against_oracle(ours, oracle, exe, fp, version):
    assert ours.sample_type == [("goroutine", "count")]
    assert ours.period_type == ("goroutine", "count") and ours.period == 1
    assert ours.time_nanos > 0

    # Stacks and counts, labels ignored.
    mine, theirs = _without_writer(stacks(ours, runtime_depth(version)),
                                   stacks(oracle))
    assert mine == theirs

    # Locations at the same addresses carry the same lines, functions
    # the same names, files and start lines, as the runtime's.
    by_addr = {l.address: l for l in oracle.locations.values()}
    shared = multi = 0
    for loc in ours.locations.values():
        assert loc.mapping == 1, loc
        want = by_addr.get(loc.address)
        if want is None:
            continue   # the writer's own frames
        shared += 1
        got = [(ours.functions[f], n) for f, n in loc.lines]
        exp = [(oracle.functions[f], n) for f, n in want.lines]
        assert got == exp, (hex(loc.address), got, exp)
        multi += len(loc.lines) > 1
    assert shared >= len(ours.locations) - 3
    for fn in ours.functions.values():
        assert fn.name == fn.system_name and fn.file and fn.start_line > 0, fn

    # The executable's mapping: the runtime's range and build id (its GNU
    # build id; without one, the runtime writes none and we the Go one).
    assert len(ours.mappings) == 1
    m, om = ours.mappings[0], oracle.mappings[0]
    assert (m.id, m.start, m.limit, m.offset) == (1, om.start, om.limit, om.offset)
    assert m.file == str(exe)
    assert m.build_id == (om.build_id or go_build_id(exe)), (m.build_id, om.build_id)

    # One state label per sample; per state, as many goroutines as
    # oracle.txt shows in it (the writer aside: running there).
    states = collections.Counter()
    for s in ours.samples:
        assert len(s.labels.get("state", [])) == 1, s.labels
        if not _has(frames(ours, s), "leakdump.test/protocol.Serve"):
            states[s.labels["state"][0]] += s.value[0]
    want = collections.Counter(g.status.split(",")[0].strip()
                               for goid, g in godump.parse(fp.oracle_text).items()
                               if goid != fp.writer)
    assert states == want
    return multi


@pytest.mark.fixtures("parked", "many")
@pytest.mark.parametrize("mode", ["live", "core"])
def test_pprof_matches_runtime_profile(go_version, fixture_name, mode, spawn, cores,
                                       tool, tmp_path):
    if mode == "live":
        fp = spawn(go_version, fixture_name)
        exe, target = fp.exe, harness.live_target(fp.pid)
    else:
        exe, core, fp = cores.get(go_version, fixture_name)
        target = harness.core_target(exe, core)
    ours = export(target, tmp_path / "ours.pb.gz")
    oracle = decode(fp.outdir / "oracle.pb.gz")
    multi = check_against_oracle(ours, oracle, exe, fp, go_version)
    if fixture_name == "many":
        # sync.Mutex.Lock is inlined into main.manyMutex: one location.
        assert multi >= 1
        kinds = {"main.manyChanRecv": "chan", "main.manyChanSend": "chan",
                 "main.manySelect": "chan", "main.manyMutex": "mutex",
                 "main.manyWaitGroup": "waitgroup"}
        seen = set()
        for s in ours.samples:
            for fn, kind in kinds.items():
                if _has(frames(ours, s), fn):
                    assert s.labels.get("blocking") == [kind], (fn, s.labels)
                    seen.add(fn)
        assert seen == set(kinds)
    # pprof itself reads it, and shows the same totals.
    raw = pprof("-raw", tmp_path / "ours.pb.gz")
    assert "PeriodType: goroutine count" in raw
    assert "state:[" in raw


@pytest.mark.parametrize("variant", ["stripped", "stripped-pie"])
def test_pprof_stripped(go_version, variant, spawn, builds, tool, tmp_path):
    """No symbols, no DWARF (and a PIE: the mapping and addresses move)."""
    flags = ("-buildmode=pie",) if variant == "stripped-pie" else ()
    exe = builds.exe(go_version, "parked", variant=variant, ldflags="-s -w",
                     flags=flags)
    fp = spawn(go_version, "parked", exe=exe)
    ours = export(harness.live_target(fp.pid), tmp_path / "ours.pb.gz",
                  "--pprof-labels")
    oracle = decode(fp.outdir / "oracle.pb.gz")
    check_against_oracle(ours, oracle, exe, fp, go_version)
    check_user_labels(ours, oracle, go_version)


def test_pprof_labels_and_verdicts(go_version, spawn, tool, tmp_path):
    """--pprof-labels: the goroutines' own labels, as the runtime labels
    its samples; --prove: a verdict per sample, leaked for what can never
    proceed (nil channels, select {})."""
    fp = spawn(go_version, "parked")
    target = harness.live_target(fp.pid)
    ours = export(target, tmp_path / "ours.pb.gz", "--prove --pprof-labels")
    oracle = decode(fp.outdir / "oracle.pb.gz")
    keys = check_user_labels(ours, oracle, go_version)

    never = ("chan receive (nil chan)", "chan send (nil chan)", "select (no cases)")
    verdicts = collections.Counter()
    for s in ours.samples:
        assert len(s.labels.get("verdict", [])) == 1, s.labels
        verdicts[s.labels["verdict"][0]] += s.value[0]
        if s.labels["state"][0] in never:
            assert s.labels["verdict"] == ["leaked"], s.labels
    assert verdicts["leaked"] >= 3 and verdicts["may-wake"] > 0, verdicts

    # Without --pprof-labels, no user label splits a sample.
    plain = export(target, tmp_path / "plain.pb.gz")
    assert not {k for s in plain.samples for k in s.labels} & keys


def check_user_labels(ours, oracle, version):
    """The program's own labels: on the same stacks, with the same
    counts, as the runtime's profile carries them."""
    def user_labels(s):
        return tuple(sorted((k, tuple(v)) for k, v in s.labels.items() if k in keys))

    keys = {k for s in oracle.samples for k in s.labels}
    assert keys, "the parked fixture labels a goroutine"
    depth = runtime_depth(version)
    want = collections.Counter()
    for s in oracle.samples:
        if not _has(frames(oracle, s), "runtime/pprof.writeGoroutine"):
            want[(frames(oracle, s), user_labels(s))] += s.value[0]
    got = collections.Counter()
    for s in ours.samples:
        if not _has(frames(ours, s), "leakdump.test/protocol.Serve"):
            got[(frames(ours, s, depth), user_labels(s))] += s.value[0]
    assert got == want
    return keys


def _diff(base, new, out):
    """go tool pprof -base BASE NEW, as a profile: goroutines per stack."""
    with open(out, "wb") as f:
        r = subprocess.run([go_tool(), "tool", "pprof", "-symbolize=none", "-proto",
                            "-base", str(base), str(new)], stdout=f,
                           stderr=subprocess.PIPE, text=False, timeout=120,
                           env=dict(harness._go_env(), HOME="/tmp"))
    assert r.returncode == 0, r.stderr
    return collections.Counter({k: v for k, v in stacks(decode(out)).items() if v})


def test_pprof_base_subtracts(go_version, spawn, builds, tool, tmp_path):
    """Two exports of one process, taken apart in time, cancel exactly;
    two processes of one binary differ by what the runtime says."""
    a = spawn(go_version, "many", args=["1000"])
    t = harness.live_target(a.pid)
    first = export(t, tmp_path / "a1.pb.gz", "--prove")
    a.ping()
    second = export(t, tmp_path / "a2.pb.gz", "--prove")
    assert first.time_nanos < second.time_nanos
    assert not _diff(tmp_path / "a1.pb.gz", tmp_path / "a2.pb.gz", tmp_path / "d0.pb.gz")

    b = spawn(go_version, "many", args=["1250"], exe=a.exe)
    export(harness.live_target(b.pid), tmp_path / "b.pb.gz", "--prove")
    growth = _diff(tmp_path / "a1.pb.gz", tmp_path / "b.pb.gz", tmp_path / "d1.pb.gz")
    oa, ob = (stacks(decode(p.outdir / "oracle.pb.gz")) for p in (a, b))
    want = collections.Counter(ob)
    want.subtract(oa)
    want = collections.Counter({k: v for k, v in want.items() if v})
    assert growth == want and sorted(growth.values()) == [50] * 5, growth
